"""`pasyn prior fit | sample | eval | show`: fit a pose prior, draw poses, measure it, look at it."""
from __future__ import annotations

from pathlib import Path

import click
import numpy as np

MODELS_HELP = ("Which models' clips: builtin (procedural presets), shared (every mapped shared model), farm, "
               "animals, or comma-separated ids.")
models_root_option = click.option(
    "--models-root", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Folder of <folder>/<stem>.gltf|.glb models (default: $PASYN_MODELS, else ../shared/assets/models).")


def _errors_as_click(func):
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from pasyn.prior.checkpoint import CheckpointError
        try:
            return func(*args, **kwargs)
        except (ValueError, FileNotFoundError, CheckpointError, RuntimeError) as err:
            raise click.ClickException(str(err)) from None
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Pose prior: fit, sample, eval, show."""


@cli.command("fit")
@click.option("--models", default="builtin", show_default=True, help=MODELS_HELP)
@click.option("--method", default="vae", show_default=True,
              help="vae, or a baseline: uniform, gaussian, replay, pasyn-legs.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Checkpoint file to write (.pt).")
@click.option("--steps", type=int, default=None, help="VAE training steps (default from VAEConfig).")
@click.option("--seed", type=int, default=0, show_default=True)
@models_root_option
@_errors_as_click
def fit_command(models, method, out, steps, seed, models_root):
    """Fit a prior on every frame of every clip of the chosen models and save it with its config."""
    from pasyn.prior.prior import fit_prior
    from pasyn.prior.vae import VAEConfig

    config = VAEConfig(seed=seed) if steps is None else VAEConfig(seed=seed, steps=steps)
    prior = fit_prior(method, models, vae_config=config, seed=seed, models_root=models_root, progress=True)
    prior.save(out)
    click.echo(f"{method} prior on {prior.meta['frames']} frames of {prior.meta['clips']} clips "
               f"({len(prior.models)} models) in {prior.meta['fit_seconds']:.1f} s -> {out}")


@cli.command("sample")
@click.option("--prior", "prior_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("-n", "n", type=int, default=16, show_default=True)
@click.option("--temperature", type=float, default=1.0, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--model", "model_id", default=None,
              help="Also pose this model: write its (n, J, 4, 4) local joint transforms.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Output .npz.")
@click.option("--no-filter", is_flag=True, help="Keep samples that fail the plausibility filter.")
@models_root_option
@_errors_as_click
def sample_command(prior_path, n, temperature, seed, model_id, out, no_filter, models_root):
    """Draw poses: canonical rotations (n, K, 3, 3), heights (n,), points (n, P, 3) [+ model local poses]."""
    import time

    from pasyn.prior.prior import PosePrior

    prior = PosePrior.load(prior_path)
    started = time.perf_counter()
    poses = prior.sample(n, np.random.default_rng(seed), temperature, filtered=not no_filter)
    seconds = time.perf_counter() - started
    arrays = {"relative": poses.relative, "height": poses.height, "points": prior.points(poses),
              "joint_names": np.array(prior.skeleton.joint_names)}
    if model_id is not None:
        from pasyn.assets import load_animal
        from pasyn.prior.retarget import ModelRig

        model, kmap = load_animal(model_id, models_root)
        arrays["local_poses"] = ModelRig(model, kmap, prior.skeleton).local_poses(poses)
        arrays["model_joint_names"] = np.array(model.skeleton.names)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    acceptance = "" if prior.last_acceptance is None else f", filter acceptance {prior.last_acceptance:.3f}"
    click.echo(f"{n} poses in {seconds:.2f} s{acceptance} -> {out}")


@cli.command("eval")
@click.option("--models", default="shared", show_default=True, help=MODELS_HELP)
@click.option("--methods", default="vae,uniform,gaussian,replay,pasyn-legs", show_default=True)
@click.option("--holdout", type=float, default=0.2, show_default=True, help="Share of each model's clips held out.")
@click.option("--temperature", type=float, default=1.0, show_default=True)
@click.option("--vae-temperatures", default="0.5,0.8", show_default=True,
              help="Extra VAE rows at these temperatures ('' for none).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--steps", type=int, default=None, help="VAE training steps (default from VAEConfig).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--markdown", "md_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@models_root_option
@_errors_as_click
def eval_command(models, methods, holdout, temperature, vae_temperatures, seed, steps, json_path, md_path,
                 models_root):
    """Hold out whole clips; precision / recall (k=5), invalid rate, reconstruction error for every method."""
    from pasyn.data.coco import write_json_atomic
    from pasyn.prior.evaluate import evaluate, markdown_table
    from pasyn.prior.vae import VAEConfig

    extra = tuple(float(t) for t in vae_temperatures.split(",") if t.strip())
    config = VAEConfig(seed=seed) if steps is None else VAEConfig(seed=seed, steps=steps)
    result = evaluate(models, tuple(m.strip() for m in methods.split(",") if m.strip()), holdout, seed,
                      temperature=temperature, extra_temperatures=extra, vae_config=config,
                      models_root=models_root, progress=True)
    table = markdown_table(result)
    click.echo(table)
    if json_path is not None:
        write_json_atomic(json_path, result)
    if md_path is not None:
        md_path.parent.mkdir(parents=True, exist_ok=True)
        md_path.write_text(table + "\n")


@cli.command("show")
@click.option("--prior", "prior_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("-n", "n", type=int, default=12, show_default=True)
@click.option("--temperature", type=float, default=1.0, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--model", "model_ids", multiple=True,
              help="Instead of skeletons, apply the poses to these models (rendered mesh + keypoints).")
@click.option("--passing", is_flag=True,
              help="With --model: draw 4n candidates and keep the first n that pass the assets anatomy check "
                   "(pasyn assets check rules) on every model; print the pass rate.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Output PNG.")
@models_root_option
@_errors_as_click
def show_command(prior_path, n, temperature, seed, model_ids, passing, out, models_root):
    """Draw a grid of sampled poses: skeletons in side and front view, or posed models."""
    from pasyn.prior.prior import PosePrior
    from pasyn.prior.show import pose_grid, posed_model_tiles
    from pasyn.viz import contact_sheet, save_png

    prior = PosePrior.load(prior_path)
    poses = prior.sample(4 * n if passing and model_ids else n, np.random.default_rng(seed), temperature)
    title = (f"{prior.method} prior ({len(prior.models)} models), T={temperature:g}, seed {seed}: "
             f"left red, right blue, midline green")
    if not model_ids:
        image = pose_grid(prior, poses, title=title + "; side | front view")
    else:
        from pasyn.assets import load_animal

        models = [load_animal(model_id, models_root) for model_id in model_ids]
        if passing:
            from pasyn.assets.check import check_keypoints
            from pasyn.prior.retarget import ModelRig

            ok = np.ones(len(poses), dtype=bool)
            for (model, kmap), model_id in zip(models, model_ids):
                for i, world in enumerate(ModelRig(model, kmap, prior.skeleton).world_transforms(poses)):
                    vertices = model.skin(world)
                    ok[i] &= not check_keypoints(kmap.locate(model, world), model.name,
                                                 bounds=(vertices.min(0), vertices.max(0)),
                                                 ground=float(vertices[:, 2].min()))
            click.echo(f"{ok.sum()}/{len(poses)} sampled poses pass the anatomy check on all of "
                       f"{', '.join(model_ids)}")
            if not ok.any():
                raise click.ClickException("no sampled pose passes the check; lower --temperature")
            poses = poses[np.flatnonzero(ok)[:n]]
        tiles, captions = [], []
        for i in range(len(poses)):
            for (model, kmap), model_id in zip(models, model_ids):
                model_tiles, failures = posed_model_tiles(prior, model, kmap, poses[i:i + 1])
                tiles += model_tiles
                verdict = "check PASS" if not failures[0] else f"check FAIL ({len(failures[0])})"
                captions += [f"pose {i} {model_id} side | {verdict}", f"pose {i} {model_id} front"]
        image = contact_sheet(tiles, ncols=2 * len(model_ids), captions=captions, title=title)
    save_png(out, image)
    click.echo(f"{len(poses)} poses -> {out}")
