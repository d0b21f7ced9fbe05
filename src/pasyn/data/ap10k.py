"""The AP-10K keypoint convention (../shared/docs/keypoints.md): one layout for every model, render and test set.

K = 17 keypoints; arrays of keypoints are (..., K, 2) or (..., K, 3) with visibility v in {0, 1, 2}:
v=0 not labelled (e.g. outside the image), v=1 labelled but hidden, v=2 labelled and visible.
"""
from __future__ import annotations

import numpy as np

KEYPOINT_NAMES: tuple[str, ...] = (
    "left_eye", "right_eye", "nose", "neck", "root_of_tail",
    "left_shoulder", "left_elbow", "left_front_paw",
    "right_shoulder", "right_elbow", "right_front_paw",
    "left_hip", "left_knee", "left_back_paw",
    "right_hip", "right_knee", "right_back_paw",
)
NUM_KEYPOINTS = len(KEYPOINT_NAMES)
KEYPOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(KEYPOINT_NAMES)}

# 0-based edges; COCO files store them 1-based (see SKELETON_COCO).
SKELETON: tuple[tuple[int, int], ...] = (
    (0, 1), (0, 2), (1, 2), (2, 3), (3, 4), (3, 5), (5, 6), (6, 7), (3, 8), (8, 9), (9, 10),
    (4, 11), (11, 12), (12, 13), (4, 14), (14, 15), (15, 16),
)
SKELETON_COCO: list[list[int]] = [[a + 1, b + 1] for a, b in SKELETON]

FLIP_PAIRS: tuple[tuple[int, int], ...] = ((0, 1), (5, 8), (6, 9), (7, 10), (11, 14), (12, 15), (13, 16))

OKS_SIGMAS = np.array(
    [.025, .025, .026, .035, .035, .079, .079, .072, .072, .062, .062, .107, .107, .087, .087, .089, .089]
)
JOINT_WEIGHTS = np.array([1, 1, 1, 1, 1, 1, 1, 1.2, 1.2, 1.5, 1.5, 1, 1, 1.2, 1.2, 1.5, 1.5])

# The paper's results-table columns, in its order; "Average" covers all 17 keypoints.
RESULT_GROUPS: dict[str, tuple[int, ...]] = {
    "Eye": (0, 1), "Nose": (2,), "Neck": (3,), "Shoulders": (5, 8), "Elbows": (6, 9), "F-Paws": (7, 10),
    "Hips": (11, 14), "Knees": (12, 15), "B-Paws": (13, 16), "RoT": (4,),
    "Average": tuple(range(NUM_KEYPOINTS)),
}

# Which side each keypoint is on, for drawing (animal's own left/right).
SIDE: tuple[str, ...] = tuple(
    "left" if n.startswith("left") else "right" if n.startswith("right") else "mid" for n in KEYPOINT_NAMES
)

# AP-10K's 54 species: (id, name, supercategory), ids as in AP-10K's own annotation files.
SPECIES: tuple[tuple[int, str, str], ...] = (
    (1, "antelope", "Bovidae"), (2, "argali sheep", "Bovidae"), (3, "bison", "Bovidae"),
    (4, "buffalo", "Bovidae"), (5, "cow", "Bovidae"), (6, "sheep", "Bovidae"),
    (7, "arctic fox", "Canidae"), (8, "dog", "Canidae"), (9, "fox", "Canidae"), (10, "wolf", "Canidae"),
    (11, "beaver", "Castoridae"), (12, "alouatta", "Cercopithecidae"), (13, "monkey", "Cercopithecidae"),
    (14, "noisy night monkey", "Cercopithecidae"), (15, "spider monkey", "Cercopithecidae"),
    (16, "uakari", "Cercopithecidae"), (17, "deer", "Cervidae"), (18, "moose", "Cervidae"),
    (19, "hamster", "Cricetidae"), (20, "elephant", "Elephantidae"), (21, "horse", "Equidae"),
    (22, "zebra", "Equidae"), (23, "bobcat", "Felidae"), (24, "cat", "Felidae"), (25, "cheetah", "Felidae"),
    (26, "jaguar", "Felidae"), (27, "king cheetah", "Felidae"), (28, "leopard", "Felidae"),
    (29, "lion", "Felidae"), (30, "panther", "Felidae"), (31, "snow leopard", "Felidae"),
    (32, "tiger", "Felidae"), (33, "giraffe", "Giraffidae"), (34, "hippo", "Hippopotamidae"),
    (35, "chimpanzee", "Hominidae"), (36, "gorilla", "Hominidae"), (37, "orangutan", "Hominidae"),
    (38, "rabbit", "Leporidae"), (39, "skunk", "Mephitidae"), (40, "mouse", "Muridae"), (41, "rat", "Muridae"),
    (42, "otter", "Mustelidae"), (43, "weasel", "Mustelidae"), (44, "raccoon", "Procyonidae"),
    (45, "rhino", "Rhinocerotidae"), (46, "marmot", "Sciuridae"), (47, "squirrel", "Sciuridae"),
    (48, "pig", "Suidae"), (49, "mole", "Talpidae"), (50, "black bear", "Ursidae"),
    (51, "brown bear", "Ursidae"), (52, "panda", "Ursidae"), (53, "polar bear", "Ursidae"),
    (54, "bat", "Vespertilionidae"),
)
SPECIES_ID: dict[str, int] = {name: sid for sid, name, _ in SPECIES}


def flip_indices() -> np.ndarray:
    """Index table that swaps left and right keypoints: flipped[..., i, :] = kpts[..., table[i], :]."""
    table = np.arange(NUM_KEYPOINTS)
    for a, b in FLIP_PAIRS:
        table[a], table[b] = b, a
    return table


def species_id(name: str) -> int:
    """AP-10K category id of a species name (case-insensitive); ValueError naming the species otherwise."""
    key = name.strip().lower().replace("_", " ")
    if key not in SPECIES_ID:
        raise ValueError(f"unknown AP-10K species {name!r}; known: {', '.join(sorted(SPECIES_ID))}")
    return SPECIES_ID[key]


def category(species: str) -> dict:
    """The AP-10K COCO category entry for a species, keypoint names and 1-based skeleton included."""
    sid = species_id(species)
    _, name, supercategory = SPECIES[sid - 1]
    return {
        "id": sid, "name": name, "supercategory": supercategory,
        "keypoints": list(KEYPOINT_NAMES), "skeleton": [list(e) for e in SKELETON_COCO],
    }
