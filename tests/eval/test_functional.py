"""PCK, group PCK and OKS against numbers worked out by hand in each test."""
import math

import numpy as np
import pytest

from pasyn.data.ap10k import OKS_SIGMAS, RESULT_GROUPS
from pasyn.eval.functional import correct_keypoints, group_pck, normalized_distances, oks, pck

K = 17


def _poses(n):
    gt = np.tile(np.arange(K, dtype=float)[:, None] * [10.0, 5.0], (n, 1, 1)) + 100.0
    return gt.copy(), gt.copy(), np.ones((n, K), bool)


def test_threshold_edge_is_strict():
    # norm 100, thr 0.05 -> 5 px. A (3, 4) offset is exactly 5 px: wrong; 4.99 px: right.
    pred, gt, mask = _poses(1)
    pred[0, 0] += [3.0, 4.0]
    pred[0, 1] += [4.99, 0.0]
    pred[0, 2] += [0.0, -5.01]
    correct = correct_keypoints(pred, gt, mask, 0.05, np.array([100.0]))
    assert not correct[0, 0]
    assert correct[0, 1]
    assert not correct[0, 2]
    assert correct[0, 3:].all()


def test_norm_is_max_of_box_sides():
    # Box 100 x 40 -> norm 100 (thr 5 px); box 40 x 130 -> norm 130 (thr 6.5 px). Errors of 4 px and 6 px are
    # right only with max(w, h); min side (2, 2.6 px), mean side (3.5, 4.25 px) or sqrt(area) (3.2, 3.6 px) fail.
    pred, gt, mask = _poses(2)
    pred[0, 0] += [4.0, 0.0]
    pred[1, 0] += [0.0, 6.0]
    boxes = np.array([[0, 0, 100, 40], [0, 0, 40, 130]], float)
    norm = boxes[:, 2:].max(axis=1)
    assert correct_keypoints(pred, gt, mask, 0.05, norm)[:, 0].all()
    for wrong_norm in (boxes[:, 2:].min(axis=1), boxes[:, 2:].mean(axis=1), np.sqrt(boxes[:, 2] * boxes[:, 3])):
        assert not correct_keypoints(pred, gt, mask, 0.05, wrong_norm)[:, 0].any()


def test_unlabelled_keypoints_are_ignored_even_when_far():
    pred, gt, mask = _poses(2)
    pred[0, 4] += 1e6  # not labelled: must not count
    mask[0, 4] = False
    pred[1, 5] += 50.0  # labelled and wrong
    acc, mean_acc, counts = pck(pred, gt, mask, 0.05, np.array([100.0, 100.0]))
    assert counts[4] == 1 and counts[5] == 2 and counts[0] == 2
    assert acc[4] == 1.0  # the one labelled root_of_tail (animal 1) is right
    assert acc[5] == 0.5
    assert math.isclose(mean_acc, (16 * 1.0 + 0.5) / 17)
    assert np.isnan(normalized_distances(pred, gt, mask, np.array([100.0, 100.0]))[0, 4])


def test_keypoint_labelled_nowhere_is_nan_and_left_out_of_the_mean():
    pred, gt, mask = _poses(3)
    mask[:, 7] = False
    pred[0, 8] += 20.0
    acc, mean_acc, counts = pck(pred, gt, mask, 0.05, np.full(3, 100.0))
    assert counts[7] == 0 and np.isnan(acc[7])
    assert math.isclose(acc[8], 2 / 3)
    assert math.isclose(mean_acc, (15 + 2 / 3) / 16)


def test_missing_prediction_counts_as_wrong():
    pred, gt, mask = _poses(2)
    pred[1] = np.nan
    correct = correct_keypoints(pred, gt, mask, 0.05, np.array([50.0, 50.0]))
    assert correct[0].all() and not correct[1].any()
    acc, _, _ = pck(pred, gt, mask, 0.05, np.array([50.0, 50.0]))
    assert np.allclose(acc, 0.5)


def test_group_pck_pools_labelled_keypoints():
    # Eye: left_eye labelled in 3 animals, all right; right_eye labelled in 1, wrong.
    # Pooled: 3 / 4 = 75 %; the mean of the two per-keypoint shares would be (100 + 0) / 2 = 50 %.
    correct = np.ones((3, K), bool)
    mask = np.ones((3, K), bool)
    mask[1:, 1] = False
    correct[0, 1] = False
    correct[1:, 1] = True  # unlabelled "correct" flags must not count
    result = group_pck(correct, mask)
    assert list(result) == list(RESULT_GROUPS)
    assert result["Eye"] == pytest.approx(75.0)
    assert result["Nose"] == pytest.approx(100.0)
    # Average: 3 * 17 - 2 labelled, 1 of them wrong.
    assert result["Average"] == pytest.approx(100 * 48 / 49)


def test_group_without_labels_is_nan():
    mask = np.ones((2, K), bool)
    mask[:, 2] = False
    result = group_pck(np.ones((2, K), bool), mask)
    assert math.isnan(result["Nose"]) and result["Neck"] == 100.0


def test_zero_norm_with_labels_is_an_error():
    pred, gt, mask = _poses(2)
    with pytest.raises(ValueError, match="animal 1"):
        pck(pred, gt, mask, 0.05, np.array([10.0, 0.0]))
    mask[1] = False  # without labels the zero box does not matter
    acc, _, counts = pck(pred, gt, mask, 0.05, np.array([10.0, 0.0]))
    assert np.all(counts == 1) and np.all(acc == 1.0)


def test_shape_errors_name_the_shapes():
    pred, gt, mask = _poses(2)
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        pck(pred, gt, mask[:, :5], 0.05, np.ones(2))
    with pytest.raises(ValueError, match="norm"):
        pck(pred, gt, mask, 0.05, np.ones(3))


def test_oks_matches_the_formula():
    pred, gt, mask = _poses(1)
    pred[0, 0] += [3.0, 4.0]  # d^2 = 25
    mask[0, 16] = False
    area = np.array([2000.0])
    expected = (16 - 1 + math.exp(-25 / (2 * 2000 * (2 * OKS_SIGMAS[0]) ** 2))) / 16
    assert oks(pred, gt, mask, area, OKS_SIGMAS)[0] == pytest.approx(expected)
    assert np.isnan(oks(pred, gt, np.zeros_like(mask), area, OKS_SIGMAS)[0])
