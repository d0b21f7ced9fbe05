"""Exports that the field's tools read: DeepLabCut's labelled-data layout and an MMPose-ready COCO folder.

DeepLabCut (2.2+ multi-index CSV): labeled-data/<video>/CollectedData_<scorer>.csv with header rows
scorer / bodyparts / coords and index columns (labeled-data, <video>, <image>), images as PNG beside it, and a
config.yaml fragment listing bodyparts and skeleton. Keypoints with v=0 are left empty (DLC's "not labelled").
DLC's own `deeplabcut.convertcsv2h5(config)` turns the CSV into the .h5 it trains from.
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import cv2
import yaml
from tqdm import tqdm

from pasyn.data.ap10k import KEYPOINT_NAMES, SKELETON
from pasyn.data.coco import CocoDataset, write_bytes_atomic, write_json_atomic
from pasyn.data.dataset import link_or_copy


def export_deeplabcut(ds: CocoDataset, image_root: str | os.PathLike, out_dir: str | os.PathLike,
                      video: str = "pasyn", scorer: str = "pasyn", progress: bool = True) -> Path:
    """Write DLC labelled data; returns the CSV path. One animal per image (DLC single-animal projects)."""
    image_root, out_dir = Path(image_root), Path(out_dir)
    folder = out_dir / "labeled-data" / video
    folder.mkdir(parents=True, exist_ok=True)
    anns_by_image = {}
    for ann in ds.annotations:
        anns_by_image.setdefault(ann["image_id"], ann)  # single-animal layout: the first animal per image
    rows = []
    for img in tqdm(ds.images, desc="export DeepLabCut", disable=not progress):
        ann = anns_by_image.get(img["id"])
        if ann is None:
            continue
        name = f"img{img['id']:06d}.png"
        target = folder / name
        if not target.exists():
            pixels = cv2.imread(str(image_root / img["file_name"]), cv2.IMREAD_COLOR)
            if pixels is None:
                raise FileNotFoundError(f"{ds.path}: image {img['id']} unreadable: {image_root / img['file_name']}")
            cv2.imwrite(str(target), pixels)
        values = []
        kpts = ann["keypoints"]
        for k in range(len(KEYPOINT_NAMES)):
            x, y, v = kpts[3 * k:3 * k + 3]
            # DLC's pixel coordinates put the centre of the first pixel at 0.
            values += ["", ""] if v == 0 else [f"{x - 0.5:.2f}", f"{y - 0.5:.2f}"]
        rows.append(["labeled-data", video, name] + values)
    csv_path = folder / f"CollectedData_{scorer}.csv"
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["scorer", "", ""] + [scorer] * (2 * len(KEYPOINT_NAMES)))
    writer.writerow(["bodyparts", "", ""] + [n for n in KEYPOINT_NAMES for _ in (0, 1)])
    writer.writerow(["coords", "", ""] + ["x", "y"] * len(KEYPOINT_NAMES))
    writer.writerows(rows)
    write_bytes_atomic(csv_path, text.getvalue().encode())
    config = {
        "Task": video, "scorer": scorer, "bodyparts": list(KEYPOINT_NAMES),
        "skeleton": [[KEYPOINT_NAMES[a], KEYPOINT_NAMES[b]] for a, b in SKELETON],
        "video_sets": {f"videos/{video}.mp4": {"crop": "0, 640, 0, 480"}},
    }
    (out_dir / "config_fragment.yaml").write_text(
        "# Merge into your DeepLabCut project's config.yaml, then run deeplabcut.convertcsv2h5(config)\n"
        + yaml.safe_dump(config, sort_keys=False))
    return csv_path


def export_mmpose(ds: CocoDataset, image_root: str | os.PathLike, out_dir: str | os.PathLike,
                  split: str = "train", progress: bool = True) -> Path:
    """An AP-10K-style folder MMPose's `AP10KDataset` reads: annotations/<split>.json + data/ images."""
    image_root, out_dir = Path(image_root), Path(out_dir)
    images = []
    for img in tqdm(ds.images, desc="export MMPose", disable=not progress):
        src = image_root / img["file_name"]
        if not src.is_file():
            raise FileNotFoundError(f"{ds.path}: image {img['id']} file not found: {src}")
        name = f"{img['id']:06d}{src.suffix}"
        link_or_copy(src, out_dir / "data" / name)
        images.append(dict(img, file_name=name))
    ann_path = out_dir / "annotations" / f"{split}.json"
    write_json_atomic(ann_path, dict(ds.to_dict(), images=images))
    (out_dir / f"mmpose_{split}_dataset.py").write_text(
        "# Paste into an MMPose 1.x config (e.g. configs/animal_2d_keypoint/topdown_heatmap/ap10k/*.py)\n"
        f"dataset_{split} = dict(\n"
        "    type='AP10KDataset',\n"
        f"    data_root='{out_dir.resolve().as_posix()}/',\n"
        "    data_mode='topdown',\n"
        f"    ann_file='annotations/{split}.json',\n"
        "    data_prefix=dict(img='data/'),\n"
        ")\n")
    return ann_path
