"""Restyling methods: change only the animal's colours so that it fits the background it is pasted on.

Images are float32 RGB in [0, 1], (H, W, 3), all in output pixels; alpha is (H, W) float32 in [0, 1]; the
foreground `fg` is straight (not premultiplied) colour, meaningful where alpha > 0.

- paste: the rendered colours unchanged (alpha compositing only).
- color: Reinhard-style transfer in CIE Lab: the animal's per-channel mean and spread are moved towards those of
  a ring of background around it, blended with the original by `strength`.
- neural: AdaIN restyling with VGG features (see neural.py), blended by `strength` (the paper's 0.5 content +
  0.5 stylized is strength 0.5).
"""
from __future__ import annotations

import cv2
import numpy as np

METHODS = ("paste", "color", "neural")

# Limits on how much `color` may stretch or squeeze a channel's spread, so that a flat background (sky, sand)
# does not wash a striped animal out and a busy one does not blow it up.
SPREAD_RATIO_RANGE = (0.5, 2.0)
ANIMAL_ALPHA = 0.5  # pixels that count as animal for its colour statistics
EMPTY_ALPHA = 0.02  # pixels that count as background


def composite(fg: np.ndarray, alpha: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """Straight-alpha 'over': fg * a + bg * (1 - a)."""
    a = alpha[..., None]
    return fg * a + bg * (1.0 - a)


def animal_region(alpha: np.ndarray, margin: float = 0.15, min_margin: int = 4) -> tuple[slice, slice] | None:
    """Row and column slices of the animal's box (alpha > EMPTY_ALPHA) grown by margin x its longer side."""
    cols = np.flatnonzero((alpha > EMPTY_ALPHA).any(axis=0))
    if cols.size == 0:
        return None
    rows = np.flatnonzero((alpha > EMPTY_ALPHA).any(axis=1))
    grow = max(min_margin, round(margin * max(cols[-1] - cols[0], rows[-1] - rows[0])))
    h, w = alpha.shape
    return (slice(max(0, rows[0] - grow), min(h, rows[-1] + 1 + grow)),
            slice(max(0, cols[0] - grow), min(w, cols[-1] + 1 + grow)))


def color_transfer(fg: np.ndarray, alpha: np.ndarray, bg: np.ndarray, strength: float = 0.5) -> tuple[np.ndarray, dict]:
    """Move the animal's Lab mean and standard deviation towards the surrounding background's.

    The surrounding background is every non-animal pixel of the animal's box grown by 15 % (a ring around
    it); the whole background is used when that ring is too thin. Returns (new fg, record of the statistics).
    """
    region = animal_region(alpha)
    if region is None or strength == 0:
        return fg, {"skipped": "no animal pixels" if region is None else "strength 0"}
    rows, cols = region
    a = alpha[rows, cols]
    animal = (a > ANIMAL_ALPHA).astype(np.uint8)
    if cv2.countNonZero(animal) < 4:
        return fg, {"skipped": "animal too small"}
    fg_lab = cv2.cvtColor(np.ascontiguousarray(fg[rows, cols]), cv2.COLOR_RGB2Lab)
    bg_lab, ring = cv2.cvtColor(np.ascontiguousarray(bg[rows, cols]), cv2.COLOR_RGB2Lab), a < EMPTY_ALPHA
    if ring.sum() < 64:  # the animal fills its box: use all the background there is
        bg_lab, ring = cv2.cvtColor(bg, cv2.COLOR_RGB2Lab), alpha < EMPTY_ALPHA
    fg_mean, fg_std = (v.ravel() for v in cv2.meanStdDev(fg_lab, mask=animal))
    if ring.sum() >= 64:
        bg_mean, bg_std = (v.ravel() for v in cv2.meanStdDev(bg_lab, mask=ring.astype(np.uint8)))
    else:
        bg_mean, bg_std = (v.ravel() for v in cv2.meanStdDev(bg_lab))
    ratio = np.clip(bg_std / np.maximum(fg_std, 1e-3), *SPREAD_RATIO_RANGE)
    # blend of the original and the moved colours, (1 - s) x + s ((x - mean_f) ratio + mean_b), as x gain + offset
    gain = (1 - strength) + strength * ratio
    offset = strength * (bg_mean - ratio * fg_mean)
    blended = (fg_lab * gain.astype(np.float32) + offset.astype(np.float32)).astype(np.float32)
    out = fg.copy()
    restyled = np.clip(cv2.cvtColor(blended, cv2.COLOR_Lab2RGB), 0.0, 1.0)
    out[rows, cols] = np.where((a > 0)[..., None], restyled, fg[rows, cols])
    record = {"fg_lab_mean": [round(float(v), 3) for v in fg_mean],
              "bg_lab_mean": [round(float(v), 3) for v in bg_mean],
              "spread_ratio": [round(float(v), 3) for v in ratio]}
    return out, record
