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
    fg_lab = cv2.cvtColor(np.ascontiguousarray(fg[rows, cols]), cv2.COLOR_RGB2Lab)
    animal = a > ANIMAL_ALPHA
    ring = a < EMPTY_ALPHA
    if animal.sum() < 4:
        return fg, {"skipped": "animal too small"}
    bg_pixels = cv2.cvtColor(np.ascontiguousarray(bg[rows, cols]), cv2.COLOR_RGB2Lab)[ring]
    if len(bg_pixels) < 64:
        bg_pixels = cv2.cvtColor(bg, cv2.COLOR_RGB2Lab)[alpha < EMPTY_ALPHA]
    if len(bg_pixels) < 64:
        bg_pixels = cv2.cvtColor(bg, cv2.COLOR_RGB2Lab).reshape(-1, 3)
    fg_pixels = fg_lab[animal]
    fg_mean, fg_std = fg_pixels.mean(0), fg_pixels.std(0)
    bg_mean, bg_std = bg_pixels.mean(0), bg_pixels.std(0)
    ratio = np.clip(bg_std / np.maximum(fg_std, 1e-3), *SPREAD_RATIO_RANGE)
    moved = (fg_lab - fg_mean) * ratio + bg_mean
    blended = fg_lab + np.float32(strength) * (moved - fg_lab)
    out = fg.copy()
    restyled = np.clip(cv2.cvtColor(blended.astype(np.float32), cv2.COLOR_Lab2RGB), 0.0, 1.0)
    out[rows, cols] = np.where((a > 0)[..., None], restyled, fg[rows, cols])
    record = {"fg_lab_mean": [round(float(v), 3) for v in fg_mean],
              "bg_lab_mean": [round(float(v), 3) for v in bg_mean],
              "spread_ratio": [round(float(v), 3) for v in ratio]}
    return out, record
