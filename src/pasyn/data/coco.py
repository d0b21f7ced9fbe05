"""COCO / AP-10K keypoint annotation files: strict reading and atomic writing.

A file holds `images`, `annotations` and `categories`; each annotation has 17 x (x, y, v) keypoints in
pixels (x right, y down, origin at the top-left corner of the image) and a bbox [x, y, w, h].
Every problem raises AnnotationError naming the file and the offending record.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pasyn.data.ap10k import KEYPOINT_NAMES, NUM_KEYPOINTS


class AnnotationError(ValueError):
    """A COCO/AP-10K file breaks the format; the message names the file and the record."""


@dataclass
class CocoDataset:
    """One annotation file in memory, kept as COCO dicts (so unknown fields survive a round trip)."""

    images: list[dict]
    annotations: list[dict]
    categories: list[dict]
    info: dict = field(default_factory=dict)
    licenses: list[dict] = field(default_factory=list)
    path: Path | None = None

    @property
    def image_by_id(self) -> dict[int, dict]:
        return {img["id"]: img for img in self.images}

    def keypoints(self) -> np.ndarray:
        """(N, K, 3) float keypoints of all annotations, in file order."""
        if not self.annotations:
            return np.zeros((0, NUM_KEYPOINTS, 3))
        return np.array([a["keypoints"] for a in self.annotations], dtype=float).reshape(-1, NUM_KEYPOINTS, 3)

    def to_dict(self) -> dict:
        return {
            "info": self.info, "licenses": self.licenses, "images": self.images,
            "annotations": self.annotations, "categories": self.categories,
        }


def _fail(path, where: str, problem: str) -> AnnotationError:
    return AnnotationError(f"{path}: {where}: {problem}")


def _finite_numbers(values) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values)


def validate(data: dict, path: str | os.PathLike = "<memory>", image_root: str | os.PathLike | None = None) -> None:
    """Check a COCO/AP-10K dict; raise AnnotationError at the first bad record.

    image_root: when given, every image file must exist under it.
    """
    if not isinstance(data, dict):
        raise _fail(path, "top level", f"expected a JSON object, got {type(data).__name__}")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise _fail(path, "top level", f"missing or non-list {key!r}")

    category_ids = set()
    for i, cat in enumerate(data["categories"]):
        where = f"categories[{i}] (id={cat.get('id')!r})"
        if not isinstance(cat.get("id"), int):
            raise _fail(path, where, "category id must be an integer")
        if cat["id"] in category_ids:
            raise _fail(path, where, "duplicate category id")
        names = cat.get("keypoints")
        if names is not None and list(names) != list(KEYPOINT_NAMES):
            raise _fail(path, where, f"keypoint names differ from the AP-10K layout: {names}")
        category_ids.add(cat["id"])

    image_ids = set()
    for i, img in enumerate(data["images"]):
        where = f"images[{i}] (id={img.get('id')!r})"
        if not isinstance(img.get("id"), int):
            raise _fail(path, where, "image id must be an integer")
        if img["id"] in image_ids:
            raise _fail(path, where, "duplicate image id")
        if not isinstance(img.get("file_name"), str) or not img["file_name"]:
            raise _fail(path, where, "missing file_name")
        for dim in ("width", "height"):
            if not isinstance(img.get(dim), int) or img[dim] <= 0:
                raise _fail(path, where, f"{dim} must be a positive integer, got {img.get(dim)!r}")
        if image_root is not None and not (Path(image_root) / img["file_name"]).is_file():
            raise _fail(path, where, f"image file not found: {Path(image_root) / img['file_name']}")
        image_ids.add(img["id"])

    ann_ids = set()
    for i, ann in enumerate(data["annotations"]):
        where = f"annotations[{i}] (id={ann.get('id')!r}, image_id={ann.get('image_id')!r})"
        if not isinstance(ann.get("id"), int):
            raise _fail(path, where, "annotation id must be an integer")
        if ann["id"] in ann_ids:
            raise _fail(path, where, "duplicate annotation id")
        ann_ids.add(ann["id"])
        if ann.get("image_id") not in image_ids:
            raise _fail(path, where, "image_id refers to no image in 'images'")
        if ann.get("category_id") not in category_ids:
            raise _fail(path, where, f"category_id {ann.get('category_id')!r} is not among the categories")
        kpts = ann.get("keypoints")
        if not isinstance(kpts, list) or len(kpts) != 3 * NUM_KEYPOINTS:
            n = len(kpts) if isinstance(kpts, list) else type(kpts).__name__
            raise _fail(path, where, f"keypoints must be a list of {3 * NUM_KEYPOINTS} numbers, got {n}")
        if not _finite_numbers(kpts):
            raise _fail(path, where, "keypoints contain a non-number, NaN or infinity")
        vis = kpts[2::3]
        bad = [(KEYPOINT_NAMES[k], v) for k, v in enumerate(vis) if v not in (0, 1, 2)]
        if bad:
            raise _fail(path, where, f"visibility must be 0, 1 or 2; got {bad[0][1]!r} for {bad[0][0]}")
        if "num_keypoints" in ann and ann["num_keypoints"] != sum(v > 0 for v in vis):
            raise _fail(path, where, f"num_keypoints={ann['num_keypoints']} but {sum(v > 0 for v in vis)} "
                                     "keypoints have v>0")
        bbox = ann.get("bbox")
        if not isinstance(bbox, list) or len(bbox) != 4 or not _finite_numbers(bbox):
            raise _fail(path, where, f"bbox must be 4 finite numbers [x, y, w, h], got {bbox!r}")
        if bbox[2] < 0 or bbox[3] < 0:
            raise _fail(path, where, f"bbox has a negative size: {bbox}")


def read_coco(path: str | os.PathLike, image_root: str | os.PathLike | None = None) -> CocoDataset:
    """Read and validate a COCO/AP-10K keypoint file (see validate)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"annotation file not found: {path}")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise AnnotationError(f"{path}: not valid JSON: {err}") from err
    validate(data, path, image_root)
    return CocoDataset(
        images=data["images"], annotations=data["annotations"], categories=data["categories"],
        info=data.get("info", {}), licenses=data.get("licenses", []), path=path,
    )


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write a file so that readers see either the old file or the whole new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path: str | os.PathLike, obj, indent: int | None = None) -> Path:
    return write_bytes_atomic(path, json.dumps(obj, indent=indent).encode())


def write_coco(dataset: CocoDataset | dict, path: str | os.PathLike) -> None:
    """Validate, then write atomically."""
    data = dataset.to_dict() if isinstance(dataset, CocoDataset) else dataset
    validate(data, path)
    write_json_atomic(path, data)
