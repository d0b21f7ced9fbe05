"""Animation clips of the procedural quadruped: gaits with planted hooves (analytic leg IK), standing and lying.

T keys per clip at FPS over one loop (the last key repeats the first, so clips loop seamlessly); J joints.
Rotations are (T, J, 4) quaternions (x, y, z, w) in each joint's local frame, which is world-aligned at rest:
local Y bends in the sagittal plane (positive swings a downward bone backward), local Z turns left.
Each leg is driven by a swing angle at its top joint (scapula / hip) and one flexion f >= 0 shared by its
joints with fixed ratios (the carpus only folds backward, the hock only forward, as in a real limb); for a
hoof target the flexion comes from a lookup of leg length against f, the swing from the target's direction.
"""
from __future__ import annotations

import numpy as np

from pasyn.assets.model import Clip, matrix_to_quat, quat_to_matrix, slerp
from pasyn.assets.procedural_rig import FORE_LEG, HIND_LEG, NECK, SIDES, TAIL, Rig

FPS = 30
_X, _Y, _Z = np.eye(3)

# per-unit-flexion joint angles (radians about local Y) from the joint below the top down to the fetlock
_FORE_FLEX = {"shoulder": 0.6, "elbow": -1.0, "carpus": 1.1, "fetlock_fore": 0.3}
_HIND_FLEX = {"stifle": 1.0, "hock": -1.1, "fetlock_hind": 0.35}
# extra folding while a leg swings (peak radians): the foreleg flips its hoof back, the hind leg tucks
_FORE_TUCK = {"elbow": -0.25, "carpus": 1.25, "fetlock_fore": 0.55}
_HIND_TUCK = {"stifle": 0.35, "hock": -0.55, "fetlock_hind": 0.6}


def quat_axis(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(T,) angles about a unit axis -> (T, 4) quaternions."""
    angle = np.asarray(angle, float)
    return np.concatenate([np.sin(angle / 2)[..., None] * axis, np.cos(angle / 2)[..., None]], axis=-1)


def quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product of (..., 4) xyzw quaternions: rotation b first, then a."""
    ax, ay, az, aw = np.moveaxis(a, -1, 0)
    bx, by, bz, bw = np.moveaxis(b, -1, 0)
    return np.stack([aw * bx + ax * bw + ay * bz - az * by, aw * by - ax * bz + ay * bw + az * bx,
                     aw * bz + ax * by - ay * bx + az * bw, aw * bw - ax * bx - ay * by - az * bz], axis=-1)


class _Motion:
    """Local rotations (T, J, 4) and a root translation offset (T, 3) being built up for one clip."""

    def __init__(self, rig: Rig, period: float):
        self.rig = rig
        n = max(2, round(float(period) * FPS))
        self.times = np.arange(n + 1) / FPS
        self.phase = np.arange(n + 1) / n
        self.q = np.zeros((n + 1, len(rig.names), 4))
        self.q[..., 3] = 1
        self.root = np.zeros((n + 1, 3))
        self.body_pitch = np.zeros(n + 1)
        self.offsets = rig.positions - np.where(rig.parents[:, None] < 0, 0, rig.positions[rig.parents])

    def rotate(self, joint: str, axis: np.ndarray, angle) -> None:
        j = self.rig.index(joint)
        self.q[:, j] = quat_mul(self.q[:, j], quat_axis(axis, np.broadcast_to(angle, self.times.shape)))

    def world(self) -> tuple[np.ndarray, np.ndarray]:
        """Forward kinematics: (T, J, 3, 3) world rotations and (T, J, 3) world joint positions."""
        local = quat_to_matrix(self.q)
        rot = np.empty_like(local)
        pos = np.empty(local.shape[:2] + (3,))
        for j, p in enumerate(self.rig.parents):
            if p < 0:
                rot[:, j], pos[:, j] = local[:, j], self.offsets[j] + self.root
            else:
                rot[:, j] = rot[:, p] @ local[:, j]
                pos[:, j] = pos[:, p] + np.einsum("tab,b->ta", rot[:, p], self.offsets[j])
        return rot, pos

    def clip(self, name: str) -> Clip:
        channels = {}
        for j in range(len(self.rig.names)):
            if np.abs(self.q[:, j, :3]).max() > 1e-9:
                q = self.q[:, j] / np.linalg.norm(self.q[:, j], axis=1, keepdims=True)
                channels[(j, "rotation")] = (self.times.copy(), q)
        pelvis = self.rig.index("pelvis")
        channels[(pelvis, "translation")] = (self.times.copy(), self.rig.positions[pelvis] + self.root)
        return Clip(name, channels)


class _Leg:
    """One leg's joints and its flexion lookup table (leg length and hoof direction against flexion)."""

    def __init__(self, rig: Rig, side: str, fore: bool):
        names = FORE_LEG if fore else HIND_LEG
        self.joints = [f"{n}.{side}" for n in names]
        self.tuck = [(f"{n}.{side}", r) for n, r in (_FORE_TUCK if fore else _HIND_TUCK).items()]
        self.fore, self.side = fore, side
        pos = np.array([rig.pos(n) for n in self.joints])
        bones = np.diff(pos, axis=0)[:, [0, 2]]  # sagittal (x, z) bone vectors, top to hoof
        flex = dict(_FORE_FLEX if fore else _HIND_FLEX)
        first = next(iter(flex))
        best = None
        # Proportions differ (a dog's short cannon, a horse's long one): the shoulder takes the smallest share
        # of the flexion that lets the leg shorten to 60 % while its length still falls monotonically with f.
        for share in (0.3, 0.6, 0.9, 1.2):
            flex[first] = share if fore else flex[first]
            table = self._table(bones, [flex.get(n, 0.0) for n in names[:-1]])
            if best is None or table[1][-1] < best[1][1][-1]:
                best = (dict(flex), table)
            if not fore or table[1][-1] < 0.6 * table[1][0]:
                break
        flex, (self.f, self.length, self.direction) = best
        self.flex = [(f"{n}.{side}", r) for n, r in flex.items()]
        self.rest_hoof = pos[-1]
        self.reach = self.length[0]

    @staticmethod
    def _table(bones: np.ndarray, ratio: list[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flexion values, hoof distance from the top joint, hoof direction: the monotone part only."""
        f = np.linspace(0, 1.4, 141)
        angles = np.cumsum(np.outer(f, ratio), axis=1)  # (F, bones) absolute angle of each bone
        c, s = np.cos(angles), np.sin(angles)
        hoof = np.stack([np.sum(bones[:, 0] * c + bones[:, 1] * s, axis=1),
                         np.sum(-bones[:, 0] * s + bones[:, 1] * c, axis=1)], axis=1)
        length = np.linalg.norm(hoof, axis=1)
        monotone = np.concatenate([[True], np.cumsum(np.diff(length) >= 0) == 0])
        return f[monotone], length[monotone], np.arctan2(hoof[monotone, 1], hoof[monotone, 0])

    def solve(self, motion: _Motion, rot, pos, target: np.ndarray, tuck: np.ndarray, extra=()) -> None:
        """Rotate the leg so its hoof reaches target (T, 3) in world space; tuck (T,) in [0, 1] folds it."""
        top = motion.rig.index(self.joints[0])
        parent = motion.rig.parents[top]
        local = np.einsum("tba,tb->ta", rot[:, parent], target - pos[:, top])  # parent frame
        dist = np.clip(np.hypot(local[:, 0], local[:, 2]), self.length[-1], self.length[0])
        f = np.interp(dist, self.length[::-1], self.f[::-1])
        swing = np.interp(f, self.f, self.direction) - np.arctan2(local[:, 2], local[:, 0])
        motion.rotate(self.joints[0], _Y, swing)
        for name, ratio in self.flex:
            motion.rotate(name, _Y, ratio * f)
        for name, ratio in self.tuck:
            motion.rotate(name, _Y, ratio * tuck)
        for name, angle in extra:
            motion.rotate(name, _Y, angle)


def _legs(rig: Rig) -> list[_Leg]:
    return [_Leg(rig, side, fore) for fore in (True, False) for side, _ in SIDES]


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _smooth_cyclic(values: np.ndarray, width: int = 2) -> np.ndarray:
    """Cyclic moving average over the loop (the last key equals the first)."""
    core = values[:-1]
    kernel = np.ones(2 * width + 1) / (2 * width + 1)
    padded = np.concatenate([core[-width:], core, core[:width]])
    out = np.convolve(padded, kernel, mode="valid")
    return np.concatenate([out, out[:1]])


def _place_body(motion: _Motion, legs: list[_Leg], targets: dict, stance: dict, crouch: float,
                flight_lift: float = 0.0, roll=0.0) -> None:
    """Set the root height and pitch so every stance hoof target is within its leg's reach."""
    rig = motion.rig
    pelvis = rig.index("pelvis")
    base_q = motion.q[:, pelvis].copy()
    front_top = rig.pos(legs[0].joints[0])
    lever = max(front_top[0] - rig.pos("pelvis")[0], 1e-3)
    pitch = np.zeros(len(motion.times))
    for _ in range(3):  # pitch moves the tops a little; a few fixed-point rounds settle it
        _, pos = motion.world()
        allowed = {True: np.full(len(pitch), np.inf), False: np.full(len(pitch), np.inf)}
        for leg in legs:
            top = pos[:, rig.index(leg.joints[0])]
            dx = targets[leg][:, 0] - top[:, 0]
            reach = 0.985 * leg.reach
            highest = np.sqrt(np.maximum(reach ** 2 - dx ** 2, 0.0)) + targets[leg][:, 2]
            unposed = top[:, 2] - motion.root[:, 2] + np.sin(pitch) * (top[:, 0] - rig.pos("pelvis")[0])
            allowed[leg.fore] = np.minimum(allowed[leg.fore], np.where(stance[leg], highest - unposed, np.inf))
        offsets = {}
        for fore, value in allowed.items():
            value = np.where(np.isfinite(value), np.minimum(value, 0.0), flight_lift) - crouch
            offsets[fore] = np.minimum(_smooth_cyclic(value), value + 0.004 * rig.shape.scale)
        motion.root[:, 2] = offsets[False]
        pitch = np.arcsin(np.clip((offsets[False] - offsets[True]) / lever, -0.5, 0.5))
        motion.q[:, pelvis] = quat_mul(base_q, quat_axis(_Y, pitch))
        if np.any(roll):
            motion.q[:, pelvis] = quat_mul(motion.q[:, pelvis], quat_axis(_X, np.broadcast_to(roll, pitch.shape)))
    motion.body_pitch = pitch


def _drive_legs(motion: _Motion, legs: list[_Leg], targets: dict, tucks: dict, level: dict,
                extra: dict | None = None) -> None:
    """Solve every leg, then turn each hoof about its ground point so its sole lies flat while it bears weight.

    level (T,) in [0, 1] per leg: 1 keeps the hoof level, 0 lets it follow the pastern (in the air).
    """
    rot, pos = motion.world()
    for leg in legs:
        leg.solve(motion, rot, pos, targets[leg], tucks[leg], (extra or {}).get(leg, ()))
    rot, _ = motion.world()
    for leg in legs:
        hoof = motion.rig.index(leg.joints[-1])
        flat = matrix_to_quat(np.swapaxes(rot[:, hoof], 1, 2))  # undoes the pastern's world rotation
        identity = np.tile([0.0, 0, 0, 1], (len(flat), 1))
        motion.q[:, hoof] = slerp(identity, flat, level[leg])


def _tail_swish(motion: _Motion, amplitude: float, cycles: int, lift: float = 0.0) -> None:
    for i, name in enumerate(TAIL[:-1]):
        motion.rotate(name, _Z, amplitude * (0.5 + 0.25 * i) * np.sin(2 * np.pi * (cycles * motion.phase - 0.12 * i)))
        if i == 0 and lift:
            motion.rotate(name, _Y, -lift)


def _gait(rig: Rig, name: str, period: float, duty: float, touchdown: dict, sweep: float, lift: float,
          spine: float = 0.0, nod: float = 0.0, tail_lift: float = 0.0) -> Clip:
    """A locomotion loop in place: hooves slide back at the body's speed in stance and arc forward in swing."""
    height = rig.length("leg_length") + rig.depth
    motion = _Motion(rig, period * np.sqrt(height / 1.3))  # periods given for a 1.3 m zebra; Froude scaling
    legs = _legs(rig)
    stride = sweep * height
    targets, stance, tucks, level = {}, {}, {}, {}
    for leg in legs:
        p = (motion.phase - touchdown[(leg.fore, leg.side)]) % 1.0
        on_ground = p < duty
        s = np.clip((p - duty) / (1 - duty), 0, 1)
        x = np.where(on_ground, stride / 2 - stride * p / duty, -stride / 2 + stride * (s * s * (3 - 2 * s)))
        z = np.where(on_ground, 0.0, lift * height * np.sin(np.pi * s) * (1.0 + 0.4 * (1 - s)))
        targets[leg] = np.stack([leg.rest_hoof[0] + x, np.full_like(x, leg.rest_hoof[1]), z], axis=1)
        stance[leg] = on_ground
        tucks[leg] = np.where(on_ground, 0.0, np.sin(np.pi * s ** 0.8) ** 1.5)
        level[leg] = np.where(on_ground, 1.0, 1 - _smoothstep(s / 0.2) + _smoothstep((s - 0.8) / 0.2))
    if spine:
        for joint in ("spine1", "spine2"):
            motion.rotate(joint, _Y, spine * np.sin(2 * np.pi * motion.phase))
    _place_body(motion, legs, targets, stance, crouch=0.012 * height, flight_lift=0.02 * height)
    counter = -0.6 * motion.body_pitch  # the neck holds the head steadier than the body
    for i, joint in enumerate(NECK):
        beats = 2 if nod > 0 else 1  # a walking or trotting head bobs twice per stride, a galloping one once
        motion.rotate(joint, _Y, counter / 3 + nod * np.sin(2 * np.pi * beats * motion.phase + i * 0.4))
    _tail_swish(motion, 0.05, 1, tail_lift)
    _drive_legs(motion, legs, targets, tucks, level)
    return motion.clip(name)


def _standing(rig: Rig, period: float, neck_pitch=0.0, neck_yaw=0.0, head_pitch=0.0, roll=0.0,
              front_shift=(0.0, 0.0), crouch_front=0.0, rest_leg: str | None = None, swish=0.18) -> _Motion:
    """A loop on planted hooves: breathing, weight shift, head and tail movement (all (T,) or scalars)."""
    motion = _Motion(rig, period)
    legs = _legs(rig)
    leg_len = rig.length("leg_length")
    breathe = np.sin(2 * np.pi * motion.phase * max(1, round(period / 3.5)))
    motion.rotate("spine1", _Y, 0.006 * breathe)
    motion.rotate("spine2", _Y, -0.008 * breathe)
    targets, stance, tucks, extra = {}, {}, {}, {}
    for leg in legs:
        target = np.tile(leg.rest_hoof, (len(motion.times), 1))
        if leg.fore:
            target[:, 0] += leg_len * front_shift[0 if leg.side == "L" else 1]
        resting = rest_leg == f"{'fore' if leg.fore else 'hind'}.{leg.side}"
        if resting:  # a cocked leg resting on its toe
            target[:, 0] += 0.1 * leg_len
            target[:, 2] += 0.09 * leg_len
            extra[leg] = [(leg.joints[-2], 0.9)]
        targets[leg], stance[leg] = target, np.full(len(target), not resting)
        tucks[leg] = np.zeros(len(target))
    _place_body(motion, legs, targets, stance, crouch=0.015 * leg_len, roll=roll)
    if crouch_front:
        pelvis = rig.index("pelvis")
        lever = rig.pos(legs[0].joints[0])[0] - rig.pos("pelvis")[0]
        motion.q[:, pelvis] = quat_mul(motion.q[:, pelvis], quat_axis(_Y, np.arcsin(crouch_front * leg_len / lever)))
    for joint, share in zip(NECK, _NECK_SHARE):
        motion.rotate(joint, _Z, np.asarray(neck_yaw) / 3)
        motion.rotate(joint, _Y, share * np.asarray(neck_pitch))
    motion.rotate("head", _Y, head_pitch)
    _tail_swish(motion, swish, 2)
    level = {leg: stance[leg].astype(float) for leg in legs}
    _drive_legs(motion, legs, targets, tucks, level, extra)
    return motion


_GRAZE_STANCE = (0.14, -0.04)  # grazing: one foreleg forward (multiples of leg length)


def _graze_head(rig: Rig, neck_pitch):
    """Head pitch that keeps a grazing head near vertical, muzzle a little ahead, whatever the neck does."""
    return np.radians(85.0 - rig.shape.head_angle) - np.asarray(neck_pitch)


def _graze_reach(rig: Rig) -> tuple[float, float]:
    """Neck pitch (total over the neck joints) and front crouch that bring the nose down to the grass."""
    nose_goal = 0.04 * rig.length("leg_length")
    pitches = np.linspace(0.0, 1.9, 39)  # beyond ~100 degrees a neck looks broken: crouch in front instead
    for crouch in (0.04, 0.1, 0.16, 0.22, 0.3, 0.4, 0.5):  # crouch more in front only when the neck is too short
        probe = _standing(rig, (len(pitches) - 1) / FPS, neck_pitch=pitches,
                          head_pitch=_graze_head(rig, pitches), front_shift=_GRAZE_STANCE, crouch_front=crouch)
        nose = probe.world()[1][:, rig.index("nose"), 2]
        low = np.nonzero(nose <= nose_goal)[0]
        if len(low):
            k = low[0]
            if k == 0:
                return 0.0, crouch
            f = (nose[k - 1] - nose_goal) / (nose[k - 1] - nose[k])
            return float(pitches[k - 1] + f * (pitches[k] - pitches[k - 1])), crouch
    return float(pitches[np.argmin(nose)]), crouch


# how a neck raise or drop spreads over the neck joints: mostly at the base, as the neck swings from the withers
_NECK_SHARE = (0.5, 0.3, 0.2)
# sternal lying: legs folded under the body (radians about local Y; the carpus and hock near full flexion)
_LYING_FOLD = {"scapula": 0.15, "shoulder": 0.5, "elbow": -1.55, "carpus": 2.55, "fetlock_fore": 0.7,
               "hip": -0.55, "stifle": 1.75, "hock": -2.35, "fetlock_hind": 0.6}


def _lying(rig: Rig, period: float) -> _Motion:
    """Resting on the sternum: legs folded under, belly on the ground, head up and looking about slowly."""
    motion = _Motion(rig, period)
    wave = np.sin(2 * np.pi * motion.phase)
    for name, angle in _LYING_FOLD.items():
        for side, sign in SIDES:
            extra = 0.15 if (name == "elbow" and side == "R") else 0.0  # one foreleg a little less folded
            motion.rotate(f"{name}.{side}", _Y, angle + extra)
            if name == "hip":
                motion.rotate(f"{name}.{side}", _X, sign * (0.45 if side == "L" else 0.2))  # hind legs splay out
    motion.rotate("pelvis", _X, -0.06)  # leaning onto the right hip
    for joint in NECK:
        motion.rotate(joint, _Z, 0.3 / 3 * np.sin(2 * np.pi * motion.phase + 0.5))
        motion.rotate(joint, _Y, (-0.25 + 0.05 * wave) / 3)
    motion.rotate("head", _Y, 0.15)
    motion.rotate("tail1", _Y, 0.5)
    _tail_swish(motion, 0.08, 1)
    # lower the body until the belly rests on the ground and no folded leg goes through it
    _, pos = motion.world()
    legs = [rig.index(f"{n}.{side}") for n in FORE_LEG[2:] + HIND_LEG[1:] for side, _ in SIDES]
    thick = rig.length("leg_thickness")
    belly = rig.centre_z - 0.52 * rig.depth
    motion.root[:, 2] = np.maximum(0.03 * rig.depth - belly, thick - pos[:, legs, 2].min(axis=1))
    return motion


def build_clips(rig: Rig) -> dict[str, Clip]:
    """walk, trot, canter, gallop, idle, graze, look_around, lie (loops, 30 fps keys)."""
    L, R = "L", "R"
    clips = [
        _gait(rig, "walk", 1.1, 0.62, {(False, L): 0.0, (True, L): 0.25, (False, R): 0.5, (True, R): 0.75},
              sweep=0.42, lift=0.07, nod=0.03),
        _gait(rig, "trot", 0.72, 0.42, {(True, L): 0.0, (False, R): 0.0, (True, R): 0.5, (False, L): 0.5},
              sweep=0.46, lift=0.13, nod=0.02, tail_lift=0.25),
        _gait(rig, "canter", 0.64, 0.42, {(False, L): 0.0, (False, R): 0.28, (True, L): 0.3, (True, R): 0.55},
              sweep=0.5, lift=0.14, spine=0.03, nod=-0.06, tail_lift=0.35),
        _gait(rig, "gallop", 0.5, 0.3, {(False, L): 0.0, (False, R): 0.1, (True, L): 0.42, (True, R): 0.54},
              sweep=0.52, lift=0.16, spine=0.06, nod=-0.08, tail_lift=0.5),
    ]
    period = 4.0
    phase = np.arange(int(period * FPS) + 1) / (period * FPS)
    wave = np.sin(2 * np.pi * phase)
    clips.append(_standing(rig, period, neck_pitch=0.05 + 0.04 * wave, neck_yaw=0.12 * np.sin(2 * np.pi * phase + 1),
                           head_pitch=0.03 * wave, roll=0.02 * wave, rest_leg="hind.L").clip("idle"))
    reach, crouch = _graze_reach(rig)
    sway = np.sin(2 * np.pi * phase)
    nibble = 0.5 - 0.5 * np.cos(2 * np.pi * 4 * phase)
    clips.append(_standing(rig, period, neck_pitch=reach - 0.05 * nibble, neck_yaw=0.25 * sway,
                           head_pitch=_graze_head(rig, reach) + 0.02 * nibble, front_shift=_GRAZE_STANCE,
                           crouch_front=crouch).clip("graze"))
    clips.append(_standing(rig, period, neck_pitch=-0.2 + 0.08 * np.cos(4 * np.pi * phase),
                           neck_yaw=0.9 * np.sin(2 * np.pi * phase), head_pitch=-0.05 * wave,
                           swish=0.1).clip("look_around"))
    clips.append(_lying(rig, period).clip("lie"))
    return {clip.name: clip for clip in clips}
