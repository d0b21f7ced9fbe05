"""The full-body pose VAE (PyTorch): an MLP VAE over all canonical joints in the 6D rotation representation.

Shapes: N poses, K canonical joints, P canonical points, F = 6K + 1 features (6D of every relative joint
rotation, then the pelvis height), Z latent size.
Loss per pose: sum over known joints of ||R - R_true||_F^2 + ||points - points_true||^2 (forward kinematics on
the canonical rest geometry, body lengths) + height error^2, plus kl_weight x KL(q(z|x) || N(0, I)).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from pasyn.prior.retarget import CanonicalPoses, CanonicalRest, CanonicalSkeleton, canonical_points
from pasyn.prior.rotations import matrix_to_6d


@dataclass
class VAEConfig:
    latent: int = 32
    hidden: int = 256
    kl_weight: float = 0.02
    points_weight: float = 4.0
    steps: int = 1500
    batch: int = 256
    lr: float = 1e-3
    seed: int = 0
    threads: int = 2

    @classmethod
    def from_dict(cls, data: dict) -> VAEConfig:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown VAE settings: {', '.join(sorted(unknown))}")
        return cls(**data)

    def to_dict(self) -> dict:
        return asdict(self)


class MLPVAE(nn.Module):
    """x (N, F) normalised features -> (reconstruction (N, F), mu (N, Z), logvar (N, Z))."""

    def __init__(self, n_features: int, hidden: int = 512, latent: int = 32):
        super().__init__()
        self.n_features, self.hidden, self.latent = n_features, hidden, latent
        self.encoder = nn.Sequential(nn.Linear(n_features, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden),
                                     nn.LeakyReLU(0.2), nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden),
                                     nn.LeakyReLU(0.2), nn.Linear(hidden, n_features))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar.clamp(-12.0, 6.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar


def sixd_to_matrix_torch(sixd: torch.Tensor) -> torch.Tensor:
    """(..., 6) -> (..., 3, 3) by Gram-Schmidt, as rotations.sixd_to_matrix."""
    a, b = sixd[..., :3], sixd[..., 3:]
    c0 = a / a.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    b = b - (c0 * b).sum(-1, keepdim=True) * c0
    c1 = b / b.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    return torch.stack([c0, c1, torch.cross(c0, c1, dim=-1)], dim=-1)


def _depth_levels(skeleton: CanonicalSkeleton) -> list[np.ndarray]:
    """Canonical joints grouped by depth below the pelvis, so forward kinematics runs one level at a time."""
    depth = np.zeros(skeleton.n_joints, dtype=int)
    for k, p in enumerate(skeleton.parents):
        depth[k] = 0 if p < 0 else depth[p] + 1
    return [np.flatnonzero(depth == d) for d in range(depth.max() + 1)]


def points_torch(skeleton: CanonicalSkeleton, rest: CanonicalRest, relative: torch.Tensor,
                 height: torch.Tensor) -> torch.Tensor:
    """Torch twin of retarget.canonical_points: (N, K, 3, 3), (N,) -> (N, P, 3)."""
    heads = torch.as_tensor(rest.heads, dtype=relative.dtype)
    tips = torch.as_tensor(rest.tips, dtype=relative.dtype)
    parents = skeleton.parents
    n, k_joints = relative.shape[:2]
    deltas = relative.new_zeros(n, k_joints, 3, 3)
    points = relative.new_zeros(n, k_joints, 3)
    for level in _depth_levels(skeleton):
        if parents[level[0]] < 0:
            deltas[:, level] = relative[:, level]
            points[:, level] = heads[level] + (height[:, None] * heads[level, 2])[..., None] \
                * torch.tensor([0.0, 0.0, 1.0])
            continue
        up = parents[level]
        deltas[:, level] = deltas[:, up] @ relative[:, level]
        points[:, level] = points[:, up] + (deltas[:, up] @ (heads[level] - heads[up])[..., None])[..., 0]
    last = [joints[-1] for joints in skeleton.chains.values()]
    tip_points = points[:, last] + (deltas[:, last] @ (tips - heads[last])[..., None])[..., 0]
    return torch.cat([points, tip_points], dim=1)


def pose_features(poses: CanonicalPoses) -> np.ndarray:
    """CanonicalPoses -> (N, 6K + 1) features."""
    return np.concatenate([matrix_to_6d(poses.relative).reshape(len(poses), -1), poses.height[:, None]], axis=1)


class PoseVAE:
    """The fitted full-body VAE with its feature normalisation; decodes to CanonicalPoses."""

    def __init__(self, skeleton: CanonicalSkeleton, rest: CanonicalRest, config: VAEConfig,
                 mean: np.ndarray, std: np.ndarray, net: MLPVAE | None = None):
        self.skeleton, self.rest, self.config = skeleton, rest, config
        self.mean, self.std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
        self.net = net or MLPVAE(len(self.mean), config.hidden, config.latent)
        self.net.eval()

    def _decode_features(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.net.decode(z) * torch.as_tensor(self.std) + torch.as_tensor(self.mean)
        k = self.skeleton.n_joints
        return sixd_to_matrix_torch(x[:, :6 * k].reshape(-1, k, 6)), x[:, 6 * k]

    @torch.no_grad()
    def sample(self, n: int, rng: np.random.Generator, temperature: float = 1.0) -> CanonicalPoses:
        z = torch.as_tensor(rng.standard_normal((n, self.config.latent)) * temperature, dtype=torch.float32)
        relative, height = self._decode_features(z)
        return CanonicalPoses(relative.double().numpy(), height.double().numpy())

    @torch.no_grad()
    def reconstruct(self, poses: CanonicalPoses) -> CanonicalPoses:
        """Encode to the posterior mean and decode."""
        x = torch.as_tensor((pose_features(poses) - self.mean) / self.std, dtype=torch.float32)
        relative, height = self._decode_features(self.net.encode(x)[0])
        return CanonicalPoses(relative.double().numpy(), height.double().numpy())

    def state(self) -> dict:
        return {"config": self.config.to_dict(), "mean": torch.as_tensor(self.mean),
                "std": torch.as_tensor(self.std), "net": self.net.state_dict()}

    @classmethod
    def from_state(cls, state: dict, skeleton: CanonicalSkeleton, rest: CanonicalRest) -> PoseVAE:
        config = VAEConfig.from_dict(state["config"])
        vae = cls(skeleton, rest, config, np.asarray(state["mean"]), np.asarray(state["std"]))
        vae.net.load_state_dict(state["net"])
        vae.net.eval()
        return vae


def train_vae(net: MLPVAE, x: torch.Tensor, recon_loss, kl_weight: float, steps: int, batch: int, lr: float,
              seed: int, threads: int, progress: bool = False, desc: str = "fit VAE") -> float:
    """Adam with a one-cycle schedule on random batches of x (N, F). recon_loss(reconstruction, batch indices)
    -> (B,) per-pose loss. Returns the seconds it took."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=steps, pct_start=0.1)
    iterator = range(steps)
    if progress:
        from tqdm import tqdm
        iterator = tqdm(iterator, desc=desc, unit="step", mininterval=1.0)
    started = time.perf_counter()
    net.train()
    for _ in iterator:
        idx = torch.as_tensor(rng.integers(0, len(x), batch))
        recon, mu, logvar = net(x[idx])
        kl = -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(-1)
        loss = (recon_loss(recon, idx) + kl_weight * kl).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    net.eval()
    return time.perf_counter() - started


def fit_vae(poses: CanonicalPoses, skeleton: CanonicalSkeleton, rest: CanonicalRest,
            config: VAEConfig | None = None, progress: bool = False) -> PoseVAE:
    """Train on all given frames (CPU, config.threads threads)."""
    config = config or VAEConfig()
    features = pose_features(poses)
    mean = features.mean(axis=0)
    std = np.maximum(features.std(axis=0), 1e-3)
    torch.manual_seed(config.seed)  # the initial weights too
    vae = PoseVAE(skeleton, rest, config, mean, std)
    x_all = torch.as_tensor((features - mean) / std, dtype=torch.float32)
    rot_all = torch.as_tensor(poses.relative, dtype=torch.float32)
    height_all = torch.as_tensor(poses.height, dtype=torch.float32)
    known_all = torch.as_tensor(poses.known, dtype=torch.float32)
    points_all = torch.as_tensor(canonical_points(skeleton, rest, poses), dtype=torch.float32)
    point_known = torch.cat([known_all, known_all[:, [j[-1] for j in skeleton.chains.values()]]], dim=1)
    mean_t, std_t = torch.as_tensor(mean, dtype=torch.float32), torch.as_tensor(std, dtype=torch.float32)
    k = skeleton.n_joints

    def recon_loss(recon: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        x = recon * std_t + mean_t
        relative = sixd_to_matrix_torch(x[:, :6 * k].reshape(-1, k, 6))
        height = x[:, 6 * k]
        rot_err = ((relative - rot_all[idx]) ** 2).sum(dim=(-1, -2)) * known_all[idx]
        pts = points_torch(skeleton, rest, relative, height)
        pt_err = ((pts - points_all[idx]) ** 2).sum(-1) * point_known[idx]
        return rot_err.sum(-1) + config.points_weight * pt_err.sum(-1) + (height - height_all[idx]) ** 2

    vae.fit_seconds = train_vae(vae.net, x_all, recon_loss, config.kl_weight, config.steps, config.batch,
                                config.lr, config.seed, config.threads, progress)
    return vae
