"""`pasyn prior eval`: hold out whole clips, fit every method on the rest, measure each against the held-out frames.

Per method: precision and recall (k-NN manifold, Kynkaanniemi et al. 2019) of filtered samples against held-out
frames in normalised canonical joint positions (body lengths, pelvis-centred on the ground plane; points of
chains that some held-out model lacks, e.g. a tail, are left out), the invalid rate of raw samples per rule,
the filter's acceptance rate, the VAE's reconstruction error (degrees, mean over known joints of held-out
frames), fit time and the time to draw 10,000 filtered poses.
"""
from __future__ import annotations

import os
import platform
import time

import numpy as np

from pasyn.prior.frames import gather, load_frames, split_clips
from pasyn.prior.metrics import point_features, precision_recall
from pasyn.prior.prior import METHODS, PosePrior, fit_prior
from pasyn.prior.retarget import CanonicalSkeleton
from pasyn.prior.rotations import geodesic_degrees
from pasyn.prior.vae import VAEConfig


def _invalid_summary(prior: PosePrior, poses) -> dict:
    reasons = prior.invalid(poses)
    any_bad = np.any(list(reasons.values()), axis=0)
    return {"invalid_rate": float(any_bad.mean()), **{f"invalid_{k}": float(v.mean()) for k, v in reasons.items()}}


def evaluate(models: str | list[str] = "shared", methods: tuple[str, ...] = METHODS, holdout: float = 0.2,
             seed: int = 0, k: int = 5, temperature: float = 1.0, extra_temperatures: tuple[float, ...] = (),
             max_real: int = 3000, vae_config: VAEConfig | None = None,
             models_root: str | os.PathLike | None = None, progress: bool = False) -> dict:
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown methods {unknown}; known: {', '.join(METHODS)}")
    skeleton = CanonicalSkeleton()
    frames = load_frames(models, skeleton, models_root=models_root, progress=progress)
    train_keys, test_keys = split_clips(frames, holdout, seed)
    if not test_keys:
        raise ValueError("no clip held out: every model needs at least two clips for `prior eval`")
    real = gather(frames, test_keys)
    rng = np.random.default_rng(seed)
    if len(real) > max_real:
        real = real[np.sort(rng.choice(len(real), max_real, replace=False))]
    known = real.known.all(axis=0)
    chain_known = [bool(known[j[-1]]) for j in skeleton.chains.values()]
    point_ids = np.flatnonzero(np.concatenate([known, chain_known]))

    results: dict[str, dict] = {}
    reference = None
    runs = [(m, temperature) for m in methods] + [("vae", t) for t in extra_temperatures if "vae" in methods]
    fitted: dict[str, PosePrior] = {}
    for method, temp in runs:
        label = method if temp == temperature else f"{method}@T={temp:g}"
        if method not in fitted:
            fitted[method] = fit_prior(method, models, frames=frames, train_keys=train_keys, skeleton=skeleton,
                                       vae_config=vae_config, seed=seed, progress=progress)
        prior = fitted[method]
        if reference is None:
            reference = prior
            real_features = point_features(prior.points(real), point_ids)
        sample_rng = np.random.default_rng([seed, 1])
        started = time.perf_counter()
        ten_thousand = prior.sample(10_000, sample_rng, temp)
        sample_seconds = time.perf_counter() - started
        acceptance = prior.last_acceptance
        samples = ten_thousand[:len(real)]
        precision, recall = precision_recall(real_features, point_features(prior.points(samples), point_ids), k)
        raw = prior.sample_raw(len(real), np.random.default_rng([seed, 2]), temp)
        entry = {"precision": precision, "recall": recall, **_invalid_summary(prior, raw),
                 "acceptance": acceptance, "temperature": temp, "fit_seconds": prior.meta["fit_seconds"],
                 "sample_10k_seconds": round(sample_seconds, 3), "recon_degrees": None}
        if method == "vae":
            recon = prior.sampler.reconstruct(real)
            angles = geodesic_degrees(recon.relative, real.relative)
            entry["recon_degrees"] = float(angles[real.known].mean())
        results[label] = entry
    held_out = _invalid_summary(reference, real)
    return {
        "models": [mf.model_id for mf in frames], "holdout": holdout, "seed": seed, "k": k,
        "train_clips": len(train_keys), "test_clips": len(test_keys),
        "train_frames": len(gather(frames, train_keys)),
        "test_frames": len(real), "feature_points": int(len(point_ids)),
        "heldout_invalid_rate": held_out["invalid_rate"],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "methods": results,
    }


def markdown_table(result: dict) -> str:
    def fmt(value, digits=3):
        return "-" if value is None else f"{value:.{digits}f}"

    header = ("| method | precision | recall | invalid (all / limits / ground / crossing) | acceptance | "
              "recon (deg) | fit (s) | 10k samples (s) |")
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for name, m in result["methods"].items():
        invalid = " / ".join(fmt(m[k]) for k in ("invalid_rate", "invalid_limits", "invalid_ground",
                                                    "invalid_crossing"))
        lines.append(f"| {name} | {fmt(m['precision'])} | {fmt(m['recall'])} | {invalid} | {fmt(m['acceptance'])} | "
                     f"{fmt(m['recon_degrees'], 1)} | {fmt(m['fit_seconds'], 1)} | {fmt(m['sample_10k_seconds'], 2)} |")
    lines.append("")
    lines.append(f"Held out {result['test_clips']} whole clips ({result['test_frames']} frames used) of "
                 f"{len(result['models'])} models; trained on {result['train_clips']} clips "
                 f"({result['train_frames']} frames). k = {result['k']}; features: {result['feature_points']} "
                 f"canonical points. Held-out frames flagged invalid by the filter: "
                 f"{result['heldout_invalid_rate']:.3f}.")
    return "\n".join(lines)
