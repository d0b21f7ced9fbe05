"""End-to-end renders with Blender (tiny: 64 px images)."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from pasyn.data.coco import read_coco
from pasyn.render import annotate
from pasyn.render.config import RenderConfig

pytestmark = pytest.mark.blender
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_toy_render_labels_agree_with_pixels(toy_factory, tmp_path):
    pytest.importorskip("bpy")
    from pasyn.render.blender import BlenderScene
    from pasyn.render.pipeline import annotate_sample, find_hdris, render_dataset
    from pasyn.render.sampler import clip_pose_source, sample_scene

    cfg = RenderConfig(size=64)
    result = render_dataset(toy_factory, 4, tmp_path / "toy", seed=1, cfg=cfg, workers=0, progress=False)
    assert result == {"rendered": 4, "skipped": 0, "missing": 0, "annotations": str(tmp_path / "toy/annotations.json")}
    coco = read_coco(tmp_path / "toy/annotations.json", image_root=tmp_path / "toy")
    assert [c["id"] for c in coco.categories] == [22]  # AP-10K zebra
    assert (tmp_path / "toy/preview.png").is_file() and not (tmp_path / "toy/.scratch").exists()
    for img, ann in zip(coco.images, coco.annotations):
        bgra = cv2.imread(str(tmp_path / "toy" / img["file_name"]), cv2.IMREAD_UNCHANGED)
        assert bgra.shape == (64, 64, 4) and img["pasyn"]["camera"]["width"] == 64
        alpha = bgra[..., 3] / 255.0
        assert ann["bbox"] == annotate.bbox_from_alpha(alpha, cfg.mask_threshold)
        assert ann["area"] == ann["bbox"][2] * ann["bbox"][3]
        kpts = np.reshape(ann["keypoints"], (17, 3))
        visible = kpts[:, 2] == 2
        assert visible.any()
        assert annotate.inside_mask(kpts[visible, :2], annotate.dilate(alpha > 0, 2)).all()

    # the rendered depth is Cycles' depth along the viewing axis: it matches the exact ray cast at the keypoints
    hdris = find_hdris(None)
    scene = BlenderScene(cfg, hdris, tmp_path / "scratch")
    for index in range(3):
        sample = sample_scene(index, 1, cfg, toy_factory, 1, clip_pose_source(), sorted(hdris))
        out = scene.render(sample, 0)
        pixels, _ = sample.camera.project(sample.keypoints_world)
        slabs = annotate.keypoint_slabs(sample.camera.position, sample.camera.forward, sample.keypoints_world,
                                        sample.vertices, sample.model.mesh.faces)
        rendered = annotate.sample_map(out.depth, pixels)
        both = np.isfinite(rendered) & np.isfinite(slabs["first"])
        assert both.sum() >= 5
        assert np.median(np.abs(rendered[both] - slabs["first"][both]) / slabs["first"][both]) < 0.01
        labels = annotate_sample(sample, sample.model.mesh.faces, out.alpha, out.depth, cfg)
        assert set(labels["v"].tolist()) <= {0, 1, 2}


def _cli(out: Path, config: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "pasyn.cli", "render", "--model", "zebra", "-n", "6", "--size", "64", "--seed",
            "5", "--out", str(out), "--workers", str(workers), "--config", str(config), "--no-preview"]


def test_killed_run_resumes_to_the_uninterrupted_dataset(tmp_path):
    pytest.importorskip("bpy")
    pytest.importorskip("pasyn.assets.procedural")
    from pasyn.render.pipeline import render_dataset

    config = tmp_path / "render.yaml"
    config.write_text("shape_pool: 2\n")  # two zebra shapes: building more would only cost test time
    reference = tmp_path / "reference"
    render_dataset("zebra", 6, reference, seed=5, cfg=RenderConfig(size=64, shape_pool=2), workers=0,
                   progress=False, preview=False)

    killed = tmp_path / "killed"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(_cli(killed, config, workers=2), cwd=PROJECT_ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((killed / "records").glob("*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    records = sorted((killed / "records").glob("*.json"))
    assert len(records) >= 2, "the run never got going"
    for extra in records[3:]:  # it may have got further than we wanted: 'lose' the last samples as a crash would
        extra.unlink()
    assert not (killed / "annotations.json").exists()
    # debris of a crash mid-write: a truncated image without its record, a stale scratch folder
    (killed / "images").mkdir(exist_ok=True)
    (killed / "images" / "000005.png").write_bytes(b"\x89PNG\r\n")
    (killed / ".scratch" / "worker-dead").mkdir(parents=True, exist_ok=True)

    done = subprocess.run(_cli(killed, config, workers=1), cwd=PROJECT_ROOT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "kept 2" in done.stdout or "kept 3" in done.stdout
    assert (killed / "annotations.json").read_bytes() == (reference / "annotations.json").read_bytes()
    for i in range(6):
        name = f"images/{i:06d}.png"
        assert (killed / name).read_bytes() == (reference / name).read_bytes(), name
    assert not (killed / ".scratch").exists()
    assert json.loads((killed / "records/000000.json").read_text())["image"]["pasyn"]["seed"] == 5


def test_a_folder_keeps_its_settings(toy_factory, tmp_path):
    pytest.importorskip("bpy")
    from pasyn.render.pipeline import render_dataset

    render_dataset(toy_factory, 1, tmp_path, seed=1, cfg=RenderConfig(size=32), workers=0, progress=False)
    again = render_dataset(toy_factory, 2, tmp_path, seed=1, cfg=RenderConfig(size=32), workers=0, progress=False)
    assert (again["rendered"], again["skipped"]) == (1, 1)  # extending the same dataset is fine
    with pytest.raises(ValueError, match=r"seed"):
        render_dataset(toy_factory, 2, tmp_path, seed=2, cfg=RenderConfig(size=32), workers=0, progress=False)
    with pytest.raises(ValueError, match=r"cfg"):
        render_dataset(toy_factory, 2, tmp_path, seed=1, cfg=RenderConfig(size=48), workers=0, progress=False)
