"""`pasyn assets list | check | preview`: which animals exist, whether their keypoint maps are sane, and a look."""
from __future__ import annotations

from pathlib import Path

import click

from pasyn.assets.registry import list_animals, load_animal

models_root_option = click.option(
    "--models-root", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Folder of <folder>/<stem>.gltf|.glb models (default: $PASYN_MODELS, else ../shared/assets/models).")
map_option = click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                          help="Keypoint map YAML to use instead of the model's own.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """3D animal models and keypoint maps: list, check, preview."""


@cli.command("list")
@models_root_option
def list_command(models_root):
    """Print every usable model id, one per line: built-in presets, then mapped shared models."""
    for model_id in list_animals(models_root):
        click.echo(model_id)


@cli.command("check")
@click.argument("ids", nargs=-1)
@click.option("--all", "check_all", is_flag=True, help="Check every model that `list` prints.")
@click.option("--clip", default=None, help="Check the first frame of this clip instead of a standing frame.")
@models_root_option
@map_option
def check_command(ids, check_all, clip, models_root, map_path):
    """Check keypoint maps against anatomy on a standing frame; exit 1 when any model fails."""
    from pasyn.assets.check import check_animal

    ids = list(ids) + (list_animals(models_root) if check_all else [])
    if not ids:
        raise click.UsageError("give model ids or --all")
    if map_path is not None and len(ids) != 1:
        raise click.UsageError("--map needs exactly one model id")
    n_failed = 0
    for model_id in ids:
        try:
            model, kmap = load_animal(model_id, models_root, map_path)
            failures = check_animal(model, kmap, clip)
        except (ValueError, FileNotFoundError, KeyError) as err:
            click.echo(f"FAIL {model_id}: cannot load: {err}")
            n_failed += 1
            continue
        click.echo(f"{'FAIL' if failures else 'PASS'} {model_id}")
        for failure in failures:
            click.echo(f"    {failure}")
        n_failed += bool(failures)
    click.echo(f"{len(ids) - n_failed}/{len(ids)} passed")
    if n_failed:
        raise click.exceptions.Exit(1)


@cli.command("preview")
@click.argument("model_id")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PNG to write.")
@click.option("--clip", "clips", multiple=True, help="Clip to show (repeatable; 'rest' = rest pose). "
                                                       "Default: rest pose plus up to two clips.")
@click.option("--frames", default=3, show_default=True, help="Frames per clip.")
@models_root_option
@map_option
def preview_command(model_id, out, clips, frames, models_root, map_path):
    """Write a contact sheet of the model in several frames and views, keypoints drawn."""
    from pasyn.assets.preview import preview_sheet
    from pasyn.viz import save_png

    try:
        model, kmap = load_animal(model_id, models_root, map_path)
        sheet = preview_sheet(model, kmap, clips=list(clips) or None, frames_per_clip=frames)
    except (ValueError, FileNotFoundError, KeyError) as err:
        raise click.ClickException(str(err)) from None
    save_png(out, sheet)
    click.echo(f"wrote {out}")
