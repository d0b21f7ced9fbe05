"""Seeded scene sampling in pure numpy: model shape, pose, placement, camera, light and coat of one sample.

Sample i draws everything from `np.random.default_rng([seed, i])`, so it depends only on (seed, i) and any index
range can be rendered anywhere, in any order. The animal is posed and skinned here (the assets stage's skinning),
so the labels and the pixels Blender renders come from the same (V, 3) world vertices.
Shapes: V vertices, K = 17 keypoints, J joints; world is Z up, the ground is z = 0.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pasyn.assets.keypoint_map import KeypointMap
from pasyn.assets.model import AnimalModel
from pasyn.data.ap10k import KEYPOINT_INDEX
from pasyn.render.camera import Camera, look_at
from pasyn.render.config import RenderConfig

# (model, kmap, rng) -> ((J, 4, 4) local pose, a short label of where it came from)
PoseSource = Callable[[AnimalModel, KeypointMap, np.random.Generator], tuple[np.ndarray, str]]
# shape index -> the model with that shape (the pipeline caches them)
ModelSource = Callable[[int], tuple[AnimalModel, KeypointMap]]

_FRAMING_VERTICES = 4000  # framing uses at most this many vertices: the box barely changes, the cost does


@dataclass(frozen=True)
class Light:
    hdri: str
    rotation_deg: float
    strength: float


@dataclass(frozen=True)
class Coat:
    hue_shift: float
    saturation: float
    value: float


@dataclass
class SceneSample:
    index: int
    seed: int
    shape_index: int
    pose_label: str
    yaw_deg: float
    model: AnimalModel
    vertices: np.ndarray  # (V, 3) posed world vertices, lowest at z = 0
    keypoints_world: np.ndarray  # (K, 3)
    camera: Camera
    light: Light
    coat: Coat

    @property
    def animal_size(self) -> float:
        """Diagonal of the posed animal's box: the length scale of label tolerances."""
        return float(np.linalg.norm(self.vertices.max(axis=0) - self.vertices.min(axis=0)))

    def record(self) -> dict:
        """How this sample was made, JSON-ready (stored under the image's "pasyn" key)."""
        return {
            "index": self.index, "seed": self.seed, "model": self.model.name, "shape_index": self.shape_index,
            "pose": self.pose_label, "yaw_deg": round(self.yaw_deg, 6), "camera": self.camera.to_dict(),
            "light": {"hdri": self.light.hdri, "rotation_deg": round(self.light.rotation_deg, 6),
                      "strength": round(self.light.strength, 6)},
            "coat": {"hue_shift": round(self.coat.hue_shift, 6), "saturation": round(self.coat.saturation, 6),
                     "value": round(self.coat.value, 6)},
        }


def sample_rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(index)])


def shape_index_of(seed: int, index: int, n_shapes: int) -> int:
    """The model shape sample `index` uses: the first draw of its generator (as sample_scene draws it)."""
    return int(sample_rng(seed, index).integers(n_shapes))


# ---------------------------------------------------------------------------------------------------- poses

def clip_pose_source(exclude: tuple[str, ...] = ()) -> PoseSource:
    """Poses from the model's own clips at uniform random times (rest pose where no clip is left)."""
    def draw(model: AnimalModel, kmap: KeypointMap, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        names = sorted(n for n in model.clips if not any(x.lower() in n.lower() for x in exclude))
        if not names:
            return model.rest_pose(), "rest"
        name = names[int(rng.integers(len(names)))]
        clip = model.clips[name]
        t = float(rng.uniform(clip.start, max(clip.duration, clip.start)))
        return model.pose_at(clip, t), f"clip:{name}@{t:.4f}"
    return draw


def rest_pose_source() -> PoseSource:
    return lambda model, kmap, rng: (model.rest_pose(), "rest")


def prior_pose_source(prior_or_method, label: str) -> PoseSource:
    """Poses from pasyn.prior.sample_local_poses (a fitted PosePrior or a method name such as 'uniform')."""
    from pasyn.prior import sample_local_poses

    def draw(model: AnimalModel, kmap: KeypointMap, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        return np.asarray(sample_local_poses(prior_or_method, model, kmap, 1, rng))[0], label
    return draw


# ---------------------------------------------------------------------------------------------------- geometry

def rotation_z(deg: float) -> np.ndarray:
    c, s = np.cos(np.deg2rad(deg)), np.sin(np.deg2rad(deg))
    m = np.eye(4)
    m[:2, :2] = [[c, -s], [s, c]]
    return m


def place_on_ground(model: AnimalModel, pose: np.ndarray, yaw_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Turn the posed animal by yaw, centre it over the origin and lower it until its lowest vertex touches z = 0.

    Returns (J, 4, 4) world joint transforms and (V, 3) world vertices.
    """
    world = rotation_z(yaw_deg) @ model.global_transforms(pose)
    vertices = model.skin(world)
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    offset = np.array([-(low[0] + high[0]) / 2, -(low[1] + high[1]) / 2, -low[2]])
    world[:, :3, 3] += offset
    return world, vertices + offset


def _side_favouring_azimuth(rng: np.random.Generator, cfg: RenderConfig) -> float:
    """Degrees from the animal's facing direction: flanks (+-90) with prob side_view_prob, else uniform."""
    if rng.uniform() < cfg.side_view_prob:
        flank = 90.0 if rng.uniform() < 0.5 else -90.0
        return flank + np.rad2deg(rng.vonmises(0.0, cfg.side_view_kappa))
    return float(rng.uniform(-180.0, 180.0))


def _heading_deg(keypoints: np.ndarray) -> float:
    """Compass direction the animal faces: from the root of the tail to the nose, on the ground plane."""
    d = keypoints[KEYPOINT_INDEX["nose"]] - keypoints[KEYPOINT_INDEX["root_of_tail"]]
    return float(np.rad2deg(np.arctan2(d[1], d[0]))) if np.hypot(d[0], d[1]) > 1e-9 else 0.0


def frame_camera(points: np.ndarray, azimuth_deg: float, elevation_deg: float, roll_deg: float, focal_mm: float,
                 fill: float, centre_uv: tuple[float, float], cfg: RenderConfig) -> Camera:
    """A camera looking at the points' box centre from (azimuth, elevation), at the distance where the longer
    side of the points' image box is `fill` of the image side, then lens-shifted so the box centre lands at
    centre_uv (pixels)."""
    size = cfg.size
    target = (points.min(axis=0) + points.max(axis=0)) / 2
    radius = float(np.linalg.norm(points - target, axis=1).max())
    az, el = np.deg2rad(azimuth_deg), np.deg2rad(elevation_deg)
    direction = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    distance = max(radius, 1e-6) * focal_mm / cfg.sensor_mm / fill * 2
    for _ in range(6):  # the box shrinks ~ 1/distance; a few fixed-point steps absorb the perspective
        cam = Camera(look_at(target + distance * direction, target, roll_deg), focal_mm, cfg.sensor_mm, size, size)
        uv, _ = cam.project(points)
        extent = float((uv.max(axis=0) - uv.min(axis=0)).max()) / size
        distance = max(distance * extent / fill, 1.05 * radius)  # never inside the animal's bounding sphere
    cam = Camera(look_at(target + distance * direction, target, roll_deg), focal_mm, cfg.sensor_mm, size, size)
    uv, _ = cam.project(points)
    box_centre = (uv.min(axis=0) + uv.max(axis=0)) / 2
    shift_x = -(centre_uv[0] - box_centre[0]) / size
    shift_y = (centre_uv[1] - box_centre[1]) / size
    return Camera(cam.matrix_world, focal_mm, cfg.sensor_mm, size, size, float(shift_x), float(shift_y))


def sample_scene(index: int, seed: int, cfg: RenderConfig, models: ModelSource, n_shapes: int,
                 poses: PoseSource, hdris: list[str]) -> SceneSample:
    """Everything random about sample `index`, from (seed, index) alone. Draw order is fixed: do not reorder."""
    if not hdris:
        raise ValueError("sample_scene: no HDRIs to choose from")
    rng = sample_rng(seed, index)
    shape_index = int(rng.integers(n_shapes))  # first draw: shape_index_of() relies on it
    model, kmap = models(shape_index)
    pose, pose_label = poses(model, kmap, rng)
    yaw = float(rng.uniform(*cfg.yaw))
    world, vertices = place_on_ground(model, pose, yaw)
    keypoints = kmap.locate(model, world)

    azimuth = _heading_deg(keypoints) + _side_favouring_azimuth(rng, cfg)
    elevation = float(rng.uniform(*cfg.elevation))
    focal = float(rng.uniform(*cfg.focal_mm))
    roll = float(rng.uniform(*cfg.roll))
    fill = float(rng.uniform(*cfg.fill))
    framing = vertices[::max(1, len(vertices) // _FRAMING_VERTICES)]
    # where the box centre goes: anywhere that keeps the box inside the image, give or take the overflow
    centred = frame_camera(framing, azimuth, elevation, roll, focal, fill, (cfg.size / 2, cfg.size / 2), cfg)
    uv, _ = centred.project(framing)
    half = (uv.max(axis=0) - uv.min(axis=0)) / 2
    slack = np.maximum(cfg.size / 2 - half + cfg.overflow * cfg.size, 0.0)
    centre = cfg.size / 2 + rng.uniform(-1.0, 1.0, size=2) * slack
    camera = Camera(centred.matrix_world, focal, cfg.sensor_mm, cfg.size, cfg.size,
                    centred.shift_x - (centre[0] - cfg.size / 2) / cfg.size,
                    centred.shift_y + (centre[1] - cfg.size / 2) / cfg.size)

    light = Light(hdris[int(rng.integers(len(hdris)))], float(rng.uniform(*cfg.hdri_rotation)),
                  float(rng.uniform(*cfg.hdri_strength)))
    coat = Coat(float(rng.uniform(*cfg.hue_shift)), float(rng.uniform(*cfg.saturation)),
                float(rng.uniform(*cfg.value)))
    return SceneSample(index, seed, shape_index, pose_label, yaw, model, vertices, keypoints, camera, light, coat)
