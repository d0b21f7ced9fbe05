"""Pictures people look at: keypoints and skeletons drawn on images, contact sheets, atomic PNG writing.

Images are RGB uint8 (H, W, 3); keypoints are (17, 3) rows (x, y, v) in pixels (pixel centre at +0.5).
Colours: the animal's left red, right blue, midline green; v=2 filled dot, v=1 ring, v=0 not drawn.
"""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from pasyn.data.ap10k import SIDE, SKELETON
from pasyn.data.coco import write_bytes_atomic

SIDE_COLOURS = {"left": (230, 40, 40), "right": (40, 90, 240), "mid": (40, 200, 60)}
BBOX_COLOUR = (250, 220, 0)
MISS_COLOUR = (255, 215, 0)  # the error line of a keypoint the prediction missed
_SUBPIXEL_BITS = 4  # cv2 draws with fixed-point coordinates: keeps sub-pixel keypoints where they are
_SCALE = 1 << _SUBPIXEL_BITS
_FAR = 1e6  # pixels; beyond any image


def _fixed(x: float, y: float) -> tuple[int, int]:
    # Continuous coordinates (centre of pixel i at i + 0.5) to cv2's pixel-centre-at-integer convention;
    # clipped so that a wild prediction far off the image still fits cv2's 32-bit fixed point.
    x, y = np.clip([x, y], -_FAR, _FAR)
    return int(round((x - 0.5) * _SCALE)), int(round((y - 0.5) * _SCALE))


def draw_keypoints(image: np.ndarray, keypoints: np.ndarray, bbox=None, radius: int | None = None,
                   skeleton: bool = True, colours: dict | None = None) -> np.ndarray:
    """A copy of image with the skeleton, keypoints and (optionally) bbox [x, y, w, h] drawn."""
    out = np.ascontiguousarray(image[..., :3], dtype=np.uint8).copy()
    kpts = np.asarray(keypoints, dtype=float).reshape(-1, 3)
    colours = colours or SIDE_COLOURS
    size = max(out.shape[:2])
    radius = radius or max(2, round(size / 110))
    thickness = max(1, round(size / 300))
    if bbox is not None:
        x, y, w, h = bbox
        cv2.rectangle(out, _fixed(x + 0.5, y + 0.5), _fixed(x + w + 0.5, y + h + 0.5), BBOX_COLOUR, thickness,
                      cv2.LINE_AA, _SUBPIXEL_BITS)
    if skeleton:
        for a, b in SKELETON:
            if kpts[a, 2] > 0 and kpts[b, 2] > 0:
                side = SIDE[b] if SIDE[b] != "mid" else SIDE[a]
                cv2.line(out, _fixed(*kpts[a, :2]), _fixed(*kpts[b, :2]), colours[side], thickness, cv2.LINE_AA,
                         _SUBPIXEL_BITS)
    for k, (x, y, v) in enumerate(kpts):
        if v <= 0 or not np.isfinite([x, y]).all():
            continue
        colour = colours[SIDE[k]]
        centre = _fixed(x, y)
        if v >= 2:  # a white halo one pixel wider than the dot, so small dots keep their colour
            cv2.circle(out, centre, (radius + 1) * _SCALE, (255, 255, 255), -1, cv2.LINE_AA, _SUBPIXEL_BITS)
            cv2.circle(out, centre, radius * _SCALE, colour, -1, cv2.LINE_AA, _SUBPIXEL_BITS)
        else:
            cv2.circle(out, centre, radius * _SCALE, colour, max(1, thickness), cv2.LINE_AA, _SUBPIXEL_BITS)
            cv2.circle(out, centre, max(1, radius // 2) * _SCALE, (0, 0, 0), -1, cv2.LINE_AA, _SUBPIXEL_BITS)
    return out


def draw_comparison(image: np.ndarray, predicted: np.ndarray, truth: np.ndarray, tolerance: float | None = None,
                    correct: np.ndarray | None = None) -> np.ndarray:
    """A copy of image with predicted keypoints against the truth: how a pose estimate went wrong, at a glance.

    predicted: (17, 2|3) x, y (a third column, e.g. a score, is ignored; non-finite rows are not drawn);
    truth: (17, 3) x, y, v. Each labelled true keypoint gets a white ring whose radius is tolerance (the PCK
    distance, in pixels) when given; the prediction is drawn as draw_keypoints draws a visible pose (side colours,
    skeleton); a yellow line joins truth and prediction where correct[k] is False (default: outside the ring).
    """
    out = np.ascontiguousarray(image[..., :3], dtype=np.uint8).copy()
    pred = np.asarray(predicted, dtype=float).reshape(-1, np.shape(predicted)[-1])[:, :2]
    true = np.asarray(truth, dtype=float).reshape(-1, 3)
    size = max(out.shape[:2])
    thickness = max(1, round(size / 300))
    ring = tolerance if tolerance and tolerance > 0 else max(3.0, size / 60)
    labelled = true[:, 2] > 0
    drawable = np.isfinite(pred).all(axis=1)
    if correct is None:
        correct = np.linalg.norm(pred - true[:, :2], axis=1) < ring
    for k in np.flatnonzero(labelled):
        centre = _fixed(*true[k, :2])
        cv2.circle(out, centre, round(ring * _SCALE), (0, 0, 0), thickness + 1, cv2.LINE_AA, _SUBPIXEL_BITS)
        cv2.circle(out, centre, round(ring * _SCALE), (255, 255, 255), thickness, cv2.LINE_AA, _SUBPIXEL_BITS)
    for k in np.flatnonzero(labelled & drawable & ~np.asarray(correct, bool)):
        cv2.line(out, _fixed(*true[k, :2]), _fixed(*pred[k]), MISS_COLOUR, thickness + 1, cv2.LINE_AA,
                 _SUBPIXEL_BITS)
    shown = np.concatenate([np.nan_to_num(pred), np.where(drawable, 2.0, 0.0)[:, None]], axis=1)
    return draw_keypoints(out, shown, radius=max(2, round(size / 90)))


def contact_sheet(tiles: list[np.ndarray], ncols: int | None = None, captions: list[str] | None = None,
                  tile_size: int | None = None, gap: int = 4, background=(24, 24, 24),
                  title: str | None = None) -> np.ndarray:
    """Tiles (RGB, any sizes) in a grid; each is fitted into a square cell of tile_size (default: largest side).

    title: one line of text above the grid (e.g. a legend or the set's name), wrapped to the sheet's width.
    """
    if not tiles:
        raise ValueError("contact_sheet needs at least one tile")
    ncols = ncols or int(np.ceil(np.sqrt(len(tiles))))
    nrows = int(np.ceil(len(tiles) / ncols))
    cell = tile_size or max(max(t.shape[:2]) for t in tiles)
    caption_h = max(14, cell // 14) if captions else 0
    sheet = np.full((nrows * (cell + caption_h + gap) + gap, ncols * (cell + gap) + gap, 3), background, np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, ncols)
        tile = np.asarray(tile)[..., :3]
        scale = cell / max(tile.shape[:2])
        if scale != 1:
            tile = cv2.resize(tile, (max(1, round(tile.shape[1] * scale)), max(1, round(tile.shape[0] * scale))),
                              interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        y0 = gap + r * (cell + caption_h + gap)
        x0 = gap + c * (cell + gap)
        oy, ox = (cell - tile.shape[0]) // 2, (cell - tile.shape[1]) // 2
        sheet[y0 + oy:y0 + oy + tile.shape[0], x0 + ox:x0 + ox + tile.shape[1]] = tile
        if captions and i < len(captions) and captions[i]:
            text_w = cv2.getTextSize(str(captions[i]), cv2.FONT_HERSHEY_SIMPLEX, caption_h / 30, 1)[0][0]
            font_scale = caption_h / 30 * min(1.0, (cell - 4) / max(text_w, 1))  # shrink long captions to fit
            cv2.putText(sheet, str(captions[i]), (x0 + 2, y0 + cell + caption_h - 4), cv2.FONT_HERSHEY_SIMPLEX,
                        font_scale, (235, 235, 235), 1, cv2.LINE_AA)
    if title:
        sheet = np.concatenate([_text_banner(title, sheet.shape[1], max(14, cell // 14), background), sheet])
    return sheet


def _text_banner(text: str, width: int, line_h: int, background) -> np.ndarray:
    """Text on a strip of the given width, greedily wrapped at spaces."""
    font, font_scale = cv2.FONT_HERSHEY_SIMPLEX, line_h / 30
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and cv2.getTextSize(trial, font, font_scale, 1)[0][0] > width - 8:
            lines.append(line)
            trial = word
        line = trial
    lines.append(line)
    strip = np.full((len(lines) * (line_h + 4) + 6, width, 3), background, np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(strip, line, (4, (i + 1) * (line_h + 4)), font, font_scale, (235, 235, 235), 1, cv2.LINE_AA)
    return strip


def save_png(path: str | os.PathLike, image: np.ndarray) -> Path:
    """Write an RGB(A) uint8 image as PNG atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 4:
        bgr = cv2.cvtColor(image, cv2.COLOR_RGBA2BGRA)
    elif image.ndim == 3:
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    else:
        bgr = image
    ok, data = cv2.imencode(".png", bgr)
    if not ok:
        raise OSError(f"could not encode PNG for {path}")
    write_bytes_atomic(path, data.tobytes())
    return path

