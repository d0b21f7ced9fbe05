"""`pasyn render`: labelled RGBA renders of one animal model with Blender Cycles."""
from __future__ import annotations

import click

from pasyn.render.config import RenderConfig, load_config


@click.command("render", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--model", required=True, help="Built-in preset (zebra, horse, ...), shared id "
              "(quaternius-farm/Zebra) or a .gltf/.glb path.")
@click.option("-n", "n", type=click.IntRange(min=1), required=True, help="Size of the dataset: indices [0, n).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder DIR.")
@click.option("--size", type=click.IntRange(16, 8192), default=None, help="Image side in pixels [256].")
@click.option("--seed", type=int, default=0, show_default=True, help="Sample i depends only on (seed, i).")
@click.option("--workers", type=click.IntRange(min=0), default=2, show_default=True,
              help="Blender processes (0: render in this process).")
@click.option("--samples", type=click.IntRange(min=1), default=None, help="Cycles samples per pixel [8].")
@click.option("--pose", default="clips", show_default=True,
              help="clips | rest | prior:PATH (a fitted pose prior) | a pasyn.prior method name (e.g. uniform).")
@click.option("--hdri-dir", type=click.Path(file_okay=False), default=None,
              help="Folder of .exr/.hdr environment maps [the studio lights inside the bpy wheel].")
@click.option("--start", type=click.IntRange(min=0), default=0, show_default=True, help="First index to render.")
@click.option("--end", type=click.IntRange(min=0), default=None, help="One past the last index to render [n].")
@click.option("--device", type=click.Choice(["cpu", "gpu"]), default="cpu", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="YAML of RenderConfig fields to override (ranges as [low, high]).")
@click.option("--save-depth", is_flag=True, help="Also write DIR/depth/<stem>.npy (float16).")
@click.option("--no-preview", is_flag=True, help="Skip DIR/preview.png.")
def cli(model, n, out, size, seed, workers, samples, pose, hdri_dir, start, end, device, config_path, save_depth,
        no_preview):
    """Render N labelled images of MODEL into OUT: RGBA PNGs, annotations.json (COCO/AP-10K), preview.png.

    Killed runs resume: rerun the same command and finished samples are kept.
    """
    from pasyn.render.pipeline import render_dataset

    try:
        cfg = load_config(config_path) if config_path else RenderConfig()
        changes = {k: v for k, v in (("size", size), ("samples", samples)) if v is not None}
        cfg = cfg.replace(**changes) if changes else cfg
        result = render_dataset(model, n, out, seed=seed, cfg=cfg, workers=workers, pose=pose, hdri_dir=hdri_dir,
                                start=start, end=end, device=device, save_depth=save_depth,
                                preview=not no_preview)
    except (ValueError, FileNotFoundError, RuntimeError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"rendered {result['rendered']}, kept {result['skipped']} finished; "
               f"{n - result['missing']}/{n} in {result['annotations']}")
