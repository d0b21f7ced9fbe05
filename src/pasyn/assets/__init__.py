"""3D animal assets: rigged models (glTF/GLB, Draco), keypoint maps, the built-in procedural quadruped."""
from pasyn.assets.gltf import AssetError, load_gltf
from pasyn.assets.keypoint_map import KeypointMap, KeypointMapError, load_keypoint_map, parse_keypoint_map
from pasyn.assets.model import AnimalModel, Clip, Material, Mesh, Skeleton, linear_blend_skinning

__all__ = [
    "AnimalModel", "Clip", "Material", "Mesh", "Skeleton", "linear_blend_skinning",
    "AssetError", "load_gltf",
    "KeypointMap", "KeypointMapError", "load_keypoint_map", "parse_keypoint_map",
]
