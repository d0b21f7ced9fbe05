"""Pictures of a prior: sampled canonical poses as skeletons (side and front view), and sampled poses applied to
real models (flat-shaded mesh with keypoints, checked with the assets stage's anatomy rules).

Tiles are RGB uint8; canonical points (P, 3) are in body lengths (x forward, y left, z up, ground z = 0).
"""
from __future__ import annotations

import cv2
import numpy as np

from pasyn.prior.prior import PosePrior
from pasyn.prior.retarget import LEFT_CHAINS, RIGHT_CHAINS, CanonicalPoses, CanonicalSkeleton, ModelRig

LEFT, RIGHT, MIDLINE = (220, 50, 50), (50, 90, 230), (40, 150, 60)
BACKGROUND, GROUND = (246, 246, 242), (150, 140, 120)
PANEL = 220  # pixels: panel height; the side view is this wide, the front view half as wide
SIDE_WINDOW = (-1.0, 2.0)  # canonical x shown in the side view (body lengths)
HEIGHT_WINDOW = (-0.45, 2.3)  # canonical z shown in both views
FRONT_WINDOW = (-0.75, 0.75)  # canonical y shown in the front view
GAP = 4


def _segment_colours(skeleton: CanonicalSkeleton) -> list[tuple[int, int, int]]:
    chain_of = skeleton.chain_of_joint() + [c for c, _ in skeleton.chain_lengths]
    colours = []
    for _, b in skeleton.segments():
        chain = chain_of[b]
        colours.append(LEFT if chain in LEFT_CHAINS else RIGHT if chain in RIGHT_CHAINS else MIDLINE)
    return colours


def draw_skeleton(skeleton: CanonicalSkeleton, points: np.ndarray) -> np.ndarray:
    """(P, 3) canonical points -> (PANEL, 1.5 PANEL, 3) RGB: side view (x right, z up) | front view (as seen
    facing the animal: its left on the image right)."""
    z0, z1 = HEIGHT_WINDOW
    scale = (PANEL - 12) / (z1 - z0)
    segments, colours = skeleton.segments(), _segment_colours(skeleton)
    panels = []
    for axis, (lo, hi), sign in ((0, SIDE_WINDOW, 1.0), (1, FRONT_WINDOW, -1.0)):
        width = int(round((hi - lo) * scale)) + 12
        image = np.full((PANEL, width, 3), BACKGROUND, np.uint8)

        def pixel(p, axis=axis, lo=lo, hi=hi, sign=sign, width=width):
            u = (p[axis] - lo) if sign > 0 else (hi - p[axis])
            return int(round(6 + u * scale)), int(round(PANEL - 6 - (p[2] - z0) * scale))

        ground_y = pixel(np.zeros(3))[1]
        cv2.line(image, (0, ground_y), (width - 1, ground_y), GROUND, 1, cv2.LINE_AA)
        depth = points[:, 1] if axis == 0 else -points[:, 0]  # draw far segments first
        for s in np.argsort([-(depth[a] + depth[b]) for a, b in segments]):
            a, b = segments[s]
            cv2.line(image, pixel(points[a]), pixel(points[b]), colours[s], 2, cv2.LINE_AA)
        for p in points:
            cv2.circle(image, pixel(p), 2, (40, 40, 40), -1, cv2.LINE_AA)
        panels.append(image)
    divider = np.full((PANEL, 2, 3), 200, np.uint8)
    return np.concatenate([panels[0], divider, panels[1]], axis=1)


def pose_grid(prior: PosePrior, poses: CanonicalPoses, ncols: int = 3, title: str | None = None) -> np.ndarray:
    """Skeleton tiles of poses in rows of ncols, under a one-line title."""
    tiles = [draw_skeleton(prior.skeleton, p) for p in prior.points(poses)]
    rows = []
    for start in range(0, len(tiles), ncols):
        row = tiles[start:start + ncols] + [np.full_like(tiles[0], 24)] * (ncols - len(tiles[start:start + ncols]))
        rows.append(np.concatenate([np.pad(t, ((0, 0), (0, GAP), (0, 0)), constant_values=24) for t in row], 1))
    grid = np.concatenate([np.pad(r, ((0, GAP), (0, 0), (0, 0)), constant_values=24) for r in rows], axis=0)
    if title:
        banner = np.full((28, grid.shape[1], 3), 24, np.uint8)
        cv2.putText(banner, title, (4, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (235, 235, 235), 1, cv2.LINE_AA)
        grid = np.concatenate([banner, grid], axis=0)
    return grid


def posed_model_tiles(prior: PosePrior, model, kmap, poses: CanonicalPoses, size: int = 256
                      ) -> tuple[list[np.ndarray], list[list]]:
    """Side and front renders of `model` in each pose, with its AP-10K keypoints, and each pose's failures of
    the assets stage's anatomy check (pasyn.assets.check.check_keypoints; [] = passes)."""
    from pasyn.assets.check import check_keypoints
    from pasyn.assets.preview import face_colours, render_tile, view_basis
    from pasyn.viz import draw_keypoints

    rig = ModelRig(model, kmap, prior.skeleton)
    world = rig.world_transforms(poses)
    colours = face_colours(model)
    rest_points = kmap.locate(model, model.global_transforms())
    tiles, failures = [], []
    for w in world:
        vertices = model.skin(w)
        points = kmap.locate(model, w)
        failures.append(check_keypoints(points, model.name, bounds=(vertices.min(0), vertices.max(0)),
                                        ground=float(vertices[:, 2].min()), where="sampled pose"))
        for view in ("side", "front"):
            basis = view_basis(rest_points, view)
            flat = vertices @ basis[:2].T
            lo, hi = flat.min(axis=0), flat.max(axis=0)
            image, project = render_tile(vertices, model.mesh.faces, colours, basis,
                                         ((lo + hi) / 2, float(max(hi - lo) / 2) or 1.0), size)
            tiles.append(draw_keypoints(image, np.concatenate([project(points), np.full((17, 1), 2.0)], axis=1)))
    return tiles, failures
