"""`pasyn stylize`: composite rendered animals onto background photos and write the final dataset."""
from __future__ import annotations

import logging

import click

from pasyn.stylize.methods import METHODS
from pasyn.stylize.touches import TOUCHES


class _EchoHandler(logging.Handler):
    """Stage messages (skipped photos, resuming) to the terminal through click, so they show with the output."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


def _pair(text: str, name: str, cast=float) -> tuple:
    try:
        low, high = (cast(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"expected LOW,HIGH (e.g. 0.8,1.0), got {text!r}", param_hint=name) from None
    return low, high


def _size(text: str) -> tuple[int, int]:
    try:
        parts = [int(v) for v in text.lower().split("x")]
    except ValueError:
        parts = []
    if len(parts) not in (1, 2):
        raise click.BadParameter(f"expected N or WxH (e.g. 256 or 320x256), got {text!r}", param_hint="--size")
    return (parts[0], parts[-1])


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--renders", required=True, type=click.Path(file_okay=False),
              help="Rendered set (annotations.json + RGBA PNGs).")
@click.option("--backgrounds", required=True, type=click.Path(),
              help="Folder of background photos (searched recursively).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder (resumes if it exists).")
@click.option("--method", type=click.Choice(METHODS), default="color", show_default=True)
@click.option("--preset", type=click.Choice(["default", "paper"]), default="default", show_default=True,
              help="paper: 300x300 output, scale U(0.8, 1.0), as in PASyn. Options given explicitly win.")
@click.option("--size", default=None, help="Output size N or WxH. [default: 256, paper: 300]")
@click.option("--scale-range", default=None,
              help="LOW,HIGH animal scale (1 = render frame fits the output). [default: 0.6,1.0; paper: 0.8,1.0]")
@click.option("--strength", type=float, default=None, help="Share of the restyled look, 0..1. [default: 0.5]")
@click.option("--touches/--no-touches", "all_touches", default=True, show_default=True,
              help="All realism touches on or off (the switches below override it one by one).")
@click.option("--shadow/--no-shadow", default=None, help="Contact shadow under the feet.")
@click.option("--feather/--no-feather", default=None, help="Softened matte edge.")
@click.option("--blur/--no-blur", default=None, help="Blur the animal to the background's sharpness.")
@click.option("--noise/--no-noise", default=None, help="Add the background's noise level to the animal.")
@click.option("--recompress/--no-recompress", default=None, help="JPEG re-compression of the whole image.")
@click.option("--format", "image_format", type=click.Choice(["jpg", "png"]), default="jpg", show_default=True)
@click.option("--jpeg-quality", type=click.IntRange(1, 100), default=95, show_default=True)
@click.option("--vgg", type=click.Path(dir_okay=False), default=None,
              help="neural: VGG-19 encoder weights, torchvision or classic AdaIN layout (local file).")
@click.option("--decoder", type=click.Path(dir_okay=False), default=None,
              help="neural: AdaIN decoder weights trained for that encoder (local file).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True)
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N renders.")
@click.option("--overwrite", is_flag=True, help="Delete earlier output in --out instead of resuming.")
def cli(renders, backgrounds, out, method, preset, size, scale_range, strength, all_touches, shadow, feather, blur,
        noise, recompress, image_format, jpeg_quality, vgg, decoder, seed, workers, limit, overwrite):
    """Blend rendered animals into real background photos; writes OUT/annotations.json + OUT/images/."""
    from pasyn.data.coco import AnnotationError
    from pasyn.stylize.backgrounds import BackgroundError
    from pasyn.stylize.neural import WeightFileError
    from pasyn.stylize.pipeline import StylizeError, preset as make_preset, stylize_dataset

    switches = {"shadow": shadow, "feather": feather, "blur": blur, "noise": noise, "jpeg": recompress}
    touches = tuple(t for t in TOUCHES if (all_touches if switches[t] is None else switches[t]))
    overrides = dict(method=method, touches=touches, image_format=image_format, jpeg_quality=jpeg_quality,
                     seed=seed, vgg=vgg, decoder=decoder)
    if size is not None:
        overrides["size"] = _size(size)
    if scale_range is not None:
        overrides["scale_range"] = _pair(scale_range, "--scale-range")
    if strength is not None:
        overrides["strength"] = strength
    stage_log = logging.getLogger("pasyn.stylize")
    handler, old_level, old_propagate = _EchoHandler(), stage_log.level, stage_log.propagate
    stage_log.addHandler(handler)
    stage_log.setLevel(logging.INFO)
    stage_log.propagate = False
    try:
        config = make_preset(preset, **overrides)
        ann_path = stylize_dataset(renders, backgrounds, out, config, workers=workers, limit=limit,
                                   overwrite=overwrite)
    except (StylizeError, BackgroundError, WeightFileError, AnnotationError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from err
    finally:
        stage_log.removeHandler(handler)
        stage_log.setLevel(old_level)
        stage_log.propagate = old_propagate
    click.echo(f"wrote {ann_path} (contact sheet: {ann_path.parent / 'contact_sheet.png'})")

