"""Shared fixtures for the pose tests: a tiny synthetic keypoint dataset written as COCO + PNGs."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from pasyn.data.ap10k import category
from pasyn.data.coco import write_coco
from pasyn.pose.data import Augmentation
from pasyn.pose.presets import preset

# a side-view quadruped in unit box coordinates (x forward to the right, y down), AP-10K order
TEMPLATE = np.array([
    [0.86, 0.10], [0.92, 0.12], [1.00, 0.22], [0.70, 0.30], [0.05, 0.32],
    [0.68, 0.55], [0.70, 0.75], [0.70, 0.98], [0.78, 0.55], [0.80, 0.76], [0.82, 0.97],
    [0.15, 0.55], [0.12, 0.76], [0.14, 0.98], [0.25, 0.56], [0.24, 0.77], [0.27, 0.99],
])
NO_AUG = Augmentation(flip_prob=0, scale_range=(1, 1), rotation_deg=0, shift=0, half_body_prob=0,
                      brightness=0, contrast=0, saturation=0, hue_deg=0)


def _tiny_config(**changes):
    """A config small enough for tests: a tiny backbone, 64x64 input, 32x32 heatmaps, no augmentation."""
    base = dict(backbone="lcnet_050", input_size=64, heatmap_size=32, sigma=1.0, head_channels=32,
                aug=NO_AUG, batch_size=16, num_samples=64, lr=3e-3, flip_test=False, bf16=False,
                channels_last=False, threads=2, checkpoint_every=4, log_every=2)
    base.update(changes)
    return preset("cpu", **base)


def make_animal_set(folder: Path, n: int, seed: int = 0, size: int = 96) -> Path:
    """n images of a stick quadruped whose 17 keypoints are discs of 17 distinct colours; returns the JSON."""
    rng = np.random.default_rng(seed)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    hues = np.linspace(0, 180, 17, endpoint=False).astype(np.uint8)
    colours = cv2.cvtColor(np.stack([hues, np.full(17, 255, np.uint8), np.full(17, 255, np.uint8)], 1)[None],
                           cv2.COLOR_HSV2RGB)[0].tolist()
    images, annotations = [], []
    for i in range(n):
        image = rng.integers(0, 60, (size, size, 3)).astype(np.uint8)
        w, h = rng.uniform(45, 65), rng.uniform(35, 50)
        x0, y0 = rng.uniform(4, size - w - 4), rng.uniform(4, size - h - 4)
        kpts = TEMPLATE * [w, h] + [x0, y0] + rng.normal(0, 2.0, (17, 2))
        if rng.random() < 0.5:  # face left or right
            kpts[:, 0] = 2 * x0 + w - kpts[:, 0]
        for a, b in [(3, 4), (3, 5), (5, 7), (3, 8), (8, 10), (4, 11), (11, 13), (4, 14), (14, 16), (2, 3)]:
            cv2.line(image, tuple(np.round(kpts[a] - 0.5).astype(int)), tuple(np.round(kpts[b] - 0.5).astype(int)),
                     (150, 150, 150), 2)
        for k, (x, y) in enumerate(kpts):
            cv2.circle(image, (int(round(x * 4 - 2)), int(round(y * 4 - 2))), 10, colours[k], -1, cv2.LINE_AA, 2)
        name = f"images/{i:03d}.png"
        cv2.imwrite(str(folder / name), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        lo, hi = kpts.min(0) - 3, kpts.max(0) + 3
        images.append({"id": i + 1, "file_name": name, "width": size, "height": size})
        annotations.append({
            "id": i + 1, "image_id": i + 1, "category_id": 22, "iscrowd": 0, "num_keypoints": 17,
            "bbox": [float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])],
            "area": float(np.prod(hi - lo)),
            "keypoints": np.column_stack([kpts, np.full(17, 2)]).ravel().tolist(),
        })
    ann = folder / "annotations.json"
    write_coco({"images": images, "annotations": annotations, "categories": [category("zebra")]}, ann)
    return ann


@pytest.fixture
def no_aug() -> Augmentation:
    return NO_AUG


@pytest.fixture
def tiny_config():
    """A function making a tiny PoseConfig; keyword arguments change its fields."""
    return _tiny_config


@pytest.fixture(scope="session")
def animal_set(tmp_path_factory) -> tuple[Path, Path]:
    """(annotations.json, image folder) of 32 synthetic animals."""
    folder = tmp_path_factory.mktemp("animals")
    return make_animal_set(folder, 32), folder


@pytest.fixture(scope="session")
def shared_root() -> Path:
    root = Path(__file__).resolve().parents[2] / ".." / "shared"
    if not root.is_dir():
        pytest.skip(f"shared data folder not found at {root}")
    return root
