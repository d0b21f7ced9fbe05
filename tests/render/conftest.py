"""A toy animal for render tests: a subdivided box 'body' skinned to two joints, with all 17 keypoints inside it."""
import numpy as np
import pytest

from pasyn.assets.keypoint_map import KeypointMap, KeypointSpec
from pasyn.assets.model import AnimalModel, Clip, Material, Mesh, Skeleton
from pasyn.data.ap10k import KEYPOINT_NAMES


def _box(lo, hi, n=4):
    """Closed box surface with n x n quads per side: (V, 3) vertices, (F, 3) triangles."""
    verts, faces = [], []
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    for axis in range(3):
        for side in (0, 1):
            a, b = [k for k in range(3) if k != axis]
            base = len(verts)
            for i in range(n + 1):
                for j in range(n + 1):
                    p = np.empty(3)
                    p[axis] = (lo, hi)[side][axis]
                    p[a] = lo[a] + (hi[a] - lo[a]) * i / n
                    p[b] = lo[b] + (hi[b] - lo[b]) * j / n
                    verts.append(p)
            for i in range(n):
                for j in range(n):
                    q = base + i * (n + 1) + j
                    tri = [(q, q + n + 1, q + 1), (q + 1, q + n + 1, q + n + 2)]
                    faces += [t if side else t[::-1] for t in tri]
    return np.array(verts), np.array(faces)


def make_toy(shape_index: int = 0):
    verts, faces = _box((-1.0, -0.3, 0.0), (1.0, 0.3, 0.8))
    weights = np.clip((verts[:, 0] + 0.5), 0, 1)  # x < -0.5 -> joint 0, x > 0.5 -> joint 1
    joints = np.zeros((len(verts), 4), int)
    joints[:, 1] = 1
    w = np.zeros((len(verts), 4))
    w[:, 0], w[:, 1] = 1 - weights, weights
    rest = np.tile(np.eye(4), (2, 1, 1))
    rest[0, :3, 3] = (-0.5, 0, 0.4)
    rest[1, :3, 3] = (1.0, 0, 0)
    world_rest = np.stack([rest[0], rest[0] @ rest[1]])
    skeleton = Skeleton(["root", "front"], np.array([-1, 0]), rest, np.linalg.inv(world_rest))
    colours = [Material("hide", np.array([0.6, 0.5, 0.4, 1.0]))]
    mesh = Mesh(verts, faces, joints, w, colours, np.zeros(len(faces), int))
    bend = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, np.sin(0.2), np.cos(0.2)]])  # up to 23 deg about z
    clip = Clip("Sway", {(1, "rotation"): (np.array([0.0, 1.0]), bend)})
    model = AnimalModel("toy", "zebra", mesh, skeleton, {"Sway": clip})
    nose_ids = np.flatnonzero(verts[:, 0] > 0.99)
    specs = []
    for k, name in enumerate(KEYPOINT_NAMES):
        if name == "nose":
            specs.append(KeypointSpec(name, vertices=nose_ids))
        else:  # spread along the body axis, inside the box
            specs.append(KeypointSpec(name, joint=0, toward=1, at=(k % 9) / 10 + 0.05))
    specs[4] = KeypointSpec("root_of_tail", joint=0, toward=1, at=-0.4)
    return model, KeypointMap("toy", "zebra", specs)


@pytest.fixture
def toy():
    return make_toy()


@pytest.fixture
def box_mesh():
    """box_mesh(lo, hi) -> (V, 3) vertices, (F, 3) triangles of a closed box."""
    return _box


@pytest.fixture
def toy_factory():
    return make_toy
