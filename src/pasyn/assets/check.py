"""Sanity checks of a keypoint map on its model: does the standing animal's skeleton look like a quadruped's?

The 17 AP-10K keypoints (world, Z up) are evaluated on a standing frame and tested against anatomy in the animal's
own frame: forward = neck - root_of_tail on the ground plane, up = +Z, left = up x forward (the animal's left).
Thresholds are fractions of the body length L (neck to root of tail, on the ground) or the shoulder height H,
so they hold for a pug and a cow alike. Every failure is reported, each naming the model and the keypoints.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pasyn.assets.keypoint_map import KeypointMap
from pasyn.assets.model import AnimalModel
from pasyn.data.ap10k import FLIP_PAIRS, KEYPOINT_NAMES

IDX = {name: k for k, name in enumerate(KEYPOINT_NAMES)}
PAWS = ("left_front_paw", "right_front_paw", "left_back_paw", "right_back_paw")
# (paw, middle joint, top joint) per leg: each lower than the next
LEGS = (("left_front_paw", "left_elbow", "left_shoulder"), ("right_front_paw", "right_elbow", "right_shoulder"),
        ("left_back_paw", "left_knee", "left_hip"), ("right_back_paw", "right_knee", "right_hip"))

EYE_NOSE_MAX = 0.45        # x L: the eyes sit on the head, near the muzzle
PAIR_MIN_SEPARATION = 0.005  # x L: a left keypoint must be at least this far left of its right twin
SHOULDER_AHEAD_OF_HIP = 0.25  # x L
NECK_BEHIND_SHOULDER_MAX = 0.15  # x L: the neck base may sit a little behind the elbow-region "shoulder"
NOSE_AHEAD_OF_NECK = 0.1   # x L
PAW_GROUND_MAX = 0.15      # x H: a paw keypoint is near the ground contact
BBOX_PADDING = 0.05        # x the bounding box diagonal


@dataclass(frozen=True)
class CheckFailure:
    model: str
    rule: str
    keypoints: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return f"{self.model}: [{self.rule}] {self.message}"


def animal_frame(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(17, 3) keypoints -> unit (forward, left) vectors on the ground plane; up is +Z."""
    forward = points[IDX["neck"]] - points[IDX["root_of_tail"]]
    forward[2] = 0.0
    norm = np.linalg.norm(forward)
    forward = forward / norm if norm > 0 else np.array([1.0, 0.0, 0.0])
    left = np.cross([0.0, 0.0, 1.0], forward)
    return forward, left


def standing_frame(model: AnimalModel, kmap: KeypointMap, clip: str | None = None) -> tuple[np.ndarray, str]:
    """(J, 4, 4) world transforms of the frame to check and its label: the first frame of `clip` when given,
    else the rest pose, or the first Idle frame when the rest pose does not stand on its four paws."""
    if clip is not None:
        c = model.clip(clip)
        return model.global_transforms(model.pose_at(c, c.start)), f"{clip} t={c.start:.2f}s"
    rest = model.global_transforms()
    if _is_standing(model, kmap, rest):
        return rest, "rest pose"
    idle = next((name for name in model.clips if name.lower().startswith("idle")), None)
    if idle is not None:
        c = model.clips[idle]
        world = model.global_transforms(model.pose_at(c, c.start))
        if _is_standing(model, kmap, world):
            return world, f"{idle} t={c.start:.2f}s"
    return rest, "rest pose"


def _is_standing(model: AnimalModel, kmap: KeypointMap, world: np.ndarray) -> bool:
    points = kmap.locate(model, world)
    if not np.isfinite(points).all():
        return False
    ground = model.skin(world)[:, 2].min()
    paws = points[[IDX[p] for p in PAWS], 2]
    others = np.delete(points[:, 2], [IDX[p] for p in PAWS])
    height = max(points[[IDX["left_shoulder"], IDX["right_shoulder"]], 2].mean() - ground, 1e-9)
    return bool(paws.max() < others.min() and (paws - ground).max() < PAW_GROUND_MAX * height)


def check_keypoints(points: np.ndarray, name: str, bounds: tuple[np.ndarray, np.ndarray] | None = None,
                    ground: float | None = None, where: str = "") -> list[CheckFailure]:
    """All rule failures of (17, 3) world keypoints of a standing animal. bounds: (lo, hi) of its mesh;
    ground: the lowest mesh height. Both optional (their rules are skipped)."""
    failures: list[CheckFailure] = []
    suffix = f" ({where})" if where else ""

    def fail(rule: str, keypoints: tuple[str, ...], message: str):
        failures.append(CheckFailure(name, rule, keypoints, message + suffix))

    bad = [KEYPOINT_NAMES[k] for k in np.flatnonzero(~np.isfinite(points).all(axis=1))]
    if bad:
        fail("finite", tuple(bad), f"non-finite keypoints: {', '.join(bad)}")
        return failures

    p = {n: points[k] for n, k in IDX.items()}
    forward, left = animal_frame(points)
    fwd = {n: float(v @ forward) for n, v in p.items()}
    lat = {n: float(v @ left) for n, v in p.items()}
    z = {n: float(v[2]) for n, v in p.items()}
    length = np.linalg.norm((p["neck"] - p["root_of_tail"])[:2])
    if length <= 1e-9:
        fail("body", ("neck", "root_of_tail"), "neck and root_of_tail coincide on the ground plane: no body axis")
        return failures
    floor = ground if ground is not None else min(z[n] for n in PAWS)
    height = max(np.mean([z["left_shoulder"], z["right_shoulder"]]) - floor, 1e-9)

    # legs: paw below the middle joint below the top joint; paws the lowest keypoints, near the ground
    for paw, middle, top in LEGS:
        if not z[paw] < z[middle]:
            fail("leg-order", (paw, middle), f"{paw} (z={z[paw]:.3f}) is not below {middle} (z={z[middle]:.3f})")
        if not z[middle] < z[top]:
            fail("leg-order", (middle, top), f"{middle} (z={z[middle]:.3f}) is not below {top} (z={z[top]:.3f})")
    non_paws = [n for n in KEYPOINT_NAMES if n not in PAWS]
    lowest_other = min(non_paws, key=z.get)
    for paw in PAWS:
        if not z[paw] < z[lowest_other]:
            fail("paws-lowest", (paw, lowest_other),
                 f"{paw} (z={z[paw]:.3f}) is not below every other keypoint: {lowest_other} z={z[lowest_other]:.3f}")
        if z[paw] - floor > PAW_GROUND_MAX * height:
            fail("paw-ground", (paw,), f"{paw} is {z[paw] - floor:.3f} above the ground, more than "
                                       f"{PAW_GROUND_MAX} x shoulder height ({height:.3f})")

    # left/right: every left_* keypoint on the animal's left of its right_* twin
    for a, b in FLIP_PAIRS:
        left_name, right_name = KEYPOINT_NAMES[a], KEYPOINT_NAMES[b]
        gap = lat[left_name] - lat[right_name]
        if gap < PAIR_MIN_SEPARATION * length:
            fail("left-right", (left_name, right_name),
                 f"{left_name} is not on the animal's left of {right_name} (lateral gap {gap:+.3f}, "
                 f"need > {PAIR_MIN_SEPARATION * length:.3f}); left/right swapped?")

    # head: eyes near the nose; nose ahead of the neck; eyes ahead of the neck
    for eye in ("left_eye", "right_eye"):
        dist = float(np.linalg.norm(p[eye] - p["nose"]))
        if dist > EYE_NOSE_MAX * length:
            fail("eye-nose", (eye, "nose"), f"{eye} is {dist:.3f} from the nose, more than {EYE_NOSE_MAX} x body "
                                            f"length ({length:.3f})")
        if not fwd[eye] > fwd["neck"]:
            fail("head-order", (eye, "neck"), f"{eye} is not ahead of the neck")
    if fwd["nose"] - fwd["neck"] < NOSE_AHEAD_OF_NECK * length:
        fail("head-order", ("nose", "neck"), f"nose is only {fwd['nose'] - fwd['neck']:+.3f} ahead of the neck, "
                                             f"need {NOSE_AHEAD_OF_NECK} x body length")

    # body: shoulders ahead of hips, neck at or ahead of the shoulders and above them, tail root behind the hips
    for side in ("left", "right"):
        shoulder, hip = f"{side}_shoulder", f"{side}_hip"
        if fwd[shoulder] - fwd[hip] < SHOULDER_AHEAD_OF_HIP * length:
            fail("body-order", (shoulder, hip), f"{shoulder} is only {fwd[shoulder] - fwd[hip]:+.3f} ahead of "
                                                f"{hip}, need {SHOULDER_AHEAD_OF_HIP} x body length")
        if not fwd["root_of_tail"] < fwd[hip]:
            fail("body-order", ("root_of_tail", hip), f"root_of_tail is not behind {hip}")
    shoulders_fwd = (fwd["left_shoulder"] + fwd["right_shoulder"]) / 2
    if fwd["neck"] < shoulders_fwd - NECK_BEHIND_SHOULDER_MAX * length:
        fail("body-order", ("neck", "left_shoulder", "right_shoulder"),
             f"neck is {shoulders_fwd - fwd['neck']:.3f} behind the shoulders' midpoint, more than "
             f"{NECK_BEHIND_SHOULDER_MAX} x body length")
    if not z["neck"] > (z["left_shoulder"] + z["right_shoulder"]) / 2:
        fail("body-order", ("neck", "left_shoulder", "right_shoulder"), "neck is not above the shoulders")

    if bounds is not None:
        lo, hi = bounds
        pad = BBOX_PADDING * float(np.linalg.norm(hi - lo))
        outside = [n for n, v in p.items() if np.any(v < lo - pad) or np.any(v > hi + pad)]
        if outside:
            fail("inside-mesh-box", tuple(outside), f"outside the mesh's bounding box (padded {pad:.3f}): "
                                                    f"{', '.join(outside)}")
    return failures


def check_animal(model: AnimalModel, kmap: KeypointMap, clip: str | None = None) -> list[CheckFailure]:
    """Every failure of the anatomy rules on a standing frame (see standing_frame); [] means the map passes."""
    world, label = standing_frame(model, kmap, clip)
    points = kmap.locate(model, world)
    vertices = model.skin(world)
    return check_keypoints(points, model.name, bounds=(vertices.min(axis=0), vertices.max(axis=0)),
                           ground=float(vertices[:, 2].min()), where=label)
