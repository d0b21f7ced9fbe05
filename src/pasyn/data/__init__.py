"""The data layer: the AP-10K keypoint convention and COCO/AP-10K annotation files."""
from pasyn.data.ap10k import (
    FLIP_PAIRS, JOINT_WEIGHTS, KEYPOINT_INDEX, KEYPOINT_NAMES, NUM_KEYPOINTS, OKS_SIGMAS, RESULT_GROUPS,
    SKELETON, SKELETON_COCO, SPECIES, category, flip_indices, species_id,
)
from pasyn.data.coco import AnnotationError, CocoDataset, read_coco, write_coco

__all__ = [
    "FLIP_PAIRS", "JOINT_WEIGHTS", "KEYPOINT_INDEX", "KEYPOINT_NAMES", "NUM_KEYPOINTS", "OKS_SIGMAS",
    "RESULT_GROUPS", "SKELETON", "SKELETON_COCO", "SPECIES", "category", "flip_indices", "species_id",
    "AnnotationError", "CocoDataset", "read_coco", "write_coco",
]
