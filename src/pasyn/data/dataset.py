"""Train sets built from several sources (real + synthetic), and their statistics.

A *source* is one COCO/AP-10K file plus the folder its file_names are relative to. `merge_sources` writes one
self-contained dataset folder (annotations.json + images/<source>/...), the paper's splits being merges:
R(99) = real; R(99)+S(3K) = real + 3,000 synthetic zebras; R(99)+S(5K) = that + 2,000 synthetic other species.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from pasyn.data.ap10k import KEYPOINT_NAMES, NUM_KEYPOINTS, SPECIES
from pasyn.data.coco import CocoDataset, read_coco, write_json_atomic


@dataclass(frozen=True)
class Source:
    """One annotation file; `limit` keeps its first N images (after a seeded shuffle when seed is given)."""

    name: str
    ann: Path
    images: Path
    limit: int | None = None
    seed: int | None = None

    @classmethod
    def parse(cls, spec: str) -> "Source":
        """'NAME=ANN.json[:IMAGE_DIR][@LIMIT]'; IMAGE_DIR defaults to the JSON's folder."""
        if "=" not in spec:
            raise ValueError(f"source {spec!r}: expected NAME=ANN.json[:IMAGE_DIR][@LIMIT]")
        name, rest = spec.split("=", 1)
        limit = None
        if "@" in rest:
            rest, limit_text = rest.rsplit("@", 1)
            if not limit_text.isdigit():
                raise ValueError(f"source {spec!r}: limit {limit_text!r} is not a whole number")
            limit = int(limit_text)
        ann, _, images = rest.partition(":")
        return cls(name=name, ann=Path(ann), images=Path(images) if images else Path(ann).parent, limit=limit)

    def read(self) -> CocoDataset:
        ds = read_coco(self.ann)
        if self.limit is not None and self.limit < len(ds.images):
            order = np.arange(len(ds.images))
            if self.seed is not None:
                np.random.default_rng(self.seed).shuffle(order)
            keep = {ds.images[i]["id"] for i in order[:self.limit]}
            ds.images = [img for img in ds.images if img["id"] in keep]
            ds.annotations = [a for a in ds.annotations if a["image_id"] in keep]
        return ds


def link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        return
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(src, dst)


def merge_sources(sources: list[Source], out_dir: str | os.PathLike, progress: bool = True) -> CocoDataset:
    """Write sources as one dataset folder with fresh ids; each image keeps its origin under `pasyn.source`."""
    out_dir = Path(out_dir)
    if len({s.name for s in sources}) != len(sources):
        raise ValueError(f"source names must be unique: {[s.name for s in sources]}")
    images, annotations, categories = [], [], {}
    for source in sources:
        ds = source.read()
        for cat in ds.categories:
            categories.setdefault(cat["id"], cat)
        new_id = {}
        for img in tqdm(ds.images, desc=f"merge {source.name}", disable=not progress, leave=False):
            src_file = source.images / img["file_name"]
            if not src_file.is_file():
                raise FileNotFoundError(f"{source.ann}: image {img['id']} file not found: {src_file}")
            new_id[img["id"]] = len(images) + 1
            rel = Path("images") / source.name / img["file_name"]
            link_or_copy(src_file, out_dir / rel)
            record = dict(img, id=new_id[img["id"]], file_name=rel.as_posix())
            record["pasyn"] = dict(img.get("pasyn", {}), source=source.name, source_image_id=img["id"])
            images.append(record)
        for ann in ds.annotations:
            annotations.append(dict(ann, id=len(annotations) + 1, image_id=new_id[ann["image_id"]]))
    merged = CocoDataset(images=images, annotations=annotations, categories=sorted(categories.values(),
                         key=lambda c: c["id"]), info={"description": "pasyn merged set",
                                                       "sources": [s.name for s in sources]})
    write_json_atomic(out_dir / "annotations.json", merged.to_dict())
    merged.path = out_dir / "annotations.json"
    return merged


def _normalised_poses(ds: CocoDataset) -> tuple[np.ndarray, np.ndarray]:
    """Keypoints centred on the bbox centre and scaled by its longer side; (N, K, 2) and mask (N, K)."""
    kpts = ds.keypoints()
    boxes = np.array([a["bbox"] for a in ds.annotations], dtype=float).reshape(-1, 4)
    centre = boxes[:, :2] + boxes[:, 2:] / 2
    scale = np.maximum(boxes[:, 2:].max(axis=1), 1e-6)
    poses = (kpts[..., :2] - centre[:, None]) / scale[:, None, None]
    return poses, kpts[..., 2] > 0


def dataset_stats(ds: CocoDataset) -> dict:
    """Counts per species and source, visibility per keypoint, box sizes and pose spread."""
    species = {sid: name for sid, name, _ in SPECIES}
    image_by_id = ds.image_by_id
    per_species: dict[str, int] = {}
    per_source: dict[str, int] = {}
    for ann in ds.annotations:
        name = species.get(ann["category_id"], str(ann["category_id"]))
        per_species[name] = per_species.get(name, 0) + 1
        source = image_by_id[ann["image_id"]].get("pasyn", {}).get("source", "-")
        per_source[source] = per_source.get(source, 0) + 1
    vis = ds.keypoints()[..., 2]
    boxes = np.array([a["bbox"] for a in ds.annotations], dtype=float).reshape(-1, 4)
    image_sides = np.array([max(image_by_id[a["image_id"]]["width"], image_by_id[a["image_id"]]["height"])
                            for a in ds.annotations], dtype=float)
    rel_box = boxes[:, 2:].max(axis=1) / image_sides if len(boxes) else np.zeros(1)
    poses, mask = _normalised_poses(ds)
    # Pose spread: RMS distance of labelled, box-normalised keypoints from their per-keypoint mean.
    weights = mask[..., None].astype(float)
    mean = (poses * weights).sum(axis=0) / np.maximum(weights.sum(axis=0), 1)
    spread = float(np.sqrt((((poses - mean) ** 2) * weights).sum() / max(2 * mask.sum(), 1)))
    return {
        "n_images": len(ds.images), "n_annotations": len(ds.annotations),
        "per_species": dict(sorted(per_species.items())), "per_source": dict(sorted(per_source.items())),
        "visibility": {f"v{v}": float((vis == v).mean()) if vis.size else 0.0 for v in (0, 1, 2)},
        "visible_per_keypoint": {n: float((vis[:, k] == 2).mean()) if len(vis) else 0.0
                                 for k, n in enumerate(KEYPOINT_NAMES)},
        "bbox_rel_size": {"min": float(rel_box.min()), "median": float(np.median(rel_box)),
                          "max": float(rel_box.max())},
        "pose_spread": spread,
    }


def stats_figure(datasets: dict[str, CocoDataset]) -> np.ndarray:
    """The split viewer: per set, visibility per keypoint and the spread of normalised poses (PCA), as RGB."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    width = 0.8 / max(1, len(datasets))
    all_poses = []
    for i, (name, ds) in enumerate(datasets.items()):
        stats = dataset_stats(ds)
        axes[0].bar(np.arange(NUM_KEYPOINTS) + i * width, list(stats["visible_per_keypoint"].values()), width,
                    label=name)
        poses, mask = _normalised_poses(ds)
        filled = np.where(mask[..., None], poses, 0.0).reshape(len(poses), -1)
        all_poses.append((name, filled))
        rel = [a["bbox"][2] / max(a["bbox"][3], 1e-6) for a in ds.annotations]
        axes[2].hist(np.log2(np.clip(rel, 1 / 8, 8)), bins=30, alpha=0.5, label=name)
    axes[0].set_xticks(np.arange(NUM_KEYPOINTS), KEYPOINT_NAMES, rotation=75, fontsize=7)
    axes[0].set_title("share of keypoints visible (v=2)")
    axes[0].legend(fontsize=8)
    stacked = np.concatenate([p for _, p in all_poses]) if all_poses else np.zeros((0, 2))
    if len(stacked) > 2:
        mean = stacked.mean(axis=0)
        _, _, vt = np.linalg.svd(stacked - mean, full_matrices=False)
        for name, poses in all_poses:
            xy = (poses - mean) @ vt[:2].T
            axes[1].scatter(xy[:, 0], xy[:, 1], s=4, alpha=0.5, label=name)
    axes[1].set_title("pose spread: PCA of box-normalised keypoints")
    axes[1].legend(fontsize=8, markerscale=3)
    axes[2].set_title("bbox aspect, log2(w/h)")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return image
