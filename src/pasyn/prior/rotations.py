"""Rotation helpers in numpy: the continuous 6D representation, rotation vectors, interpolation.

Shapes: (..., 3, 3) rotation matrices; (..., 6) 6D vectors = the first two matrix columns, (c0, c1) stacked
(Zhou et al. 2019, "On the continuity of rotation representations"); (..., 3) rotation vectors (axis * angle,
radians).
"""
from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation


def matrix_to_6d(rotations: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 6): the first two columns."""
    rotations = np.asarray(rotations, dtype=float)
    return np.concatenate([rotations[..., :, 0], rotations[..., :, 1]], axis=-1)


def sixd_to_matrix(sixd: np.ndarray) -> np.ndarray:
    """(..., 6) -> (..., 3, 3) by Gram-Schmidt; any two non-parallel vectors give a proper rotation."""
    sixd = np.asarray(sixd, dtype=float)
    a, b = sixd[..., :3], sixd[..., 3:]
    c0 = a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-12)
    b = b - np.sum(c0 * b, axis=-1, keepdims=True) * c0
    c1 = b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-12)
    c2 = np.cross(c0, c1)
    return np.stack([c0, c1, c2], axis=-1)


def matrix_to_rotvec(rotations: np.ndarray) -> np.ndarray:
    """(..., 3, 3) proper rotations -> (..., 3). Vectorised Shepperd quaternion (pivot on the largest of the
    diagonal and the trace), then axis-angle; unlike scipy's from_matrix it does not re-orthogonalise by SVD,
    which made the plausibility filter 4x slower."""
    rotations = np.asarray(rotations, dtype=float)
    m = rotations.reshape(-1, 3, 3)
    m00, m11, m22 = m[:, 0, 0], m[:, 1, 1], m[:, 2, 2]
    trace = m00 + m11 + m22
    candidates = np.stack([
        np.stack([1 + 2 * m00 - trace, m[:, 0, 1] + m[:, 1, 0], m[:, 0, 2] + m[:, 2, 0], m[:, 2, 1] - m[:, 1, 2]], 1),
        np.stack([m[:, 0, 1] + m[:, 1, 0], 1 + 2 * m11 - trace, m[:, 1, 2] + m[:, 2, 1], m[:, 0, 2] - m[:, 2, 0]], 1),
        np.stack([m[:, 0, 2] + m[:, 2, 0], m[:, 1, 2] + m[:, 2, 1], 1 + 2 * m22 - trace, m[:, 1, 0] - m[:, 0, 1]], 1),
        np.stack([m[:, 2, 1] - m[:, 1, 2], m[:, 0, 2] - m[:, 2, 0], m[:, 1, 0] - m[:, 0, 1], 1 + trace], 1),
    ], axis=1)  # (M, 4 pivots, xyzw)
    pivot = np.argmax(np.stack([m00, m11, m22, trace], axis=1), axis=1)
    q = candidates[np.arange(len(m)), pivot]
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    q[q[:, 3] < 0] *= -1
    sin_half = np.linalg.norm(q[:, :3], axis=1)
    angle = 2 * np.arctan2(sin_half, q[:, 3])
    scale = np.where(sin_half > 1e-12, angle / np.maximum(sin_half, 1e-12), 2.0)
    return (q[:, :3] * scale[:, None]).reshape(rotations.shape[:-2] + (3,))


def rotvec_to_matrix(rotvecs: np.ndarray) -> np.ndarray:
    rotvecs = np.asarray(rotvecs, dtype=float)
    flat = rotvecs.reshape(-1, 3)
    return Rotation.from_rotvec(flat).as_matrix().reshape(rotvecs.shape[:-1] + (3, 3))


def interpolate(r0: np.ndarray, r1: np.ndarray, fraction: float) -> np.ndarray:
    """Geodesic interpolation between (..., 3, 3) rotations: r0 at 0, r1 at 1."""
    if fraction == 1.0:
        return np.asarray(r1, dtype=float)
    step = matrix_to_rotvec(np.swapaxes(r0, -1, -2) @ r1)
    return r0 @ rotvec_to_matrix(fraction * step)


def geodesic_degrees(r0: np.ndarray, r1: np.ndarray) -> np.ndarray:
    """(...) angle in degrees of the rotation taking r0 to r1."""
    cos = (np.trace(np.swapaxes(r0, -1, -2) @ r1, axis1=-2, axis2=-1) - 1.0) / 2.0
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def orthonormalise(matrices: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation-with-scale (e.g. the 3x3 part of a world transform) -> pure rotation."""
    return matrices / np.linalg.norm(matrices, axis=-2, keepdims=True)
