"""Fixtures for the stylize tests: tiny rendered sets with exactly known keypoints, and background folders."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from pasyn.data.ap10k import NUM_KEYPOINTS, category
from pasyn.data.coco import write_coco
from pasyn.stylize.placement import mask_box

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def blob_render(keypoints: np.ndarray, size: tuple[int, int], sigma: float = 1.8) -> np.ndarray:
    """RGBA uint8: white, alpha = a Gaussian blob centred exactly on each (continuous) keypoint."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w] + 0.5  # pixel centres in continuous coordinates
    alpha = np.zeros((h, w))
    for x, y, _ in keypoints:
        alpha = np.maximum(alpha, np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma ** 2)))
    rgba = np.full((h, w, 4), 255, np.uint8)
    rgba[..., 3] = np.round(alpha * 255).astype(np.uint8)
    return rgba


def grid_keypoints(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """17 keypoints with sub-pixel offsets, on a jittered grid with room between them for the blobs."""
    w, h = size
    cells = [(c, r) for r in range(5) for c in range(4)][:NUM_KEYPOINTS]
    kpts = np.zeros((NUM_KEYPOINTS, 3))
    for k, (c, r) in enumerate(cells):
        kpts[k] = (w * (0.15 + 0.7 * c / 3) + rng.uniform(-1, 1), h * (0.1 + 0.8 * r / 4) + rng.uniform(-1, 1), 2)
    return kpts


def write_render_set(folder: Path, rgbas: list[np.ndarray], keypoints: list[np.ndarray]) -> Path:
    (folder / "images").mkdir(parents=True, exist_ok=True)
    images, anns = [], []
    for i, (rgba, kpts) in enumerate(zip(rgbas, keypoints)):
        name = f"images/{i:06d}.png"
        cv2.imwrite(str(folder / name), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
        box = mask_box(rgba[..., 3] / 255.0)
        images.append({"id": 10 + i, "file_name": name, "width": rgba.shape[1], "height": rgba.shape[0],
                       "pasyn": {"test": i}})
        anns.append({"id": 100 + i, "image_id": 10 + i, "category_id": 22, "keypoints": kpts.reshape(-1).tolist(),
                     "num_keypoints": int((kpts[:, 2] > 0).sum()), "bbox": box, "area": box[2] * box[3],
                     "iscrowd": 0})
    write_coco({"images": images, "annotations": anns, "categories": [category("zebra")]},
               folder / "annotations.json")
    return folder


@pytest.fixture
def blob_set(tmp_path) -> Path:
    """Three 160x144 renders of keypoint blobs."""
    size = (160, 144)
    kpts = [grid_keypoints(np.random.default_rng(i), size) for i in range(3)]
    return write_render_set(tmp_path / "renders", [blob_render(k, size) for k in kpts], kpts)


@pytest.fixture
def black_backgrounds(tmp_path) -> Path:
    folder = tmp_path / "black_bg"
    folder.mkdir()
    cv2.imwrite(str(folder / "black.png"), np.zeros((120, 200, 3), np.uint8))
    return folder


@pytest.fixture
def photo_backgrounds(tmp_path) -> Path:
    """Two small textured 'photos' (noise and gradients) plus a licence text that must be ignored."""
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        yy, xx = np.mgrid[0:150, 0:220]
        img = np.stack([xx / 220 * 200, yy / 150 * 180, np.full_like(xx, 60 + 80 * i)], -1)
        img = np.clip(img + rng.normal(0, 12, img.shape), 0, 255).astype(np.uint8)
        cv2.imwrite(str(folder / f"photo{i}.jpg"), img)
    (folder / "COPYRIGHT").write_text("licence text")
    return folder


@pytest.fixture
def shared_backgrounds() -> Path:
    folder = SHARED / "assets" / "backgrounds"
    if not folder.is_dir():
        pytest.skip(f"shared backgrounds not found at {folder} (../shared is absent)")
    return folder


def _pad_conv(cin, cout):
    from torch import nn
    return [nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3), nn.ReLU()]


def _classic_adain_vgg(w=(4, 8, 8, 16)):
    """The classic vgg_normalised layout up to relu4_1, written out as the AdaIN code has it, but narrow."""
    from torch import nn
    return nn.Sequential(
        nn.Conv2d(3, 3, 1),
        *_pad_conv(3, w[0]), *_pad_conv(w[0], w[0]), nn.MaxPool2d(2, 2, ceil_mode=True),
        *_pad_conv(w[0], w[1]), *_pad_conv(w[1], w[1]), nn.MaxPool2d(2, 2, ceil_mode=True),
        *_pad_conv(w[1], w[2]), *_pad_conv(w[2], w[2]), *_pad_conv(w[2], w[2]), *_pad_conv(w[2], w[2]),
        nn.MaxPool2d(2, 2, ceil_mode=True), *_pad_conv(w[2], w[3]),
    )


def _classic_decoder(w=(16, 8, 8, 4)):
    """The AdaIN decoder layout (mirror of the encoder, nearest upsampling), narrow."""
    from torch import nn
    up = nn.Upsample(scale_factor=2, mode="nearest")
    return nn.Sequential(
        *_pad_conv(w[0], w[1]), up, *_pad_conv(w[1], w[1]), *_pad_conv(w[1], w[1]), *_pad_conv(w[1], w[1]),
        *_pad_conv(w[1], w[2]), up, *_pad_conv(w[2], w[2]), *_pad_conv(w[2], w[3]), up, *_pad_conv(w[3], w[3]),
        nn.ReflectionPad2d(1), nn.Conv2d(w[3], 3, 3),
    )


@pytest.fixture
def classic_decoder():
    return _classic_decoder


@pytest.fixture
def tiny_weights(tmp_path) -> dict:
    """Random-weight files, narrow but in the real layouts: torchvision VGG-19 features (built by torchvision's
    own make_layers), the classic AdaIN vgg_normalised, and the AdaIN decoder (as safetensors)."""
    import torch
    from safetensors.torch import save_file
    from torchvision.models.vgg import make_layers

    torch.manual_seed(0)
    modules = {"vgg_tv": make_layers([4, 4, "M", 8, 8, "M", 8, 8, 8, 8, "M", 16]).eval(),
               "vgg_adain": _classic_adain_vgg().eval(), "decoder": _classic_decoder().eval()}
    paths = {"vgg_tv": tmp_path / "vgg19.pth", "vgg_adain": tmp_path / "vgg_normalised.pth",
             "decoder": tmp_path / "decoder.safetensors"}
    torch.save({f"features.{k}": v for k, v in modules["vgg_tv"].state_dict().items()}, paths["vgg_tv"])
    torch.save(modules["vgg_adain"].state_dict(), paths["vgg_adain"])
    save_file(modules["decoder"].state_dict(), str(paths["decoder"]))
    return {**paths, "modules": modules}
