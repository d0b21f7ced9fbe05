"""Shape parameters of the built-in procedural quadruped, its presets, and random individuals around them.

All lengths are metres before `scale` multiplies them; angles are degrees. The animal stands on z = 0,
faces +X and has its left at +Y (the AnimalModel convention).
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

RGB = tuple[int, int, int]

# field -> (low, high): the documented range of every continuous shape parameter; sample_shape clips to it.
FIELD_RANGES: dict[str, tuple[float, float]] = {
    "scale": (0.3, 1.8),           # multiplies every length
    "body_length": (0.3, 1.5),     # hip joint to shoulder joint, along X
    "body_depth": (0.15, 0.95),    # torso depth (withers to belly) at the girth
    "body_width": (0.5, 1.2),      # torso width / depth
    "belly_tuck": (0.0, 0.5),      # how much the loins narrow (dogs: 0.3-0.4)
    "leg_length": (0.2, 1.1),      # elbow height above the ground
    "leg_thickness": (0.015, 0.13),  # forearm radius
    "neck_length": (0.1, 1.1),     # neck base to poll
    "neck_angle": (0.0, 80.0),     # neck above horizontal
    "neck_thickness": (0.04, 0.35),  # half depth of the neck at its middle
    "head_length": (0.12, 0.75),   # poll to muzzle tip
    "head_size": (0.04, 0.3),      # half depth of the head at the cheek
    "head_angle": (5.0, 80.0),     # head axis below horizontal
    "muzzle_length": (0.2, 0.7),   # share of the head length that is muzzle
    "muzzle_width": (0.3, 0.95),   # muzzle radius / head_size
    "stop": (0.0, 1.0),            # step from forehead down to muzzle (0: straight profile, 1: a dog's stop)
    "ear_length": (0.02, 0.3),
    "horn_length": (0.0, 0.5),
    "mane_height": (0.0, 0.2),
    "tail_length": (0.05, 1.3),
    "tail_thickness": (0.008, 0.1),  # tail radius at its base
    "tail_droop": (-60.0, 85.0),   # tail base below horizontal (negative: carried up)
    "tail_curl": (-40.0, 40.0),    # extra bend per tail segment (positive: downward)
    "tail_tuft": (0.0, 1.5),       # hair volume toward the tail tip
    "hoof": (0.0, 1.0),            # 1: hooves on long cannons; 0: paws on short metapodials
}

COATS = ("stripes", "solid", "patches", "dog")


@dataclass(frozen=True)
class ShapeParams:
    """One individual: species, coat pattern and colours, and the continuous proportions of FIELD_RANGES.

    coat_colors are three sRGB colours whose meaning depends on the coat:
    stripes (dark, light, muzzle); solid (body, points = lower legs, mane and tail);
    patches (patch, base, muzzle); dog (base, saddle, belly).
    """

    species: str
    coat: str
    coat_colors: tuple[RGB, RGB, RGB]
    scale: float = 1.0
    body_length: float = 1.0
    body_depth: float = 0.58
    body_width: float = 0.8
    belly_tuck: float = 0.05
    leg_length: float = 0.72
    leg_thickness: float = 0.055
    neck_length: float = 0.7
    neck_angle: float = 45.0
    neck_thickness: float = 0.13
    head_length: float = 0.52
    head_size: float = 0.13
    head_angle: float = 50.0
    muzzle_length: float = 0.45
    muzzle_width: float = 0.55
    stop: float = 0.0
    ear_length: float = 0.17
    horn_length: float = 0.0
    mane_height: float = 0.07
    tail_length: float = 0.62
    tail_thickness: float = 0.03
    tail_droop: float = 60.0
    tail_curl: float = 8.0
    tail_tuft: float = 0.5
    hoof: float = 1.0

    def __post_init__(self):
        if self.coat not in COATS:
            raise ValueError(f"unknown coat {self.coat!r}; known: {', '.join(COATS)}")
        for name, (low, high) in FIELD_RANGES.items():
            value = getattr(self, name)
            if not (np.isfinite(value) and low <= value <= high):
                raise ValueError(f"shape parameter {name}={value!r} is outside its range [{low}, {high}]")


PRESETS: dict[str, ShapeParams] = {
    "zebra": ShapeParams("zebra", "stripes", ((22, 20, 20), (238, 236, 228), (40, 34, 32))),
    "horse": ShapeParams(
        "horse", "solid", ((118, 64, 34), (24, 20, 19), (22, 18, 17)), body_length=1.12, body_depth=0.68,
        body_width=0.78, leg_length=0.86, leg_thickness=0.06, neck_length=0.82, neck_angle=42.0,
        neck_thickness=0.14, head_length=0.6, head_size=0.14, head_angle=52.0, ear_length=0.13,
        mane_height=0.09, tail_length=0.8, tail_thickness=0.04, tail_droop=55.0, tail_curl=9.0, tail_tuft=1.0,
    ),
    "cow": ShapeParams(
        "cow", "patches", ((24, 22, 22), (242, 240, 234), (214, 160, 150)), body_length=1.2, body_depth=0.78,
        body_width=0.82, belly_tuck=0.0, leg_length=0.66, leg_thickness=0.065, neck_length=0.55, neck_angle=20.0,
        neck_thickness=0.19, head_length=0.5, head_size=0.16, head_angle=60.0, muzzle_length=0.35,
        muzzle_width=0.8, ear_length=0.13, horn_length=0.08, mane_height=0.0, tail_length=0.85,
        tail_thickness=0.025, tail_droop=80.0, tail_curl=2.0, tail_tuft=0.7,
    ),
    "dog": ShapeParams(
        "dog", "dog", ((150, 102, 58), (40, 32, 28), (212, 180, 138)), body_length=0.42, body_depth=0.28,
        body_width=0.75, belly_tuck=0.38, leg_length=0.34, leg_thickness=0.031, neck_length=0.22,
        neck_angle=50.0, neck_thickness=0.07, head_length=0.24, head_size=0.085, head_angle=12.0,
        muzzle_length=0.45, muzzle_width=0.5, stop=1.0, ear_length=0.1, mane_height=0.0, tail_length=0.42,
        tail_thickness=0.024, tail_droop=25.0, tail_curl=-4.0, tail_tuft=0.25, hoof=0.0,
    ),
}

# Coat colour alternatives sample_shape draws from (first entry: the preset's own colours).
PALETTES: dict[str, list[tuple[RGB, RGB, RGB]]] = {
    "zebra": [PRESETS["zebra"].coat_colors, ((45, 32, 26), (232, 226, 210), (40, 34, 32))],
    "horse": [
        PRESETS["horse"].coat_colors,                         # bay
        ((146, 78, 40), (120, 62, 32), (160, 90, 50)),        # chestnut
        ((34, 30, 30), (22, 20, 20), (20, 18, 18)),           # black
        ((176, 174, 168), (110, 108, 104), (210, 208, 200)),  # grey
        ((206, 164, 98), (190, 150, 92), (236, 226, 200)),    # palomino
    ],
    "cow": [
        PRESETS["cow"].coat_colors,                           # Holstein
        ((122, 52, 30), (240, 236, 228), (214, 160, 150)),    # red and white
        ((150, 104, 64), (172, 124, 80), (60, 48, 40)),       # Jersey-like, nearly solid
    ],
    "dog": [
        PRESETS["dog"].coat_colors,                           # tan with a black saddle
        ((196, 150, 84), (176, 128, 70), (232, 210, 164)),    # golden
        ((46, 42, 40), (30, 28, 27), (150, 110, 70)),         # black and tan
        ((150, 146, 140), (90, 88, 86), (222, 220, 214)),     # grey
    ],
}

# relative log-normal spread of each length at spread=1; angles get an absolute spread in degrees
_LENGTH_SPREAD = 0.07
_SCALE_SPREAD = 0.1
_ANGLE_SPREAD = 6.0


def _preset(preset: str) -> ShapeParams:
    if preset not in PRESETS:
        raise ValueError(f"unknown procedural preset {preset!r}; known: {', '.join(PRESETS)}")
    return PRESETS[preset]


def sample_shape(preset: str, rng: np.random.Generator, spread: float = 1.0) -> ShapeParams:
    """A random individual around a preset: jittered proportions (clipped to FIELD_RANGES) and coat colours.

    spread scales every jitter; spread=0 returns the preset unchanged.
    """
    base = _preset(preset)
    if spread < 0:
        raise ValueError(f"spread must be >= 0, got {spread}")
    if spread == 0:
        return base
    values = {}
    for f in fields(base):
        if f.name not in FIELD_RANGES:
            continue
        value, (low, high) = getattr(base, f.name), FIELD_RANGES[f.name]
        if f.name in ("neck_angle", "head_angle", "tail_droop", "tail_curl"):
            value = value + spread * _ANGLE_SPREAD * rng.standard_normal()
        elif f.name == "hoof":
            pass  # a discrete anatomy choice, never jittered
        else:
            sigma = _SCALE_SPREAD if f.name == "scale" else _LENGTH_SPREAD
            value = value * np.exp(spread * sigma * rng.standard_normal())
        values[f.name] = float(np.clip(value, low, high))
    palettes = PALETTES[preset]
    values["coat_colors"] = palettes[int(rng.integers(len(palettes)))]
    return replace(base, **values)
