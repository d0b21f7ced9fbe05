"""Pose prior: a full-body VAE over a canonical quadruped skeleton, learned from animation clips of any mapped
model, with baselines, learned joint limits, a plausibility filter and measured quality."""
from pasyn.prior.baselines import BASELINES, GaussianPrior, PasynLegsPrior, ReplayPrior, UniformPrior
from pasyn.prior.checkpoint import CheckpointError
from pasyn.prior.prior import METHODS, PosePrior, fit_prior, sample_local_poses
from pasyn.prior.retarget import CanonicalPoses, CanonicalSkeleton, ModelRig, RetargetError
from pasyn.prior.vae import VAEConfig

__all__ = [
    "BASELINES", "METHODS", "CanonicalPoses", "CanonicalSkeleton", "CheckpointError", "GaussianPrior", "ModelRig",
    "PasynLegsPrior", "PosePrior", "ReplayPrior", "RetargetError", "UniformPrior", "VAEConfig", "fit_prior",
    "sample_local_poses",
]
