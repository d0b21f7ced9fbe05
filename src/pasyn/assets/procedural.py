"""The built-in procedural quadruped: a rigged, skinned, textured and animated animal that needs no asset files.

    model, kmap = make_quadruped("zebra")                       # the preset as it is
    model, kmap = make_quadruped("horse", sample_shape("horse", rng), seed=7)  # a random individual

Presets: zebra (stripes), horse (solid coat, dark points), cow (patches, horns), dog (paws, long tail).
Clips (loops, 30 fps keys): walk, trot, canter, gallop (hooves planted in stance), idle (one hind leg
rested), graze (nose on the grass), look_around, lie (legs folded under).
The 17 AP-10K keypoints are joints placed at their landmarks (see procedural_rig), so they are exact in
every pose. Parts: procedural_shape (parameters), procedural_rig (skeleton), procedural_mesh (skinned mesh),
coat (texture), procedural_motion (clips).
"""
from __future__ import annotations

import numpy as np

from pasyn.assets.coat import coat_texture
from pasyn.assets.keypoint_map import KeypointMap, KeypointSpec
from pasyn.assets.model import AnimalModel, Material, Mesh, Skeleton
from pasyn.assets.procedural_mesh import build_mesh
from pasyn.assets.procedural_motion import build_clips
from pasyn.assets.procedural_rig import FORE_LEG, HIND_LEG, NECK, SPINE, TAIL, build_rig
from pasyn.assets.procedural_shape import (
    FIELD_RANGES,
    PALETTES,
    PRESETS,
    ShapeParams,
    sample_shape,
)
from pasyn.data.ap10k import KEYPOINT_NAMES

__all__ = [
    "FIELD_RANGES",
    "KEYPOINT_JOINTS",
    "PALETTES",
    "PRESETS",
    "ShapeParams",
    "make_quadruped",
    "sample_shape",
]

# AP-10K keypoint -> the joint placed at its landmark
KEYPOINT_JOINTS: dict[str, str] = {
    "left_eye": "eye.L", "right_eye": "eye.R", "nose": "nose", "neck": "neck1", "root_of_tail": "tail1",
    **{f"{side}_shoulder": f"elbow.{s}" for side, s in (("left", "L"), ("right", "R"))},
    **{f"{side}_elbow": f"carpus.{s}" for side, s in (("left", "L"), ("right", "R"))},
    **{f"{side}_front_paw": f"hoof_fore.{s}" for side, s in (("left", "L"), ("right", "R"))},
    **{f"{side}_hip": f"stifle.{s}" for side, s in (("left", "L"), ("right", "R"))},
    **{f"{side}_knee": f"hock.{s}" for side, s in (("left", "L"), ("right", "R"))},
    **{f"{side}_back_paw": f"hoof_hind.{s}" for side, s in (("left", "L"), ("right", "R"))},
}

CHAINS: dict[str, list[str]] = {
    "spine": list(SPINE), "neck": list(NECK), "head": ["head", "nose"], "tail": list(TAIL),
    "front_left": [f"{n}.L" for n in FORE_LEG], "front_right": [f"{n}.R" for n in FORE_LEG],
    "hind_left": [f"{n}.L" for n in HIND_LEG], "hind_right": [f"{n}.R" for n in HIND_LEG],
}


def make_quadruped(preset: str = "zebra", shape: ShapeParams | None = None, seed: int = 0
                   ) -> tuple[AnimalModel, KeypointMap]:
    """Build a preset animal (or `shape`, e.g. from sample_shape) with its keypoint map.

    preset names the model and, when shape is None, gives the proportions; seed picks the coat pattern
    (stripe noise, patches, white markings). Same arguments -> identical arrays.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown procedural preset {preset!r}; known: {', '.join(PRESETS)}")
    shape = PRESETS[preset] if shape is None else shape
    rig = build_rig(shape)
    arrays = build_mesh(rig)
    texture = coat_texture(shape.coat, shape.coat_colors, seed, shape.muzzle_length)
    material = Material(f"{preset}_coat", np.ones(4), texture)
    mesh = Mesh(vertices=arrays["vertices"], faces=arrays["faces"], joints=arrays["joints"],
                weights=arrays["weights"], materials=[material], face_material=np.zeros(len(arrays["faces"]), int),
                uvs=arrays["uvs"], normals=arrays["normals"])
    n_joints = len(rig.names)
    rest_local = np.tile(np.eye(4), (n_joints, 1, 1))
    parent_pos = np.where(rig.parents[:, None] < 0, 0.0, rig.positions[rig.parents])
    rest_local[:, :3, 3] = rig.positions - parent_pos
    inverse_bind = np.tile(np.eye(4), (n_joints, 1, 1))
    inverse_bind[:, :3, 3] = -rig.positions
    skeleton = Skeleton(list(rig.names), rig.parents, rest_local, inverse_bind)
    model = AnimalModel(name=preset, species=shape.species, mesh=mesh, skeleton=skeleton,
                        clips=build_clips(rig), source="builtin")
    kmap = KeypointMap(
        model=preset, species=shape.species,
        specs=[KeypointSpec(name, joint=rig.index(KEYPOINT_JOINTS[name])) for name in KEYPOINT_NAMES],
        chains={chain: [rig.index(n) for n in joints] for chain, joints in CHAINS.items()},
    )
    return model, kmap
