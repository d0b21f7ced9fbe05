"""`pasyn experiment CONFIG` and `pasyn demo`."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import click

from pasyn.experiment.config import ConfigError, load_config, parse_config
from pasyn.experiment.report import write_experiment_report
from pasyn.experiment.runner import Runner, StageFailed

DEMO_CONFIG = {
    "name": "demo",
    "seed": 0,
    "real": {"tests": {"heldout-zebra": {"synthetic": "T"}}},
    "prior": {"method": "vae", "models": "builtin"},
    "render": {"size": 160, "samples": 8},
    "stylize": {"method": "color", "size": 128, "backgrounds": "hdri"},
    "synthetic": {"S": {"models": ["zebra"], "n": 300}, "T": {"models": ["zebra"], "n": 60}},
    "train_sets": {"S300": ["S"]},
    "pose": {"preset": "cpu", "num_samples": 6000},
}


def _run(config, out: Path, only=None, echo=click.echo) -> dict:
    start = time.time()
    runner = Runner(config, out, echo=echo)
    try:
        results = runner.run(only)
    except (StageFailed, ValueError) as err:
        raise click.ClickException(str(err)) from None
    report = write_experiment_report(out, results)
    echo(f"report -> {report}  ({(time.time() - start) / 60:.1f} min)")
    return results


@click.command("experiment")
@click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Run folder (default: runs/<config name>).")
@click.option("--results-json", type=click.Path(path_type=Path),
              help="Also write the table as {'rows': {...}} here (e.g. bench/results/<name>.json).")
@click.option("--only", multiple=True, help="Run only this row (repeatable); the others are left for later.")
def cli(config, out, results_json, only):
    """Build the synthetic sets, train one model per train set, evaluate, write the report.

    Rerunning reuses every finished stage (prior, renders, stylized sets, trained models, evaluations).
    """
    try:
        cfg = load_config(config)
    except ConfigError as err:
        raise click.ClickException(str(err)) from None
    out = out or Path("runs") / cfg.name
    results = _run(cfg, out, list(only))
    from pasyn.eval import format_table
    first = next(iter(results["per_test"]))
    click.echo(format_table(results["per_test"][first], title=f"{cfg.name} on {first}"))
    if results_json:
        from pasyn.data.coco import write_json_atomic
        write_json_atomic(results_json, {"rows": results["rows"], "pck_thr": results["pck_thr"],
                                         "test": first, "config": str(config)}, indent=1)


@click.command("demo")
@click.option("--out", type=click.Path(path_type=Path), default=Path("runs/demo"), show_default=True)
@click.option("--fresh", is_flag=True, help="Delete a previous demo run first instead of reusing it.")
def demo(out, fresh):
    """The whole pipeline on the built-in zebra with no files needed: prior fit, render, stylize onto views
    cut from Blender's own HDRIs, a short training, evaluation on held-out renders, a report with pictures."""
    if fresh and out.exists():
        shutil.rmtree(out)
    results = _run(parse_config(DEMO_CONFIG, "<demo>"), out)
    from pasyn.eval import format_table
    click.echo(format_table(results["per_test"]["heldout-zebra"], title="demo: held-out synthetic zebras"))
