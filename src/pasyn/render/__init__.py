"""Rendering and annotation: seeded Blender Cycles scenes of a posed animal with exact keypoints, visibility, boxes.

bpy is imported only by pasyn.render.blender (inside the worker processes), so importing this package is cheap.
"""
from pasyn.render.camera import Camera, look_at
from pasyn.render.config import RenderConfig, config_from_dict, load_config
from pasyn.render.pipeline import render_dataset
from pasyn.render.sampler import SceneSample, sample_scene

__all__ = [
           "Camera",
           "RenderConfig",
           "SceneSample",
           "config_from_dict",
           "load_config",
           "look_at",
           "render_dataset",
           "sample_scene",
]
