"""3D animal assets: rigged models (glTF/GLB, Draco), keypoint maps, the built-in procedural quadruped."""
from pasyn.assets.check import CheckFailure, check_animal
from pasyn.assets.gltf import AssetError, load_gltf
from pasyn.assets.keypoint_map import (
    KeypointMap,
    KeypointMapError,
    load_keypoint_map,
    parse_keypoint_map,
)
from pasyn.assets.model import (
    AnimalModel,
    Clip,
    Material,
    Mesh,
    Skeleton,
    linear_blend_skinning,
)
from pasyn.assets.procedural import PRESETS, ShapeParams, make_quadruped, sample_shape
from pasyn.assets.registry import list_animals, load_animal

__all__ = [
    "AnimalModel",
    "AssetError",
    "CheckFailure",
    "Clip",
    "KeypointMap",
    "KeypointMapError",
    "Material",
    "Mesh",
    "PRESETS",
    "ShapeParams",
    "Skeleton",
    "check_animal",
    "linear_blend_skinning",
    "list_animals",
    "load_animal",
    "load_gltf",
    "load_keypoint_map",
    "make_quadruped",
    "parse_keypoint_map",
    "sample_shape",
]
