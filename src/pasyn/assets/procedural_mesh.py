"""Skinned, UV-mapped mesh of the procedural quadruped: closed tapered tubes (rings of vertices) along the bones.

V vertices, F triangles, J joints, N rings along a tube, M vertices around a ring (+1 for the UV seam).
Every tube is closed by two pole vertices, so each part is a closed surface (watertight up to the UV seam,
whose duplicated vertices share positions); faces wind counter-clockwise seen from outside.
Skin weights follow the arc length along each part's bone chain and blend smoothly across joints.
UVs: each part owns a rectangle of the coat atlas (coat.ATLAS), u around the tube, v along it (v down).
"""
from __future__ import annotations

import numpy as np

from pasyn.assets.coat import ATLAS, ATLAS_INSET
from pasyn.assets.procedural_rig import (
    FORE_LEG,
    HIND_LEG,
    NECK,
    SIDES,
    SPINE,
    TAIL,
    Rig,
    head_section,
    torso_profile,
)

_Y = np.array([0.0, 1.0, 0.0])


def _normalize(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def chain_weights(arc: np.ndarray, breaks: np.ndarray, bones: list[int], n_joints: int,
                  blend: float) -> np.ndarray:
    """(N,) arc positions -> (N, J) weights: bones[i] owns (breaks[i-1], breaks[i]); smooth ramps at breaks.

    len(bones) == len(breaks) + 1 (bones[0] before the first break, bones[-1] after the last). Ramps are
    narrowed to 45 % of the neighbouring intervals so they never overlap and every row sums to 1.
    """
    gaps = np.diff(breaks)
    half = np.full(len(breaks), blend)
    if len(gaps):
        half[:-1] = np.minimum(half[:-1], 0.45 * gaps)
        half[1:] = np.minimum(half[1:], 0.45 * gaps)
    rise = [_smoothstep((arc - (b - h)) / (2 * h)) for b, h in zip(breaks, half)]
    weights = np.zeros((len(arc), n_joints))
    for i, bone in enumerate(bones):
        w = np.ones_like(arc)
        if i > 0:
            w = w * rise[i - 1]
        if i < len(breaks):
            w = w * (1 - rise[i])
        weights[:, bone] += w
    return weights


class _MeshBuilder:
    def __init__(self, n_joints: int):
        self.n_joints = n_joints
        self.vertices, self.faces, self.uvs, self.weights = [], [], [], []
        self.count = 0

    def tube(self, centres, radius_up, radius_side, ring_weights, rect: str, v_along, n_around: int,
             start_pole, end_pole, normals=None, tangents=None):
        """Add a closed tube: (N, 3) centres, (N,) radii, (N, J) weights, poles (3,) closing both ends.

        normals (N, 3) give each ring's 'up' (u = 0) direction; by default it is perpendicular to the
        tangent in the sagittal plane (dorsal for the torso, forward for the legs).
        """
        centres = np.asarray(centres, float)
        n_rings = len(centres)
        if tangents is None:
            tangents = np.gradient(centres, axis=0)
        tangents = _normalize(np.broadcast_to(tangents, centres.shape).astype(float))
        if normals is None:
            normals = np.cross(tangents, _Y)
        normals = _normalize(normals - np.sum(normals * tangents, axis=1, keepdims=True) * tangents)
        binormals = np.cross(tangents, normals)
        phi = np.linspace(0, 2 * np.pi, n_around + 1)
        ring = (centres[:, None] + (radius_up[:, None] * np.cos(phi))[..., None] * normals[:, None]
                + (radius_side[:, None] * np.sin(phi))[..., None] * binormals[:, None])
        u0, v0, u1, v1 = ATLAS[rect]
        u0, v0, u1, v1 = u0 + ATLAS_INSET, v0 + ATLAS_INSET, u1 - ATLAS_INSET, v1 - ATLAS_INSET
        v_along = np.asarray(v_along, float)
        uv = np.stack(np.broadcast_arrays(u0 + (u1 - u0) * phi[None] / (2 * np.pi),
                                          v0 + (v1 - v0) * v_along[:, None]), axis=-1)
        width = n_around + 1
        verts = [ring.reshape(-1, 3), np.asarray(start_pole, float)[None], np.asarray(end_pole, float)[None]]
        uvs = [uv.reshape(-1, 2), [[(u0 + u1) / 2, v0]], [[(u0 + u1) / 2, v1]]]
        weights = [np.repeat(ring_weights, width, axis=0), ring_weights[:1], ring_weights[-1:]]
        i, k = np.meshgrid(np.arange(n_rings - 1), np.arange(n_around), indexing="ij")
        a = (i * width + k).ravel()
        quads = np.concatenate([np.stack([a, a + 1, a + width], 1), np.stack([a + 1, a + width + 1, a + width], 1)])
        k = np.arange(n_around)
        start, end = n_rings * width, n_rings * width + 1
        last = (n_rings - 1) * width
        caps = np.concatenate([np.stack([np.full(n_around, start), k + 1, k], 1),
                               np.stack([np.full(n_around, end), last + k, last + k + 1], 1)])
        faces = np.concatenate([quads, caps])
        verts = np.concatenate(verts)
        if _signed_volume(verts, faces) < 0:  # a part whose frame came out left-handed: turn it inside out
            faces = faces[:, ::-1]
        self.vertices.append(verts)
        self.uvs.append(np.concatenate(uvs))
        self.weights.append(np.concatenate(weights))
        self.faces.append(faces + self.count)
        self.count += len(verts)

    def rigid(self, joint: int) -> np.ndarray:
        w = np.zeros((1, self.n_joints))
        w[0, joint] = 1
        return w

    def build(self) -> dict[str, np.ndarray]:
        vertices = np.concatenate(self.vertices)
        faces = np.concatenate(self.faces)
        dense = np.concatenate(self.weights)
        joints = np.argsort(-dense, axis=1, kind="stable")[:, :4]
        weights = np.take_along_axis(dense, joints, axis=1)
        weights /= weights.sum(axis=1, keepdims=True)
        return {"vertices": vertices, "faces": faces.astype(np.int64), "uvs": np.concatenate(self.uvs),
                "joints": joints.astype(np.int64), "weights": weights, "normals": smooth_normals(vertices, faces)}


def _signed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    return float(np.einsum("ij,ij->", a, np.cross(b, c)) / 6)


def smooth_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(V, 3) area-weighted vertex normals, shared across vertices at the same position (UV seams, poles)."""
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    face_normals = np.cross(b - a, c - a)
    _, group = np.unique(np.round(vertices, 6), axis=0, return_inverse=True)
    group = group.ravel()
    sums = np.zeros((group.max() + 1, 3))
    for i in range(3):
        np.add.at(sums, group[faces[:, i]], face_normals)
    normals = sums[group]
    return normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)


def _resample(points: np.ndarray, n: int, corner_cuts: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Polyline (K, 3) -> n centres on its corner-cut (rounded) version, their arc fraction, joints' fractions."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    joint_frac = np.concatenate([[0], np.cumsum(seg)]) / seg.sum()
    smooth = points
    for _ in range(corner_cuts):  # Chaikin corner cutting, ends kept
        q = 0.75 * smooth[:-1] + 0.25 * smooth[1:]
        r = 0.25 * smooth[:-1] + 0.75 * smooth[1:]
        smooth = np.concatenate([smooth[:1], np.stack([q, r], 1).reshape(-1, 3), smooth[-1:]])
    arc = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(smooth, axis=0), axis=1))])
    frac = np.linspace(0, 1, n)
    centres = np.stack([np.interp(frac * arc[-1], arc, smooth[:, d]) for d in range(3)], axis=1)
    return centres, frac, joint_frac


def build_mesh(rig: Rig) -> dict[str, np.ndarray]:
    """Mesh arrays of the rest pose: vertices, faces, uvs, joints, weights, normals (Mesh field names)."""
    shape, idx, n_joints = rig.shape, rig.index, len(rig.names)
    mesh = _MeshBuilder(n_joints)
    depth = rig.depth

    # torso: elliptic rings along X from rump to breast, bones pelvis -> chest
    tau = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, 34)[1:-1])  # denser near the rounded ends
    x, zc, half_h, half_w = torso_profile(rig, tau)
    centres = np.stack([x, np.zeros_like(x), zc], 1)
    spine_x = np.array([rig.pos(n)[0] for n in SPINE])
    weights = chain_weights(x, spine_x, [idx(n) for n in (SPINE[0],) + SPINE], n_joints, 0.15 * depth)
    end_x, end_z, _, _ = torso_profile(rig, np.array([0.0, 1.0]))
    mesh.tube(centres, half_h, half_w, weights, "torso", tau, 28,
              [end_x[0], 0, end_z[0]], [end_x[1], 0, end_z[1]])

    # neck: from inside the chest through the neck joints to the poll
    neck_pts = np.array([rig.pos(n) for n in NECK + ("head",)])
    neck_dir = _normalize(neck_pts[-1] - neck_pts[0])
    start = neck_pts[0] - neck_dir * 0.3 * depth
    centres, frac, jfrac = _resample(np.concatenate([[start], neck_pts]), 16, corner_cuts=0)
    length = np.linalg.norm(neck_pts[-1] - start)
    base_up, base_side = 0.42 * depth, 0.7 * rig.half_width
    mid = shape.neck_thickness * shape.scale
    poll_up = 0.8 * shape.head_size * shape.scale
    radius_up = np.interp(frac, [0, jfrac[1], 0.55, 1], [base_up * 0.9, base_up, mid, poll_up])
    radius_side = np.interp(frac, [0, jfrac[1], 0.55, 1], [base_side, base_side * 0.9, 0.62 * mid, 0.7 * poll_up])
    neck_weights = chain_weights(frac * length, jfrac[1:] * length, [idx("chest")] + [idx(n) for n in NECK]
                                 + [idx("head")], n_joints, 0.12 * length)
    mesh.tube(centres, radius_up, radius_side, neck_weights, "neck", frac, 20,
              start - neck_dir * 0.02 * depth, neck_pts[-1] + neck_dir * 0.3 * poll_up)
    neck_normals = _normalize(np.cross(np.gradient(centres, axis=0), _Y))

    if shape.mane_height > 0:
        keep = np.arange(len(frac)) >= 2  # a fixed ring count keeps the topology the same for every individual
        height = shape.mane_height * shape.scale * np.interp(frac[keep], [frac[keep][0], 0.3, 1], [0.3, 1, 0.8])
        mane_c = centres[keep] + neck_normals[keep] * (radius_up[keep] * 0.9 + 0.4 * height)[:, None]
        thin = np.full(keep.sum(), 0.18 * shape.mane_height * shape.scale + 0.006 * shape.scale)
        mesh.tube(mane_c, height * 0.6, thin, neck_weights[keep], "mane", np.linspace(0, 1, keep.sum()), 8,
                  mane_c[0] - neck_dir * 0.02 * depth, mane_c[-1] + neck_dir * 0.02 * depth,
                  normals=neck_normals[keep])

    # head: poll to the muzzle tip (the nose joint is the end pole)
    head, nose = rig.pos("head"), rig.pos("nose")
    head_dir = _normalize(nose - head)
    t = np.linspace(-0.12, 1.0, 20)[1:-1]
    centres, (up, side) = head_section(shape, head_dir, head, t)
    head_weights = chain_weights(t, np.array([-0.05]), [idx("neck3"), idx("head")], n_joints, 0.05)
    back_pole, _ = head_section(shape, head_dir, head, -0.12)
    mesh.tube(centres, up, side, head_weights, "head", (t + 0.12) / 1.12, 20, back_pole, nose)
    head_up = np.array([-head_dir[2], 0, head_dir[0]])
    head_w = mesh.rigid(idx("head"))

    for side_name, sign in SIDES:
        eye = rig.pos(f"eye.{side_name}")
        radius = 0.16 * shape.head_size * shape.scale
        _sphere(mesh, eye - sign * _Y * 0.35 * radius, radius, head_w, "eye")
        for kind, length, t0, lean in (("ear", shape.ear_length, 0.02, (-0.25, 0.85, 0.35)),
                                       ("horn", shape.horn_length, -0.02, (0.15, 0.45, 0.9))):
            if length <= 0:
                continue
            base_c, (base_up, base_side) = head_section(shape, head_dir, head, t0)
            base = base_c + 0.75 * base_up * head_up + sign * 0.55 * base_side * _Y
            direction = _normalize(lean[0] * head_dir + lean[1] * head_up + sign * lean[2] * _Y)
            length = length * shape.scale
            flat = 0.45 if kind == "ear" else 1.0
            width = (0.3 if kind == "ear" else 0.22) * length
            _cone(mesh, base - direction * 0.2 * length, direction, 1.2 * length, width, flat, head_w, kind)

    # tail: along the tail joints, thin with an optional tuft of hair toward the tip
    tail_pts = np.array([rig.pos(n) for n in TAIL])
    centres, frac, jfrac = _resample(tail_pts, 14)
    length = shape.tail_length * shape.scale
    base = shape.tail_thickness * shape.scale
    tuft = np.sin(np.pi * np.clip((frac - 0.35) / 0.7, 0, 1)) ** 2  # hair swelling toward the tip
    radius = base * (1 - 0.55 * frac) + base * 1.6 * shape.tail_tuft * tuft
    radius *= np.sqrt(1 - np.clip((frac - 0.9) / 0.1, 0, 1) ** 2) * 0.9 + 0.1
    tail_weights = chain_weights(frac * length, jfrac[:-1] * length, [idx("pelvis")] + [idx(n) for n in TAIL[:-1]],
                                 n_joints, 0.1 * length)
    tail_dir0 = _normalize(tail_pts[1] - tail_pts[0])
    mesh.tube(centres, radius, radius * 0.9, tail_weights, "tail", frac, 10,
              centres[0] - tail_dir0 * 0.5 * base, tail_pts[-1] + _normalize(tail_pts[-1] - tail_pts[-2]) * 0.3 * base)

    thick = shape.leg_thickness * shape.scale
    for side_name, _ in SIDES:
        _leg(mesh, rig, [f"{n}.{side_name}" for n in FORE_LEG], f"fore.{side_name}", thick,
             radii=[1.75, 1.35, 0.8, 0.62, 0.7])
        _leg(mesh, rig, [f"{n}.{side_name}" for n in HIND_LEG], f"hind.{side_name}", thick,
             radii=[3.2, 2.0, 0.85, 0.62, 0.7])
    return mesh.build()


def _sphere(mesh: _MeshBuilder, centre, radius: float, weights, rect: str):
    theta = np.linspace(0, np.pi, 8)[1:-1]
    centres = centre[None] + np.outer(-np.cos(theta), [0, 0, 1]) * radius
    r = np.sin(theta) * radius
    mesh.tube(centres, r, r, np.repeat(weights, len(theta), 0), rect, theta / np.pi, 10,
              centre - [0, 0, radius], centre + [0, 0, radius], normals=np.tile([1.0, 0, 0], (len(theta), 1)))


def _cone(mesh: _MeshBuilder, base, direction, length: float, width: float, flat: float, weights, rect: str):
    t = np.linspace(0, 1, 7)[:-1]
    centres = base[None] + np.outer(t * length, direction)
    r = width * np.interp(t, [0, 0.3, 1], [0.8, 1.0, 0.15])
    across = _normalize(np.cross(direction, np.cross([1.0, 0, 0], direction)) + 1e-9)
    mesh.tube(centres, r, r * flat, np.repeat(weights, len(t), 0), rect, t, 8,
              base - direction * 0.01 * length, base + direction * length, normals=np.tile(across, (len(t), 1)))


def _leg(mesh: _MeshBuilder, rig: Rig, chain: list[str], rect: str, thick: float, radii: list[float]):
    """A leg tube from the shoulder / hip joint down to the top of the hoof, plus the hoof or paw.

    radii (multiples of leg_thickness) sit at the chain joints from the tube's top joint to the fetlock.
    The scapula lies inside the chest, so the foreleg tube starts one joint lower, at the shoulder.
    """
    shape, idx = rig.shape, rig.index
    top = chain[1] if chain[0].startswith("scapula") else chain[0]
    names = chain[chain.index(top):]
    pts = np.array([rig.pos(n) for n in names])
    hoof = pts[-1]
    paw = shape.hoof < 0.5
    coronet = hoof + ([-0.5 * thick, 0, 0.75 * thick] if paw else [-0.3 * thick, 0, thick])
    pts = np.concatenate([pts[:-1], [coronet]])
    centres, frac, jfrac = _resample(pts, 26)
    length = np.sum(np.linalg.norm(np.diff(pts, axis=0), axis=1))
    r = thick * np.interp(frac, jfrac[: len(radii)], radii)
    bones = [int(rig.parents[idx(top)])] + [idx(n) for n in names[:-1]]
    weights = chain_weights(frac * length, jfrac[:-1] * length, bones, len(rig.names), 0.12 * length)
    mesh.tube(centres, r, r * 0.82, weights, rect, frac, 14, centres[0] + [0, 0, 0.6 * r[0]],
              centres[-1] - [0, 0, 0.3 * r[-1]], normals=np.tile([1.0, 0, 0], (len(frac), 1)))
    foot_w = mesh.rigid(idx(chain[-1]))  # the hoof turns about its ground point
    if paw:  # a rounded pad whose lowest point is the paw keypoint
        z = np.linspace(0, 1, 8)[1:-1]
        rings = hoof[None] + np.outer(1 - np.cos(np.pi * z), [0, 0, 0.5 * 1.5 * thick])
        rings[:, 0] -= 0.2 * thick * z
        radius = np.sin(np.pi * z) * 1.15 * thick
        mesh.tube(rings, radius, radius * 0.8, np.repeat(foot_w, len(z), 0), "foot", z, 12,
                  hoof, hoof + [-0.2 * thick, 0, 1.5 * thick], normals=np.tile([1.0, 0, 0], (len(z), 1)),
                  tangents=[0.0, 0, 1])
    else:  # a hoof: flat sole on the ground centred on the hoof keypoint, wall sloping back
        h = np.linspace(0, 1, 5)
        rings = hoof[None] + np.outer(h, [-0.55 * thick, 0, 1.25 * thick])
        radius = thick * (1.12 - 0.3 * h)
        mesh.tube(rings, radius, radius * 0.92, np.repeat(foot_w, len(h), 0), "foot", h, 14,
                  hoof, rings[-1] + [0, 0, 0.02 * thick], normals=np.tile([1.0, 0, 0], (len(h), 1)),
                  tangents=[0.0, 0, 1])
