"""A Blender perspective camera in pure numpy: projection to pixels, its inverse, look-at placement.

Conventions (Blender's): the camera looks down its local -Z axis with +Y up and +X right; `matrix_world` (4, 4)
maps camera to world coordinates. The sensor's `sensor_fit` dimension spans `sensor_mm`; AUTO fits the larger
image side. Lens shift moves the frame by a share of the larger image side. Pixels: x right, y down, continuous,
pixel (i, j) covers [i, i+1) x [j, j+1) so its centre is at +0.5 (Blender's `world_to_camera_view` (0..1, y up)
maps to x = u * width, y = (1 - v) * height).
N points: (N, 3) world, (N, 2) pixels, (N,) depths = distance along the viewing axis (Cycles' Depth pass).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    matrix_world: np.ndarray  # (4, 4) camera -> world, rigid
    focal_mm: float
    sensor_mm: float
    width: int
    height: int
    shift_x: float = 0.0
    shift_y: float = 0.0
    sensor_fit: str = "AUTO"  # AUTO | HORIZONTAL | VERTICAL

    def __post_init__(self):
        if self.sensor_fit not in ("AUTO", "HORIZONTAL", "VERTICAL"):
            raise ValueError(f"sensor_fit must be AUTO, HORIZONTAL or VERTICAL, got {self.sensor_fit!r}")

    @property
    def _fit_pixels(self) -> int:
        """Pixels spanned by the sensor's fitted side."""
        if self.sensor_fit == "HORIZONTAL":
            return self.width
        if self.sensor_fit == "VERTICAL":
            return self.height
        return max(self.width, self.height)

    @property
    def focal_px(self) -> float:
        return self.focal_mm / self.sensor_mm * self._fit_pixels

    @property
    def principal_point(self) -> tuple[float, float]:
        shift_px = self._fit_pixels  # Blender measures shift in units of the fitted side
        return self.width / 2 - self.shift_x * shift_px, self.height / 2 + self.shift_y * shift_px

    def intrinsics(self) -> np.ndarray:
        """(3, 3) K for OpenCV camera axes (x right, y down, z forward) and continuous pixels."""
        cx, cy = self.principal_point
        return np.array([[self.focal_px, 0.0, cx], [0.0, self.focal_px, cy], [0.0, 0.0, 1.0]])

    @property
    def position(self) -> np.ndarray:
        return self.matrix_world[:3, 3].copy()

    @property
    def forward(self) -> np.ndarray:
        """Unit viewing direction in world space."""
        return -self.matrix_world[:3, 2] / np.linalg.norm(self.matrix_world[:3, 2])

    def world_to_camera(self, points: np.ndarray) -> np.ndarray:
        """(N, 3) world -> (N, 3) Blender camera coordinates (looking down -Z)."""
        inv = np.linalg.inv(self.matrix_world)
        return np.asarray(points, float) @ inv[:3, :3].T + inv[:3, 3]

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 3) world -> (N, 2) pixels and (N,) depth along the viewing axis (<= 0 means behind the camera)."""
        cam = self.world_to_camera(points)
        depth = -cam[:, 2]
        safe = np.where(np.abs(depth) < 1e-12, 1e-12, depth)
        cx, cy = self.principal_point
        f = self.focal_px
        return np.stack([cx + f * cam[:, 0] / safe, cy - f * cam[:, 1] / safe], axis=1), depth

    def unproject(self, pixels: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """(N, 2) pixels and (N,) depths along the viewing axis -> (N, 3) world points (inverse of project)."""
        pixels, depth = np.asarray(pixels, float).reshape(-1, 2), np.asarray(depth, float).reshape(-1)
        cx, cy = self.principal_point
        f = self.focal_px
        cam = np.stack([(pixels[:, 0] - cx) / f * depth, -(pixels[:, 1] - cy) / f * depth, -depth], axis=1)
        return cam @ self.matrix_world[:3, :3].T + self.matrix_world[:3, 3]

    def pixel_footprint(self, depth: np.ndarray | float) -> np.ndarray | float:
        """World size of one pixel at a depth."""
        return np.asarray(depth) / self.focal_px

    def to_dict(self) -> dict:
        return {"matrix_world": np.round(self.matrix_world, 9).tolist(), "focal_mm": self.focal_mm,
                "sensor_mm": self.sensor_mm, "width": self.width, "height": self.height,
                "shift_x": self.shift_x, "shift_y": self.shift_y, "sensor_fit": self.sensor_fit}


def look_at(position: np.ndarray, target: np.ndarray, roll_deg: float = 0.0, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """(4, 4) camera -> world matrix of a Blender camera at position looking at target, rolled about its axis."""
    position, target = np.asarray(position, float), np.asarray(target, float)
    back = position - target  # the camera's +Z points away from what it looks at
    norm = np.linalg.norm(back)
    if norm < 1e-12:
        raise ValueError("look_at: camera position equals the target")
    back /= norm
    right = np.cross(np.asarray(up, float), back)
    if np.linalg.norm(right) < 1e-9:  # looking straight up or down: any horizontal right vector will do
        right = np.cross((0.0, 1.0, 0.0), back)
    right /= np.linalg.norm(right)
    cam_up = np.cross(back, right)
    roll = np.deg2rad(roll_deg)
    right, cam_up = np.cos(roll) * right + np.sin(roll) * cam_up, -np.sin(roll) * right + np.cos(roll) * cam_up
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, cam_up, back, position
    return m
