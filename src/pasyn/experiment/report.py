"""The experiment's report: results table per test set (the paper's columns), bar plots and sample pictures."""
from __future__ import annotations

import json
import os
from pathlib import Path

from pasyn.data.coco import write_bytes_atomic
from pasyn.eval import format_table, plot_pck_bars
from pasyn.viz import save_png


def write_experiment_report(run_dir: str | os.PathLike, results: dict) -> Path:
    """RUN/report.md with one table and one bar plot per test set, and the pictures the stages left."""
    run_dir = Path(run_dir)
    figures = run_dir / "figures"
    lines = [f"# Experiment {results['name']}", "", f"Config: `{results['config']}`", ""]
    for test, rows in results["per_test"].items():
        lines += [f"## Test set {test}", "", format_table(rows, with_ap=True), ""]
        plot = save_png(figures / f"pck_{test}.png", plot_pck_bars(rows, title=f"{results['name']}: {test}"))
        lines += [f"![PCK per group on {test}](figures/{plot.name})", ""]
        reference = "R99" if "R99" in rows else next(iter(rows))  # the real-only baseline when there is one
        for row, metrics in rows.items():
            if row != reference:
                delta = metrics["pck"]["Average"] - rows[reference]["pck"]["Average"]
                lines.append(f"- {row} vs {reference}: {delta:+.1f} PCK points (Average)")
        lines.append("")
    pictures = sorted(run_dir.glob("synthetic/*/*/final/contact_sheet.png")) + \
        sorted(run_dir.glob("renders/*/*/preview.png"))
    if pictures:
        lines += ["## Synthetic data", ""]
        lines += [f"![{p.parent.parent.parent.name}/{p.parent.parent.name}/{p.parent.name}]"
                  f"({p.relative_to(run_dir).as_posix()})" for p in pictures]
        lines.append("")
    sheets = sorted(run_dir.glob("eval/*/*.png"))
    if sheets:
        lines += ["## Predictions (worst to best)", ""]
        lines += [f"![{p.parent.name} on {p.stem}]({p.relative_to(run_dir).as_posix()})" for p in sheets]
        lines.append("")
    times_path = run_dir / "stage_times.json"
    if times_path.is_file():
        times = json.loads(times_path.read_text())
        lines += ["## Stage times", "",
                  f"{len(times)} stages, {sum(times.values()) / 60:.1f} min of wall-clock time in all (each measured "
                  "when it ran; a stage shared by several rows counts once).", "",
                  "| stage | min |", "|---|---:|"]
        lines += [f"| {name} | {seconds / 60:.1f} |" for name, seconds in times.items()]
        lines.append("")
    lines += ["## Raw numbers", "", "```json", json.dumps(results["rows"], indent=1), "```", ""]
    return write_bytes_atomic(run_dir / "report.md", "\n".join(lines).encode())
