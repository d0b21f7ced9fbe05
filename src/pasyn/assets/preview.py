"""Contact sheets of a mapped model: a few frames of a few clips from a few views, with its keypoints drawn.

A small numpy renderer (no Blender): orthographic camera in the animal's own frame (check.animal_frame), flat
triangles filled back to front (painter's algorithm, cv2.fillConvexPoly), base colours (or the texture at a face's
UV centroid) with two-sided Lambert shading. Good enough to see whether keypoints sit where they should.
Tiles are (TILE, TILE, 3) RGB uint8; keypoints are (17, 3) world points, drawn as (17, 3) pixel x, y, v=2.
"""
from __future__ import annotations

import cv2
import numpy as np

from pasyn.assets.check import animal_frame
from pasyn.assets.keypoint_map import KeypointMap
from pasyn.assets.model import AnimalModel
from pasyn.viz import contact_sheet, draw_keypoints

TILE = 256
MARGIN = 0.08             # of the tile, around the animal
ELEVATION_DEG = 12.0      # cameras look slightly down
BACKGROUND = (236, 236, 230)
LIGHT = np.array([0.3, 0.5, 0.8])  # world direction towards the light (from above, a little to one side)
REST = "rest"
PREFERRED_CLIPS = ("Walk", "Idle", "Gallop", "Eating", "WalkSlow", "Jump")
_SUBPIXEL_BITS = 4


def view_basis(points: np.ndarray, view: str) -> np.ndarray:
    """(3, 3) rows: image right, image up, viewing direction (into the screen), in world coordinates."""
    forward, left = animal_frame(points)
    horizontal = {"side": -left, "front": -forward, "three-quarter": -(forward + left) / np.sqrt(2),
                  "back": forward, "top": -left}.get(view)
    if horizontal is None:
        raise ValueError(f"unknown view {view!r}; use side, front, three-quarter, back or top")
    tilt = np.radians(80.0 if view == "top" else ELEVATION_DEG)
    direction = np.cos(tilt) * horizontal + np.sin(tilt) * np.array([0.0, 0.0, -1.0])
    right = np.cross(direction, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, direction)
    return np.stack([right, up, direction])


def _srgb(linear: np.ndarray) -> np.ndarray:
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * np.power(np.clip(linear, 0, 1), 1 / 2.4) - 0.055)


def face_colours(model: AnimalModel) -> np.ndarray:
    """(F, 3) sRGB colours in 0..1: material base colour x texture colour at the face's UV centroid."""
    mesh = model.mesh
    base = np.stack([m.base_color[:3] for m in mesh.materials])[mesh.face_material]
    colours = _srgb(base)
    if mesh.uvs is not None:
        uv = mesh.uvs[mesh.faces].mean(axis=1)  # (F, 2)
        for i, material in enumerate(mesh.materials):
            if material.texture is None:
                continue
            faces = mesh.face_material == i
            tex = material.texture
            h, w = tex.shape[:2]
            px = np.clip((uv[faces, 0] % 1.0) * w, 0, w - 1).astype(int)
            py = np.clip((uv[faces, 1] % 1.0) * h, 0, h - 1).astype(int)
            colours[faces] = colours[faces] * (tex[py, px, :3] / 255.0)  # glTF multiplies factor and texture
    return colours


def render_tile(vertices: np.ndarray, faces: np.ndarray, colours: np.ndarray, basis: np.ndarray,
                extent: tuple[np.ndarray, float], size: int = TILE) -> tuple[np.ndarray, callable]:
    """Flat-shaded (size, size, 3) RGB image of a posed mesh, and the world -> pixel (x, y) projection used.

    extent: (centre (2,), half width) of the camera window in view coordinates, shared by a view's tiles.
    """
    centre, half = extent
    scale = size * (1 - 2 * MARGIN) / (2 * half)

    def project(points: np.ndarray) -> np.ndarray:
        view = points @ basis[:2].T - centre
        return np.stack([size / 2 + view[:, 0] * scale, size / 2 - view[:, 1] * scale], axis=1)

    image = np.full((size, size, 3), BACKGROUND, np.uint8)
    tri = vertices[faces]  # (F, 3, 3)
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    normals *= -np.sign(normals @ basis[2])[:, None]  # two-sided: the side facing the camera
    light = LIGHT / np.linalg.norm(LIGHT)
    shade = 0.35 + 0.65 * np.clip(normals @ light, 0, None)
    rgb = np.clip(colours * shade[:, None] * 255, 0, 255).astype(np.uint8)
    depth = (tri @ basis[2]).mean(axis=1)
    pixels = np.round(project(tri.reshape(-1, 3)) * (1 << _SUBPIXEL_BITS) - (1 << (_SUBPIXEL_BITS - 1)))
    pixels = pixels.astype(np.int32).reshape(-1, 3, 2)
    for f in np.argsort(-depth):  # far to near
        cv2.fillConvexPoly(image, pixels[f], rgb[f].tolist(), cv2.LINE_8, _SUBPIXEL_BITS)
    return image, project


def _default_clips(model: AnimalModel) -> list[str]:
    by_lower = {name.lower(): name for name in model.clips}
    chosen = [by_lower[name.lower()] for name in PREFERRED_CLIPS if name.lower() in by_lower][:2]
    return [REST] + (chosen or list(model.clips)[:2])


def _times(model: AnimalModel, clip: str, n: int) -> list[float | None]:
    if clip == REST:
        return [None]
    c = model.clip(clip)
    return [c.start + (c.duration - c.start) * k / n for k in range(n)]


def preview_sheet(model: AnimalModel, kmap: KeypointMap, clips: list[str] | None = None,
                  views: tuple[str, ...] = ("side", "front", "three-quarter"), frames_per_clip: int = 3,
                  tile_size: int = TILE) -> np.ndarray:
    """RGB contact sheet: one row per (clip, frame), one column per view; 'rest' is the rest pose.

    Keypoints: left red, right blue, midline green, with the AP-10K skeleton.
    """
    clips = _default_clips(model) if clips is None else list(clips)
    colours = face_colours(model)
    frames = []  # (caption prefix, world vertices, world keypoints)
    for clip in clips:
        for t in _times(model, clip, frames_per_clip):
            local = model.rest_pose() if t is None else model.pose_at(clip, t)
            world = model.global_transforms(local)
            label = "rest pose" if t is None else f"{clip} t={t:.2f}s"
            frames.append((label, model.skin(world), kmap.locate(model, world)))
    rest_points = kmap.locate(model, model.global_transforms())
    tiles, captions = [], []
    bases = {view: view_basis(rest_points, view) for view in views}
    extents = {}
    for view, basis in bases.items():  # one camera window per view, fitting every frame
        flat = np.concatenate([v @ basis[:2].T for _, v, _ in frames])
        lo, hi = flat.min(axis=0), flat.max(axis=0)
        extents[view] = ((lo + hi) / 2, float(max(hi - lo) / 2) or 1.0)
    for label, vertices, points in frames:
        for view, basis in bases.items():
            image, project = render_tile(vertices, model.mesh.faces, colours, basis, extents[view], tile_size)
            kpts = np.concatenate([project(points), np.full((len(points), 1), 2.0)], axis=1)
            tiles.append(draw_keypoints(image, kpts))
            captions.append(f"{label} | {view}")
    return contact_sheet(tiles, ncols=len(views), captions=captions,
                         title=f"{model.name} ({model.species}): left red, right blue, midline green")
