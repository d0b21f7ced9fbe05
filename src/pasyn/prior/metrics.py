"""Pose quality: joint limits learned from data, the plausibility filter, and k-NN precision / recall.

Shapes: N poses, K canonical joints, P canonical points (body lengths, x forward, y left, z up, ground z = 0).
- JointLimits: per joint a box on the rotation vector of its relative rotation (K, 3) low / high, the pelvis
  height range, and thresholds for the body rules; all learned from training frames (their extremes, widened a
  little), none hand-set.
- invalid_reasons: per pose, which rules it breaks: 'limits' (a joint or the height outside the learned box),
  'ground' (a point lower below the ground plane than any training frame goes), 'crossing' (in the body's own
  frame, a left lower leg crosses to the right of its right twin, or a lower leg point rises above where the leg
  leaves the body, further than in any training frame).
- precision_recall: the k-NN manifold estimate of Kynkaanniemi et al. 2019 on flattened point features.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pasyn.prior.retarget import CanonicalPoses, CanonicalSkeleton, global_rotations
from pasyn.prior.rotations import matrix_to_rotvec

MARGIN = 0.05  # learned ranges are widened by this share of their span on each side
SLACK = 0.02  # body lengths added to the learned ground / crossing / rise thresholds


@dataclass
class JointLimits:
    """Everything the plausibility filter tests against, all learned from training frames.

    low, high (K, 3): rotation-vector box per joint; height_low / height_high: pelvis height range;
    ground: lowest point height allowed; crossing: smallest left-minus-right lateral gap of lower leg points
    allowed; rise: largest rise of a lower leg point above its leg's root allowed (body frame, body lengths).
    """

    low: np.ndarray
    high: np.ndarray
    height_low: float
    height_high: float
    ground: float
    crossing: float
    rise: float
    trained: np.ndarray  # (K,) bool: joints seen in some training frame (others stay at rest when sampling)

    def state(self) -> dict:
        return {"low": self.low, "high": self.high, "trained": self.trained,
                "scalars": np.array([self.height_low, self.height_high, self.ground, self.crossing, self.rise])}

    @classmethod
    def from_state(cls, state: dict) -> JointLimits:
        return cls(np.asarray(state["low"], float), np.asarray(state["high"], float),
                   *(float(v) for v in np.asarray(state["scalars"], float)),
                   trained=np.asarray(state["trained"], bool))


def body_measures(skeleton: CanonicalSkeleton, poses: CanonicalPoses, points: np.ndarray) -> dict[str, np.ndarray]:
    """Per pose: lowest point height ('ground'), smallest left-minus-right lateral gap of lower leg points in the
    body frame ('crossing'; negative = crossed), largest rise of a lower leg point above its leg root ('rise')."""
    body = global_rotations(skeleton, poses.relative)[:, 0]
    local = np.einsum("nji,npj->npi", body, points - points[:, :1])  # body-frame coordinates, pelvis origin
    chains, tip_of = skeleton.chains, {c: skeleton.n_joints + i for i, c in enumerate(skeleton.chains)}
    gaps, rises = [], []
    for left, right in (("front_left", "front_right"), ("hind_left", "hind_right")):
        lower = {c: chains[c][2:] + [tip_of[c]] for c in (left, right)}
        gaps.append((local[:, lower[left], 1] - local[:, lower[right], 1]).min(axis=1))
        for chain in (left, right):
            rises.append((local[:, lower[chain], 2] - local[:, chains[chain][0], 2][:, None]).max(axis=1))
    return {"ground": points[..., 2].min(axis=1), "crossing": np.min(gaps, axis=0), "rise": np.max(rises, axis=0)}


def learn_limits(skeleton: CanonicalSkeleton, poses: CanonicalPoses, points: np.ndarray) -> JointLimits:
    """Per joint and axis the range of the rotation-vector components over the frames where the joint is known,
    the range of the height, and the extremes of the body measures, each widened (MARGIN, SLACK)."""
    rotvecs = matrix_to_rotvec(poses.relative)
    k = poses.relative.shape[1]
    low, high = np.full((k, 3), -np.radians(1.0)), np.full((k, 3), np.radians(1.0))
    for j in range(k):
        values = rotvecs[poses.known[:, j], j]
        if len(values) == 0:
            continue
        lo, hi = values.min(axis=0), values.max(axis=0)
        pad = np.maximum(MARGIN * (hi - lo), np.radians(1.0))
        low[j], high[j] = lo - pad, hi + pad
    h_lo, h_hi = poses.height.min(), poses.height.max()
    h_pad = max(MARGIN * (h_hi - h_lo), 0.01)
    measures = body_measures(skeleton, poses, points)
    return JointLimits(low, high, float(h_lo - h_pad), float(h_hi + h_pad),
                       ground=float(measures["ground"].min() - SLACK),
                       crossing=float(measures["crossing"].min() - SLACK),
                       rise=float(measures["rise"].max() + SLACK), trained=poses.known.any(axis=0))


def invalid_reasons(skeleton: CanonicalSkeleton, limits: JointLimits, poses: CanonicalPoses,
                    points: np.ndarray) -> dict[str, np.ndarray]:
    """rule -> (N,) bool: which poses break it ('limits', 'ground', 'crossing')."""
    rotvecs = matrix_to_rotvec(poses.relative)
    outside = ((rotvecs < limits.low) | (rotvecs > limits.high)).any(axis=-1) & poses.known
    beyond = outside.any(axis=1) | (poses.height < limits.height_low) | (poses.height > limits.height_high)
    measures = body_measures(skeleton, poses, points)
    return {"limits": beyond, "ground": measures["ground"] < limits.ground,
            "crossing": (measures["crossing"] < limits.crossing) | (measures["rise"] > limits.rise)}


def point_features(points: np.ndarray, point_ids: np.ndarray | None = None) -> np.ndarray:
    """(N, P, 3) canonical points -> (N, 3P') features, centred on the pelvis horizontally (height kept)."""
    centred = points - points[:, :1] * np.array([1.0, 1.0, 0.0])
    if point_ids is not None:
        centred = centred[:, point_ids]
    return centred.reshape(len(points), -1)


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def knn_radii(features: np.ndarray, k: int = 5) -> np.ndarray:
    """Distance of each row to its k-th nearest other row."""
    dist = _pairwise(features, features)
    return np.partition(dist, k, axis=1)[:, k]  # column 0 is the row itself


def coverage(queries: np.ndarray, support: np.ndarray, radii: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """(Q,) bool: is each query inside some support point's k-NN ball?"""
    inside = np.zeros(len(queries), dtype=bool)
    for start in range(0, len(queries), chunk):
        dist = _pairwise(queries[start:start + chunk], support)
        inside[start:start + chunk] = (dist <= radii[None]).any(axis=1)
    return inside


def precision_recall(real: np.ndarray, generated: np.ndarray, k: int = 5) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019): precision = share of generated samples inside the
    real manifold (union of real k-NN balls), recall = share of real samples inside the generated manifold."""
    precision = coverage(generated, real, knn_radii(real, k)).mean()
    recall = coverage(real, generated, knn_radii(generated, k)).mean()
    return float(precision), float(recall)
