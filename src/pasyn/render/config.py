"""Every random range and render setting of the render stage, in one flat validated dataclass.

Angles are in degrees, lengths in the model's own units (metres for the shared models), colours as factors.
A range is a (low, high) pair sampled uniformly unless its field's comment says otherwise.
Override fields with `RenderConfig(**changes)` or `load_config(yaml_path)`; both validate.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class RenderConfig:
    # image and Cycles
    size: int = 256  # square images, pixels per side
    samples: int = 8  # Cycles samples per pixel; 8-16 with the denoiser is plenty for 256 px
    denoise: bool = True  # OpenImageDenoise with the FAST prefilter (ACCURATE costs 3-6x more here)
    denoise_quality: str = "FAST"  # OIDN quality: FAST | BALANCED | HIGH (HIGH: +0.2 CPU-s per 256 px image)
    max_bounces: int = 4
    world_map_resolution: int = 256  # HDRI importance map; Blender's default 1024 costs more than the render
    threads: int = 1  # Cycles CPU threads per worker process (workers x threads <= cores)
    view_transform: str = "Standard"  # plain sRGB, so coat colours stay as the model gives them (AgX desaturates)

    # animal
    shape_spread: float = 1.0  # built-in presets: spread of sample_shape around the preset
    shape_pool: int = 64  # built-in presets: distinct shapes per seed (each worker builds those it meets)
    exclude_clips: tuple[str, ...] = ("Death",)  # --pose clips: clips never drawn (name contains one of these)
    yaw: tuple[float, float] = (-180.0, 180.0)  # heading of the animal about the vertical axis

    # camera (Blender perspective camera, sensor fit AUTO)
    sensor_mm: float = 36.0
    focal_mm: tuple[float, float] = (30.0, 85.0)
    side_view_prob: float = 0.6  # share of azimuths drawn around the flanks (von Mises at +-90 deg), rest uniform
    side_view_kappa: float = 2.0  # von Mises concentration of the flank azimuths (2 ~ +-40 deg)
    elevation: tuple[float, float] = (-5.0, 40.0)  # camera above (+) the animal's centre, seen from its centre
    roll: tuple[float, float] = (-8.0, 8.0)
    fill: tuple[float, float] = (0.4, 0.9)  # the longer side of the animal's box, as a share of the image side
    overflow: float = 0.05  # the box may leave the image by this share of the image side (a little truncation)

    # light: an equirectangular HDRI as the world, randomly turned and scaled
    hdri_strength: tuple[float, float] = (0.6, 1.6)
    hdri_rotation: tuple[float, float] = (-180.0, 180.0)

    # coat variation, applied to every material (texture or base colour) through a hue/saturation/value node
    hue_shift: tuple[float, float] = (-0.03, 0.03)  # in turns of the colour wheel
    saturation: tuple[float, float] = (0.85, 1.15)
    value: tuple[float, float] = (0.8, 1.2)

    # visibility labels (see annotate.py)
    occlusion_tolerance: float = 0.02  # share of the animal's size a surface may lie in front of a keypoint's own
    front_factor: float = 3.0  # a keypoint inside the body is visible when front <= front_factor * back + tol
    mask_threshold: float = 0.25  # alpha above which a pixel belongs to the animal (bbox, area)

    def __post_init__(self):
        validate(self)

    def replace(self, **changes) -> RenderConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v)
                for f in dataclasses.fields(self)}


def _check_range(name: str, value, lo: float, hi: float) -> None:
    if (not isinstance(value, tuple) or len(value) != 2
            or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value)):
        raise ValueError(f"render config: {name} must be a (low, high) pair of numbers, got {value!r}")
    if not lo <= value[0] <= value[1] <= hi:
        raise ValueError(f"render config: {name} = {list(value)} must satisfy {lo} <= low <= high <= {hi}")


def _check_number(name: str, value, lo: float, hi: float, integer: bool = False) -> None:
    kind = int if integer else (int, float)
    if not isinstance(value, kind) or isinstance(value, bool) or not lo <= value <= hi:
        raise ValueError(f"render config: {name} must be {'an integer' if integer else 'a number'} "
                         f"in [{lo}, {hi}], got {value!r}")


def validate(cfg: RenderConfig) -> None:
    """ValueError naming the first field out of range."""
    _check_number("size", cfg.size, 16, 8192, integer=True)
    _check_number("samples", cfg.samples, 1, 4096, integer=True)
    _check_number("max_bounces", cfg.max_bounces, 0, 64, integer=True)
    _check_number("world_map_resolution", cfg.world_map_resolution, 16, 8192, integer=True)
    _check_number("threads", cfg.threads, 0, 1024, integer=True)
    if not isinstance(cfg.denoise, bool):
        raise ValueError(f"render config: denoise must be true or false, got {cfg.denoise!r}")
    if cfg.denoise_quality not in ("FAST", "BALANCED", "HIGH"):
        raise ValueError(f"render config: denoise_quality must be FAST, BALANCED or HIGH, got {cfg.denoise_quality!r}")
    if cfg.view_transform not in ("Standard", "AgX", "Filmic", "Raw"):
        raise ValueError(f"render config: view_transform must be Standard, AgX, Filmic or Raw, "
                         f"got {cfg.view_transform!r}")
    _check_number("shape_spread", cfg.shape_spread, 0.0, 10.0)
    _check_number("shape_pool", cfg.shape_pool, 1, 100000, integer=True)
    if not all(isinstance(c, str) for c in cfg.exclude_clips):
        raise ValueError(f"render config: exclude_clips must be clip names, got {cfg.exclude_clips!r}")
    _check_range("yaw", cfg.yaw, -360.0, 360.0)
    _check_number("sensor_mm", cfg.sensor_mm, 1.0, 200.0)
    _check_range("focal_mm", cfg.focal_mm, 5.0, 1000.0)
    _check_number("side_view_prob", cfg.side_view_prob, 0.0, 1.0)
    _check_number("side_view_kappa", cfg.side_view_kappa, 0.0, 100.0)
    _check_range("elevation", cfg.elevation, -80.0, 89.0)
    _check_range("roll", cfg.roll, -180.0, 180.0)
    _check_range("fill", cfg.fill, 0.05, 1.0)
    _check_number("overflow", cfg.overflow, 0.0, 0.5)
    _check_range("hdri_strength", cfg.hdri_strength, 0.0, 100.0)
    _check_range("hdri_rotation", cfg.hdri_rotation, -360.0, 360.0)
    _check_range("hue_shift", cfg.hue_shift, -0.5, 0.5)
    _check_range("saturation", cfg.saturation, 0.0, 2.0)
    _check_range("value", cfg.value, 0.0, 2.0)
    _check_number("occlusion_tolerance", cfg.occlusion_tolerance, 0.0, 1.0)
    _check_number("front_factor", cfg.front_factor, 0.0, 100.0)
    _check_number("mask_threshold", cfg.mask_threshold, 0.0, 1.0)


def config_from_dict(data: dict, source: str = "<memory>") -> RenderConfig:
    """A config from a mapping of field overrides (lists become ranges); unknown keys are errors."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a render config must be a mapping of field: value")
    known = {f.name for f in dataclasses.fields(RenderConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{source}: unknown render config fields {unknown}; known: {sorted(known)}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    try:
        return RenderConfig(**values)
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None


def load_config(path: str | os.PathLike) -> RenderConfig:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"render config not found: {path}")
    with open(path) as f:
        try:
            data = yaml.safe_load(f) or {}
        except yaml.YAMLError as err:
            raise ValueError(f"{path}: not valid YAML: {err}") from None
    return config_from_dict(data, str(path))

