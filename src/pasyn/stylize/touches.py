"""Realism touches, each switchable for ablations: contact shadow, edge feathering, matched blur and noise,
JPEG re-compression.

Images are float32 RGB in [0, 1], (H, W, 3); alpha is (H, W) float32; `fg` is straight colour. Every touch
takes its random draws from the generator it is given and returns a small record of what it did.
None of them moves the animal: labels and the bbox are fixed before the touches run.
"""
from __future__ import annotations

import cv2
import numpy as np

from pasyn.stylize.methods import animal_region

TOUCHES = ("shadow", "feather", "blur", "noise", "jpeg")

BLUR_SIGMAS = (0.0, 0.4, 0.7, 1.0, 1.4)  # candidates for the matched blur, in output pixels
FOOT_BAND = 0.12  # the lowest share of the animal's height that casts the contact shadow


def _gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def contact_shadow(bg: np.ndarray, alpha: np.ndarray, rng: np.random.Generator,
                   strength_range: tuple[float, float] = (0.3, 0.6)) -> tuple[np.ndarray, dict]:
    """Darken the ground under the feet: the lowest band of the matte, pushed down a little and blurred
    wide and flat, multiplies the background by (1 - strength * shadow)."""
    rows = np.flatnonzero((alpha > 0.25).any(axis=1))
    cols = np.flatnonzero((alpha > 0.25).any(axis=0))
    if rows.size == 0:
        return bg, {"skipped": "no animal pixels"}
    height, width = rows[-1] + 1 - rows[0], cols[-1] + 1 - cols[0]
    band = alpha.copy()
    band[: max(0, int(rows[-1] + 1 - FOOT_BAND * height))] = 0
    drop = max(1, round(0.02 * height))
    band = np.roll(band, drop, axis=0)
    band[:drop] = 0
    sigma_x, sigma_y = max(1.0, 0.04 * width), max(1.0, 0.015 * height)
    shadow = np.clip(2.0 * cv2.GaussianBlur(band, (0, 0), sigmaX=sigma_x, sigmaY=sigma_y), 0.0, 1.0)
    strength = float(rng.uniform(*strength_range))
    return bg * (1.0 - strength * shadow)[..., None], {"strength": round(strength, 4)}


def _sharpness(gray: np.ndarray, weight: np.ndarray) -> float:
    """Mean |Laplacian| / mean |gradient| over the weighted pixels: about 1 / edge width, so it drops as an
    image gets blurrier whatever its contrast."""
    lap = np.abs(cv2.Laplacian(gray, cv2.CV_32F, ksize=1))
    grad = np.abs(cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)) + np.abs(cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3))
    total = float((grad * weight).sum())
    return float((lap * weight).sum()) / total if total > 1e-6 else 0.0


def matched_blur(fg: np.ndarray, alpha: np.ndarray, bg: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Blur the animal layer (colour and matte together) by the candidate sigma that brings its sharpness
    closest to that of the background around it; never sharpens. The search runs on grey levels (grey of a
    composite = composite of the greys), the chosen blur on colour."""
    region = animal_region(alpha)
    if region is None:
        return fg, alpha, {"sigma": 0.0}
    rows, cols = region
    a = np.ascontiguousarray(alpha[rows, cols])
    fg_grey, bg_grey = _gray(np.ascontiguousarray(fg[rows, cols])), _gray(np.ascontiguousarray(bg[rows, cols]))
    target = _sharpness(bg_grey, (a < 0.02).astype(np.float32))
    animal = (a > 0.02).astype(np.float32)
    best, best_gap = 0.0, np.inf
    for sigma in BLUR_SIGMAS:
        f_s, a_s = _blur_layer(fg_grey, a, sigma)
        gap = abs(_sharpness(f_s * a_s + bg_grey * (1 - a_s), animal) - target)
        if gap < best_gap:
            best, best_gap = sigma, gap
    fg_out, alpha_out = _blur_layer(fg, alpha, best)
    return fg_out, alpha_out, {"sigma": best}


def _blur_layer(fg: np.ndarray, alpha: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blur of a straight-colour layer ((H, W, C) or (H, W)) done on premultiplied colour, so no dark
    fringes."""
    if sigma <= 0:
        return fg, alpha
    a = alpha[..., None] if fg.ndim == 3 else alpha
    premult = cv2.GaussianBlur(fg * a, (0, 0), sigma)
    alpha_b = cv2.GaussianBlur(alpha, (0, 0), sigma)
    a_b = alpha_b[..., None] if fg.ndim == 3 else alpha_b
    return premult / np.maximum(a_b, 1e-6), alpha_b


def feather_edges(fg: np.ndarray, alpha: np.ndarray, rng: np.random.Generator,
                  sigma_range: tuple[float, float] = (0.4, 1.0)) -> tuple[np.ndarray, np.ndarray, dict]:
    """Soften the matte's edge; the colour of the new fringe comes from the nearby animal pixels, and the
    inside of the animal keeps its colour."""
    sigma = float(rng.uniform(*sigma_range))
    fg_b, alpha_b = _blur_layer(fg, alpha, sigma)
    inside = (alpha > 0.5)[..., None]
    return np.where(inside, fg, fg_b), alpha_b, {"sigma": round(sigma, 4)}


def estimate_noise(image: np.ndarray) -> float:
    """Standard deviation of white noise in an (H, W) or (H, W, C) image, averaged over channels
    (Immerkaer 1996: the mean response to a mask that cancels smooth image content)."""
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    response = np.abs(cv2.filter2D(image, cv2.CV_32F, kernel)[1:-1, 1:-1])
    return float(np.sqrt(np.pi / 2) / 6 * response.mean()) if response.size else 0.0


def matched_noise(fg: np.ndarray, alpha: np.ndarray, bg: np.ndarray,
                  rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Add the noise the background has and the render lacks: sigma = sqrt(max(0, bg^2 - fg^2))."""
    region = animal_region(alpha)
    if region is None:
        return fg, {"sigma": 0.0}
    rows, cols = region
    bg_sigma = estimate_noise(bg)
    fg_sigma = estimate_noise(np.ascontiguousarray(fg[rows, cols]))
    sigma = float(np.sqrt(max(0.0, bg_sigma ** 2 - fg_sigma ** 2)))
    noise = rng.standard_normal(fg.shape, dtype=np.float32) * np.float32(sigma)
    return np.clip(fg + noise, 0.0, 1.0), {"sigma": round(sigma, 5)}


def recompress_jpeg(rgb: np.ndarray, rng: np.random.Generator,
                    quality_range: tuple[int, int] = (55, 90)) -> tuple[np.ndarray, dict]:
    """Encode and decode uint8 RGB (H, W, 3) as JPEG, so animal and background share compression artefacts."""
    quality = int(rng.integers(quality_range[0], quality_range[1] + 1))
    ok, data = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("OpenCV failed to encode a JPEG")
    return cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1], {"quality": quality}
