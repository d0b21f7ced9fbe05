"""A tiny hand-made quadruped for the prior's tests: 15 joints, random rest orientations, one clip, an IK foot
kept outside the leg hierarchy (as Quaternius rigs do), and a keypoint map with all chains but the tail."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from pasyn.assets.keypoint_map import KeypointMap, KeypointSpec
from pasyn.assets.model import AnimalModel, Clip, Material, Mesh, Skeleton, matrix_to_quat
from pasyn.data.ap10k import KEYPOINT_NAMES

# name, parent, world position (x forward, y left, z up)
JOINTS = [
    ("Body", None, (0.0, 0.0, 1.0)),
    ("Hips", "Body", (-0.5, 0.0, 1.0)),
    ("Chest", "Hips", (0.5, 0.0, 1.05)),
    ("Neck", "Chest", (0.7, 0.0, 1.25)),
    ("Head", "Neck", (0.9, 0.0, 1.5)),
    ("Nose", "Head", (1.15, 0.0, 1.4)),
    ("Tail", "Hips", (-0.6, 0.0, 1.0)),
    ("FL1", "Chest", (0.45, 0.2, 0.9)),
    ("FL2", "FL1", (0.45, 0.2, 0.5)),
    ("FR1", "Chest", (0.45, -0.2, 0.9)),
    ("FR2", "FR1", (0.45, -0.2, 0.5)),
    ("HL1", "Hips", (-0.45, 0.2, 0.9)),
    ("HL2", "HL1", (-0.45, 0.2, 0.5)),
    ("HR1", "Hips", (-0.45, -0.2, 0.9)),
    ("HR2", "HR1", (-0.45, -0.2, 0.5)),
    ("FootIK.FL", None, (0.45, 0.2, 0.05)),
]
CHAINS = {"spine": ["Hips", "Chest"], "neck": ["Neck"], "head": ["Head"],
          "front_left": ["FL1", "FL2"], "front_right": ["FR1", "FR2"],
          "hind_left": ["HL1", "HL2"], "hind_right": ["HR1", "HR2"]}
PAWS = {"left_front_paw": "FootIK.FL", "right_front_paw": "FR2", "left_back_paw": "HL2", "right_back_paw": "HR2"}


def make_tiny_quadruped(seed: int = 0) -> tuple[AnimalModel, KeypointMap]:
    rng = np.random.default_rng(seed)
    names = [n for n, _, _ in JOINTS]
    parents = np.array([-1 if p is None else names.index(p) for _, p, _ in JOINTS])
    world = np.tile(np.eye(4), (len(JOINTS), 1, 1))
    world[:, :3, :3] = Rotation.random(len(JOINTS), random_state=seed).as_matrix()  # arbitrary rest axes
    world[:, :3, 3] = [pos for _, _, pos in JOINTS]
    local = np.array([world[j] if p < 0 else np.linalg.inv(world[p]) @ world[j] for j, p in enumerate(parents)])
    skeleton = Skeleton(names, parents, local, np.linalg.inv(world))
    # two vertices per joint, 5 cm under and over its origin, each fully bound to it
    vertices = np.concatenate([world[:, :3, 3] - [0, 0, 0.05], world[:, :3, 3] + [0, 0, 0.05]])
    joints = np.zeros((len(vertices), 4), int)
    joints[:, 0] = np.tile(np.arange(len(JOINTS)), 2)
    weights = np.zeros((len(vertices), 4))
    weights[:, 0] = 1.0
    n = len(JOINTS)
    faces = np.array([[j, n + j, (j + 1) % n] for j in range(n)])
    mesh = Mesh(vertices, faces, joints, weights, [Material("m", np.ones(4))], np.zeros(len(faces), int))

    times = np.linspace(0.0, 1.0, 5)
    channels = {}
    for name in ("Hips", "Chest", "Neck", "Head", "FL1", "FL2", "FR1", "HL2", "HR1", "FootIK.FL"):
        j = names.index(name)
        rest_q = matrix_to_quat(local[j, :3, :3])
        turns = Rotation.from_rotvec(rng.normal(0, 0.3, (len(times), 3)))
        values = (Rotation.from_quat(rest_q) * turns).as_quat()
        channels[(j, "rotation")] = (times, values)
    body = names.index("Body")
    lift = local[body, :3, 3] + np.outer(np.sin(times * np.pi) * 0.1, [0, 0, 1])  # up and down only
    channels[(body, "translation")] = (times, lift)
    model = AnimalModel("tiny", "zebra", mesh, skeleton, {"move": Clip("move", channels)})

    def joint_spec(name, joint):
        return KeypointSpec(name, joint=names.index(joint))

    where = {"left_eye": "Head", "right_eye": "Head", "nose": "Nose", "neck": "Neck", "root_of_tail": "Tail",
             "left_shoulder": "FL1", "left_elbow": "FL2", "right_shoulder": "FR1", "right_elbow": "FR2",
             "left_hip": "HL1", "left_knee": "HL2", "right_hip": "HR1", "right_knee": "HR2", **PAWS}
    specs = [joint_spec(k, where[k]) for k in KEYPOINT_NAMES]
    chains = {c: [names.index(b) for b in bones] for c, bones in CHAINS.items()}
    return model, KeypointMap("tiny", "zebra", specs, chains, path="<tiny>")


@pytest.fixture
def tiny():
    return make_tiny_quadruped()
