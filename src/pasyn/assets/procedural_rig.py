"""The parametric skeleton of the procedural quadruped, with joints placed at the AP-10K landmarks.

J joints; positions (J, 3) in world metres (Z up, +X forward, +Y the animal's left), rest rotations identity,
so a joint's local frame is world-aligned at rest and a rotation about local Y bends in the sagittal plane
(positive Y rotation swings a downward bone backward).
Landmarks (../shared/docs/keypoints.md): elbow = AP-10K shoulder, carpus = elbow, hoof = front paw (ground
contact centre), stifle = hip, hock = knee, hind hoof = back paw, neck1 = neck base, tail1 = root of tail.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pasyn.assets.procedural_shape import ShapeParams

SIDES = (("L", 1.0), ("R", -1.0))
FORE_LEG = ("scapula", "shoulder", "elbow", "carpus", "fetlock_fore", "hoof_fore")
HIND_LEG = ("hip", "stifle", "hock", "fetlock_hind", "hoof_hind")
SPINE = ("pelvis", "spine1", "spine2", "chest")
NECK = ("neck1", "neck2", "neck3")
TAIL = ("tail1", "tail2", "tail3", "tail4", "tail_end")

# Torso outline along its length, tau = 0 at the rump tip .. 1 at the breast tip, as multiples of depth / 2.
_TORSO_TAU = np.array([0.0, 0.2, 0.35, 0.55, 0.75, 0.9, 1.0])
_TORSO_TOP = np.array([0.86, 1.0, 0.95, 0.93, 1.0, 1.06, 0.85])
_TORSO_BOTTOM = np.array([0.7, 0.86, 1.0, 1.05, 1.05, 0.96, 0.72])
_TORSO_WIDTH = np.array([0.85, 1.0, 0.92, 1.0, 0.96, 0.82, 0.62])
_TUCK = np.array([0.0, 0.5, 1.0, 0.35, 0.0, 0.0, 0.0])  # where belly_tuck lifts the underline
_RUMP_CAP, _BREAST_CAP = 0.2, 0.13  # tau lengths over which the ends round off


@dataclass
class Rig:
    """Rest skeleton plus the scaled body dimensions the mesh and the clips are built from."""

    shape: ShapeParams
    names: list[str]
    parents: np.ndarray
    positions: np.ndarray
    depth: float           # torso depth
    half_width: float      # torso half width at the girth
    centre_z: float        # torso centre height at the girth
    x_back: float          # rump tip
    x_front: float         # breast tip

    def index(self, name: str) -> int:
        return self.names.index(name)

    def pos(self, name: str) -> np.ndarray:
        return self.positions[self.names.index(name)]

    def length(self, field: str) -> float:
        """A shape length in metres after scaling."""
        return getattr(self.shape, field) * self.shape.scale


def torso_profile(rig: Rig, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """tau (N,) in [0, 1] -> centre x, centre z, half height, half width (each (N,)), ends rounded to 0."""
    tau = np.asarray(tau, float)
    half_depth = rig.depth / 2
    tuck = rig.shape.belly_tuck * np.interp(tau, _TORSO_TAU, _TUCK)
    top = rig.centre_z + half_depth * np.interp(tau, _TORSO_TAU, _TORSO_TOP)
    bottom = rig.centre_z - half_depth * (np.interp(tau, _TORSO_TAU, _TORSO_BOTTOM) - 1.3 * tuck)
    width = rig.half_width * np.interp(tau, _TORSO_TAU, _TORSO_WIDTH) * (1 - 0.45 * tuck)
    back = np.clip(tau / _RUMP_CAP, 0, 1)
    front = np.clip((1 - tau) / _BREAST_CAP, 0, 1)
    cap = np.sqrt(1 - (1 - back) ** 2) * np.sqrt(1 - (1 - front) ** 2)
    x = rig.x_back + tau * (rig.x_front - rig.x_back)
    return x, (top + bottom) / 2, (top - bottom) / 2 * cap, width * cap


def _direction(degrees_below: float, forward: float = 1.0) -> np.ndarray:
    a = np.radians(degrees_below)
    return np.array([forward * np.cos(a), 0.0, -np.sin(a)])


def build_rig(shape: ShapeParams) -> Rig:
    """Place every joint from the shape parameters (see the module docstring for the landmarks)."""
    s = shape.scale
    body, depth, leg = shape.body_length * s, shape.body_depth * s, shape.leg_length * s
    half_width = depth / 2 * shape.body_width
    centre_z = leg + depth / 2
    rig = Rig(shape, [], np.zeros(0, int), np.zeros((0, 3)), depth, half_width, centre_z,
              x_back=-0.28 * body - 0.12 * depth, x_front=body + 0.3 * depth)
    names, parents, positions = [], [], []

    def add(name: str, parent: str | None, position) -> None:
        names.append(name)
        parents.append(-1 if parent is None else names.index(parent))
        positions.append(np.asarray(position, float))

    for i, name in enumerate(SPINE):
        add(name, None if i == 0 else SPINE[i - 1], [body * i / 3, 0, centre_z])

    # neck base on the midline where the neck meets withers and chest, neck rising at neck_angle
    neck_base = np.array([body + 0.02 * depth, 0, centre_z + 0.18 * depth])
    neck_dir = -_direction(shape.neck_angle, forward=-1.0)  # forward and up
    neck_len = shape.neck_length * s
    for i, name in enumerate(NECK):
        add(name, "chest" if i == 0 else NECK[i - 1], neck_base + neck_dir * neck_len * i / 3)
    poll = neck_base + neck_dir * neck_len
    add("head", "neck3", poll)
    head_dir = _direction(shape.head_angle)
    head_len = shape.head_length * s
    add("nose", "head", poll + head_dir * head_len)
    head_up = np.array([-head_dir[2], 0, head_dir[0]])  # dorsal direction of the head
    for side, sign in SIDES:  # eyes on the head surface, a third of the way from poll to muzzle
        t = 0.34 if shape.hoof >= 0.5 else 0.42
        centre, (radius_up, radius_side) = head_section(shape, head_dir, poll, t)
        add(f"eye.{side}", "head", centre + 0.4 * radius_up * head_up + sign * 0.86 * radius_side * np.array([0, 1, 0]))

    # tail base just inside the rump surface, near its top
    tau0 = 0.045
    x0, zc0, hh0, _ = torso_profile(rig, np.array([tau0]))
    tail = [np.array([x0[0] + 0.01 * depth, 0, zc0[0] + 0.7 * hh0[0]])]
    seg = shape.tail_length * s / (len(TAIL) - 1)
    for i in range(1, len(TAIL)):
        tail.append(tail[-1] + _direction(shape.tail_droop + (i - 1) * shape.tail_curl, forward=-1.0) * seg)
    for i, name in enumerate(TAIL):
        add(name, "pelvis" if i == 0 else TAIL[i - 1], tail[i])

    paw = 1.0 - shape.hoof
    for side, sign in SIDES:
        y = sign * 0.55 * half_width
        elbow = np.array([body - 0.14 * depth, y * 1.08, leg + 0.07 * depth])
        carpus_z = (0.48 - 0.2 * paw) * leg
        fetlock_z = (0.14 - 0.07 * paw) * leg
        points = {
            "scapula": [body - 0.26 * depth, y * 0.85, centre_z + 0.36 * depth],
            "shoulder": [body + 0.12 * depth, y, centre_z - 0.04 * depth],
            "elbow": elbow,
            "carpus": [elbow[0] + 0.01 * leg, y, carpus_z],
            "fetlock_fore": [elbow[0] + 0.01 * leg, y, fetlock_z],
            "hoof_fore": [elbow[0] + (0.07 + 0.03 * paw) * leg, y, 0.0],
        }
        for i, name in enumerate(FORE_LEG):
            add(f"{name}.{side}", "chest" if i == 0 else f"{FORE_LEG[i - 1]}.{side}", points[name])
    for side, sign in SIDES:
        y = sign * 0.6 * half_width
        hock = np.array([-0.3 * depth - 0.06 * leg, y, (0.56 - 0.2 * paw) * leg])
        points = {
            "hip": [0.0, y * 0.9, centre_z + 0.12 * depth],
            "stifle": [0.34 * depth, y * 1.1, leg + 0.02 * depth],
            "hock": hock,
            "fetlock_hind": [hock[0] + 0.02 * leg * paw, y, (0.14 - 0.07 * paw) * leg],
            "hoof_hind": [hock[0] + (0.07 + 0.05 * paw) * leg, y, 0.0],
        }
        for i, name in enumerate(HIND_LEG):
            add(f"{name}.{side}", "pelvis" if i == 0 else f"{HIND_LEG[i - 1]}.{side}", points[name])

    rig.names, rig.parents, rig.positions = names, np.array(parents), np.array(positions)
    return rig


def head_section(shape: ShapeParams, head_dir: np.ndarray, poll: np.ndarray, t: np.ndarray | float):
    """Head centre line and radii at fraction t from poll (0) to nose (1): centre (..., 3), (up, side) radii.

    The cheek bulges below the poll-nose line; the muzzle keeps muzzle_width * head_size up to its rounded tip.
    """
    t = np.asarray(t, float)
    s = shape.scale
    size, length = shape.head_size * s, shape.head_length * s
    muzzle_start = 1 - shape.muzzle_length
    muzzle = shape.muzzle_width
    up = np.interp(t, [-0.12, 0.0, 0.25, muzzle_start, 1.0], [0.55, 0.85, 1.0, muzzle * 1.05, muzzle]) * size
    side = up * np.interp(t, [-0.12, 0.3, muzzle_start, 1.0], [0.85, 0.75, 0.62, 0.66])
    tip = np.clip((1 - t) / 0.12, 0, 1)
    back = np.clip((t + 0.14) / 0.14, 0, 1)
    cap = np.sqrt(1 - (1 - tip) ** 2) * np.sqrt(1 - (1 - back) ** 2)
    head_up = np.array([-head_dir[2], 0, head_dir[0]])
    jowl = np.interp(t, [0.0, 0.3, muzzle_start + 0.05, 1.0], [0.15, 0.35, 0.05, 0.0]) * size
    # a stop drops the muzzle's top line below the forehead while its underside stays on the jaw line
    jowl = jowl + shape.stop * (1 - muzzle) * size * 0.8 * np.clip((t - muzzle_start + 0.1) / 0.15, 0, 1) \
        * np.clip((1 - t) / 0.25, 0, 1) ** 0.5
    centre = poll + np.multiply.outer(t * length, head_dir) - np.multiply.outer(jowl, head_up)
    return centre, (up * cap, side * cap)
