"""Time the assets stage on the shared models: glTF/GLB load (Draco decode included), map check, preview sheet.

    .venv/bin/python bench/bench_assets.py [--models-root ../shared/assets/models]

Prints a markdown table: per model, the median of 3 cold loads (no cache), one check_animal, one preview_sheet.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import click

from pasyn.assets.check import check_animal
from pasyn.assets.gltf import load_gltf
from pasyn.assets.keypoint_map import load_keypoint_map
from pasyn.assets.preview import preview_sheet
from pasyn.assets.registry import map_path_for


def _timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


@click.command()
@click.option("--models-root", type=click.Path(file_okay=False, path_type=Path),
              default=Path("../shared/assets/models"), show_default=True)
@click.option("--repeats", default=3, show_default=True)
def main(models_root: Path, repeats: int):
    click.echo("| model | vertices | joints | clips | load s (median) | check s | preview s |")
    click.echo("|---|---|---|---|---|---|---|")
    totals = []
    for file in sorted(models_root.glob("*/*.gl*")):
        model_id = f"{file.parent.name}/{file.stem}"
        loads = [_timed(load_gltf, file, name=model_id) for _ in range(repeats)]
        model = load_gltf(file, name=model_id)
        kmap = load_keypoint_map(map_path_for(model_id), model)
        check_s = _timed(check_animal, model, kmap)
        preview_s = _timed(preview_sheet, model, kmap)
        totals.append(statistics.median(loads))
        click.echo(f"| {model_id} | {len(model.mesh.vertices)} | {len(model.skeleton)} | {len(model.clips)} | "
                   f"{statistics.median(loads):.3f} | {check_s:.3f} | {preview_s:.2f} |")
    click.echo(f"\nall {len(totals)} models: {sum(totals):.2f} s to load")


if __name__ == "__main__":
    main()
