"""AnimalModel: a rigged, animated animal in plain numpy (mesh, skeleton, clips, materials) and skinning.

Conventions, fixed for the whole package:
- World space is right-handed, Z up, metres as the model gives them. Loaders convert (glTF is Y up).
- J joints, V vertices, F triangles. Transforms are 4x4 float64 matrices acting on column vectors.
- A *pose* is the (J, 4, 4) array of local joint transforms (relative to the parent joint);
  `global_transforms(pose)` turns it into (J, 4, 4) world transforms, `skin(...)` into (V, 3) vertices.
- Quaternions are (x, y, z, w), as glTF stores them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """(..., 4) quaternions (x, y, z, w), any norm > 0 -> (..., 3, 3) rotation matrices."""
    q = np.asarray(q, dtype=float)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    x, y, z, w = np.moveaxis(q, -1, 0)
    return np.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
        2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
        2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
    ], axis=-1).reshape(q.shape[:-1] + (3, 3))


def matrix_to_quat(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices -> (..., 4) unit quaternions (x, y, z, w) with w >= 0."""
    m = np.asarray(m, dtype=float)
    shape = m.shape[:-2]
    m = m.reshape(-1, 3, 3)
    q = np.empty((len(m), 4))
    for i, r in enumerate(m):  # Shepperd's method: pick the largest diagonal term for stability
        t = np.trace(r)
        if t > 0:
            s = np.sqrt(t + 1.0) * 2
            q[i] = [(r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s, s / 4]
        elif r[0, 0] > r[1, 1] and r[0, 0] > r[2, 2]:
            s = np.sqrt(1.0 + r[0, 0] - r[1, 1] - r[2, 2]) * 2
            q[i] = [s / 4, (r[0, 1] + r[1, 0]) / s, (r[0, 2] + r[2, 0]) / s, (r[2, 1] - r[1, 2]) / s]
        elif r[1, 1] > r[2, 2]:
            s = np.sqrt(1.0 + r[1, 1] - r[0, 0] - r[2, 2]) * 2
            q[i] = [(r[0, 1] + r[1, 0]) / s, s / 4, (r[1, 2] + r[2, 1]) / s, (r[0, 2] - r[2, 0]) / s]
        else:
            s = np.sqrt(1.0 + r[2, 2] - r[0, 0] - r[1, 1]) * 2
            q[i] = [(r[0, 2] + r[2, 0]) / s, (r[1, 2] + r[2, 1]) / s, s / 4, (r[1, 0] - r[0, 1]) / s]
    q[q[:, 3] < 0] *= -1
    return q.reshape(shape + (4,))


def slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Spherical interpolation of (..., 4) quaternions, shortest arc."""
    q0, q1 = np.asarray(q0, float), np.asarray(q1, float)
    t = np.asarray(t, float)[..., None]
    dot = np.sum(q0 * q1, axis=-1, keepdims=True)
    q1 = np.where(dot < 0, -q1, q1)
    dot = np.abs(dot)
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    sin = np.sin(theta)
    near = sin < 1e-6  # nearly equal: linear interpolation is exact enough and avoids 0/0
    w0 = np.where(near, 1 - t, np.sin((1 - t) * theta) / np.where(near, 1, sin))
    w1 = np.where(near, t, np.sin(t * theta) / np.where(near, 1, sin))
    q = w0 * q0 + w1 * q1
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def compose_trs(translation: np.ndarray, rotation: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(..., 3), (..., 4) xyzw, (..., 3) -> (..., 4, 4) matrices T @ R @ S."""
    translation, rotation, scale = (np.asarray(a, float) for a in (translation, rotation, scale))
    shape = np.broadcast_shapes(translation.shape[:-1], rotation.shape[:-1], scale.shape[:-1])
    m = np.zeros(shape + (4, 4))
    m[..., :3, :3] = quat_to_matrix(rotation) * scale[..., None, :]
    m[..., :3, 3] = translation
    m[..., 3, 3] = 1.0
    return m


@dataclass
class Skeleton:
    """Joints in topological order (every parent before its children).

    parents: (J,) int, -1 for a root. rest_local: (J, 4, 4) local rest transforms.
    inverse_bind: (J, 4, 4) bind-space -> joint-space matrices (glTF inverseBindMatrices).
    root_transform: (4, 4) applied above every root: the fixed ancestors of the armature in the file and the
    axis conversion to Z-up world space.
    """

    names: list[str]
    parents: np.ndarray
    rest_local: np.ndarray
    inverse_bind: np.ndarray
    root_transform: np.ndarray = field(default_factory=lambda: np.eye(4))

    def __post_init__(self):
        self.parents = np.asarray(self.parents, dtype=int)
        for j, p in enumerate(self.parents):
            if p >= j:
                raise ValueError(f"skeleton joints are not in topological order: joint {self.names[j]!r} "
                                 f"(index {j}) has parent index {p}")
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"duplicate joint names in skeleton: {self.names}")

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no joint named {name!r}; joints: {', '.join(self.names)}") from None

    def children(self, j: int) -> list[int]:
        return [c for c, p in enumerate(self.parents) if p == j]

    def global_transforms(self, local: np.ndarray) -> np.ndarray:
        """(J, 4, 4) local transforms -> (J, 4, 4) world transforms (forward kinematics)."""
        world = np.empty_like(local, dtype=float)
        for j, p in enumerate(self.parents):
            world[j] = (self.root_transform if p < 0 else world[p]) @ local[j]
        return world


@dataclass
class Clip:
    """An animation clip: per-joint keyframed translation / rotation / scale channels, linear / slerp sampled.

    channels maps (joint index, 'translation' | 'rotation' | 'scale') -> (times (T,), values (T, 3 or 4)).
    Joints or channels without keys keep their rest value.
    """

    name: str
    channels: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]]

    @property
    def duration(self) -> float:
        ends = [times[-1] for times, _ in self.channels.values() if len(times)]
        return float(max(ends)) if ends else 0.0

    @property
    def start(self) -> float:
        starts = [times[0] for times, _ in self.channels.values() if len(times)]
        return float(min(starts)) if starts else 0.0

    def keyframe_times(self) -> np.ndarray:
        """All distinct key times of the clip, sorted."""
        return np.unique(np.concatenate([times for times, _ in self.channels.values()] or [np.zeros(0)]))


def _sample_channel(times: np.ndarray, values: np.ndarray, t: float, is_rotation: bool) -> np.ndarray:
    if t <= times[0]:
        return values[0]
    if t >= times[-1]:
        return values[-1]
    k = int(np.searchsorted(times, t, side="right")) - 1
    f = (t - times[k]) / (times[k + 1] - times[k])
    if is_rotation:
        return slerp(values[k], values[k + 1], f)
    return (1 - f) * values[k] + f * values[k + 1]


@dataclass
class Material:
    """Base colour (RGBA in 0..1, linear as glTF stores it) and an optional sRGB texture (H, W, 3|4) uint8."""

    name: str
    base_color: np.ndarray
    texture: np.ndarray | None = None


@dataclass
class Mesh:
    """One skinned triangle mesh (all primitives of a model merged).

    vertices (V, 3) bind-space positions; faces (F, 3) int; uvs (V, 2) or None (glTF convention, v down);
    joints (V, 4) int and weights (V, 4) float (rows sum to 1); face_material (F,) index into materials.
    """

    vertices: np.ndarray
    faces: np.ndarray
    joints: np.ndarray
    weights: np.ndarray
    materials: list[Material]
    face_material: np.ndarray
    uvs: np.ndarray | None = None
    normals: np.ndarray | None = None


@dataclass
class AnimalModel:
    """A rigged animal: skinned mesh, skeleton with rest pose, named clips; species is an AP-10K name."""

    name: str
    species: str
    mesh: Mesh
    skeleton: Skeleton
    clips: dict[str, Clip]
    source: str = "builtin"

    def rest_pose(self) -> np.ndarray:
        return self.skeleton.rest_local.copy()

    def clip(self, name: str) -> Clip:
        if name not in self.clips:
            raise KeyError(f"model {self.name!r} has no clip {name!r}; clips: {', '.join(self.clips)}")
        return self.clips[name]

    def pose_at(self, clip: str | Clip, t: float) -> np.ndarray:
        """(J, 4, 4) local transforms of a clip at time t (seconds; clamped to the clip's range)."""
        clip = self.clip(clip) if isinstance(clip, str) else clip
        local = self.skeleton.rest_local.copy()
        by_joint: dict[int, dict[str, np.ndarray]] = {}
        for (j, path), (times, values) in clip.channels.items():
            by_joint.setdefault(j, {})[path] = _sample_channel(times, values, t, path == "rotation")
        for j, trs in by_joint.items():
            rest = local[j]
            translation = trs.get("translation", rest[:3, 3])
            scale = trs.get("scale", np.linalg.norm(rest[:3, :3], axis=0))
            if "rotation" in trs:
                rotation = trs["rotation"]
            else:
                rotation = matrix_to_quat(rest[:3, :3] / np.linalg.norm(rest[:3, :3], axis=0))
            local[j] = compose_trs(translation, rotation, scale)
        return local

    def frames(self, clip: str | Clip, fps: float = 30.0) -> np.ndarray:
        """(T, J, 4, 4) local poses sampled every 1/fps seconds over the whole clip."""
        clip = self.clip(clip) if isinstance(clip, str) else clip
        times = np.arange(clip.start, clip.duration + 1e-9, 1.0 / fps)
        return np.stack([self.pose_at(clip, t) for t in times])

    def global_transforms(self, local: np.ndarray | None = None) -> np.ndarray:
        return self.skeleton.global_transforms(self.rest_pose() if local is None else local)

    def skin(self, world: np.ndarray, vertex_ids: np.ndarray | None = None) -> np.ndarray:
        """Linear-blend skinning: (J, 4, 4) world joint transforms -> (V, 3) world vertices (or a subset)."""
        return linear_blend_skinning(self.mesh, world @ self.skeleton.inverse_bind, vertex_ids)


def linear_blend_skinning(mesh: Mesh, joint_matrices: np.ndarray, vertex_ids: np.ndarray | None = None) -> np.ndarray:
    """v' = sum_i w_i * M[j_i] @ v for each vertex; joint_matrices (J, 4, 4) = world @ inverse_bind."""
    ids = slice(None) if vertex_ids is None else np.asarray(vertex_ids)
    verts, joints, weights = mesh.vertices[ids], mesh.joints[ids], mesh.weights[ids]
    blended = np.einsum("vk,vkab->vab", weights, joint_matrices[joints])  # (V, 4, 4)
    return np.einsum("vab,vb->va", blended[:, :3, :3], verts) + blended[:, :3, 3]
