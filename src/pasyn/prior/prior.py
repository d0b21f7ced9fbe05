"""PosePrior: a fitted pose sampler (the VAE or a baseline) with its learned limits and plausibility filter.

Shapes: N poses, K canonical joints, P canonical points, J model joints; CanonicalPoses as in retarget.py.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from pasyn.prior.baselines import BASELINES
from pasyn.prior.checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from pasyn.prior.frames import ModelFrames, gather, load_frames
from pasyn.prior.metrics import JointLimits, invalid_reasons, learn_limits
from pasyn.prior.retarget import CanonicalPoses, CanonicalRest, CanonicalSkeleton, ModelRig, canonical_points
from pasyn.prior.vae import PoseVAE, VAEConfig, fit_vae

METHODS = ("vae",) + tuple(BASELINES)


class PosePrior:
    """Sample canonical poses (filtered by learned plausibility), save / load, pose any mapped model."""

    def __init__(self, method: str, skeleton: CanonicalSkeleton, rest: CanonicalRest, limits: JointLimits,
                 sampler, models: list[str] | None = None, meta: dict | None = None):
        self.method, self.skeleton, self.rest, self.limits = method, skeleton, rest, limits
        self.sampler, self.models, self.meta = sampler, list(models or []), dict(meta or {})
        self.last_acceptance: float | None = None

    def __repr__(self) -> str:
        return f"PosePrior(method={self.method!r}, joints={self.skeleton.n_joints}, models={len(self.models)})"

    # ---- sampling ---------------------------------------------------------------------------------------------
    def sample_raw(self, n: int, rng: np.random.Generator | None = None, temperature: float = 1.0) -> CanonicalPoses:
        """n poses straight from the sampler, unfiltered."""
        rng = rng if rng is not None else np.random.default_rng()
        poses = self.sampler.sample(n, rng, temperature)
        poses.relative[:, ~self.limits.trained] = np.eye(3)  # no data on these joints: keep them at rest
        return poses

    def points(self, poses: CanonicalPoses) -> np.ndarray:
        """(N, P, 3) canonical points of poses on this prior's rest geometry."""
        return canonical_points(self.skeleton, self.rest, poses)

    def invalid(self, poses: CanonicalPoses) -> dict[str, np.ndarray]:
        return invalid_reasons(self.skeleton, self.limits, poses, self.points(poses))

    def is_valid(self, poses: CanonicalPoses) -> np.ndarray:
        reasons = self.invalid(poses)
        return ~np.any(list(reasons.values()), axis=0)

    def sample(self, n: int, rng: np.random.Generator | None = None, temperature: float = 1.0,
               filtered: bool = True, max_rounds: int = 20) -> CanonicalPoses:
        """n poses; with `filtered`, only poses that pass the plausibility filter (drawn in rounds until there
        are n). self.last_acceptance holds the share of draws that passed."""
        rng = rng if rng is not None else np.random.default_rng()
        if not filtered:
            self.last_acceptance = None
            return self.sample_raw(n, rng, temperature)
        kept, drawn, accepted = [], 0, 0
        batch = n
        for _ in range(max_rounds):
            poses = self.sample_raw(batch, rng, temperature)
            ok = self.is_valid(poses)
            drawn, accepted = drawn + batch, accepted + int(ok.sum())
            kept.append(poses[ok])
            if accepted >= n:
                self.last_acceptance = accepted / drawn
                return CanonicalPoses.concatenate(kept)[:n]
            rate = max(accepted / drawn, 0.01)
            batch = int(min(20 * n, (n - accepted) / rate * 1.2 + 16))
        raise RuntimeError(f"prior {self.method!r}: only {accepted} of {drawn} draws passed the plausibility filter "
                           f"in {max_rounds} rounds (temperature {temperature}); lower the temperature")

    # ---- io -----------------------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        return write_checkpoint(path, {
            "method": self.method, "skeleton": self.skeleton.to_dict(),
            "rest": {"heads": self.rest.heads, "tips": self.rest.tips}, "limits": self.limits.state(),
            "sampler": self.sampler.state(), "models": self.models, "meta": self.meta,
        })

    @classmethod
    def load(cls, path: str | os.PathLike) -> PosePrior:
        data = read_checkpoint(path)
        try:
            skeleton = CanonicalSkeleton.from_dict(data["skeleton"])
            rest = CanonicalRest(np.asarray(data["rest"]["heads"], float), np.asarray(data["rest"]["tips"], float))
            limits = JointLimits.from_state(data["limits"])
            method = data["method"]
            if method == "vae":
                sampler = PoseVAE.from_state(data["sampler"], skeleton, rest)
            elif method in BASELINES:
                sampler = BASELINES[method].from_state(data["sampler"], skeleton, limits)
            else:
                raise ValueError(f"unknown method {method!r} (known: {', '.join(METHODS)})")
        except (KeyError, ValueError, TypeError, RuntimeError) as err:
            raise CheckpointError(f"{path}: pose prior checkpoint is damaged or inconsistent: "
                                  f"{type(err).__name__}: {err}") from None
        return cls(method, skeleton, rest, limits, sampler, data.get("models"), data.get("meta"))


def fit_prior(method: str = "vae", models: str | list[str] = "builtin", *, frames: list[ModelFrames] | None = None,
              train_keys: list[tuple[str, str]] | None = None, skeleton: CanonicalSkeleton | None = None,
              vae_config: VAEConfig | None = None, seed: int = 0, models_root: str | os.PathLike | None = None,
              progress: bool = False) -> PosePrior:
    """Fit a prior on every frame of every clip of the chosen models (or of the given (model, clip) pairs).

    method: 'vae' or a baseline name; models: a selection (builtin | shared | farm | animals | ids, see
    frames.resolve_models); frames: already loaded canonical frames (then models is only recorded).
    """
    if method not in METHODS:
        raise ValueError(f"unknown prior method {method!r}; choose one of {', '.join(METHODS)}")
    skeleton = skeleton or CanonicalSkeleton()
    started = time.perf_counter()
    if frames is None:
        frames = load_frames(models, skeleton, models_root=models_root, progress=progress)
    poses = gather(frames, train_keys)
    rest = CanonicalRest.mean([mf.rest for mf in frames], skeleton)
    limits = learn_limits(skeleton, poses, canonical_points(skeleton, rest, poses))
    if method == "vae":
        config = vae_config or VAEConfig(seed=seed)
        sampler = fit_vae(poses, skeleton, rest, config, progress=progress)
    elif method == "pasyn-legs" and vae_config is not None:
        sampler = BASELINES[method].fit(skeleton, limits, poses, seed=seed, steps=vae_config.steps)
    else:
        sampler = BASELINES[method].fit(skeleton, limits, poses, seed=seed)
    meta = {"frames": len(poses), "clips": len(train_keys) if train_keys is not None else
            sum(len(mf.clips) for mf in frames), "fit_seconds": round(time.perf_counter() - started, 2),
            "seed": seed}
    return PosePrior(method, skeleton, rest, limits, sampler, [mf.model_id for mf in frames], meta)


_FITTED_BY_NAME: dict[tuple[str, str], PosePrior] = {}


def resolve_prior(prior_or_method, model=None, kmap=None) -> PosePrior:
    """A PosePrior, a checkpoint path, or a method name (then fitted once per process on the model's own clips)."""
    if isinstance(prior_or_method, PosePrior):
        return prior_or_method
    key = str(prior_or_method)
    if key in METHODS:
        if model is None:
            raise ValueError(f"prior method {key!r} given by name needs a model whose clips to fit it on")
        cache_key = (key, model.name)
        if cache_key not in _FITTED_BY_NAME:
            from pasyn.prior.frames import extract_model_frames
            frames = [extract_model_frames(model, kmap, CanonicalSkeleton())]
            _FITTED_BY_NAME[cache_key] = fit_prior(key, [model.name], frames=frames)
        return _FITTED_BY_NAME[cache_key]
    if Path(key).suffix or Path(key).exists():
        return PosePrior.load(key)
    raise ValueError(f"not a prior: {key!r} is neither a method ({', '.join(METHODS)}) nor a checkpoint file")


def sample_local_poses(prior_or_method, model, kmap, n: int, rng: np.random.Generator | None = None,
                       temperature: float = 1.0) -> np.ndarray:
    """(n, J, 4, 4) local joint transforms of `model` in n plausible poses drawn from the prior.

    prior_or_method: a PosePrior, a checkpoint path, or a method name ('vae', 'uniform', 'gaussian', 'replay',
    'pasyn-legs'; by name the method is fitted on the model's own clips, once per process).
    """
    prior = resolve_prior(prior_or_method, model, kmap)
    rig = ModelRig(model, kmap, prior.skeleton)
    return rig.local_poses(prior.sample(n, rng, temperature))
