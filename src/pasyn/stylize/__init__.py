"""Stylization: paste rendered animals on real background photos, restyle them to fit, write the final dataset."""
from pasyn.stylize.backgrounds import BackgroundError, scan_backgrounds
from pasyn.stylize.pipeline import (
    PRESETS, StylizeConfig, StylizeError, preset, stylize_dataset, write_contact_sheet,
)
from pasyn.stylize.placement import Placement, mask_box, sample_placement, transform_keypoints

__all__ = [
    "BackgroundError", "scan_backgrounds",
    "PRESETS", "StylizeConfig", "StylizeError", "preset", "stylize_dataset", "write_contact_sheet",
    "Placement", "mask_box", "sample_placement", "transform_keypoints",
]
