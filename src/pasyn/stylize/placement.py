"""Where the animal goes: one affine map applied identically to pixels and labels.

Coordinates are continuous pixels (x right, y down, origin at the image's top-left corner, pixel (i, j)
covers [j, j+1) x [i, i+1), so its centre is at (j + 0.5, i + 0.5)). OpenCV puts pixel centres at integer
coordinates, so x_cv = x - 0.5; `to_cv2` converts a map once and every warp goes through it.

Shapes: an affine map is (2, 3), x' = A[:, :2] @ x + A[:, 2]; keypoints are (N, K, 3) with (x, y, v), K = 17;
an alpha matte is (H, W) float in [0, 1]; a box is [x, y, w, h] in continuous pixels.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# A render pixel counts as animal for the bbox when its alpha exceeds this (the render contract's value).
BBOX_ALPHA = 0.25


def scale_shift(scale: float, shift: tuple[float, float]) -> np.ndarray:
    """x' = scale * x + shift, the paper's label rule, as a (2, 3) map."""
    return np.array([[scale, 0.0, shift[0]], [0.0, scale, shift[1]]], dtype=np.float64)


def translation(dx: float, dy: float) -> np.ndarray:
    return scale_shift(1.0, (dx, dy))


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """The map that applies `inner` first, then `outer`."""
    return np.concatenate([outer[:, :2] @ inner[:, :2], (outer[:, :2] @ inner[:, 2] + outer[:, 2])[:, None]], 1)


def invert(affine: np.ndarray) -> np.ndarray:
    (a, b), (c, d) = affine[:, :2]
    linear_inv = np.array([[d, -b], [-c, a]]) / (a * d - b * c)  # closed form: np.linalg.inv costs ~1000x more
    return np.concatenate([linear_inv, (-linear_inv @ affine[:, 2])[:, None]], 1)


def to_cv2(affine: np.ndarray) -> np.ndarray:
    """The same map in OpenCV's pixel-centre-at-integer convention: x_cv' = A (x_cv + 0.5) - 0.5."""
    return compose(translation(-0.5, -0.5), compose(affine, translation(0.5, 0.5)))


def transform_points(affine: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """(..., 2) points through a (2, 3) map."""
    xy = np.asarray(xy, dtype=np.float64)
    return xy @ affine[:, :2].T + affine[:, 2]


def transform_keypoints(affine: np.ndarray, keypoints: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(N, K, 3) keypoints through the map, for an output image of size (width, height).

    Labelled keypoints (v > 0) that land outside [0, W) x [0, H) become v = 0; every v = 0 keypoint is
    written as (0, 0, 0), as COCO/AP-10K files do for unlabelled points.
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    out = keypoints.copy()
    out[..., :2] = transform_points(affine, keypoints[..., :2])
    x, y = out[..., 0], out[..., 1]
    inside = (x >= 0) & (x < size[0]) & (y >= 0) & (y < size[1])
    out[..., 2] = np.where(inside, keypoints[..., 2], 0)
    out[out[..., 2] == 0] = 0.0
    return out


def mask_box(alpha: np.ndarray, threshold: float = BBOX_ALPHA) -> list[float] | None:
    """Tight [x, y, w, h] around the pixels with alpha > threshold (whole pixels), or None if there are none."""
    inside = alpha > threshold
    cols = np.flatnonzero(inside.any(axis=0))
    if cols.size == 0:
        return None
    rows = np.flatnonzero(inside.any(axis=1))
    return [float(cols[0]), float(rows[0]), float(cols[-1] + 1 - cols[0]), float(rows[-1] + 1 - rows[0])]


@dataclass(frozen=True)
class Placement:
    """The sampled placement of one animal: x' = scale * x + shift (render pixels -> output pixels).

    scale_factor is the drawn U(scale_range) value: 1.0 means the render frame's fit-to-output size.
    """

    scale_factor: float
    scale: float
    shift: tuple[float, float]

    @property
    def affine(self) -> np.ndarray:
        return scale_shift(self.scale, self.shift)

    def record(self) -> dict:
        return {"scale_factor": self.scale_factor, "scale": self.scale, "shift": list(self.shift),
                "affine": self.affine.tolist()}


def sample_placement(
    rng: np.random.Generator,
    animal_box: list[float],
    frame_size: tuple[int, int],
    out_size: tuple[int, int],
    scale_range: tuple[float, float] = (0.8, 1.0),
    max_outside: float = 0.1,
) -> Placement:
    """Draw the scale and shift of one animal.

    animal_box: the animal's [x, y, w, h] in the render of size frame_size (w, h).
    Scale: U(scale_range) times the factor that fits the render frame into the output (so with a render as big
    as the output, scale = U(scale_range) exactly as in the paper). Shift: uniform over the positions that keep
    at least (1 - max_outside) of the animal box's width and height inside the output; an animal too big for
    that is centred.
    """
    lo, hi = scale_range
    if not (0 < lo <= hi):
        raise ValueError(f"scale_range must satisfy 0 < low <= high, got {scale_range}")
    if not (0 <= max_outside < 0.5):
        raise ValueError(f"max_outside must be in [0, 0.5), got {max_outside}")
    factor = float(rng.uniform(lo, hi))
    scale = factor * min(out_size[0] / frame_size[0], out_size[1] / frame_size[1])
    shift = []
    for axis in (0, 1):
        start, length = scale * animal_box[axis], scale * animal_box[axis + 2]
        low = -max_outside * length - start
        high = out_size[axis] - (1 - max_outside) * length - start
        shift.append(float(rng.uniform(low, high)) if low <= high else (low + high) / 2)
    return Placement(factor, scale, (shift[0], shift[1]))


def warp_layer(layer: np.ndarray, affine: np.ndarray, out_size: tuple[int, int]) -> np.ndarray:
    """Warp an (h, w, C) float32 layer (premultiplied colour + alpha) into an (H, W, C) output, zero outside.

    Strong shrinking first goes through an area-averaging resize (bilinear warping alone would alias); the
    resize's exact per-axis factors are folded into the remaining map, so pixels and labels stay in step.
    """
    h, w = layer.shape[:2]
    linear = affine[:, :2]
    shrink = min(abs(linear[0, 0]), abs(linear[1, 1]))
    if shrink < 0.75 and abs(linear[0, 1]) < 1e-12 and abs(linear[1, 0]) < 1e-12:
        new_w, new_h = max(1, round(w * shrink)), max(1, round(h * shrink))
        layer = cv2.resize(layer, (new_w, new_h), interpolation=cv2.INTER_AREA)
        # cv2.resize maps continuous coordinates by exactly (new_w / w, new_h / h).
        affine = compose(affine, invert(np.array([[new_w / w, 0, 0], [0, new_h / h, 0]])))
    out = cv2.warpAffine(layer, to_cv2(affine), out_size, flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out.reshape(out_size[1], out_size[0], -1)
