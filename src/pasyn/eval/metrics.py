"""Evaluate COCO keypoint predictions against an AP-10K ground truth: PCK per keypoint and per group, OKS AP.

Predictions (a COCO keypoint results file): a list of {image_id, category_id, keypoints (K x (x, y, score)),
score}, optionally `ann_id` naming the ground-truth annotation it was made for (top-down with the true box).
N ground-truth annotations, K = 17 keypoints; matched arrays are (N, K, 3), a missing prediction is NaN.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pasyn.data.ap10k import KEYPOINT_NAMES, NUM_KEYPOINTS, OKS_SIGMAS, RESULT_GROUPS
from pasyn.data.coco import CocoDataset, read_coco
from pasyn.eval.coco_eval import oks_ap
from pasyn.eval.functional import correct_keypoints, group_pck, oks


class PredictionError(ValueError):
    """A predictions file or list breaks the COCO results format; the message names the file and the record."""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_predictions(records, source: str | os.PathLike = "<memory>", gt: CocoDataset | None = None) -> None:
    """Raise PredictionError at the first bad record; with gt, image and category ids must exist in it."""
    if not isinstance(records, list):
        raise PredictionError(f"{source}: expected a JSON list of predictions, got {type(records).__name__}")
    image_ids = {img["id"] for img in gt.images} if gt is not None else None
    category_ids = {cat["id"] for cat in gt.categories} if gt is not None else None
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise PredictionError(f"{source}: record [{i}]: expected an object, got {type(rec).__name__}")
        where = f"{source}: record [{i}] (image_id={rec.get('image_id')!r})"
        for key in ("image_id", "category_id"):
            if not _is_int(rec.get(key)):
                raise PredictionError(f"{where}: {key} must be an integer, got {rec.get(key)!r}")
        if "ann_id" in rec and not _is_int(rec["ann_id"]):
            raise PredictionError(f"{where}: ann_id must be an integer, got {rec['ann_id']!r}")
        kpts = rec.get("keypoints")
        if not isinstance(kpts, list) or len(kpts) != 3 * NUM_KEYPOINTS:
            got = f"{len(kpts)} values" if isinstance(kpts, list) else repr(kpts)[:40]
            raise PredictionError(f"{where}: keypoints must be a list of {3 * NUM_KEYPOINTS} numbers "
                                  f"({NUM_KEYPOINTS} x (x, y, score)), got {got}")
        bad = next((j for j, v in enumerate(kpts) if not _is_finite_number(v)), None)
        if bad is not None:
            raise PredictionError(f"{where}: keypoints[{bad}] ({KEYPOINT_NAMES[bad // 3]} "
                                  f"{'xys'[bad % 3]}) is {kpts[bad]!r}, not a finite number")
        if not _is_finite_number(rec.get("score")):
            raise PredictionError(f"{where}: score must be a finite number, got {rec.get('score')!r}")
        if image_ids is not None and rec["image_id"] not in image_ids:
            raise PredictionError(f"{where}: image_id {rec['image_id']} is not in the ground truth "
                                  f"{gt.path or '<memory>'}")
        if category_ids is not None and rec["category_id"] not in category_ids:
            raise PredictionError(f"{where}: category_id {rec['category_id']} is not among the ground truth's "
                                  f"categories {sorted(category_ids)}")


def load_predictions(path: str | os.PathLike, gt: CocoDataset | None = None) -> list[dict]:
    """Read and validate a COCO keypoint results file (see validate_predictions)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"predictions file not found: {path}")
    try:
        records = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise PredictionError(f"{path}: not valid JSON: {err}") from err
    validate_predictions(records, path, gt)
    return records


@dataclass
class MatchedPredictions:
    """Ground-truth annotations (file order) paired with at most one prediction each."""

    annotations: list[dict]
    gt_keypoints: np.ndarray  # (N, K, 3) x, y, v
    pred_keypoints: np.ndarray  # (N, K, 3) x, y, score; NaN rows where no prediction matched
    pred_index: np.ndarray  # (N,) index into the predictions list, -1 where none matched
    n_unmatched_predictions: int

    @property
    def found(self) -> np.ndarray:
        return self.pred_index >= 0

    @property
    def mask(self) -> np.ndarray:
        """(N, K) True where the ground truth is labelled (v > 0)."""
        return self.gt_keypoints[..., 2] > 0

    @property
    def norm(self) -> np.ndarray:
        """(N,) max(w, h) of each ground-truth box: the PCK normaliser."""
        boxes = np.array([a["bbox"] for a in self.annotations], float).reshape(-1, 4)
        return boxes[:, 2:].max(axis=1)

    @property
    def area(self) -> np.ndarray:
        return np.array([a.get("area", a["bbox"][2] * a["bbox"][3]) for a in self.annotations], float)

    def correct(self, thr: float) -> np.ndarray:
        """(N, K) bool: labelled and closer than thr * max(w, h) of the true box; missing predictions are wrong."""
        return correct_keypoints(self.pred_keypoints[..., :2], self.gt_keypoints[..., :2], self.mask, thr,
                                 self.norm)


def match_predictions(predictions: list[dict], gt: CocoDataset, sigmas=OKS_SIGMAS) -> MatchedPredictions:
    """Pair each ground-truth annotation with at most one prediction of the same image.

    A prediction that names an annotation of its image (`ann_id`, else `id`) takes it. The rest go in order of
    falling score, as COCOeval matches, each to the still free annotation of its image with the highest OKS;
    with one animal per image that is simply the most confident prediction.
    """
    annotations = list(gt.annotations)
    gt_kpts = gt.keypoints()
    pred_kpts = np.full_like(gt_kpts, np.nan)
    pred_index = np.full(len(annotations), -1)
    rows_by_image: dict[int, list[int]] = {}
    for row, ann in enumerate(annotations):
        rows_by_image.setdefault(ann["image_id"], []).append(row)
    row_by_ann_id = {ann["id"]: row for row, ann in enumerate(annotations)}

    area = np.array([a.get("area", a["bbox"][2] * a["bbox"][3]) for a in annotations], float)
    order = sorted(range(len(predictions)), key=lambda i: -predictions[i]["score"])
    unmatched = []
    for i in order:  # explicit annotation ids first
        pred = predictions[i]
        ann_id = pred.get("ann_id", pred.get("id"))
        row = row_by_ann_id.get(ann_id) if _is_int(ann_id) else None
        if row is not None and annotations[row]["image_id"] == pred["image_id"] and pred_index[row] < 0:
            pred_index[row] = i
        else:
            unmatched.append(i)
    n_unmatched = 0
    for i in unmatched:
        rows = [r for r in rows_by_image.get(predictions[i]["image_id"], []) if pred_index[r] < 0]
        if not rows:
            n_unmatched += 1
            continue
        candidate = np.asarray(predictions[i]["keypoints"], float).reshape(NUM_KEYPOINTS, 3)
        similarity = oks(np.broadcast_to(candidate[:, :2], (len(rows), NUM_KEYPOINTS, 2)), gt_kpts[rows, :, :2],
                         gt_kpts[rows, :, 2] > 0, area[rows], sigmas)
        pred_index[rows[int(np.argmax(np.nan_to_num(similarity, nan=-1.0)))]] = i
    for row, i in enumerate(pred_index):
        if i >= 0:
            pred_kpts[row] = np.asarray(predictions[i]["keypoints"], float).reshape(NUM_KEYPOINTS, 3)
    return MatchedPredictions(annotations, gt_kpts, pred_kpts, pred_index, n_unmatched)


def _nan_to_none(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def evaluate(predictions: list[dict], gt: CocoDataset, thr: float = 0.05, sigmas=OKS_SIGMAS) -> dict:
    """PCK@thr per group and keypoint (percent) and OKS AP (0..1) of COCO keypoint predictions.

    Returns {"pck": {Eye .. RoT, Average}, "pck_per_keypoint": {name: %}, "pck_thr", "pck_keypoint_mean" (MMPose's
    avg_acc: the mean of the 17 per-keypoint values), "ap", "ap50", "ap75", "ar" (COCOeval stats),
    "n_images", "n_annotations", "n_predictions", "n_missing" (annotations without a prediction: all their
    labelled keypoints count as wrong), "n_unmatched_predictions", "n_labelled"}. A PCK without any labelled
    keypoint is None (JSON null).
    """
    if not thr > 0:
        raise ValueError(f"PCK threshold must be > 0, got {thr}")
    validate_predictions(predictions, "<predictions>", gt)
    matched = match_predictions(predictions, gt, sigmas)
    correct, mask = matched.correct(thr), matched.mask
    groups = group_pck(correct, mask)
    per_keypoint = group_pck(correct, mask, {name: (k,) for k, name in enumerate(KEYPOINT_NAMES)})
    labelled = [v for v in per_keypoint.values() if math.isfinite(v)]
    stats = oks_ap(predictions, gt, sigmas)
    return {
        "pck": {name: _nan_to_none(groups[name]) for name in RESULT_GROUPS},
        "pck_per_keypoint": {name: _nan_to_none(v) for name, v in per_keypoint.items()},
        "pck_thr": float(thr),
        "pck_keypoint_mean": float(np.mean(labelled)) if labelled else None,
        "ap": stats["ap"], "ap50": stats["ap50"], "ap75": stats["ap75"], "ar": stats["ar"],
        "n_images": len(gt.images),
        "n_annotations": len(gt.annotations),
        "n_predictions": len(predictions),
        "n_missing": int((~matched.found).sum()),
        "n_unmatched_predictions": matched.n_unmatched_predictions,
        "n_labelled": int(mask.sum()),
    }


def evaluate_files(predictions_path: str | os.PathLike, ann_path: str | os.PathLike, thr: float = 0.05) -> dict:
    """evaluate() on a results file and an annotation file, both validated with errors naming the file."""
    gt = read_coco(ann_path)
    return evaluate(load_predictions(predictions_path, gt), gt, thr)
