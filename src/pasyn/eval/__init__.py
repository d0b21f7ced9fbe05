"""Evaluation of pose predictions: PCK per keypoint group (the paper's table), OKS AP, reports and pictures."""
from pasyn.eval.coco_eval import oks_ap
from pasyn.eval.functional import correct_keypoints, group_pck, normalized_distances, oks, pck
from pasyn.eval.metrics import (
    MatchedPredictions,
    PredictionError,
    evaluate,
    evaluate_files,
    load_predictions,
    match_predictions,
    validate_predictions,
)
from pasyn.eval.report import COLUMNS, format_table, plot_pck_bars, prediction_sheet, write_report

__all__ = [
    "COLUMNS", "MatchedPredictions", "PredictionError", "correct_keypoints", "evaluate", "evaluate_files",
    "format_table", "group_pck", "load_predictions", "match_predictions", "normalized_distances", "oks", "oks_ap",
    "pck", "plot_pck_bars", "prediction_sheet", "validate_predictions", "write_report",
]
