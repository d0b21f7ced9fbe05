"""Pose metrics as pure numpy functions: PCK (MMPose 1.x semantics), pooled group PCK and OKS.

N animals, K keypoints. pred, gt: (N, K, 2) pixels; mask: (N, K) bool, True where the ground truth is labelled
(v > 0); norm: (N,) pixels, for PCK max(w, h) of each animal's ground-truth box; area: (N,) the COCO area
(bbox w*h in AP-10K) that OKS uses as the squared scale.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pasyn.data.ap10k import RESULT_GROUPS


def _check_shapes(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray, per_animal: np.ndarray, what: str) -> None:
    if pred.shape != gt.shape or pred.ndim != 3 or pred.shape[-1] != 2:
        raise ValueError(f"pred and gt must both be (N, K, 2); got {pred.shape} and {gt.shape}")
    if mask.shape != pred.shape[:2]:
        raise ValueError(f"mask must be (N, K) = {pred.shape[:2]}; got {mask.shape}")
    if per_animal.shape != (pred.shape[0],):
        raise ValueError(f"{what} must be (N,) = ({pred.shape[0]},); got {per_animal.shape}")


def normalized_distances(pred, gt, mask, norm) -> np.ndarray:
    """(N, K) distance between prediction and truth divided by norm; NaN where the keypoint is not labelled.

    A labelled keypoint with a non-finite prediction (e.g. a missing prediction, stored as NaN) gets +inf, so it
    is never correct. A norm <= 0 on an animal with labelled keypoints raises ValueError: MMPose silently drops
    such animals, which would make their keypoints vanish from the denominator.
    """
    pred, gt = np.asarray(pred, float), np.asarray(gt, float)
    mask, norm = np.asarray(mask, bool), np.asarray(norm, float)
    _check_shapes(pred, gt, mask, norm, "norm")
    bad = np.flatnonzero(~(norm > 0) & mask.any(axis=1))
    if bad.size:
        raise ValueError(f"norm must be > 0 for animals with labelled keypoints; animal {bad[0]} has {norm[bad[0]]}")
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.linalg.norm(pred - gt, axis=-1) / norm[:, None]
    dist[mask & ~np.isfinite(dist)] = np.inf
    dist[~mask] = np.nan
    return dist


def correct_keypoints(pred, gt, mask, thr: float, norm) -> np.ndarray:
    """(N, K) bool: labelled and distance < thr * norm (strictly below, as MMPose). Unlabelled -> False."""
    dist = normalized_distances(pred, gt, mask, norm)
    with np.errstate(invalid="ignore"):
        return np.asarray(mask, bool) & (dist < thr)


def pck(pred, gt, mask, thr: float, norm) -> tuple[np.ndarray, float, np.ndarray]:
    """PCK as MMPose 1.x `keypoint_pck_accuracy`: (per_keypoint_acc (K,), mean_acc, counts (K,)).

    per_keypoint_acc[k] = share of the labelled keypoints k (over all N animals) that are correct, in 0..1, and
    NaN where keypoint k is labelled nowhere (MMPose writes -1 there). counts[k] = number of labelled keypoints k.
    mean_acc = mean of per_keypoint_acc over keypoints with a label (MMPose's avg_acc; 0 when none is labelled).
    Note the results table's "Average" is pooled over all labelled keypoints instead: see group_pck.
    """
    correct = correct_keypoints(pred, gt, mask, thr, norm)
    counts = np.asarray(mask, bool).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(counts > 0, correct.sum(axis=0) / counts, np.nan)
    labelled = counts > 0
    mean_acc = float(acc[labelled].mean()) if labelled.any() else 0.0
    return acc, mean_acc, counts


def group_pck(
    correct, mask, groups: Mapping[str, Sequence[int]] = RESULT_GROUPS
) -> dict[str, float]:
    """Group -> PCK in percent: the share of ALL the group's labelled keypoints (over all animals) that are correct.

    Pooled, not a mean of per-keypoint shares: a keypoint labelled more often weighs more. NaN for a group with
    no labelled keypoint. groups defaults to the paper's columns (Eye ... RoT, Average), in its order.
    """
    correct, mask = np.asarray(correct, bool), np.asarray(mask, bool)
    if correct.shape != mask.shape or correct.ndim != 2:
        raise ValueError(f"correct and mask must both be (N, K); got {correct.shape} and {mask.shape}")
    result = {}
    for name, keypoints in groups.items():
        cols = list(keypoints)
        n_labelled = int(mask[:, cols].sum())
        n_correct = int((correct[:, cols] & mask[:, cols]).sum())
        result[name] = 100.0 * n_correct / n_labelled if n_labelled else float("nan")
    return result


def oks(pred, gt, mask, area, sigmas) -> np.ndarray:
    """(N,) object keypoint similarity of each prediction with its own ground truth, as COCOeval computes it.

    OKS = mean over labelled keypoints of exp(-d^2 / (2 * area * (2 sigma)^2)). NaN for an animal without labelled
    keypoints (COCOeval then falls back to a box distance; with one animal per image this never decides anything).
    """
    pred, gt = np.asarray(pred, float), np.asarray(gt, float)
    mask, area = np.asarray(mask, bool), np.asarray(area, float)
    _check_shapes(pred, gt, mask, area, "area")
    variances = (2.0 * np.asarray(sigmas, float)) ** 2
    sq_dist = ((pred - gt) ** 2).sum(axis=-1)
    similarity = np.exp(-sq_dist / variances / (area[:, None] + np.spacing(1)) / 2.0)
    similarity = np.where(mask, np.nan_to_num(similarity, nan=0.0), 0.0)
    n_labelled = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_labelled > 0, similarity.sum(axis=1) / n_labelled, np.nan)
