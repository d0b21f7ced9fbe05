"""OKS AP through xtcocotools' COCOeval with the AP-10K sigmas, as MMPose's CocoMetric runs it.

Predictions are COCO keypoint results: dicts {image_id, category_id, keypoints (3K: x, y, score), score}.
COCOeval ignores a prediction whose K keypoint scores are all 0, and matches predictions to the ground truth per
(image, category) by OKS, so a prediction with the wrong category_id counts as a false positive.
"""
from __future__ import annotations

import contextlib
import copy
import io

import numpy as np
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

from pasyn.data.ap10k import OKS_SIGMAS
from pasyn.data.coco import CocoDataset

# Names of COCOeval's keypoint summary (stats[0..9]): AP at OKS .50:.95, .50, .75, medium, large; then AR alike.
STAT_NAMES = ("ap", "ap50", "ap75", "ap_medium", "ap_large", "ar", "ar50", "ar75", "ar_medium", "ar_large")


def coco_ground_truth(gt: CocoDataset) -> COCO:
    """An xtcocotools COCO index over a deep copy of gt (COCOeval writes into its dicts).

    Fills the two fields COCOeval needs and AP-10K files always have: iscrowd (0) and area (bbox w*h, this
    project's convention).
    """
    data = copy.deepcopy(gt.to_dict())
    for ann in data["annotations"]:
        ann.setdefault("iscrowd", 0)
        ann.setdefault("area", float(ann["bbox"][2] * ann["bbox"][3]))
    coco = COCO()
    coco.dataset = data
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def oks_ap(predictions: list[dict], gt: CocoDataset, sigmas=OKS_SIGMAS) -> dict[str, float]:
    """COCOeval keypoint summary as a dict: ap, ap50, ap75, ap_medium, ap_large, ar, ar50, ... in 0..1.

    COCOeval writes -1 where a statistic is undefined (e.g. no medium-sized animal); that -1 is kept.
    No predictions gives AP = AR = 0 when the ground truth has labelled animals.
    """
    coco_gt = coco_ground_truth(gt)
    results = [
        {k: (list(v) if k == "keypoints" else v) for k, v in p.items() if k in ("image_id", "category_id",
                                                                             "keypoints", "score")}
        for p in predictions
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        coco_dt = coco_gt.loadRes(results) if results else _empty_results(coco_gt)
        evaluator = COCOeval(coco_gt, coco_dt, "keypoints", np.asarray(sigmas, float), use_area=True)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return {name: float(value) for name, value in zip(STAT_NAMES, evaluator.stats)}


def _empty_results(coco_gt: COCO) -> COCO:
    # loadRes([]) leaves out the categories; COCOeval only needs an empty annotation index.
    coco = COCO()
    coco.dataset = {"images": list(coco_gt.dataset["images"]), "annotations": [],
                    "categories": copy.deepcopy(coco_gt.dataset["categories"])}
    coco.createIndex()
    return coco
