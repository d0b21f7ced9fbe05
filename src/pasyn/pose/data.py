"""Training data for the top-down model: sources, mixing ratios, cached box crops and augmentation.

K = 17 keypoints. An Instance is one annotated animal, kept as a pre-cropped RGB patch around its padded
box (decoding and resizing each JPEG once, not at every step) with its keypoints (K, 3) in patch pixels
(continuous coordinates, x, y, v). A training sample is the input crop (S, S, 3) uint8 RGB, heatmaps (K, h, w)
and target weights (K,), made by one affine warp of the patch (scale, rotation, shift, flip, half-body)
plus colour jitter. All randomness comes from a numpy Generator seeded by (seed, step, slot), so a resumed
run sees exactly the batches an uninterrupted one would.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from pasyn.data.ap10k import JOINT_WEIGHTS, NUM_KEYPOINTS, flip_indices
from pasyn.data.coco import read_coco
from pasyn.pose.codec import encode_heatmaps
from pasyn.pose.transforms import apply_affine, box_to_region, crop_affine, warp_image

# MMPose's AP-10K upper / lower body split for half-body augmentation
UPPER_BODY = (0, 1, 2, 3, 5, 6, 7, 8, 9, 10)
LOWER_BODY = (4, 11, 12, 13, 14, 15, 16)
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


@dataclass(frozen=True)
class Source:
    """One COCO/AP-10K file with its image folder, drawn from with relative weight `ratio`."""

    ann: Path
    images: Path
    ratio: float = 1.0

    @classmethod
    def parse(cls, spec: str) -> "Source":
        """'ANN.json:IMAGE_DIR[:RATIO]' -> Source; ValueError naming the spec otherwise."""
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise ValueError(f"source {spec!r}: expected ANN.json:IMAGE_DIR[:RATIO]")
        ratio = 1.0
        if len(parts) == 3:
            try:
                ratio = float(parts[2])
            except ValueError:
                raise ValueError(f"source {spec!r}: ratio {parts[2]!r} is not a number") from None
            if not ratio > 0:
                raise ValueError(f"source {spec!r}: ratio must be positive, got {ratio}")
        return cls(Path(parts[0]), Path(parts[1]), ratio)


@dataclass
class Instance:
    """One animal: a patch (P, P, 3) uint8 RGB, keypoints (K, 3) and its padded box region, in patch pixels."""

    patch: np.ndarray
    keypoints: np.ndarray
    centre: np.ndarray
    size: np.ndarray
    image_id: int
    ann_id: int


def read_rgb(path: str | os.PathLike) -> np.ndarray:
    """(H, W, 3) uint8 RGB; an alpha channel is dropped (composited on black, as the crop border is)."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise FileNotFoundError(f"cannot read image: {path}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255
        return cv2.cvtColor((image[:, :, :3] * alpha).astype(np.uint8), cv2.COLOR_BGR2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def load_instances(source: Source, input_size: tuple[int, int], padding: float, patch_margin: float,
                   patch_resolution: float, progress: bool = True) -> list[Instance]:
    """Read a source and cut each annotated animal's patch once.

    The patch covers the padded box times patch_margin (room for zooming out and rotating) at
    patch_resolution x the input size, so a training crop is one cheap warp of a small array.
    Annotations without a labelled keypoint or with an empty box are skipped.
    """
    dataset = read_coco(source.ann)
    images = dataset.image_by_id
    aspect = input_size[0] / input_size[1]
    patch_size = (int(round(input_size[0] * patch_resolution)), int(round(input_size[1] * patch_resolution)))
    by_image: dict[int, list[dict]] = {}
    for ann in dataset.annotations:
        kpts = np.asarray(ann["keypoints"], dtype=np.float64).reshape(NUM_KEYPOINTS, 3)
        if (kpts[:, 2] > 0).any() and ann["bbox"][2] > 0 and ann["bbox"][3] > 0:
            by_image.setdefault(ann["image_id"], []).append(ann)
    instances = []
    for image_id, anns in tqdm(by_image.items(), desc=f"caching {source.ann.name}", disable=not progress,
                               leave=False):
        image = read_rgb(source.images / images[image_id]["file_name"])
        for ann in anns:
            centre, size = box_to_region(ann["bbox"], aspect, padding)
            affine = crop_affine(centre, size * patch_margin, 0.0, patch_size)
            kpts = np.asarray(ann["keypoints"], dtype=np.float64).reshape(NUM_KEYPOINTS, 3).copy()
            kpts[:, :2] = apply_affine(affine, kpts[:, :2])
            instances.append(Instance(
                patch=warp_image(image, affine, patch_size), keypoints=kpts,
                centre=np.array(patch_size, dtype=np.float64) / 2,
                size=np.array(patch_size, dtype=np.float64) / patch_margin,
                image_id=image_id, ann_id=ann["id"],
            ))
    if not instances:
        raise ValueError(f"{source.ann}: no annotation with a labelled keypoint and a non-empty box")
    return instances


@dataclass(frozen=True)
class Augmentation:
    """Ranges of the random transforms; zeros switch a transform off."""

    flip_prob: float = 0.5
    scale_range: tuple[float, float] = (0.75, 1.25)
    rotation_deg: float = 30.0
    rotation_prob: float = 0.6
    shift: float = 0.1
    half_body_prob: float = 0.3
    half_body_min_keypoints: int = 3
    brightness: float = 0.25
    contrast: float = 0.25
    saturation: float = 0.25
    hue_deg: float = 5.0


def half_body_region(kpts: np.ndarray, rng: np.random.Generator, aspect: float,
                     min_keypoints: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Region around the labelled keypoints of the upper or the lower body (chosen at random), or None."""
    labelled = kpts[:, 2] > 0
    parts = [np.array(UPPER_BODY), np.array(LOWER_BODY)]
    if rng.random() < 0.5:
        parts.reverse()
    for part in parts:
        chosen = part[labelled[part]]
        if len(chosen) >= min_keypoints:
            pts = kpts[chosen, :2]
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            centre = (lo + hi) / 2
            w, h = np.maximum(hi - lo, 1.0)
            if w > aspect * h:
                h = w / aspect
            else:
                w = h * aspect
            return centre, np.array([w, h]) * 1.5
    return None


def jitter_colour(image: np.ndarray, aug: Augmentation, rng: np.random.Generator) -> np.ndarray:
    """Random brightness, contrast, saturation and hue on an (H, W, 3) uint8 RGB image."""
    out = image.astype(np.float32)
    if aug.brightness:
        out *= rng.uniform(1 - aug.brightness, 1 + aug.brightness)
    if aug.contrast:
        mean = out.mean()
        out = (out - mean) * rng.uniform(1 - aug.contrast, 1 + aug.contrast) + mean
    if aug.saturation:
        grey = out @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        out = (out - grey[..., None]) * rng.uniform(1 - aug.saturation, 1 + aug.saturation) + grey[..., None]
    out = np.clip(out, 0, 255).astype(np.uint8)
    if aug.hue_deg:
        hsv = cv2.cvtColor(out, cv2.COLOR_RGB2HSV)
        shift = int(round(rng.uniform(-aug.hue_deg, aug.hue_deg) / 2))  # OpenCV hue runs 0..179
        hsv[..., 0] = ((hsv[..., 0].astype(np.int16) + shift) % 180).astype(np.uint8)
        out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return out


def make_sample(inst: Instance, rng: np.random.Generator, aug: Augmentation | None, input_size: tuple[int, int],
                heatmap_size: tuple[int, int], sigma: float, joint_weights: bool
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One training sample: input crop (H, W, 3) uint8, heatmaps (K, h, w) float32, weights (K,) float32.

    aug=None gives the plain centred crop. Keypoints that land outside the crop get weight 0.
    """
    centre, size = inst.centre, inst.size
    rotation, flip = 0.0, False
    if aug is not None:
        if aug.half_body_prob and rng.random() < aug.half_body_prob:
            region = half_body_region(inst.keypoints, rng, input_size[0] / input_size[1], aug.half_body_min_keypoints)
            if region is not None:
                centre, size = region
        size = size * rng.uniform(*aug.scale_range)
        centre = centre + rng.uniform(-aug.shift, aug.shift, 2) * size
        if aug.rotation_deg and rng.random() < aug.rotation_prob:
            rotation = rng.uniform(-aug.rotation_deg, aug.rotation_deg)
        flip = rng.random() < aug.flip_prob
    affine = crop_affine(centre, size, rotation, input_size, flip=flip)
    image = warp_image(inst.patch, affine, input_size)
    kpts = inst.keypoints.copy()
    kpts[:, :2] = apply_affine(affine, kpts[:, :2])
    if flip:
        kpts = kpts[flip_indices()]
    inside = ((kpts[:, 0] >= 0) & (kpts[:, 0] < input_size[0]) & (kpts[:, 1] >= 0) & (kpts[:, 1] < input_size[1]))
    heatmaps, weights = encode_heatmaps(kpts[:, :2], (kpts[:, 2] > 0) & inside, input_size, heatmap_size, sigma)
    if joint_weights:
        weights = weights * JOINT_WEIGHTS.astype(np.float32)
    if aug is not None:
        image = jitter_colour(image, aug, rng)
    return image, heatmaps, weights


def normalize(images: np.ndarray) -> np.ndarray:
    """(N, H, W, 3) uint8 RGB -> (N, 3, H, W) float32, ImageNet mean and std."""
    out = (images.astype(np.float32) / 255 - IMAGENET_MEAN) / IMAGENET_STD
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


class MixedSampler:
    """Draws (source, instance) pairs: a source with probability proportional to its ratio, then an instance
    uniformly; a pure function of (seed, step) so any step's batch can be rebuilt."""

    def __init__(self, sizes: list[int], ratios: list[float], seed: int):
        if len(sizes) != len(ratios) or not sizes:
            raise ValueError("MixedSampler needs one ratio per source and at least one source")
        self.sizes = sizes
        self.probs = np.asarray(ratios, dtype=np.float64) / np.sum(ratios)
        self.seed = seed

    def batch(self, step: int, batch_size: int) -> list[tuple[int, int]]:
        rng = np.random.default_rng([self.seed, step, 0])
        sources = rng.choice(len(self.sizes), size=batch_size, p=self.probs)
        return [(int(s), int(rng.integers(self.sizes[s]))) for s in sources]


class TrainBatches:
    """Builds training batches from cached instances of several sources.

    batch(step) -> (images (B, 3, H, W) float32, heatmaps (B, K, h, w), weights (B, K)); deterministic in step.
    """

    def __init__(self, sources: list[list[Instance]], ratios: list[float], seed: int, batch_size: int,
                 aug: Augmentation, input_size, heatmap_size, sigma: float, joint_weights: bool,
                 threads: int = 1):
        self.sources = sources
        self.sampler = MixedSampler([len(s) for s in sources], ratios, seed)
        self.seed = seed
        self.batch_size = batch_size
        self.aug = aug
        self.input_size = tuple(input_size)
        self.heatmap_size = tuple(heatmap_size)
        self.sigma = sigma
        self.joint_weights = joint_weights
        # OpenCV and most numpy work release the GIL, so threads share the sample building
        self.pool = ThreadPoolExecutor(threads) if threads > 1 else None

    def _sample(self, step: int, slot: int, src: int, idx: int):
        rng = np.random.default_rng([self.seed, step, slot + 1])
        return make_sample(self.sources[src][idx], rng, self.aug, self.input_size, self.heatmap_size, self.sigma,
                           self.joint_weights)

    def batch(self, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        draws = self.sampler.batch(step, self.batch_size)
        args = ([step] * len(draws), range(len(draws)), [s for s, _ in draws], [i for _, i in draws])
        samples = list(self.pool.map(self._sample, *args) if self.pool else map(self._sample, *args))
        images, heatmaps, weights = (np.stack(parts) for parts in zip(*samples))
        return normalize(images), heatmaps, weights
