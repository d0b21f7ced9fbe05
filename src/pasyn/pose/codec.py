"""Gaussian heatmap codec (MSRA style, as MMPose's `MSRAHeatmap`): keypoints <-> heatmaps, numpy only.

Shapes: K keypoints; keypoints (K, 2) or (N, K, 2) in input-crop pixels (x right, y down, continuous
coordinates: a pixel centre is at +0.5); heatmaps (K, H, W) or (N, K, H, W); scores (N, K).
Heatmap cell (i, j) is centred on input pixel ((j + 0.5) * stride_x, (i + 0.5) * stride_y), so a horizontal
flip of the input is exactly a reversal of the heatmap columns (no shift needed in the flip test).
Decoding refines the integer argmax to sub-pixel precision with DARK (Zhang et al. 2020: a Taylor step on
the log of the smoothed heatmap), which suits Gaussian targets.
"""
from __future__ import annotations

import cv2
import numpy as np


def _strides(input_size: tuple[int, int], heatmap_size: tuple[int, int]) -> np.ndarray:
    """(2,) input pixels per heatmap cell in x and y; sizes are (width, height)."""
    return np.array([input_size[0] / heatmap_size[0], input_size[1] / heatmap_size[1]], dtype=np.float64)


def to_heatmap_coords(keypoints: np.ndarray, input_size, heatmap_size) -> np.ndarray:
    """Input-crop pixels (..., 2) -> heatmap index coordinates (cell centres at integers)."""
    return np.asarray(keypoints, dtype=np.float64) / _strides(input_size, heatmap_size) - 0.5


def from_heatmap_coords(coords: np.ndarray, input_size, heatmap_size) -> np.ndarray:
    """Heatmap index coordinates (..., 2) -> input-crop pixels."""
    return (np.asarray(coords, dtype=np.float64) + 0.5) * _strides(input_size, heatmap_size)


def encode_heatmaps(keypoints: np.ndarray, visible: np.ndarray, input_size: tuple[int, int],
                    heatmap_size: tuple[int, int], sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Unquantised Gaussian targets: (K, H, W) float32 heatmaps and (K,) float32 weights.

    keypoints: (K, 2) input-crop pixels; visible: (K,) truthy where labelled. A keypoint gets weight 0 when it is
    not labelled or its Gaussian lies wholly outside the heatmap (more than 3 sigma beyond the border).
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    w, h = heatmap_size
    centres = to_heatmap_coords(keypoints, input_size, heatmap_size)  # (K, 2)
    weights = (np.asarray(visible) > 0).astype(np.float32)
    radius = 3 * sigma
    outside = ((centres[:, 0] < -radius) | (centres[:, 1] < -radius)
               | (centres[:, 0] > w - 1 + radius) | (centres[:, 1] > h - 1 + radius))
    weights[outside] = 0
    xs = np.arange(w, dtype=np.float64)
    ys = np.arange(h, dtype=np.float64)
    gx = np.exp(-((xs[None, :] - centres[:, :1]) ** 2) / (2 * sigma ** 2))  # (K, W)
    gy = np.exp(-((ys[None, :] - centres[:, 1:]) ** 2) / (2 * sigma ** 2))  # (K, H)
    heatmaps = (gy[:, :, None] * gx[:, None, :]).astype(np.float32)
    heatmaps *= (weights > 0)[:, None, None]
    return heatmaps, weights


def heatmap_argmax(heatmaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer maxima of (N, K, H, W) heatmaps: (N, K, 2) index coordinates (x, y) and (N, K) peak values."""
    n, k, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, k, h * w)
    idx = flat.argmax(axis=2)
    scores = np.take_along_axis(flat, idx[..., None], axis=2)[..., 0]
    coords = np.stack([idx % w, idx // w], axis=-1).astype(np.float64)
    return coords, scores


def _taylor_offsets(logs: np.ndarray, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One Newton step on (N, K, H, W) log-heatmaps at (N, K, 2) integer maxima: (N, K, 2) offsets, (N, K) ok."""
    n, k, h, w = logs.shape
    padded = np.pad(logs, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="edge")
    x = coords[..., 0].astype(int) + 1
    y = coords[..., 1].astype(int) + 1
    ni, ki = np.meshgrid(np.arange(n), np.arange(k), indexing="ij")

    def at(dy, dx):
        return padded[ni, ki, y + dy, x + dx]

    dx = 0.5 * (at(0, 1) - at(0, -1))
    dy = 0.5 * (at(1, 0) - at(-1, 0))
    dxx = at(0, 1) - 2 * at(0, 0) + at(0, -1)
    dyy = at(1, 0) - 2 * at(0, 0) + at(-1, 0)
    dxy = 0.25 * (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1))
    det = dxx * dyy - dxy ** 2
    ok = (x > 1) & (x < w) & (y > 1) & (y < h) & (det > 1e-12) & (dxx < 0)
    safe_det = np.where(ok, det, 1.0)
    offsets = np.stack([-(dyy * dx - dxy * dy) / safe_det, -(dxx * dy - dxy * dx) / safe_det], axis=-1)
    # a step longer than one cell means the local quadratic model does not hold; keep the argmax then
    ok &= np.abs(offsets).max(axis=-1) <= 1.0
    return np.where(ok[..., None], offsets, 0.0), ok


def dark_refine(heatmaps: np.ndarray, coords: np.ndarray, blur_kernel: int = 11) -> np.ndarray:
    """DARK sub-pixel refinement of (N, K, 2) integer maxima on (N, K, H, W) heatmaps; returns new (N, K, 2).

    Smooths each map with a Gaussian (the targets' shape, peak height kept), takes logs and does one Newton
    step. Within the kernel's radius of the border the smoothing is biased by the border, so there the step
    uses the unsmoothed map (exact for a clean Gaussian).
    """
    n, k, h, w = heatmaps.shape
    raw = heatmaps.astype(np.float64)
    smooth = np.empty_like(raw)
    for i in range(n):
        for j in range(k):
            blurred = cv2.GaussianBlur(raw[i, j], (blur_kernel, blur_kernel), 0)
            top = blurred.max()
            smooth[i, j] = blurred * (raw[i, j].max() / top) if top > 0 else blurred
    off_smooth, _ = _taylor_offsets(np.log(np.maximum(smooth, 1e-10)), coords)
    off_raw, _ = _taylor_offsets(np.log(np.maximum(raw, 1e-10)), coords)
    r = blur_kernel // 2
    near_border = ((coords[..., 0] < r) | (coords[..., 1] < r)
                   | (coords[..., 0] > w - 1 - r) | (coords[..., 1] > h - 1 - r))
    return coords + np.where(near_border[..., None], off_raw, off_smooth)


def decode_heatmaps(heatmaps: np.ndarray, input_size: tuple[int, int], sigma: float = 2.0,
                    refine: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(N, K, H, W) heatmaps -> (N, K, 2) keypoints in input-crop pixels and (N, K) peak scores.

    sigma: the targets' Gaussian width in heatmap cells; sets DARK's smoothing kernel (11 for sigma 2, as MMPose).
    """
    heatmaps = np.asarray(heatmaps)
    if heatmaps.ndim != 4:
        raise ValueError(f"heatmaps must be (N, K, H, W), got shape {heatmaps.shape}")
    heatmap_size = (heatmaps.shape[3], heatmaps.shape[2])
    coords, scores = heatmap_argmax(heatmaps)
    if refine:
        coords = dark_refine(heatmaps, coords, blur_kernel=2 * int(round(3 * sigma - 1)) + 1)
    return from_heatmap_coords(coords, input_size, heatmap_size), scores
