"""A toy rendered set: flat 2D striped quadruped silhouettes with known AP-10K keypoints.

It follows the render stage's output contract (DIR/annotations.json + straight-alpha RGBA PNGs under
DIR/images/), so stylization can be tested, benchmarked and tried without Blender. Not a substitute for renders.

Keypoints are (17, 3) continuous pixels (pixel centre at +0.5), all v = 2.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pasyn.data.ap10k import KEYPOINT_INDEX as KI, NUM_KEYPOINTS, category
from pasyn.data.coco import write_coco
from pasyn.stylize.placement import mask_box

SUPERSAMPLE = 4


def _rot(angle: float) -> np.ndarray:
    return np.array([np.sin(angle), np.cos(angle)])  # angle 0 points straight down


def toy_keypoints(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """(17, 3) keypoints of a side-view quadruped facing right, randomly sized, placed and posed."""
    w, h = size
    length = rng.uniform(0.4, 0.5) * min(w, h)
    centre = np.array([w * 0.45, h * 0.42]) + rng.uniform(-0.05, 0.05, 2) * (w, h)
    k = np.zeros((NUM_KEYPOINTS, 3))
    k[:, 2] = 2
    k[KI["neck"], :2] = centre + (0.38 * length, -0.12 * length)
    k[KI["root_of_tail"], :2] = centre + (-0.45 * length, -0.1 * length)
    head_dir = _rot(np.pi / 2 + rng.uniform(-0.6, 0.9))  # from grazing (down) to alert (up)
    k[KI["nose"], :2] = k[KI["neck"], :2] + head_dir * 0.42 * length
    eye = k[KI["neck"], :2] + head_dir * 0.3 * length + (0, -0.05 * length)
    k[KI["left_eye"], :2], k[KI["right_eye"], :2] = eye, eye + (-0.02 * length, -0.01 * length)
    legs = {"left_shoulder": (0.3, 0.08), "right_shoulder": (0.26, 0.06),
            "left_hip": (-0.32, 0.08), "right_hip": (-0.36, 0.06)}
    lower = {"left_shoulder": ("left_elbow", "left_front_paw"), "right_shoulder": ("right_elbow", "right_front_paw"),
             "left_hip": ("left_knee", "left_back_paw"), "right_hip": ("right_knee", "right_back_paw")}
    for top, (dx, dy) in legs.items():
        mid, paw = lower[top]
        k[KI[top], :2] = centre + (dx * length, dy * length)
        k[KI[mid], :2] = k[KI[top], :2] + _rot(rng.uniform(-0.5, 0.5)) * 0.24 * length
        k[KI[paw], :2] = k[KI[mid], :2] + _rot(rng.uniform(-0.4, 0.4)) * 0.24 * length
    return k


def draw_toy_animal(keypoints: np.ndarray, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """RGBA uint8 (H, W, 4), straight alpha, of a striped animal through the given keypoints."""
    w, h = size
    f = SUPERSAMPLE
    shade = np.zeros((h * f, w * f), np.uint8)  # 0 = empty, 1 = far side, 2 = near side

    def pt(name: str) -> tuple[int, int]:
        x, y = keypoints[KI[name], :2]
        return int(round(x * f - 0.5)), int(round(y * f - 0.5))  # continuous -> cv2's pixel-centre grid

    length = np.linalg.norm(keypoints[KI["neck"], :2] - keypoints[KI["root_of_tail"], :2])
    thick = max(2, int(0.07 * length * f))
    for side, value in (("right", 1), ("left", 2)):
        for a, b, c in ((f"{side}_shoulder", f"{side}_elbow", f"{side}_front_paw"),
                        (f"{side}_hip", f"{side}_knee", f"{side}_back_paw")):
            cv2.line(shade, pt(a), pt(b), value, thick, cv2.LINE_8)
            cv2.line(shade, pt(b), pt(c), value, max(2, int(thick * 0.7)), cv2.LINE_8)
    body_c = ((np.array(pt("neck")) + pt("root_of_tail")) / 2 + (0, 0.12 * length * f)).astype(int)
    cv2.ellipse(shade, tuple(int(v) for v in body_c), (int(0.5 * length * f), int(0.2 * length * f)), 0, 0, 360, 2, -1)
    cv2.line(shade, pt("neck"), pt("nose"), 2, int(0.14 * length * f))
    head = ((np.array(pt("left_eye")) + pt("nose")) / 2).astype(int)
    cv2.circle(shade, tuple(int(v) for v in head), int(0.08 * length * f), 2, -1)
    tail_end = np.array(pt("root_of_tail")) + (-0.1 * length * f, 0.35 * length * f)
    cv2.line(shade, pt("root_of_tail"), tuple(int(v) for v in tail_end), 2, max(2, thick // 3))

    yy, xx = np.mgrid[0:h * f, 0:w * f].astype(np.float32) / f
    period = 0.07 * length * rng.uniform(0.8, 1.2)
    stripes = np.sin(2 * np.pi * (xx + 0.4 * yy) / period) > 0.2
    base = np.where(stripes, 0.08, 0.92).astype(np.float32) * (1.0 - 0.35 * (yy - yy.min()) / (h + 1))
    base = np.where(shade == 1, base * 0.6, base)
    tint = np.array([1.0, 0.97, 0.9], np.float32) * rng.uniform(0.85, 1.0)
    rgb = base[..., None] * tint
    alpha = (shade > 0).astype(np.float32)
    premult = np.concatenate([rgb * alpha[..., None], alpha[..., None]], -1)
    small = cv2.resize(premult, (w, h), interpolation=cv2.INTER_AREA)  # exact f x f box average
    a = small[..., 3:]
    colour = np.where(a > 1e-6, small[..., :3] / np.maximum(a, 1e-6), 0)
    return (np.concatenate([colour, a], -1) * 255 + 0.5).clip(0, 255).astype(np.uint8)


def write_toy_renders(out_dir: str | Path, n: int, size: tuple[int, int] = (320, 320), seed: int = 0) -> Path:
    """Write n toy animals as a rendered set (images/000000.png, ... + annotations.json); returns out_dir."""
    out_dir = Path(out_dir)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        kpts = toy_keypoints(rng, size)
        rgba = draw_toy_animal(kpts, size, rng)
        name = f"images/{i:06d}.png"
        cv2.imwrite(str(out_dir / name), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
        box = mask_box(rgba[..., 3] / 255.0)
        images.append({"id": i, "file_name": name, "width": size[0], "height": size[1],
                       "pasyn": {"toy": {"seed": seed, "index": i}}})
        annotations.append({"id": i, "image_id": i, "category_id": category("zebra")["id"],
                            "keypoints": kpts.reshape(-1).tolist(), "num_keypoints": NUM_KEYPOINTS,
                            "bbox": box, "area": box[2] * box[3], "iscrowd": 0})
    write_coco({"images": images, "annotations": annotations, "categories": [category("zebra")]},
               out_dir / "annotations.json")
    return out_dir
