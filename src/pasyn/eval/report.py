"""What people read from an evaluation: the paper's PCK table in markdown, bar charts, prediction contact sheets.

rows: {train-set name: evaluate() result}, e.g. {"R99": ..., "R99+S3K": ...}. Images are RGB uint8 (H, W, 3).
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import cv2
import numpy as np

from pasyn.data.ap10k import RESULT_GROUPS
from pasyn.data.coco import CocoDataset, write_bytes_atomic, write_json_atomic
from pasyn.eval.metrics import match_predictions, validate_predictions
from pasyn.viz import contact_sheet, draw_comparison, save_png

COLUMNS: tuple[str, ...] = tuple(RESULT_GROUPS)  # Eye | Nose | ... | RoT | Average, the paper's order


def _as_rows(rows: dict) -> dict[str, dict]:
    """rows as {name: result}; a single evaluate() result (it has "pck" and "pck_thr") becomes {"model": result}."""
    if isinstance(rows, dict) and "pck" in rows and "pck_thr" in rows:
        return {"model": rows}
    if not isinstance(rows, dict) or not rows:
        raise ValueError("no results to report: rows must be a non-empty {train set: evaluate() result} dict")
    bad = [name for name, result in rows.items() if not isinstance(result, dict) or "pck" not in result]
    if bad:
        raise ValueError(f"rows {bad} are not evaluate() results (no 'pck' entry)")
    return rows


def _common_thr(rows: dict[str, dict]) -> float:
    thresholds = {name: r.get("pck_thr") for name, r in rows.items()}
    if any(t is None for t in thresholds.values()) or len(set(thresholds.values())) != 1:
        raise ValueError(f"all rows need the same pck_thr to share a table; got {thresholds}")
    return next(iter(thresholds.values()))


def _cell(value) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.1f}"


def format_table(rows: dict[str, dict], title: str | None = None, with_ap: bool = False) -> str:
    """Markdown table, one row per train set, the paper's columns; PCK@thr (percent) named in the header.

    with_ap adds COCO OKS AP (0..1 as COCOeval reports it) as a last column. A missing value prints as "-".
    A single evaluate() result is accepted too (one row named "model").
    """
    rows = _as_rows(rows)
    thr = _common_thr(rows)
    header = [f"Train set (PCK@{thr:g}, %)", *COLUMNS] + (["OKS AP"] if with_ap else [])
    lines = [f"**{title}**", ""] if title else []
    lines += ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for name, result in rows.items():
        missing = [c for c in COLUMNS if c not in result.get("pck", {})]
        if missing:
            raise ValueError(f"results for {name!r} lack the PCK columns {missing}")
        cells = [_cell(result["pck"][c]) for c in COLUMNS]
        if with_ap:
            ap = result.get("ap")
            cells.append("-" if ap is None or ap < 0 else f"{ap:.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_pck_bars(rows: dict[str, dict], title: str | None = None) -> np.ndarray:
    """Grouped bar chart (matplotlib): one group of bars per column, one bar per train set; returns RGB."""
    rows = _as_rows(rows)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    thr = _common_thr(rows)
    fig = Figure(figsize=(11, 4.2), dpi=100)
    ax = fig.add_subplot()
    x = np.arange(len(COLUMNS))
    width = 0.8 / len(rows)
    for i, (name, result) in enumerate(rows.items()):
        values = [result["pck"].get(c) for c in COLUMNS]
        heights = [v if v is not None and math.isfinite(v) else 0.0 for v in values]
        bars = ax.bar(x - 0.4 + (i + 0.5) * width, heights, width, label=name)
        if len(rows) <= 3:
            ax.bar_label(bars, labels=[_cell(v) for v in values], fontsize=7, padding=1)
    ax.set_xticks(x, COLUMNS)
    ax.set_ylim(0, 105)
    ax.set_ylabel(f"PCK@{thr:g} (%)")
    ax.set_title(title or f"PCK@{thr:g} per keypoint group")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="train set", title_fontsize=8)
    fig.tight_layout()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def _read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"image not found or unreadable: {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _crop_square(image: np.ndarray, bbox, margin: float, size: int) -> tuple[np.ndarray, float, np.ndarray]:
    """The square around bbox (grown by margin per side) resampled to size x size, border-padded grey.

    Returns (tile, scale, origin): tile coordinates are (xy - origin) * scale, continuous (pixel centre +0.5).
    """
    x, y, w, h = bbox
    side = max(w, h, 1.0) * (1 + 2 * margin)
    origin = np.array([x + w / 2 - side / 2, y + h / 2 - side / 2])
    scale = size / side
    # cv2 maps tile pixel j (centre j + 0.5) to image position origin + (j + 0.5) / scale, pixel index - 0.5.
    shift = origin + 0.5 / scale - 0.5
    matrix = np.array([[1 / scale, 0, shift[0]], [0, 1 / scale, shift[1]]])
    if scale < 1:  # warpAffine has no area filter: shrink the whole image first, then cut at scale 1
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        matrix = np.array([[1.0, 0, origin[0] * scale], [0, 1.0, origin[1] * scale]])
    tile = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(90, 90, 90))
    return tile, scale, origin


def _pick_rows(score: np.ndarray, n: int, seed: int) -> list[int]:
    """Up to n rows: the worst quarter, the best quarter and a seeded random draw from the middle, worst first."""
    order = [int(i) for i in np.argsort(score, kind="stable")]
    if len(order) <= n:
        return order
    n_end = max(1, n // 4)
    worst, best, middle = order[:n_end], order[-n_end:], order[n_end:-n_end]
    rng = np.random.default_rng(seed)
    drawn = rng.choice(len(middle), size=n - 2 * n_end, replace=False)
    return worst + [middle[i] for i in sorted(drawn)] + best


def prediction_sheet(predictions: list[dict], gt: CocoDataset, image_root: str | os.PathLike, n: int = 16,
                     seed: int = 0, thr: float = 0.05, tile_size: int = 256, ncols: int | None = None) -> np.ndarray:
    """Contact sheet of predictions against the truth: the worst, a random middle and the best animals by PCK.

    Each tile is the image around the true box; white rings = true keypoints with the PCK@thr radius, dots and
    skeleton = prediction (left red, right blue, midline green), yellow line = a keypoint outside its ring.
    Captions: image id, PCK@thr of that animal (correct/labelled), or "no prediction".
    """
    validate_predictions(predictions, "<predictions>", gt)
    matched = match_predictions(predictions, gt)
    mask, correct, norm = matched.mask, matched.correct(thr), matched.norm
    n_labelled = mask.sum(axis=1)
    rows = np.flatnonzero(n_labelled > 0)
    if rows.size == 0:
        raise ValueError(f"{gt.path or '<memory>'}: no annotation has a labelled keypoint to show")
    share = correct[rows].sum(axis=1) / n_labelled[rows]
    dist = np.linalg.norm(matched.pred_keypoints[rows, :, :2] - matched.gt_keypoints[rows, :, :2], axis=-1)
    mean_err = np.where(mask[rows], np.nan_to_num(dist, nan=0.0), 0.0).sum(axis=1) / n_labelled[rows] / norm[rows]
    # Worst first: lowest PCK, ties broken by the larger mean error; missing predictions rank worst of all.
    score = share - 1e-3 * np.minimum(mean_err, 1.0)
    score[~matched.found[rows]] = -1.0

    images = gt.image_by_id
    tiles, captions = [], []
    for pick in _pick_rows(score, n, seed):
        row = int(rows[pick])
        ann = matched.annotations[row]
        image_path = Path(image_root) / images[ann["image_id"]]["file_name"]
        tile, scale, origin = _crop_square(_read_rgb(image_path), ann["bbox"], 0.08, tile_size)
        truth = matched.gt_keypoints[row].copy()
        truth[:, :2] = (truth[:, :2] - origin) * scale
        pred = (matched.pred_keypoints[row, :, :2] - origin) * scale
        tiles.append(draw_comparison(tile, pred, truth, tolerance=thr * norm[row] * scale, correct=correct[row]))
        if matched.found[row]:
            captions.append(f"#{ann['image_id']} PCK {100 * share[pick]:.0f}% "
                            f"({int(correct[row].sum())}/{int(n_labelled[row])})")
        else:
            captions.append(f"#{ann['image_id']} no prediction")
    legend = (f"{gt.path.name if gt.path else 'predictions'}: rings = truth with the PCK@{thr:g} radius; "
              "dots + skeleton = prediction (left red, right blue, mid green); yellow = miss. Worst to best.")
    return contact_sheet(tiles, ncols=ncols, captions=captions, tile_size=tile_size, title=legend)


def write_report(out_dir: str | os.PathLike, results: dict, name: str = "model",
                 predictions: list[dict] | None = None, gt: CocoDataset | None = None,
                 image_root: str | os.PathLike | None = None, thr: float | None = None) -> dict[str, Path]:
    """Write results.json, table.md and, given predictions, gt and image_root, predictions.png into out_dir."""
    out_dir = Path(out_dir)
    paths = {"json": out_dir / "results.json", "table": out_dir / "table.md"}
    write_json_atomic(paths["json"], results, indent=2)
    table = format_table({name: results}, with_ap=True)
    write_bytes_atomic(paths["table"], table.encode())
    if predictions is not None and gt is not None and image_root is not None:
        sheet = prediction_sheet(predictions, gt, image_root, thr=thr or results["pck_thr"])
        paths["sheet"] = save_png(out_dir / "predictions.png", sheet)
    return paths
