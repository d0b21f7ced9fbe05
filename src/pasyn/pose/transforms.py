"""Top-down crop geometry: boxes -> (centre, size) regions -> 2x3 affine maps, applied to images and points.

Coordinates are continuous pixels (x right, y down, a pixel centre at +0.5), the same as the annotation files.
Shapes: points (..., 2); a region is centre (2,) and size (2,) = (width, height) in source pixels; affine
maps are (2, 3) float64 and act as p' = A @ p + t.
"""
from __future__ import annotations

import cv2
import numpy as np


def box_to_region(bbox, aspect: float, padding: float) -> tuple[np.ndarray, np.ndarray]:
    """COCO bbox [x, y, w, h] -> (centre, size): the box widened to `aspect` = width / height, times `padding`."""
    x, y, w, h = (float(v) for v in bbox)
    centre = np.array([x + w / 2, y + h / 2])
    if w > aspect * h:
        h = w / aspect
    else:
        w = h * aspect
    return centre, np.array([w, h]) * padding


def crop_affine(centre, size, rotation_deg: float, out_size: tuple[int, int], flip: bool = False) -> np.ndarray:
    """(2, 3) map from source pixels to an out_size = (width, height) crop of the region.

    The region's centre lands on the crop's centre; rotation_deg turns the content counter-clockwise on screen;
    flip mirrors the crop left-right (applied last, so x' = width - x).
    """
    centre = np.asarray(centre, dtype=np.float64)
    size = np.asarray(size, dtype=np.float64)
    out_w, out_h = out_size
    a = np.deg2rad(rotation_deg)
    # y points down, so a counter-clockwise turn on screen is this matrix
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    linear = np.diag([out_w / size[0], out_h / size[1]]) @ rot
    shift = np.array([out_w / 2, out_h / 2]) - linear @ centre
    affine = np.hstack([linear, shift[:, None]])
    if flip:
        affine = compose(np.array([[-1.0, 0, out_w], [0, 1.0, 0]]), affine)
    return affine


def compose(second: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The (2, 3) map doing `first` then `second`."""
    linear = second[:, :2] @ first[:, :2]
    return np.hstack([linear, (second[:, :2] @ first[:, 2] + second[:, 2])[:, None]])


def invert_affine(affine: np.ndarray) -> np.ndarray:
    """Exact inverse of a (2, 3) map."""
    inv = np.linalg.inv(affine[:, :2])
    return np.hstack([inv, (-inv @ affine[:, 2])[:, None]])


def apply_affine(affine: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map (..., 2) points."""
    points = np.asarray(points, dtype=np.float64)
    return points @ affine[:, :2].T + affine[:, 2]


def warp_image(image: np.ndarray, affine: np.ndarray, out_size: tuple[int, int]) -> np.ndarray:
    """Resample an (H, W, C) image through a continuous-coordinate map into an out_size = (width, height) crop.

    OpenCV puts pixel centres at integers, so the map is shifted by half a pixel on both sides.
    """
    # shrinking by more than 2x with bilinear sampling aliases; pre-shrink with area averaging to ~0.75x left
    shrink = np.sqrt(abs(np.linalg.det(affine[:, :2])))
    if shrink < 0.5:
        factor = shrink / 0.75
        small = cv2.resize(image, (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor))),
                           interpolation=cv2.INTER_AREA)
        to_small = np.diag([small.shape[1] / image.shape[1], small.shape[0] / image.shape[0]])
        affine = compose(affine, invert_affine(np.hstack([to_small, np.zeros((2, 1))])))
        image = small
    half = np.array([0.5, 0.5])
    index_map = affine.copy()
    index_map[:, 2] = affine[:, :2] @ half + affine[:, 2] - half
    return cv2.warpAffine(image, index_map, tuple(int(v) for v in out_size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
