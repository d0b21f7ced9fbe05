"""Systematic keypoint offsets between a model's predictions and a labelled set: where do two conventions differ?

A model trained on synthetic images alone learns the keypoint placement of the synthetic labels. Run on the few
real labelled images, its mean signed error per keypoint (in the animal's own frame) shows which keypoints of the
maps sit elsewhere than the real labels put them; random errors average out, placement differences do not.
Frame per annotation, from the labels: `forward` = root of tail -> neck in the image, `up` = perpendicular to it,
towards the top of the image; only side-ish views (neck-to-tail at least 40 % of the box's longer side) count.
Offsets are in % of the box's longer side (the PCK@0.05 threshold is 5).

    .venv/bin/python bench/label_offsets.py --checkpoint RUN/model.pt --ann ANN.json --images DIR
"""
from __future__ import annotations

import argparse

import numpy as np

from pasyn.data.ap10k import KEYPOINT_INDEX as K
from pasyn.data.ap10k import KEYPOINT_NAMES
from pasyn.data.coco import read_coco
from pasyn.eval import match_predictions
from pasyn.pose.predict import load_model, predict_dataset


def body_frame_offsets(pred: np.ndarray, gt: np.ndarray, vis: np.ndarray, box_side: float) -> np.ndarray | None:
    """(17, 2) offsets (forward, up) in % of box_side, NaN where unlabelled; None for views that are not side-ish."""
    axis = gt[K["neck"]] - gt[K["root_of_tail"]]
    if vis[K["neck"]] == 0 or vis[K["root_of_tail"]] == 0 or np.linalg.norm(axis) < 0.4 * box_side:
        return None
    forward = axis / np.linalg.norm(axis)
    up = np.array([forward[1], -forward[0]])
    if up[1] > 0:  # image y points down; "up" must point to the top of the image
        up = -up
    error = pred - gt
    out = np.stack([error @ forward, error @ up], 1) / box_side * 100
    out[vis == 0] = np.nan
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--ann", required=True)
    parser.add_argument("--images", required=True)
    args = parser.parse_args()
    gt = read_coco(args.ann)
    model, config = load_model(args.checkpoint, "cpu")
    matched = match_predictions(predict_dataset(model, config, gt, args.images, progress=False), gt)
    rows = []
    for ann, kp, pred in zip(matched.annotations, matched.gt_keypoints, matched.pred_keypoints):
        offsets = body_frame_offsets(pred[:, :2], kp[:, :2], kp[:, 2], max(ann["bbox"][2:]))
        if offsets is not None:
            rows.append(offsets)
    rows = np.array(rows)
    print(f"{len(rows)} side-ish views of {len(gt.annotations)}; offsets in % of the box's longer side")
    print("| keypoint | forward (mean) | up (mean) | spread (median |error|) |")
    print("|---|---:|---:|---:|")
    for k, name in enumerate(KEYPOINT_NAMES):
        fwd, up = np.nanmean(rows[:, k, 0]), np.nanmean(rows[:, k, 1])
        spread = np.nanmedian(np.hypot(rows[:, k, 0], rows[:, k, 1]))
        print(f"| {name} | {fwd:+.1f} | {up:+.1f} | {spread:.1f} |")


if __name__ == "__main__":
    main()
