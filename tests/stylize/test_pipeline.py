"""End to end: files written, labels exact against pixels, seeded, resumable, parallel = serial."""
import json

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from pasyn.data.coco import read_coco
from pasyn.stylize.cli import cli
from pasyn.stylize.pipeline import StylizeConfig, StylizeError, preset, stylize_dataset
from pasyn.stylize.placement import mask_box

PLAIN = dict(method="paste", touches=(), image_format="png", size=(128, 112))


def _centroids(gray: np.ndarray, points: np.ndarray, radius: int = 6) -> np.ndarray:
    """Alpha-weighted centre of the blob around each point (continuous coordinates)."""
    yy, xx = np.mgrid[0:gray.shape[0], 0:gray.shape[1]] + 0.5
    out = []
    for x, y in points:
        near = (np.abs(xx - x) <= radius) & (np.abs(yy - y) <= radius)
        wgt = gray * near
        out.append([(xx * wgt).sum() / wgt.sum(), (yy * wgt).sum() / wgt.sum()])
    return np.array(out)


def test_keypoints_are_exact_and_sit_on_the_pixels(blob_set, black_backgrounds, tmp_path):
    config = StylizeConfig(**{**PLAIN, "size": (200, 180)}, scale_range=(0.7, 1.0), max_outside=0.0, seed=3)
    ann_path = stylize_dataset(blob_set, black_backgrounds, tmp_path / "out", config, progress=False)
    src = read_coco(blob_set / "annotations.json")
    out = read_coco(ann_path, image_root=ann_path.parent)
    assert [img["file_name"] for img in out.images] == [f"images/{i:06d}.png" for i in range(3)]
    for img, ann, src_ann in zip(out.images, out.annotations, src.annotations):
        affine = np.array(img["pasyn"]["placement"]["affine"])
        s, dx, dy = affine[0, 0], affine[0, 2], affine[1, 2]
        kpts, src_kpts = np.reshape(ann["keypoints"], (-1, 3)), np.reshape(src_ann["keypoints"], (-1, 3))
        # the label rule x' = s x + dx, to 1e-6 px (JSON keeps full floats)
        np.testing.assert_allclose(kpts[:, 0], s * src_kpts[:, 0] + dx, atol=1e-6, rtol=0)
        np.testing.assert_allclose(kpts[:, 1], s * src_kpts[:, 1] + dy, atol=1e-6, rtol=0)
        assert (kpts[:, 2] == 2).all()
        # white blobs on black: the image is the matte; each blob's centre is its keypoint
        gray = cv2.imread(str(ann_path.parent / img["file_name"]), cv2.IMREAD_GRAYSCALE) / 255.0
        whole = (kpts[:, 0] > 5) & (kpts[:, 0] < 195) & (kpts[:, 1] > 5) & (kpts[:, 1] < 175)  # blob not cut
        assert whole.sum() >= 10
        np.testing.assert_allclose(_centroids(gray, kpts[whole, :2]), kpts[whole, :2], atol=0.05)
        assert ann["bbox"] == mask_box(gray)  # bbox follows the mask
        assert ann["area"] == ann["bbox"][2] * ann["bbox"][3]
        assert img["pasyn"]["source"] == src.images[out.images.index(img)]["file_name"]


def test_pushed_out_keypoints_become_unlabelled(blob_set, black_backgrounds, tmp_path):
    config = StylizeConfig(**PLAIN, scale_range=(1.6, 1.6), max_outside=0.45, seed=0)
    out = read_coco(stylize_dataset(blob_set, black_backgrounds, tmp_path / "out", config, progress=False))
    kpts = out.keypoints()
    gone = kpts[..., 2] == 0
    assert gone.any() and (kpts[gone] == 0).all()
    inside = kpts[~gone]
    assert (inside[:, 0] >= 0).all() and (inside[:, 0] < 128).all() and (inside[:, 1] < 112).all()
    for ann in out.annotations:
        assert ann["num_keypoints"] == int((np.reshape(ann["keypoints"], (-1, 3))[:, 2] > 0).sum())


def test_seeded_parallel_equals_serial_and_resume_skips_done(blob_set, photo_backgrounds, tmp_path):
    config = StylizeConfig(method="color", size=(96, 96), seed=11)
    serial = stylize_dataset(blob_set, photo_backgrounds, tmp_path / "a", config, progress=False, sheet=False)
    parallel = stylize_dataset(blob_set, photo_backgrounds, tmp_path / "b", config, workers=2, progress=False,
                               sheet=False)
    assert json.loads(serial.read_text()) == json.loads(parallel.read_text())
    for i in range(3):
        name = f"images/{i:06d}.jpg"
        assert (serial.parent / name).read_bytes() == (parallel.parent / name).read_bytes()

    resumed = tmp_path / "c"
    stylize_dataset(blob_set, photo_backgrounds, resumed, config, limit=2, progress=False, sheet=False)
    first = resumed / "images/000000.jpg"
    first.write_bytes(b"marker: must survive a resume")
    stylize_dataset(blob_set, photo_backgrounds, resumed, config, progress=False, sheet=False)
    assert first.read_bytes() == b"marker: must survive a resume"
    assert (resumed / "images/000002.jpg").read_bytes() == (serial.parent / "images/000002.jpg").read_bytes()
    assert json.loads((resumed / "annotations.json").read_text()) == json.loads(serial.read_text())

    with pytest.raises(StylizeError, match="other settings .*seed"):
        stylize_dataset(blob_set, photo_backgrounds, resumed, StylizeConfig(method="color", size=(96, 96), seed=12),
                        progress=False)


def test_methods_share_placement_and_differ_in_look(blob_set, photo_backgrounds, tmp_path):
    records = {}
    for method in ("paste", "color"):
        ann = stylize_dataset(blob_set, photo_backgrounds, tmp_path / method, StylizeConfig(method=method, seed=2),
                              limit=1, progress=False, sheet=False)
        records[method] = read_coco(ann).images[0]["pasyn"]
    assert records["paste"]["placement"] == records["color"]["placement"]
    assert records["paste"]["background"] == records["color"]["background"]
    assert set(records["color"]["touches"]) == {"shadow", "feather", "blur", "noise", "jpeg"}
    a = cv2.imread(str(tmp_path / "paste/images/000000.jpg"))
    b = cv2.imread(str(tmp_path / "color/images/000000.jpg"))
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 0.05


def test_neural_with_tiny_random_weights(blob_set, photo_backgrounds, tiny_weights, tmp_path):
    config = StylizeConfig(method="neural", size=(64, 64), vgg=str(tiny_weights["vgg_tv"]),
                           decoder=str(tiny_weights["decoder"]))
    out = read_coco(stylize_dataset(blob_set, photo_backgrounds, tmp_path / "n", config, limit=1, progress=False))
    assert out.images[0]["pasyn"]["method"]["encoder_layout"] == "torchvision"
    with pytest.raises(StylizeError, match="needs --vgg"):
        StylizeConfig(method="neural").validate()


def test_paper_preset():
    config = preset("paper", method="paste")
    assert config.size == (300, 300) and config.scale_range == (0.8, 1.0) and config.method == "paste"
    with pytest.raises(StylizeError, match="unknown preset"):
        preset("nope")


def test_cli_writes_dataset_and_reports_bad_backgrounds(blob_set, photo_backgrounds, tmp_path):
    (photo_backgrounds / "broken.png").write_bytes(b"\x89PNG junk")
    runner = CliRunner()
    result = runner.invoke(cli, ["--renders", str(blob_set), "--backgrounds", str(photo_backgrounds),
                                 "--method", "paste", "--size", "80x64", "--no-shadow", "--seed", "7",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "broken.png" in result.output  # the skip message
    out = read_coco(tmp_path / "out/annotations.json", image_root=tmp_path / "out")
    assert out.images[0]["width"] == 80 and out.images[0]["height"] == 64
    assert "shadow" not in out.images[0]["pasyn"]["touches"] and "feather" in out.images[0]["pasyn"]["touches"]
    assert (tmp_path / "out/contact_sheet.png").is_file()

    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(cli, ["--renders", str(blob_set), "--backgrounds", str(empty), "--out",
                                 str(tmp_path / "x")])
    assert result.exit_code == 1 and "no usable background photos" in result.output
    result = runner.invoke(cli, ["--renders", str(tmp_path / "nowhere"), "--backgrounds", str(photo_backgrounds),
                                 "--out", str(tmp_path / "y")])
    assert result.exit_code == 1 and "annotation file not found" in result.output


def test_two_animals_in_one_render_get_their_own_moved_boxes(blob_set, black_backgrounds, tmp_path):
    ann_file = blob_set / "annotations.json"
    data = json.loads(ann_file.read_text())
    second = dict(data["annotations"][0], id=999, bbox=[10.0, 12.0, 30.0, 20.0], area=600.0)
    data["annotations"].append(second)
    ann_file.write_text(json.dumps(data))
    config = StylizeConfig(**PLAIN, seed=4)
    out = read_coco(stylize_dataset(blob_set, black_backgrounds, tmp_path / "out", config, limit=1, progress=False))
    assert len(out.annotations) == 2
    affine = np.array(out.images[0]["pasyn"]["placement"]["affine"])
    s, dx, dy = affine[0, 0], affine[0, 2], affine[1, 2]
    moved = next(a for a in out.annotations if a["id"] == 999)["bbox"]
    x0, y0 = max(0.0, s * 10 + dx), max(0.0, s * 12 + dy)
    x1, y1 = min(128.0, s * 40 + dx), min(112.0, s * 32 + dy)
    np.testing.assert_allclose(moved, [x0, y0, x1 - x0, y1 - y0], atol=1e-9)
