"""Baseline pose samplers for ablations, each selectable by name (see BASELINES).

- uniform: every joint's rotation vector uniform in its learned limit box, height uniform in its range (what the
  paper does for head, neck and tail, with learned instead of hand-set ranges). Ignores the temperature.
- gaussian: every joint independent, a Gaussian on its rotation vector (mean, full 3x3 covariance); the height
  Gaussian too. Temperature scales the standard deviations.
- replay: training frames drawn at random (with replacement). Ignores the temperature.
- pasyn-legs: the paper's released scheme: a VAE (512 hidden, latent 16, 0.05 KL + smooth-L1) over the legs'
  flexion angles only (rotation about the body's left axis, degrees), sampled with z ~ N(0, (2T)^2) and rejected
  outside the learned angle ranges; neck, head and tail uniform in the learned limits; spine at rest, height 0.

Shapes: N poses, K canonical joints; CanonicalPoses as in retarget.py.
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from pasyn.prior.metrics import JointLimits
from pasyn.prior.retarget import CanonicalPoses, CanonicalSkeleton
from pasyn.prior.rotations import matrix_to_6d, matrix_to_rotvec, rotvec_to_matrix, sixd_to_matrix
from pasyn.prior.vae import MLPVAE, train_vae

LEG_CHAINS = ("front_left", "front_right", "hind_left", "hind_right")
RANGE_PADDING = 0.25  # pasyn-legs: share of each learned flexion range added on both sides
REJECTION_ROUNDS = 10


class UniformPrior:
    name = "uniform"

    def __init__(self, skeleton: CanonicalSkeleton, limits: JointLimits):
        self.skeleton, self.limits = skeleton, limits

    @classmethod
    def fit(cls, skeleton, limits, poses, seed=0, threads=2):
        return cls(skeleton, limits)

    def sample(self, n: int, rng: np.random.Generator, temperature: float = 1.0) -> CanonicalPoses:
        rotvecs = rng.uniform(self.limits.low, self.limits.high, size=(n,) + self.limits.low.shape)
        height = rng.uniform(self.limits.height_low, self.limits.height_high, size=n)
        return CanonicalPoses(rotvec_to_matrix(rotvecs), height)

    def state(self) -> dict:
        return {}

    @classmethod
    def from_state(cls, state, skeleton, limits):
        return cls(skeleton, limits)


class GaussianPrior:
    name = "gaussian"

    def __init__(self, skeleton, limits, mean: np.ndarray, cov: np.ndarray, height: np.ndarray):
        self.skeleton, self.limits = skeleton, limits
        self.mean, self.cov, self.height = np.asarray(mean), np.asarray(cov), np.asarray(height)  # (K,3) (K,3,3) (2,)

    @classmethod
    def fit(cls, skeleton, limits, poses, seed=0, threads=2):
        rotvecs = matrix_to_rotvec(poses.relative)
        k = rotvecs.shape[1]
        mean, cov = np.zeros((k, 3)), np.tile(np.eye(3) * 1e-6, (k, 1, 1))
        for j in range(k):
            values = rotvecs[poses.known[:, j], j]
            if len(values) > 1:
                mean[j], cov[j] = values.mean(0), np.cov(values.T) + np.eye(3) * 1e-8
        return cls(skeleton, limits, mean, cov, np.array([poses.height.mean(), poses.height.std()]))

    def sample(self, n: int, rng: np.random.Generator, temperature: float = 1.0) -> CanonicalPoses:
        chol = np.linalg.cholesky(self.cov)  # (K, 3, 3)
        noise = rng.standard_normal((n,) + self.mean.shape) * temperature
        rotvecs = self.mean + np.einsum("kij,nkj->nki", chol, noise)
        height = self.height[0] + self.height[1] * temperature * rng.standard_normal(n)
        return CanonicalPoses(rotvec_to_matrix(rotvecs), height)

    def state(self) -> dict:
        return {"mean": self.mean, "cov": self.cov, "height": self.height}

    @classmethod
    def from_state(cls, state, skeleton, limits):
        return cls(skeleton, limits, state["mean"], state["cov"], state["height"])


class ReplayPrior:
    name = "replay"

    def __init__(self, skeleton, limits, sixd: np.ndarray, height: np.ndarray):
        self.skeleton, self.limits = skeleton, limits
        self.sixd, self.height = np.asarray(sixd, np.float32), np.asarray(height)  # (M, K, 6), (M,)

    @classmethod
    def fit(cls, skeleton, limits, poses, seed=0, threads=2):
        return cls(skeleton, limits, matrix_to_6d(poses.relative), poses.height)

    def sample(self, n: int, rng: np.random.Generator, temperature: float = 1.0) -> CanonicalPoses:
        idx = rng.integers(0, len(self.height), n)
        return CanonicalPoses(sixd_to_matrix(self.sixd[idx].astype(float)), self.height[idx].astype(float))

    def state(self) -> dict:
        return {"sixd": self.sixd, "height": self.height}

    @classmethod
    def from_state(cls, state, skeleton, limits):
        return cls(skeleton, limits, state["sixd"], state["height"])


def flexion_degrees(relative: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (...) twist angle about the canonical left (y) axis, degrees (swing-twist split)."""
    q = Rotation.from_matrix(relative.reshape(-1, 3, 3)).as_quat()  # x, y, z, w
    return np.degrees(2 * np.arctan2(q[:, 1], q[:, 3])).reshape(relative.shape[:-2])


def flexion_matrix(degrees: np.ndarray) -> np.ndarray:
    angles = np.radians(degrees)
    return rotvec_to_matrix(np.stack([np.zeros_like(angles), angles, np.zeros_like(angles)], axis=-1))


class PasynLegsPrior:
    name = "pasyn-legs"
    latent, hidden, kl_weight, z_scale = 16, 512, 0.05, 2.0

    def __init__(self, skeleton, limits, mean, std, angle_low, angle_high, net: MLPVAE | None = None):
        self.skeleton, self.limits = skeleton, limits
        self.leg_joints = np.array([j for c in LEG_CHAINS for j in skeleton.chains[c]])
        self.mean, self.std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
        self.angle_low, self.angle_high = np.asarray(angle_low), np.asarray(angle_high)
        self.net = net or MLPVAE(len(self.leg_joints), self.hidden, self.latent)
        self.net.eval()

    @classmethod
    def fit(cls, skeleton, limits, poses, seed=0, threads=2, steps=800):
        prior = cls(skeleton, limits, np.zeros(1), np.ones(1), None, None)
        angles = flexion_degrees(poses.relative[:, prior.leg_joints])
        mean, std = angles.mean(0), np.maximum(angles.std(0), 1e-3)
        low, high = angles.min(0), angles.max(0)
        pad = RANGE_PADDING * (high - low)  # loose, like the paper's hand-set ranges
        torch.manual_seed(seed)
        prior = cls(skeleton, limits, mean, std, low - pad, high + pad)
        x = torch.as_tensor((angles - mean) / std, dtype=torch.float32)

        def recon_loss(recon, idx):
            return torch.nn.functional.smooth_l1_loss(recon, x[idx], reduction="none").sum(-1)

        prior.fit_seconds = train_vae(prior.net, x, recon_loss, cls.kl_weight, steps, 128, 1e-3, seed, threads)
        return prior

    @torch.no_grad()
    def _legs(self, n: int, rng: np.random.Generator, temperature: float) -> np.ndarray:
        """Rejection outside the ranges, as the paper rejects outside hand-set ones; what is still missing after
        REJECTION_ROUNDS rounds is clipped into the ranges, so sampling always ends."""
        kept, angles = [], None
        for _ in range(REJECTION_ROUNDS):
            z = torch.as_tensor(rng.standard_normal((4 * n, self.latent)) * self.z_scale * temperature,
                                dtype=torch.float32)
            angles = self.net.decode(z).double().numpy() * self.std + self.mean
            kept.append(angles[((angles >= self.angle_low) & (angles <= self.angle_high)).all(axis=1)])
            if sum(len(k) for k in kept) >= n:
                break
        out = np.concatenate(kept + [np.clip(angles, self.angle_low, self.angle_high)])
        return out[:n]

    def sample(self, n: int, rng: np.random.Generator, temperature: float = 1.0) -> CanonicalPoses:
        k = self.skeleton.n_joints
        relative = np.tile(np.eye(3), (n, k, 1, 1))
        relative[:, self.leg_joints] = flexion_matrix(self._legs(n, rng, temperature))
        free = [j for c in ("neck", "head", "tail") for j in self.skeleton.chains[c]]
        rotvecs = rng.uniform(self.limits.low[free], self.limits.high[free], size=(n, len(free), 3))
        relative[:, free] = rotvec_to_matrix(rotvecs)
        return CanonicalPoses(relative, np.zeros(n))

    def state(self) -> dict:
        return {"mean": self.mean, "std": self.std, "angle_low": self.angle_low, "angle_high": self.angle_high,
                "net": self.net.state_dict()}

    @classmethod
    def from_state(cls, state, skeleton, limits):
        prior = cls(skeleton, limits, state["mean"], state["std"], state["angle_low"], state["angle_high"])
        prior.net.load_state_dict(state["net"])
        prior.net.eval()
        return prior


BASELINES = {cls.name: cls for cls in (UniformPrior, GaussianPrior, ReplayPrior, PasynLegsPrior)}
