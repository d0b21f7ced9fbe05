"""Procedural coat textures for the built-in quadruped: zebra stripes, solid horse coats, cow patches, dog coats.

The texture is an (S, S, 3) sRGB uint8 atlas; ATLAS gives each body part's rectangle (u0, v0, u1, v1) in UV
space (v down, glTF convention). Inside a rectangle the mesh maps a = around the part (0 = its dorsal or
front line, 0.5 = belly or back of the leg) to u and t = along the part to v: torso rump (0) to breast (1),
neck base to poll, head back to nose, legs top to coronet, tail base to tip, ears and horns base to tip.
"""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

ATLAS: dict[str, tuple[float, float, float, float]] = {
    "torso": (0.0, 0.0, 1.0, 0.32),
    "neck": (0.0, 0.32, 0.5, 0.5),
    "head": (0.5, 0.32, 1.0, 0.5),
    "fore.L": (0.0, 0.5, 0.25, 0.82), "fore.R": (0.25, 0.5, 0.5, 0.82),
    "hind.L": (0.5, 0.5, 0.75, 0.82), "hind.R": (0.75, 0.5, 1.0, 0.82),
    "tail": (0.0, 0.82, 0.2, 1.0),
    "mane": (0.2, 0.82, 0.4, 1.0),
    "ear": (0.4, 0.82, 0.55, 1.0),
    "horn": (0.55, 0.82, 0.65, 1.0),
    "eye": (0.65, 0.82, 0.75, 1.0),
    "foot": (0.75, 0.82, 1.0, 1.0),
}
ATLAS_INSET = 3 / 512  # UVs stay this far inside their rectangle so bilinear lookups never bleed across parts

_EYE = np.array([14, 11, 10.0])
_HOOF = np.array([48, 44, 42.0])


def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _mix(a, b, w):
    """Blend colours (3,) or images (H, W, 3) by weight (H, W)."""
    w = np.asarray(w)[..., None]
    return (1 - w) * np.asarray(a, float) + w * np.asarray(b, float)


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int]) -> np.ndarray:
    """(H, W) smooth value noise, ~unit std, periodic across W (around a tube) with cells (rows, cols) features."""
    grid = rng.standard_normal(cells).astype(np.float32)
    h, w = shape
    tiled = cv2.resize(np.concatenate([grid, grid, grid], axis=1), (3 * w, h), interpolation=cv2.INTER_CUBIC)
    out = tiled[:, w:2 * w].astype(float)
    return (out - out.mean()) / (out.std() + 1e-9)


def _paint_stripes(part: str, a, t, rng, colors, muzzle_length) -> np.ndarray:
    dark, light, muzzle = (np.asarray(c, float) for c in colors)
    n = smooth_noise(rng, a.shape, (4, 12))
    belly = np.abs(a - 0.5) * 2  # 0 on the belly / back of a leg, 1 on the dorsal / front line
    width = 0.5  # share of each period that is dark, before belly thinning
    if part == "torso":
        count = 10.5 + rng.uniform(-1, 1)
        height = np.cos(2 * np.pi * a)
        body = count * t + 0.22 * n
        haunch = 2.6 * height + 0.35 * count * t + 0.22 * n  # horizontal bands on the hindquarters
        w = 1 - _smoothstep((t - 0.1) / 0.22)
        phase = (1 - w) * body + w * haunch
        width = 0.5 - 0.4 * (1 - _smoothstep(belly / 0.35))
    elif part == "neck" or part == "mane":
        phase = (7 + rng.uniform(-0.5, 0.5)) * t + 0.15 * n
        width = 0.5 - 0.25 * (1 - _smoothstep(belly / 0.3))
    elif part == "head":
        phase = 10 * t + 0.12 * n + 0.8 * np.abs(np.sin(np.pi * a))
        width = 0.42
    elif part.startswith(("fore", "hind")):
        phase = 15 * t + 0.1 * n
        width = 0.5 - 0.08 * (1 - belly)
    elif part == "tail":
        phase = 8 * t + 0.1 * n
    else:
        phase = 4 * t
    stripe = 0.5 + 0.5 * np.cos(2 * np.pi * phase)  # 1 at the middle of a dark band
    amount = _smoothstep((stripe - (1 - width) + 0.06) / 0.12)
    if part == "torso":
        amount = np.maximum(amount, _smoothstep((belly - 0.955) / 0.02))  # dorsal stripe
    img = _mix(light, dark, amount)
    if part == "head":
        img = _mix(img, muzzle, _smoothstep((t - (1 - 0.8 * muzzle_length)) / 0.06))
    elif part == "tail":
        img = _mix(img, dark, _smoothstep((t - 0.55) / 0.1))
    elif part.startswith(("fore", "hind")):
        img = _mix(img, dark, _smoothstep((t - 0.93) / 0.04))
    elif part == "ear":
        img = _mix(light, dark, np.maximum(_smoothstep((t - 0.7) / 0.08), _smoothstep(1 - np.abs(t - 0.35) / 0.08)))
    return img


def _paint_solid(part: str, a, t, rng, colors, muzzle_length, markings) -> np.ndarray:
    body, points, mane = (np.asarray(c, float) for c in colors)
    n = smooth_noise(rng, a.shape, (6, 10))
    belly = np.abs(a - 0.5) * 2
    img = body * (0.95 + 0.04 * n[..., None]) * (0.9 + 0.1 * _smoothstep(belly / 0.5))[..., None]
    white = np.array([236, 232, 226.0])
    if part == "head":
        img = _mix(img, _mix(body, points, 0.5), _smoothstep((t - 0.85) / 0.06))
        if markings["blaze"]:
            img = _mix(img, white, _smoothstep((0.08 - np.minimum(a, 1 - a)) / 0.03) * (t > 0.25) * (t < 0.93))
    elif part.startswith(("fore", "hind")):
        img = _mix(img, points, _smoothstep((t - 0.45) / 0.15))
        if markings[part]:
            img = _mix(img, white, _smoothstep((t - markings[part]) / 0.05))
    elif part in ("mane", "tail"):
        streaks = smooth_noise(rng, a.shape, (3, 40))
        img = mane * (0.9 + 0.08 * streaks[..., None])
        if part == "tail":
            img = _mix(_mix(img, body, 0.5), img, _smoothstep(t / 0.2))
    elif part == "ear":
        img = _mix(img, points, _smoothstep((t - 0.6) / 0.2))
    return img


def _paint_patches(part: str, a, t, rng, colors, muzzle_length) -> np.ndarray:
    patch, base, muzzle = (np.asarray(c, float) for c in colors)
    cells = {"torso": (3, 8), "neck": (3, 5), "head": (3, 5)}.get(part, (3, 4))
    n = smooth_noise(rng, a.shape, cells) + 0.15 * smooth_noise(rng, a.shape, (10, 24))
    threshold = 0.05
    if part.startswith(("fore", "hind")):
        threshold = 0.1 + 1.8 * _smoothstep((t - 0.35) / 0.3)  # white lower legs
    amount = _smoothstep((n - threshold) / 0.12)
    img = _mix(base, patch, amount) * (0.97 + 0.03 * n[..., None])
    if part == "head":
        img = _mix(img, muzzle, _smoothstep((t - (1 - 0.55 * muzzle_length)) / 0.05))
    elif part == "ear":
        img = _mix(base, patch, 0.85)
    elif part == "tail":
        img = _mix(_mix(base, patch, 0.7), base, _smoothstep((t - 0.8) / 0.05))
    elif part == "horn":
        img = _mix(np.array([226, 214, 190.0]), np.array([70, 62, 54.0]), _smoothstep((t - 0.6) / 0.3))
    return img


def _paint_dog(part: str, a, t, rng, colors, muzzle_length) -> np.ndarray:
    base, saddle, light = (np.asarray(c, float) for c in colors)
    n = smooth_noise(rng, a.shape, (4, 10))
    dorsal = np.abs(a - 0.5) * 2
    img = base * (0.96 + 0.04 * n[..., None])
    if part in ("torso", "neck", "tail", "mane"):
        img = _mix(img, saddle, _smoothstep((dorsal - 0.62 + 0.08 * n) / 0.12))
        img = _mix(img, light, _smoothstep((0.3 - dorsal + 0.05 * n) / 0.15))
    if part == "head":
        img = _mix(img, saddle, _smoothstep((t - (1 - 0.9 * muzzle_length)) / 0.12) * 0.85)
        img = _mix(img, saddle, _smoothstep((dorsal - 0.8) / 0.1) * (t < 0.5) * 0.6)
    elif part.startswith(("fore", "hind")):
        img = _mix(img, light, _smoothstep((t - 0.55) / 0.2) * 0.8)
    elif part == "ear":
        img = _mix(img, saddle, 0.8)
    elif part == "tail":
        img = _mix(img, saddle, _smoothstep((t - 0.8) / 0.1))
    elif part == "foot":
        img = _mix(_mix(light, base, 0.4), np.array([38, 32, 30.0]), _smoothstep((0.2 - t) / 0.05))
    return img


@lru_cache(maxsize=32)
def _coat_cached(coat: str, colors: tuple, seed: int, muzzle_length: float, size: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 0xC0A7])
    texture = np.zeros((size, size, 3))
    markings = {"blaze": rng.random() < 0.4}  # white face blaze and socks (solid coats only)
    for leg in ("fore.L", "fore.R", "hind.L", "hind.R"):
        markings[leg] = rng.uniform(0.75, 0.9) if rng.random() < 0.3 else 0.0
    for part, (u0, v0, u1, v1) in ATLAS.items():
        c0, c1, r0, r1 = (round(x * size) for x in (u0, u1, v0, v1))
        cols = (np.arange(c0, c1) + 0.5) / size
        rows = (np.arange(r0, r1) + 0.5) / size
        a = np.clip((cols - u0 - ATLAS_INSET) / (u1 - u0 - 2 * ATLAS_INSET), 0, 1)
        t = np.clip((rows - v0 - ATLAS_INSET) / (v1 - v0 - 2 * ATLAS_INSET), 0, 1)
        a, t = np.meshgrid(a, t)
        if part == "eye":
            img = np.broadcast_to(_EYE, a.shape + (3,))
        elif part == "foot" and coat != "dog":
            img = np.broadcast_to(_HOOF, a.shape + (3,)) * (0.9 + 0.1 * t[..., None])
        elif coat == "stripes":
            img = _paint_stripes(part, a, t, rng, colors, muzzle_length)
        elif coat == "solid":
            img = _paint_solid(part, a, t, rng, colors, muzzle_length, markings)
        elif coat == "patches":
            img = _paint_patches(part, a, t, rng, colors, muzzle_length)
        else:
            img = _paint_dog(part, a, t, rng, colors, muzzle_length)
        texture[r0:r1, c0:c1] = img
    out = np.clip(texture + rng.normal(0, 2.0, texture.shape), 0, 255).astype(np.uint8)
    out.flags.writeable = False  # shared by every model built with this coat and seed
    return out


def coat_texture(coat: str, colors, seed: int = 0, muzzle_length: float = 0.45, size: int = 512) -> np.ndarray:
    """(size, size, 3) sRGB uint8 coat atlas, deterministic in its arguments; cached and read-only."""
    colors = tuple(tuple(int(c) for c in color) for color in colors)
    if len(colors) != 3 or any(len(c) != 3 for c in colors):
        raise ValueError(f"coat colours must be three RGB triples, got {colors}")
    return _coat_cached(coat, colors, int(seed), round(float(muzzle_length), 2), int(size))
