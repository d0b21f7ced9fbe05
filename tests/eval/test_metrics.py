"""evaluate(): PCK against a hand count, OKS AP against xtcocotools' COCOeval run directly, matching, file errors."""
import contextlib
import copy
import io
import json

import numpy as np
import pytest
from xtcocotools.coco import COCO
from xtcocotools.cocoeval import COCOeval

from pasyn.data.ap10k import KEYPOINT_NAMES, OKS_SIGMAS, RESULT_GROUPS
from pasyn.data.coco import read_coco, write_coco
from pasyn.eval import PredictionError, evaluate, evaluate_files, load_predictions, match_predictions


def _truth_predictions(gt):
    return [{"image_id": a["image_id"], "category_id": a["category_id"], "keypoints": list(a["keypoints"]),
             "score": 0.9} for a in gt.annotations]


def _move(prediction, k, dx, dy):
    prediction["keypoints"][3 * k] += dx
    prediction["keypoints"][3 * k + 1] += dy


def test_pck_equals_a_hand_count(synthetic_gt):
    gt = synthetic_gt
    preds = _truth_predictions(gt)
    anns = gt.annotations
    labelled = [[k for k in range(17) if a["keypoints"][3 * k + 2] > 0] for a in anns]
    side = [max(a["bbox"][2], a["bbox"][3]) for a in anns]
    wrong = set()
    # animal 0: its first labelled keypoint 6 % of the box side off (wrong), the next one 4.9 % off (right)
    _move(preds[0], labelled[0][0], 0.06 * side[0], 0.0)
    _move(preds[0], labelled[0][1], 0.0, -0.049 * side[0])
    wrong.add((0, labelled[0][0]))
    # animal 1: an unlabelled keypoint far off changes nothing; a labelled one just over 5 % off is wrong
    # (the exact edge is tested in test_functional.py, where the float arithmetic is exact)
    unlabelled = next(k for k in range(17) if k not in labelled[1]) if len(labelled[1]) < 17 else None
    if unlabelled is not None:
        _move(preds[1], unlabelled, 500.0, 500.0)
    _move(preds[1], labelled[1][-1], 0.03 * side[1], 0.0401 * side[1])
    wrong.add((1, labelled[1][-1]))
    # animal 5: no prediction at all
    del preds[5]
    wrong.update((5, k) for k in labelled[5])

    result = evaluate(preds, gt)

    for group, members in RESULT_GROUPS.items():
        total = sum(1 for i in range(len(anns)) for k in members if k in labelled[i])
        right = sum(1 for i in range(len(anns)) for k in members if k in labelled[i] and (i, k) not in wrong)
        assert result["pck"][group] == pytest.approx(100 * right / total), group
    assert list(result["pck"]) == list(RESULT_GROUPS)
    assert list(result["pck_per_keypoint"]) == list(KEYPOINT_NAMES)
    assert result["pck_thr"] == 0.05
    assert result["n_missing"] == 1 and result["n_images"] == 6 and result["n_predictions"] == 5
    assert result["n_labelled"] == sum(map(len, labelled))
    json.dumps(result, allow_nan=False)


def test_threshold_argument_changes_the_cut(synthetic_gt):
    preds = _truth_predictions(synthetic_gt)
    for p, a in zip(preds, synthetic_gt.annotations):
        for k in range(17):
            _move(p, k, 0.07 * max(a["bbox"][2:]), 0.0)
    assert evaluate(preds, synthetic_gt)["pck"]["Average"] == 0.0
    assert evaluate(preds, synthetic_gt, thr=0.1)["pck"]["Average"] == 100.0
    with pytest.raises(ValueError, match="threshold"):
        evaluate(preds, synthetic_gt, thr=0)


def _cocoeval_stats(gt_path, predictions):
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO(str(gt_path))
        coco_dt = coco_gt.loadRes(copy.deepcopy(predictions))
        evaluator = COCOeval(coco_gt, coco_dt, "keypoints", OKS_SIGMAS, use_area=True)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator.stats


def _assert_same_ap(result, stats):
    assert result["ap"] == pytest.approx(stats[0], abs=1e-12)
    assert result["ap50"] == pytest.approx(stats[1], abs=1e-12)
    assert result["ap75"] == pytest.approx(stats[2], abs=1e-12)
    assert result["ar"] == pytest.approx(stats[5], abs=1e-12)


def test_oks_ap_equals_cocoeval_on_a_synthetic_set(gt_factory, perturb, tmp_path):
    gt = gt_factory(n_images=12, seed=3, two_animals_on=(4,))
    preds = perturb(gt, np.linspace(0.0, 0.15, len(gt.annotations)))
    path = tmp_path / "gt.json"
    write_coco(gt, path)
    result = evaluate(preds, gt)
    stats = _cocoeval_stats(path, preds)
    assert 0.1 < stats[0] < 0.95  # a case where AP is neither trivially 0 nor 1
    _assert_same_ap(result, stats)
    assert preds == perturb(gt, np.linspace(0.0, 0.15, len(gt.annotations)))  # inputs left untouched


def test_oks_ap_equals_cocoeval_on_ap10k_samples(shared_dir, perturb):
    path = shared_dir / "data" / "ap10k-samples" / "test_ap10k.json"
    gt = read_coco(path)
    for scales in ([0.0, 0.0], [0.02, 0.08], [0.1, 0.03]):
        preds = perturb(gt, scales, seed=7)
        _assert_same_ap(evaluate(preds, gt), _cocoeval_stats(path, preds))


def test_no_predictions(synthetic_gt):
    result = evaluate([], synthetic_gt)
    assert result["pck"]["Average"] == 0.0 and result["ap"] == 0.0 and result["n_missing"] == 6


def test_matching_with_two_animals_in_one_image(gt_factory):
    gt = gt_factory(n_images=3, two_animals_on=(1,))
    first, second = [a for a in gt.annotations if a["image_id"] == 11]
    pred_first = {"image_id": 11, "category_id": 22, "keypoints": list(first["keypoints"]), "score": 0.5}
    pred_second = {"image_id": 11, "category_id": 22, "keypoints": list(second["keypoints"]), "score": 0.9}
    rows = {a["id"]: i for i, a in enumerate(gt.annotations)}

    matched = match_predictions([pred_first, pred_second], gt)  # by OKS: each finds its own animal
    assert matched.pred_index[rows[first["id"]]] == 0 and matched.pred_index[rows[second["id"]]] == 1

    swapped = [dict(pred_first, ann_id=second["id"]), dict(pred_second, ann_id=first["id"])]
    matched = match_predictions(swapped, gt)  # an explicit ann_id wins over OKS
    assert matched.pred_index[rows[second["id"]]] == 0 and matched.pred_index[rows[first["id"]]] == 1
    assert matched.n_unmatched_predictions == 0


def test_extra_prediction_on_a_one_animal_image_is_unmatched(synthetic_gt):
    preds = _truth_predictions(synthetic_gt)
    worse = copy.deepcopy(preds[0])
    _move(worse, 3, 40.0, 40.0)
    worse["score"] = 0.5  # the more confident (exact) prediction takes the animal
    result = evaluate(preds + [worse], synthetic_gt)
    assert result["n_unmatched_predictions"] == 1 and result["pck"]["Average"] == 100.0


BAD_FILES = {
    "not json": ("[{", "not valid JSON"),
    "not a list": ('{"image_id": 10}', "expected a JSON list"),
    "short keypoints": ('[{"image_id": 10, "category_id": 22, "keypoints": [1, 2, 3], "score": 1}]',
                        r"record \[0\].*51 numbers.*got 3 values"),
    "NaN keypoint": ('[{"image_id": 10, "category_id": 22, "keypoints": [NaN' + ", 1" * 50 + '], "score": 1}]',
                     r"record \[0\].*keypoints\[0\] \(left_eye x\) is nan"),
    "unknown image": ('[{"image_id": 999, "category_id": 22, "keypoints": [1' + ", 1" * 50 + '], "score": 1}]',
                      r"record \[0\] \(image_id=999\): image_id 999 is not in the ground truth"),
    "unknown category": ('[{"image_id": 10, "category_id": 3, "keypoints": [1' + ", 1" * 50 + '], "score": 1}]',
                         "category_id 3 is not among"),
    "no score": ('[{"image_id": 10, "category_id": 22, "keypoints": [1' + ", 1" * 50 + "]}]", "score must be"),
    "string id": ('[{"image_id": "10", "category_id": 22, "keypoints": [], "score": 1}]', "image_id must be an int"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_prediction_files_raise_clear_errors(case, synthetic_gt, tmp_path):
    text, message = BAD_FILES[case]
    path = tmp_path / "bad_preds.json"
    path.write_text(text)
    with pytest.raises(PredictionError, match=message) as err:
        load_predictions(path, synthetic_gt)
    assert "bad_preds.json" in str(err.value)


def test_missing_file_and_in_memory_errors(synthetic_gt, tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.json"):
        load_predictions(tmp_path / "nope.json")
    preds = _truth_predictions(synthetic_gt)
    preds[2]["keypoints"][5] = float("inf")
    with pytest.raises(PredictionError, match=r"record \[2\]"):
        evaluate(preds, synthetic_gt)


def test_evaluate_files(synthetic_gt, tmp_path):
    write_coco(synthetic_gt, tmp_path / "gt.json")
    (tmp_path / "preds.json").write_text(json.dumps(_truth_predictions(synthetic_gt)))
    result = evaluate_files(tmp_path / "preds.json", tmp_path / "gt.json")
    assert result["pck"]["Average"] == 100.0 and result["ap"] == pytest.approx(1.0)
