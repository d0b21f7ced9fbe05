"""Drawing keypoints, predictions against the truth, and contact sheets."""
from pasyn.viz.sheet import contact_sheet, draw_comparison, draw_keypoints, save_png

__all__ = ["contact_sheet", "draw_comparison", "draw_keypoints", "save_png"]
