"""Time pasyn.eval on the proxy-real test set with perturbed-truth predictions; draw the docs example sheet.

    .venv/bin/python bench/bench_eval.py [--shared ../shared] [--sheet docs/examples/eval_sheet.png]

Predictions are the truth plus heavy-tailed noise (Student t, 2 dof, scale 2 % of the box side: most keypoints
close, some far off, like a real model's misses), one image left without a prediction.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from pasyn.data.coco import read_coco
from pasyn.eval import evaluate, format_table, prediction_sheet
from pasyn.viz import save_png


def perturbed_truth(gt, scale: float, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    predictions = []
    for ann in gt.annotations:
        kpts = np.array(ann["keypoints"], float).reshape(17, 3)
        kpts[:, :2] += rng.standard_t(2, size=(17, 2)) * scale * max(ann["bbox"][2:])
        kpts[:, 2] = rng.uniform(0.3, 1.0, 17)
        predictions.append({"image_id": ann["image_id"], "category_id": ann["category_id"],
                            "keypoints": kpts.ravel().tolist(), "score": float(rng.uniform(0.5, 1.0))})
    return predictions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--sheet", type=Path, default=None, help="write the example contact sheet here")
    args = parser.parse_args()
    root = args.shared / "data" / "proxyreal-zebra-dev"
    gt = read_coco(root / "annotations" / "test_300.json")
    rows, runs = {}, {}
    for scale in (0.02, 0.01):
        runs[scale] = perturbed_truth(gt, scale, seed=0)
        del runs[scale][5]
        start = time.perf_counter()
        rows[f"truth + t2 noise {scale:g}"] = evaluate(runs[scale], gt)
        print(f"evaluate(), {len(runs[scale])} predictions: {time.perf_counter() - start:.3f} s")
    print(format_table(rows, title="PCK on proxyreal test_300, perturbed truth", with_ap=True))
    start = time.perf_counter()
    sheet = prediction_sheet(runs[0.02], gt, root / "images", n=12, tile_size=224)
    print(f"prediction_sheet(), 12 tiles: {time.perf_counter() - start:.3f} s")
    if args.sheet:
        save_png(args.sheet, sheet)
        print(f"wrote {args.sheet}")


if __name__ == "__main__":
    main()
