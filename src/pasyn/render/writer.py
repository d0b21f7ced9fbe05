"""The rendered set on disk: per-sample files written atomically, resume by skipping them, final COCO assembly.

DIR/images/<i:06d>.png       RGBA, straight alpha (moved into place by one rename)
DIR/records/<i:06d>.json     that sample's COCO image + annotation (written atomically after the image)
DIR/depth/<i:06d>.npy        optional float16 depth along the viewing axis (inf = background)
DIR/annotations.json         COCO/AP-10K of all records of [0, n) in index order (rebuilt from the records)
DIR/preview.png              contact sheet with keypoints drawn
A sample is finished when its record exists: the record is written last, so a kill at any moment leaves either
a finished sample or one that is rendered again, never a half-written file under its final name.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np

from pasyn.data.ap10k import category
from pasyn.data.coco import write_coco, write_json_atomic


def stem(index: int) -> str:
    return f"{index:06d}"


def image_path(out: Path, index: int) -> Path:
    return Path(out) / "images" / f"{stem(index)}.png"


def record_path(out: Path, index: int) -> Path:
    return Path(out) / "records" / f"{stem(index)}.json"


def finished(out: Path, indices) -> set[int]:
    """Indices whose record and image both exist."""
    return {i for i in indices if record_path(out, i).is_file() and image_path(out, i).is_file()}


def commit_sample(out: Path, index: int, png: Path, record: dict, depth: np.ndarray | None = None) -> None:
    """Move the rendered PNG into place, then write the record: the record's presence means 'finished'."""
    out = Path(out)
    final = image_path(out, index)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(png, final)
    if depth is not None:
        dpath = out / "depth" / f"{stem(index)}.npy"
        dpath.parent.mkdir(parents=True, exist_ok=True)
        tmp = dpath.with_name(f".{dpath.name}.tmp")
        with open(tmp, "wb") as f:
            np.save(f, depth.astype(np.float16))
        os.replace(tmp, dpath)
    write_json_atomic(record_path(out, index), record)


def make_record(index: int, size: int, species: str, keypoints: list[float], bbox: list[float] | None,
                generation: dict) -> dict:
    """One sample's COCO image and annotation (ids = index + 1) with the generation record under "pasyn"."""
    image = {"id": index + 1, "file_name": f"images/{stem(index)}.png", "width": size, "height": size,
             "pasyn": generation}
    vis = keypoints[2::3]
    box = bbox if bbox is not None else [0.0, 0.0, 0.0, 0.0]
    annotation = {"id": index + 1, "image_id": index + 1, "category_id": category(species)["id"],
                  "keypoints": keypoints, "num_keypoints": int(sum(v > 0 for v in vis)), "bbox": box,
                  "area": float(box[2] * box[3]), "iscrowd": 0}
    return {"image": image, "annotation": annotation, "species": species}


def assemble(out: Path, n: int) -> dict:
    """Write DIR/annotations.json from the records of [0, n) in index order; returns the COCO dict."""
    out = Path(out)
    images, annotations, species = [], [], []
    for i in range(n):
        path = record_path(out, i)
        if not path.is_file():
            continue
        with open(path) as f:
            rec = json.load(f)
        images.append(rec["image"])
        annotations.append(rec["annotation"])
        if rec["species"] not in species:
            species.append(rec["species"])
    coco = {"info": {"description": "pasyn render", "count": len(images)}, "licenses": [],
            "images": images, "annotations": annotations,
            "categories": sorted((category(s) for s in species), key=lambda c: c["id"])}
    write_coco(coco, out / "annotations.json")
    return coco


def write_preview(out: Path, coco: dict, count: int = 16, background=(128, 128, 128)) -> Path | None:
    """A contact sheet of the first `count` images on grey, keypoints and boxes drawn, at DIR/preview.png."""
    from pasyn.viz import contact_sheet, draw_keypoints, save_png

    out = Path(out)
    by_image = {a["image_id"]: a for a in coco["annotations"]}
    tiles, captions = [], []
    for img in coco["images"][:count]:
        bgra = cv2.imread(str(out / img["file_name"]), cv2.IMREAD_UNCHANGED)
        alpha = bgra[..., 3:4].astype(np.float32) / 255.0
        rgb = bgra[..., 2::-1].astype(np.float32) * alpha + np.float32(background) * (1 - alpha)
        ann = by_image[img["id"]]
        tiles.append(draw_keypoints(rgb.round().astype(np.uint8), np.reshape(ann["keypoints"], (-1, 3)),
                                    bbox=ann["bbox"]))
        captions.append(Path(img["file_name"]).stem)
    if not tiles:
        return None
    return save_png(out / "preview.png", contact_sheet(tiles, captions=captions))
