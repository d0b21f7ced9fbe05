"""Measure the pose prior: held-out-clip quality of the VAE and every baseline, fit and sampling times.

    OMP_WAIT_POLICY=PASSIVE nice -n 10 .venv/bin/python bench/prior_eval.py \
        --json bench/results/prior.json --markdown bench/results/prior.md

1. `pasyn prior eval --models shared` (the same function): precision / recall (k=5), invalid rates, recon error.
2. Fit time of the VAE on every clip of all shared models (frames from the cache, as a second fit sees them)
   and the time to draw 10,000 filtered poses from it.
3. The retargeting round trip per shared model (keypoint error, body lengths, clip -> canonical -> model).
The markdown fragment records the command, the machine, the date and the load average during the run.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import time
from pathlib import Path

import numpy as np

from pasyn.assets import registry
from pasyn.prior.evaluate import evaluate, markdown_table
from pasyn.prior.frames import resolve_models
from pasyn.prior.prior import fit_prior
from pasyn.prior.retarget import ModelRig, clip_world_transforms

COMMAND = ("OMP_WAIT_POLICY=PASSIVE nice -n 10 .venv/bin/python bench/prior_eval.py "
           "--json bench/results/prior.json --markdown bench/results/prior.md")


def round_trip_errors(models_root) -> dict[str, float]:
    """Mean keypoint distance (body lengths) after clip -> canonical -> same model, horizontal root motion removed,
    over every third frame of every clip."""
    errors = {}
    for model_id in resolve_models("builtin,shared", models_root):
        model, kmap = registry.load_animal(model_id, models_root)
        rig = ModelRig(model, kmap)
        per_clip = []
        for clip in model.clips:
            world = clip_world_transforms(model, clip)[::3]
            back = rig.world_transforms(rig.extract(world))
            shift = world[:, rig.pelvis, :3, 3] - back[:, rig.pelvis, :3, 3]
            shift[:, 2] = 0.0
            a = np.stack([kmap.locate(model, w) for w in world])
            b = np.stack([kmap.locate(model, w) for w in back]) + shift[:, None]
            per_clip.append(np.linalg.norm(a - b, axis=-1).mean() / rig.body_length)
        errors[model_id] = float(np.mean(per_clip))
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--markdown", type=Path, default=None)
    parser.add_argument("--models-root", type=Path, default=None)
    args = parser.parse_args()
    loads = [os.getloadavg()[0]]

    result = evaluate("shared", extra_temperatures=(0.5, 0.8), models_root=args.models_root, progress=True)
    loads.append(os.getloadavg()[0])

    started = time.perf_counter()
    prior = fit_prior("vae", "shared", models_root=args.models_root, progress=True)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    prior.sample(10_000, np.random.default_rng(0))
    sample_seconds = time.perf_counter() - started
    loads.append(os.getloadavg()[0])
    round_trip = round_trip_errors(args.models_root)
    loads.append(os.getloadavg()[0])

    result["timing"] = {"fit_all_shared_seconds": round(fit_seconds, 1), "frames": prior.meta["frames"],
                        "sample_10k_seconds": round(sample_seconds, 2),
                        "acceptance": prior.last_acceptance, "load_average": [round(x, 1) for x in loads]}
    result["round_trip_body_lengths"] = round_trip
    table = markdown_table(result)
    vae, uniform, gaussian = (result["methods"][m] for m in ("vae", "uniform", "gaussian"))
    verdict = (vae["recall"] >= 0.5 and vae["precision"] > uniform["precision"]
               and vae["precision"] > gaussian["precision"])
    trips = ", ".join(f"{m} {e:.3f}" for m, e in round_trip.items())
    text = f"""## Pose prior (prior)

What: a full-body VAE over {prior.skeleton.n_joints} canonical joints (6D rotations + pelvis height), fitted on
every frame of every clip; baselines `uniform` (learned limits), `gaussian` (independent per joint), `replay`
(clip frames), `pasyn-legs` (the paper's legs-flexion-only VAE, neck/head/tail uniform). `pasyn prior eval
--models shared` holds out whole clips (20% per model, seed 0) and compares 10,000 filtered samples (first as
many as held-out frames) with the held-out frames: precision / recall by the k-NN manifold estimate
(Kynkaanniemi et al. 2019, k = 5) on normalised canonical joint positions; invalid = share of *raw* samples
that break a learned rule (joint limits, ground, crossed or raised legs); acceptance = share of draws the
filter keeps; recon = VAE reconstruction error of held-out frames (mean joint angle).

The same table alone: `pasyn prior eval --models shared --json FILE --markdown FILE`.
Command: `{COMMAND}`
Machine: 2-core x86_64 CPU, 24 GiB, no GPU, shared with other jobs (load average during the run:
{', '.join(f'{x:.1f}' for x in loads)}). Date: {datetime.date.today().isoformat()}.

{table}

VAE precision above `uniform` and `gaussian` with recall >= 0.5: {'yes' if verdict else 'NO'}.

Fit on every clip of all {len(prior.models)} shared models ({prior.meta['frames']} frames, canonical frames from
the cache): {fit_seconds:.1f} s (VAE {prior.sampler.fit_seconds:.1f} s of it, torch on 2 threads). 10,000
filtered samples: {sample_seconds:.2f} s (acceptance {prior.last_acceptance:.3f}).

Retargeting round trip (clip -> canonical -> same model), mean keypoint error in body lengths: {trips}.
"""
    print(text)
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
