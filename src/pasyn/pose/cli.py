"""`pasyn pose train | eval | predict`: thin commands over pasyn.pose and pasyn.eval."""
from __future__ import annotations

from pathlib import Path

import click
import yaml

SOURCE_HELP = "ANN.json:IMAGE_DIR[:RATIO]; repeat to mix sources (ratios are relative sampling weights)."


def _parse_sets(items: tuple[str, ...]) -> dict:
    changes = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: expected KEY=VALUE", param_hint="--set")
        parsed = yaml.safe_load(value)
        changes[key.strip()] = tuple(parsed) if isinstance(parsed, list) else parsed
    return changes


def _source(spec: str):
    from pasyn.pose.data import Source

    try:
        return Source.parse(spec)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None


@click.group()
def cli():
    """Top-down heatmap pose models: train, evaluate, predict."""


@cli.command()
@click.option("--preset", "preset_name", default="cpu", show_default=True, help="cpu or paper.")
@click.option("--source", "sources", multiple=True, required=True, help=SOURCE_HELP)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Run folder.")
@click.option("--val", default=None, help="ANN.json:IMAGE_DIR evaluated at the end (PCK table printed).")
@click.option("--pretrained", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Local timm ImageNet weights (.safetensors/.pth) for the backbone; from scratch otherwise.")
@click.option("--init", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Start from another run's model.pt (e.g. pretrained on synthetic data) and fine-tune.")
@click.option("--set", "sets", multiple=True, help="Change a preset field, e.g. --set num_samples=8000 "
              "--set backbone=resnet18 --set aug.rotation_deg=20.")
@click.option("--seed", type=int, default=None, help="Overrides the preset's seed.")
@click.option("--no-resume", is_flag=True, help="Start over even if OUT has a checkpoint.")
@click.option("--max-steps", type=int, default=None, help="Stop after this many steps (resume later).")
@click.option("--device", default="auto", show_default=True, help="auto (GPU when present), cpu, cuda, ...")
def train(preset_name, sources, out, val, pretrained, init, sets, seed, no_resume, max_steps, device):
    """Train a model; resumes from OUT/checkpoint.pt when present."""
    from pasyn.pose.presets import preset
    from pasyn.pose.train import train as run_training

    changes = _parse_sets(sets)
    if seed is not None:
        changes["seed"] = seed
    try:
        config = preset(preset_name, **changes)
        result = run_training(config, [_source(s) for s in sources], out, val=_source(val) if val else None,
                              pretrained=pretrained, init=init, resume=not no_resume, max_steps=max_steps,
                              device=device)
    except (ValueError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from None
    if result["steps"] < config.steps:
        click.echo(f"stopped at step {result['steps']} of {config.steps}; the same command resumes from "
                   f"{out / 'checkpoint.pt'}")
        return
    click.echo(f"{result['steps']} steps, final loss {result['loss']:.3e}; model in {out / 'model.pt'}")
    if result["val"] is not None:
        from pasyn.eval import format_table

        click.echo(format_table(result["val"], with_ap=True))


@cli.command("eval")
@click.option("--ann", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Ground truth COCO file.")
@click.option("--predictions", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="COCO keypoint results file to score.")
@click.option("--checkpoint", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Trained model (OUT/model.pt) to run on --images with the ground-truth boxes.")
@click.option("--images", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Image folder of --ann (with --checkpoint).")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the metrics here (PCK in percent).")
@click.option("--save-predictions", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --checkpoint: also write the predictions.")
@click.option("--thr", type=float, default=0.05, show_default=True, help="PCK threshold (x longer bbox side).")
@click.option("--no-flip", is_flag=True, help="With --checkpoint: switch the flip test off.")
@click.option("--device", default="auto", show_default=True, help="auto (GPU when present), cpu, cuda, ...")
def eval_cmd(ann, predictions, checkpoint, images, json_out, save_predictions, thr, no_flip, device):
    """Score predictions (or a checkpoint) against ground truth; prints the paper-format PCK table."""
    from pasyn.data.coco import read_coco, write_json_atomic
    from pasyn.eval import evaluate, format_table, load_predictions

    if (predictions is None) == (checkpoint is None):
        raise click.UsageError("give exactly one of --predictions or --checkpoint")
    if checkpoint is not None and images is None:
        raise click.UsageError("--checkpoint needs --images")
    try:
        gt = read_coco(ann)
        if checkpoint is not None:
            from pasyn.pose.predict import load_model, predict_dataset

            model, config = load_model(checkpoint, device)
            preds = predict_dataset(model, config, gt, images, flip_test=False if no_flip else None)
            if save_predictions is not None:
                write_json_atomic(save_predictions, preds)
        else:
            preds = load_predictions(predictions, gt)
        results = evaluate(preds, gt, thr=thr)
    except (ValueError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from None
    if json_out is not None:
        write_json_atomic(json_out, results, indent=2)
    click.echo(format_table(results, with_ap=True))


@cli.command()
@click.option("--checkpoint", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--ann", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="COCO file whose annotation boxes say where the animals are.")
@click.option("--images", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Results JSON.")
@click.option("--sheet", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw a contact sheet of predictions (PNG).")
@click.option("--no-flip", is_flag=True, help="Switch the flip test off.")
@click.option("--device", default="auto", show_default=True, help="auto (GPU when present), cpu, cuda, ...")
def predict(checkpoint, ann, images, out, sheet, no_flip, device):
    """Predict keypoints in the boxes of a COCO file; writes COCO keypoint results."""
    from pasyn.data.coco import read_coco, write_json_atomic
    from pasyn.pose.predict import load_model, predict_dataset

    try:
        gt = read_coco(ann)
        model, config = load_model(checkpoint, device)
        preds = predict_dataset(model, config, gt, images, flip_test=False if no_flip else None)
    except (ValueError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from None
    write_json_atomic(out, preds)
    click.echo(f"{len(preds)} predictions -> {out}")
    if sheet is not None:
        from pasyn.eval import prediction_sheet
        from pasyn.viz import save_png

        save_png(sheet, prediction_sheet(preds, gt, images))
        click.echo(f"sheet -> {sheet}")
