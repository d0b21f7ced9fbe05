"""Inference: checkpoints -> model, images + boxes -> COCO keypoint results (top-down, ground-truth boxes).

Shapes: K = 17; crops (N, 3, S, S); heatmaps (N, K, h, w); keypoints (N, K, 2) in crop pixels, mapped back
to image pixels (continuous coordinates) through the inverse of each crop's affine map.
Flip test averages the heatmaps of the crop and of its mirror image (columns reversed, left/right swapped);
the codec's cell-centre convention makes the column reversal exact, so no shift is needed.
"""
from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from pasyn.data.ap10k import flip_indices
from pasyn.data.coco import CocoDataset
from pasyn.pose.codec import decode_heatmaps
from pasyn.pose.data import normalize, read_rgb
from pasyn.pose.model import PoseModel
from pasyn.pose.presets import PoseConfig
from pasyn.pose.transforms import apply_affine, box_to_region, crop_affine, invert_affine, warp_image


def build_model(config: PoseConfig, pretrained_path: str | os.PathLike | None = None) -> PoseModel:
    return PoseModel(config.backbone, head_channels=config.head_channels,
                     heatmap_stride=config.input_size // config.heatmap_size, pretrained_path=pretrained_path)


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' -> the GPU when torch sees one, else the CPU; otherwise torch.device(name)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def autocast(config: PoseConfig, device: torch.device):
    """bfloat16 autocast when config.bf16 (fast on CPUs with AVX-512 BF16 and on recent GPUs)."""
    return torch.autocast(device.type, dtype=torch.bfloat16) if config.bf16 else nullcontext()


def read_checkpoint(path: str | os.PathLike) -> tuple[dict, PoseConfig]:
    """The state dict of a model.pt written by train() and the config it was trained with."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    state = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(state, dict) or "model" not in state or "config" not in state:
        raise ValueError(f"{path}: not a pasyn pose checkpoint (needs 'model' and 'config')")
    return state["model"], PoseConfig.from_dict(state["config"])


def load_model(path: str | os.PathLike, device: str = "auto") -> tuple[PoseModel, PoseConfig]:
    """A model in eval mode (on `device`) and its config from a checkpoint written by train()."""
    weights, config = read_checkpoint(path)
    model = build_model(config)
    model.load_state_dict(weights)
    if config.channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model.to(resolve_device(device)).eval(), config


@torch.no_grad()
def predict_heatmaps(model: PoseModel, config: PoseConfig, crops: np.ndarray, flip_test: bool | None = None
                     ) -> np.ndarray:
    """(N, S, S, 3) uint8 RGB crops -> (N, K, h, w) float32 heatmaps, flip-averaged when flip_test."""
    flip_test = config.flip_test if flip_test is None else flip_test
    device = next(model.parameters(), torch.zeros(0)).device
    x = torch.from_numpy(normalize(crops)).to(device)
    if config.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    model.eval()
    with autocast(config, device):
        heatmaps = model(x).float()
        if flip_test:
            flipped = model(torch.flip(x, dims=[3])).float()
            heatmaps = (heatmaps + torch.flip(flipped, dims=[3])[:, flip_indices()]) / 2
    return heatmaps.cpu().numpy()


def predict_dataset(model: PoseModel, config: PoseConfig, dataset: CocoDataset, image_root: str | os.PathLike,
                    batch_size: int = 32, flip_test: bool | None = None, progress: bool = True) -> list[dict]:
    """COCO keypoint results, one per annotation, using its ground-truth box (as the paper's evaluation does).

    Each result: {image_id, category_id, keypoints [x, y, peak] * K, score = mean peak, bbox}.
    """
    image_root = Path(image_root)
    images = dataset.image_by_id
    size = (config.input_size, config.input_size)
    results = []
    pending: list[tuple[dict, np.ndarray, np.ndarray]] = []  # (annotation, crop, affine)

    def flush():
        if not pending:
            return
        heatmaps = predict_heatmaps(model, config, np.stack([c for _, c, _ in pending]), flip_test)
        kpts, peaks = decode_heatmaps(heatmaps, size, sigma=config.sigma)
        for (ann, _, affine), k, p in zip(pending, kpts, peaks):
            xy = apply_affine(invert_affine(affine), k)
            results.append({
                "image_id": ann["image_id"], "category_id": ann["category_id"],
                "keypoints": np.column_stack([xy, p]).ravel().round(3).tolist(),
                "score": float(np.mean(p)), "bbox": [float(v) for v in ann["bbox"]],
            })
        pending.clear()

    by_image: dict[int, list[dict]] = {}
    for ann in dataset.annotations:
        by_image.setdefault(ann["image_id"], []).append(ann)
    for image_id, anns in tqdm(by_image.items(), desc="predicting", disable=not progress, leave=False):
        image = read_rgb(image_root / images[image_id]["file_name"])
        for ann in anns:
            if ann["bbox"][2] <= 0 or ann["bbox"][3] <= 0:
                continue
            centre, region = box_to_region(ann["bbox"], 1.0, config.padding)
            affine = crop_affine(centre, region, 0.0, size)
            pending.append((ann, warp_image(image, affine, size), affine))
            if len(pending) == batch_size:
                flush()
    flush()
    return results
