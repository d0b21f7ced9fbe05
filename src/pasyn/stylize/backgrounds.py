"""Background photos: folder scan with clear errors and skip messages, a per-process cache, random crops.

Images are RGB uint8 (H, W, 3). A crop record gives its box [x, y, w, h] in the original photo's pixels.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
MIN_SIDE = 32  # photos smaller than this cannot give a usable crop


class BackgroundError(ValueError):
    """The background folder cannot be used; the message names the folder or file and the problem."""


@dataclass(frozen=True)
class BackgroundSet:
    """The usable photos of a folder (sorted, so a seed always picks the same one) and the skipped files."""

    folder: Path
    paths: tuple[Path, ...]
    sizes: tuple[tuple[int, int], ...]  # (width, height) of each photo
    skipped: tuple[tuple[Path, str], ...]


def _check_image(path: Path) -> tuple[int, int]:
    """(width, height) from the header; raises ValueError saying why the file is not a usable image."""
    try:
        with Image.open(path) as im:
            size = im.size
            im.verify()  # reads the structure (PNG chunks and CRCs, JPEG markers) without decoding pixels
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ValueError(f"not a readable image ({type(err).__name__}: {err})") from err
    if min(size) < MIN_SIDE:
        raise ValueError(f"too small ({size[0]}x{size[1]}; need at least {MIN_SIDE} px per side)")
    return size


def scan_backgrounds(folder: str | Path) -> BackgroundSet:
    """All images under `folder` (recursively, by suffix); unreadable ones are skipped with a warning each.

    Raises FileNotFoundError when the folder does not exist and BackgroundError when no usable image is left.
    Files that are not images by suffix (licence texts, READMEs) are ignored silently.
    """
    folder = Path(folder)
    if not folder.exists():
        raise FileNotFoundError(f"background folder not found: {folder}")
    if not folder.is_dir():
        raise BackgroundError(f"background folder is not a directory: {folder}")
    candidates = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    paths, sizes, skipped = [], [], []
    for path in candidates:
        try:
            sizes.append(_check_image(path))
            paths.append(path)
        except ValueError as err:
            skipped.append((path, str(err)))
            log.warning("skipping background %s: %s", path, err)
    if not paths:
        found = f"{len(candidates)} image file(s), all unreadable" if candidates else "no image files"
        raise BackgroundError(f"{folder}: no usable background photos ({found}; "
                              f"looked for {', '.join(IMAGE_SUFFIXES)})")
    return BackgroundSet(folder, tuple(paths), tuple(sizes), tuple(skipped))


_REDUCED_READ = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
                 8: cv2.IMREAD_REDUCED_COLOR_8}


def load_background(path: Path, short_side: int, size: tuple[int, int] | None = None) -> np.ndarray:
    """Decode a photo as RGB uint8, shrunk (never enlarged) so its shorter side is at most short_side.

    size: the photo's (width, height) when known; then JPEGs are decoded at 1/2, 1/4 or 1/8 scale directly
    where that still leaves at least short_side pixels (much faster than decoding in full and shrinking).
    """
    reduction = max((r for r in _REDUCED_READ if size is None or min(size) / r >= short_side), default=1)
    bgr = cv2.imread(str(path), _REDUCED_READ[reduction if size is not None else 1])
    if bgr is None:
        raise BackgroundError(f"{path}: cannot decode the image (header looked fine; file corrupt?)")
    h, w = bgr.shape[:2]
    factor = short_side / min(h, w)
    if factor < 1:
        bgr = cv2.resize(bgr, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class BackgroundCache:
    """Decoded, downscaled photos kept per process (least recently used ones dropped beyond max_items)."""

    def __init__(self, short_side: int, max_items: int = 64):
        self.short_side = short_side
        self.max_items = max_items
        self._images: OrderedDict[Path, np.ndarray] = OrderedDict()

    def get(self, path: Path, size: tuple[int, int] | None = None) -> np.ndarray:
        """The photo at `path` (its (width, height) `size`, when known, speeds up decoding)."""
        if path in self._images:
            self._images.move_to_end(path)
            return self._images[path]
        image = load_background(path, self.short_side, size)
        self._images[path] = image
        if len(self._images) > self.max_items:
            self._images.popitem(last=False)
        return image


def random_crop(
    rng: np.random.Generator,
    image: np.ndarray,
    out_size: tuple[int, int],
    original_size: tuple[int, int],
    crop_range: tuple[float, float] = (0.5, 1.0),
    flip: bool = True,
) -> tuple[np.ndarray, dict]:
    """A random crop with the output's aspect ratio, resized to out_size (w, h), maybe mirrored.

    The crop side is U(crop_range) times the largest crop that fits. Returns (RGB uint8 (H, W, 3), record).
    """
    h, w = image.shape[:2]
    aspect = out_size[0] / out_size[1]
    max_w = min(w, h * aspect)
    crop_w = max(1, min(w, round(max_w * rng.uniform(*crop_range))))
    crop_h = max(1, min(h, round(crop_w / aspect)))
    x0 = int(rng.integers(0, w - crop_w + 1))
    y0 = int(rng.integers(0, h - crop_h + 1))
    mirror = bool(flip and rng.random() < 0.5)
    crop = image[y0:y0 + crop_h, x0:x0 + crop_w]
    interp = cv2.INTER_AREA if crop_w > out_size[0] else cv2.INTER_LINEAR
    crop = cv2.resize(crop, out_size, interpolation=interp)
    if mirror:
        crop = crop[:, ::-1]
    to_original = original_size[0] / w
    box = [round(v * to_original, 2) for v in (x0, y0, crop_w, crop_h)]
    return np.ascontiguousarray(crop), {"crop": box, "mirrored": mirror}
