"""Pose estimation: top-down heatmap models on timm backbones (train, predict; scoring is pasyn.eval)."""
from pasyn.pose.codec import decode_heatmaps, encode_heatmaps
from pasyn.pose.data import Augmentation, Source
from pasyn.pose.model import PoseModel, heatmap_loss
from pasyn.pose.predict import build_model, load_model, predict_dataset, predict_heatmaps
from pasyn.pose.presets import PRESETS, PoseConfig, preset
from pasyn.pose.train import evaluate_model, train

__all__ = [
    "PRESETS", "Augmentation", "PoseConfig", "PoseModel", "Source", "build_model", "decode_heatmaps",
    "encode_heatmaps", "evaluate_model", "heatmap_loss", "load_model", "predict_dataset", "predict_heatmaps",
    "preset", "train",
]
