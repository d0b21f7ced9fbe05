"""A small synthetic AP-10K ground truth (in memory, never skips) and prediction helpers."""
import numpy as np
import pytest

from pasyn.data.ap10k import category
from pasyn.data.coco import CocoDataset, validate

K = 17


def make_gt(n_images: int = 6, seed: int = 0, two_animals_on: tuple[int, ...] = ()) -> CocoDataset:
    """n_images 200x160 images, one zebra each (two on the listed image indices), random poses inside each box."""
    rng = np.random.default_rng(seed)
    images, annotations = [], []
    for i in range(n_images):
        image_id = 10 + i
        images.append({"id": image_id, "file_name": f"img_{i}.png", "width": 200, "height": 160})
        for j in range(2 if i in two_animals_on else 1):
            w, h = rng.uniform(40, 90), rng.uniform(30, 70)
            x, y = rng.uniform(0, 200 - w), rng.uniform(0, 160 - h)
            kpts = np.column_stack([rng.uniform(x, x + w, K), rng.uniform(y, y + h, K), np.full(K, 2)])
            kpts[rng.random(K) < 0.2, 2] = 1
            kpts[rng.random(K) < 0.1] = 0  # v=0: not labelled, x = y = 0
            annotations.append({
                "id": 100 * image_id + j, "image_id": image_id, "category_id": 22,
                "bbox": [float(x), float(y), float(w), float(h)], "area": float(w * h), "iscrowd": 0,
                "num_keypoints": int((kpts[:, 2] > 0).sum()), "keypoints": kpts.ravel().tolist(),
            })
    data = {"images": images, "annotations": annotations, "categories": [category("zebra")]}
    validate(data)
    return CocoDataset(images=images, annotations=annotations, categories=data["categories"])


def perturbed_predictions(gt: CocoDataset, scales, seed: int = 1) -> list[dict]:
    """One prediction per annotation: the truth plus Gaussian noise of scales[i] x max(w, h) px."""
    rng = np.random.default_rng(seed)
    predictions = []
    for ann, scale in zip(gt.annotations, scales):
        kpts = np.array(ann["keypoints"], float).reshape(K, 3)
        kpts[:, :2] += rng.normal(0, scale * max(ann["bbox"][2:]), (K, 2))
        kpts[:, 2] = rng.uniform(0.2, 1.0, K)
        predictions.append({"image_id": ann["image_id"], "category_id": ann["category_id"],
                            "keypoints": kpts.ravel().tolist(), "score": float(rng.uniform(0.3, 1.0))})
    return predictions


@pytest.fixture
def synthetic_gt() -> CocoDataset:
    return make_gt()


@pytest.fixture
def gt_factory():
    """make_gt, for tests that need another layout (pytest's importlib mode cannot import conftest by name)."""
    return make_gt


@pytest.fixture
def perturb():
    return perturbed_predictions
