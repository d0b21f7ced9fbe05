"""Does every keypoint map follow the dev set's keypoint convention? Compare landmark heights in a standing frame.

The proxy-real zebra set records 3D keypoints per image (annotations/*_meta.json); on its idle frames we take each
keypoint's height above the ground as a fraction of the root-of-tail height, and the neck's offset ahead of the
shoulders as a fraction of the neck-to-tail length. The same numbers for each model's map (standing frame, as
`pasyn assets check` uses) show maps that place a landmark differently from the data the models are tested on.

    .venv/bin/python bench/keypoint_convention.py [--models-root ../shared/assets/models]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from pasyn.assets import list_animals, load_animal
from pasyn.assets.check import animal_frame, standing_frame
from pasyn.data.ap10k import KEYPOINT_INDEX as K

LANDMARKS = ("root_of_tail", "neck", "left_shoulder", "left_elbow", "left_hip", "left_knee", "nose", "left_eye")


def landmark_ratios(points: np.ndarray, reference: str = "root_of_tail") -> dict[str, float]:
    ground = points[[K["left_front_paw"], K["right_front_paw"], K["left_back_paw"], K["right_back_paw"]], 2].min()
    reference_height = points[K[reference], 2] - ground
    forward, _ = animal_frame(points.copy())
    shoulders = (points[K["left_shoulder"]] + points[K["right_shoulder"]]) / 2
    body = np.linalg.norm((points[K["neck"]] - points[K["root_of_tail"]])[:2])
    ratios = {name: (points[K[name], 2] - ground) / reference_height for name in LANDMARKS if name != reference}
    ratios["neck_ahead"] = float((points[K["neck"]] - shoulders) @ forward / body)
    return ratios


def proxy_reference(shared: Path, reference: str) -> dict[str, float]:
    meta = json.loads((shared / "data/proxyreal-zebra-dev/annotations/train_99_meta.json").read_text())
    rows = []
    for record in meta:
        if "idle" in record["clip"]:
            points = np.array(record["keypoints_3d"])
            rows.append(landmark_ratios(points, reference))
    return {key: float(np.median([r[key] for r in rows])) for key in rows[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--reference", default="root_of_tail", choices=LANDMARKS,
                        help="heights are fractions of this keypoint's height (a misplaced reference scales all)")
    args = parser.parse_args()
    reference = proxy_reference(args.shared, args.reference)
    header = ["model", *[c for c in LANDMARKS if c != args.reference], "neck_ahead"]
    print("| " + " | ".join(header) + " |")
    print("|---" * len(header) + "|")
    print("| proxy-real zebra (idle, median) | " + " | ".join(f"{reference[c]:.2f}" for c in header[1:]) + " |")
    for model_id in list_animals():
        model, kmap = load_animal(model_id)
        world, _ = standing_frame(model, kmap)
        ratios = landmark_ratios(kmap.locate(model, world), args.reference)
        cells = [f"{ratios[c]:.2f}" + ("*" if abs(ratios[c] - reference[c]) > 0.15 else "") for c in header[1:]]
        print(f"| {model_id} | " + " | ".join(cells) + " |")
    print(f"\nheights are fractions of the {args.reference} height above the ground; neck_ahead: neck ahead of the "
          "shoulders' midpoint, fraction of the neck-tail length; * = off the dev set's value by more than 0.15")


if __name__ == "__main__":
    main()
