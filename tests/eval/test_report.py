"""The markdown table, the bar chart and the prediction contact sheet."""
import json

import cv2
import numpy as np
import pytest

from pasyn.eval import COLUMNS, evaluate, format_table, plot_pck_bars, prediction_sheet, write_report

PAPER_COLUMNS = ["Eye", "Nose", "Neck", "Shoulders", "Elbows", "F-Paws", "Hips", "Knees", "B-Paws", "RoT", "Average"]


def _result(values, thr=0.05, ap=0.5):
    return {"pck": dict(zip(PAPER_COLUMNS, values)), "pck_thr": thr, "ap": ap}


def test_table_has_the_paper_columns_and_numbers():
    rows = {"R99": _result([80.04, 91.25, 70, 60, 50, 40, 30, 20, 10, 0, 55.55]),
            "R99+S3K": _result([None] + [100.0] * 10)}
    table = format_table(rows, title="Zebra test")
    lines = table.strip().splitlines()
    assert lines[0] == "**Zebra test**"
    header = [c.strip() for c in lines[2].strip("|").split("|")]
    assert header == ["Train set (PCK@0.05, %)", *PAPER_COLUMNS]
    assert list(COLUMNS) == PAPER_COLUMNS
    assert lines[3] == "|---|" + "---:|" * 11
    assert lines[4] == "| R99 | 80.0 | 91.2 | 70.0 | 60.0 | 50.0 | 40.0 | 30.0 | 20.0 | 10.0 | 0.0 | 55.5 |"
    assert lines[5].startswith("| R99+S3K | - | 100.0 |")
    assert format_table(rows, with_ap=True).splitlines()[2].endswith("| 0.500 |")


def test_table_refuses_mixed_thresholds_and_missing_columns():
    with pytest.raises(ValueError, match="same pck_thr"):
        format_table({"a": _result([1] * 11), "b": _result([1] * 11, thr=0.1)})
    with pytest.raises(ValueError, match="lack the PCK columns"):
        format_table({"a": {"pck": {"Eye": 1.0}, "pck_thr": 0.05}})
    with pytest.raises(ValueError, match="non-empty"):
        format_table({})
    with pytest.raises(ValueError, match="not evaluate"):
        format_table({"a": 3.0})


def test_table_of_a_single_result():
    assert format_table(_result([50.0] * 11)).splitlines()[2].startswith("| model | 50.0 |")


def test_bar_chart_is_an_rgb_image():
    image = plot_pck_bars({"R99": _result([50.0] * 11), "R99+S3K": _result([90.0] * 11)})
    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
    assert image.shape[0] > 200 and image.shape[1] > 600
    assert image.std() > 10  # something is drawn


def _write_images(gt, root):
    rng = np.random.default_rng(0)
    for img in gt.images:
        pixels = rng.integers(60, 120, (img["height"], img["width"], 3), dtype=np.uint8)
        cv2.imwrite(str(root / img["file_name"]), pixels)


def test_prediction_sheet_shows_worst_and_best(synthetic_gt, perturb, tmp_path):
    _write_images(synthetic_gt, tmp_path)
    preds = perturb(synthetic_gt, [0.0, 0.3, 0.02, 0.1, 0.0, 0.05])
    del preds[1]  # one missing prediction: drawn as truth only
    sheet = prediction_sheet(preds, synthetic_gt, tmp_path, n=4, tile_size=96, ncols=2)
    assert sheet.ndim == 3 and sheet.dtype == np.uint8
    assert sheet.shape[1] == 2 * 96 + 3 * 4  # two columns of 96 px and three 4 px gaps
    assert ((sheet[..., 0] > 200) & (sheet[..., 2] < 80)).any()  # red (left-side) prediction dots
    assert (sheet.min(axis=2) > 240).any()  # white truth rings
    # same inputs -> same picture
    assert np.array_equal(sheet, prediction_sheet(preds, synthetic_gt, tmp_path, n=4, tile_size=96, ncols=2))


def test_prediction_sheet_names_a_missing_image(synthetic_gt, perturb, tmp_path):
    with pytest.raises(FileNotFoundError, match="img_0.png"):
        prediction_sheet(perturb(synthetic_gt, [0.0] * 6), synthetic_gt, tmp_path)


def test_write_report(synthetic_gt, perturb, tmp_path):
    _write_images(synthetic_gt, tmp_path)
    preds = perturb(synthetic_gt, [0.01] * 6)
    result = evaluate(preds, synthetic_gt)
    paths = write_report(tmp_path / "report", result, "R99", preds, synthetic_gt, tmp_path)
    assert json.loads(paths["json"].read_text()) == result
    assert "| R99 |" in paths["table"].read_text()
    assert cv2.imread(str(paths["sheet"])) is not None
