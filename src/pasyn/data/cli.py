"""`pasyn dataset merge | stats | export`."""
from __future__ import annotations

import json
from pathlib import Path

import click

from pasyn.data.coco import read_coco
from pasyn.data.dataset import Source, dataset_stats, merge_sources, stats_figure


@click.group("dataset")
def cli():
    """Merge sources into train sets, inspect them, export them for DeepLabCut and MMPose."""


@cli.command()
@click.option("--source", "sources", multiple=True, required=True,
              help="NAME=ANN.json[:IMAGE_DIR][@LIMIT]; repeat for each source (e.g. R=train_99.json:images).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output dataset folder.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the subsets that LIMIT takes.")
def merge(sources, out, seed):
    """Merge sources into one dataset folder (annotations.json + images/<source>/...)."""
    try:
        parsed = [Source.parse(s) for s in sources]
        parsed = [Source(s.name, s.ann, s.images, s.limit, seed) for s in parsed]
        merged = merge_sources(parsed, out)
    except (ValueError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"{len(merged.images)} images from {len(parsed)} sources -> {out / 'annotations.json'}")


@cli.command()
@click.argument("datasets", nargs=-1, required=True)
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Write the statistics here.")
@click.option("--figure", type=click.Path(path_type=Path), help="Write the split-viewer figure (PNG) here.")
def stats(datasets, json_out, figure):
    """Counts per species and source, visibility, box sizes, pose spread. DATASETS: [NAME=]ANN.json ..."""
    loaded = {}
    for spec in datasets:
        name, _, path = spec.rpartition("=")
        try:
            loaded[name or Path(path).stem] = read_coco(path)
        except (ValueError, FileNotFoundError) as err:
            raise click.ClickException(str(err)) from None
    result = {name: dataset_stats(ds) for name, ds in loaded.items()}
    text = json.dumps(result, indent=1)
    if json_out:
        json_out.write_text(text)
    click.echo(text)
    if figure:
        from pasyn.viz import save_png
        save_png(figure, stats_figure(loaded))
        click.echo(f"figure -> {figure}")


@cli.command()
@click.argument("ann", type=click.Path(exists=True, path_type=Path))
@click.option("--images", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder the file_names are relative to (default: the JSON's folder).")
@click.option("--format", "fmt", type=click.Choice(["deeplabcut", "mmpose"]), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option("--name", default="pasyn", show_default=True, help="DLC video name / MMPose split name.")
def export(ann, images, fmt, out, name):
    """Export a dataset for DeepLabCut (labelled-data CSV) or MMPose (AP-10K-style COCO folder)."""
    from pasyn.data.export import export_deeplabcut, export_mmpose
    try:
        ds = read_coco(ann)
        root = images or ann.parent
        path = export_deeplabcut(ds, root, out, video=name) if fmt == "deeplabcut" else \
            export_mmpose(ds, root, out, split=name)
    except (ValueError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"{fmt} export -> {path}")
