"""Render throughput: N built-in zebra images at 256 px with the default fast settings, W worker processes.

Reports wall-clock images/s (start-up and model building included) and CPU-seconds per image (all processes).

    nice -n 10 .venv/bin/python bench/render_speed.py --out /tmp/render_speed --n 300 --workers 2
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import time
from pathlib import Path

from pasyn.render.config import RenderConfig
from pasyn.render.pipeline import render_dataset


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", default="zebra")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()

    cfg = RenderConfig(size=args.size) if args.samples is None else RenderConfig(size=args.size, samples=args.samples)
    shutil.rmtree(args.out, ignore_errors=True)
    load = os.getloadavg()[0]
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    render_dataset(args.model, args.n, args.out, seed=0, cfg=cfg, workers=args.workers, preview=False)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    print(f"| {args.model} | {args.n} | {cfg.size} px | {cfg.samples} | OIDN {cfg.denoise_quality}, prefilter FAST "
          f"| {args.workers} x {cfg.threads} thread | {args.n / wall:.2f} img/s | {cpu / args.n:.2f} CPU-s/img | "
          f"{wall:.0f} s | load avg at start {load:.1f} |")


if __name__ == "__main__":
    main()
