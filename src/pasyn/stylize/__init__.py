"""Stylization: paste rendered animals on real background photos, restyle them to fit, write the final dataset."""
from pasyn.stylize.backgrounds import BackgroundError, scan_backgrounds
from pasyn.stylize.pipeline import PRESETS, StylizeConfig, StylizeError, make_sample, preset, stylize_dataset
from pasyn.stylize.placement import Placement, mask_box, sample_placement, transform_keypoints

__all__ = [
    "BackgroundError", "scan_backgrounds",
    "PRESETS", "StylizeConfig", "StylizeError", "make_sample", "preset", "stylize_dataset",
    "Placement", "mask_box", "sample_placement", "transform_keypoints",
]
