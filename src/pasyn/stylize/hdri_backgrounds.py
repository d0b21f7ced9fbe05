"""Background photos made from equirectangular HDRIs, for when no real photos are at hand (the demo).

Blender's wheel ships eight CC0 studio-light HDRIs (bpy/<version>/datafiles/studiolights/world/*.exr); a pinhole
view cut out of one, tone-mapped to sRGB, is a plausible outdoor background. Views look near the horizon and a
little down, so the ground the animal stands on is in frame.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

os.environ.setdefault("OPENCV_IO_ENABLE_OPENEXR", "1")  # must be set before cv2 is first imported
import cv2  # noqa: E402
import numpy as np  # noqa: E402


def builtin_hdri_dir() -> Path:
    """The studio-light HDRI folder of the installed bpy wheel (found without importing bpy)."""
    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("bpy is not installed, so its built-in HDRIs cannot be found")
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.glob("*/datafiles/studiolights/world"))
    if not found:
        raise FileNotFoundError(f"no studiolights/world folder under {root}")
    return found[-1]


def read_hdri(path: str | os.PathLike) -> np.ndarray:
    """(H, W, 3) float32 linear RGB of an equirectangular EXR/HDR; a clear error for unreadable files."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None or image.ndim != 3:
        raise ValueError(f"{path}: not a readable HDR image")
    return np.ascontiguousarray(image[..., 2::-1], dtype=np.float32)


def perspective_view(equirect: np.ndarray, size: int, yaw: float, pitch: float, fov: float) -> np.ndarray:
    """A square pinhole view (size x size, linear RGB) looking at yaw/pitch (radians) with horizontal fov."""
    h, w = equirect.shape[:2]
    focal = (size / 2) / np.tan(fov / 2)
    pix = (np.arange(size) + 0.5 - size / 2) / focal
    x, y = np.meshgrid(pix, -pix)  # camera: x right, y up, looking along -z
    rays = np.stack([x, y, -np.ones_like(x)], axis=-1)
    cp, sp, cy, sy = np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    tilt = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    turn = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    d = rays @ (turn @ tilt).T
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    lon = np.arctan2(d[..., 0], -d[..., 2])
    lat = np.arcsin(np.clip(d[..., 1], -1, 1))
    map_x = ((lon / (2 * np.pi) + 0.5) * w - 0.5).astype(np.float32)
    map_y = ((0.5 - lat / np.pi) * h - 0.5).astype(np.float32)
    return cv2.remap(equirect, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)


def tone_map(linear: np.ndarray, key: float = 0.18) -> np.ndarray:
    """Reinhard tone mapping scaled to the view's log-average luminance, then sRGB; uint8 RGB."""
    lum = linear @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    scaled = linear * (key / np.exp(np.mean(np.log(lum + 1e-4))))
    mapped = np.clip(scaled / (1 + scaled), 0, 1)
    srgb = np.where(mapped <= 0.0031308, 12.92 * mapped, 1.055 * np.power(mapped, 1 / 2.4) - 0.055)
    return np.clip(srgb * 255 + 0.5, 0, 255).astype(np.uint8)


def make_hdri_backgrounds(hdris: list[Path], out_dir: str | os.PathLike, n: int, size: int = 384,
                          seed: int = 0) -> list[Path]:
    """Write n JPEG backgrounds cut from the given HDRIs (round robin); returns their paths. Deterministic."""
    if not hdris:
        raise ValueError("no HDRI files given to cut backgrounds from")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    cache: dict[Path, np.ndarray] = {}
    paths = []
    for i in range(n):
        hdri = Path(hdris[i % len(hdris)])
        yaw, pitch, fov = rng.uniform(-np.pi, np.pi), np.radians(rng.uniform(-18, 2)), np.radians(rng.uniform(50, 75))
        path = out_dir / f"{hdri.stem}_{i:03d}.jpg"
        if not path.exists():
            if hdri not in cache:
                cache[hdri] = read_hdri(hdri)
            view = tone_map(perspective_view(cache[hdri], size, yaw, pitch, fov))
            tmp = path.with_name(f".{path.name}.tmp.jpg")
            cv2.imwrite(str(tmp), view[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 92])
            os.replace(tmp, path)
        paths.append(path)
    return paths
