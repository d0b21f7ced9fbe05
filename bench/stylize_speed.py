"""Throughput of `pasyn stylize` (images/s) for the cheap methods, with 1 and 2 worker processes.

Renders: the toy rendered set (pasyn.stylize.toy, RGBA PNGs) unless --renders is given; backgrounds: the
shared photos. Each run writes a fresh output folder (JPEG, quality 95) and is timed end to end (reading
the set, worker start-up, writing annotations.json; no contact sheet). CPU s/img counts this process and its
workers, so it stays meaningful when other jobs share the machine.

    nice -n 10 .venv/bin/python bench/stylize_speed.py --n 240 --out bench/results/stylize.md
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

from pasyn.stylize.pipeline import StylizeConfig, stylize_dataset
from pasyn.stylize.toy import write_toy_renders

SHARED_BACKGROUNDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "assets" / "backgrounds"


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(renders: Path, backgrounds: Path, work: Path, method: str, workers: int, touches: bool, size: int,
        n: int) -> dict:
    config = StylizeConfig(method=method, size=(size, size), seed=7, touches=StylizeConfig.touches if touches else ())
    out = work / f"{method}-{workers}-{touches}"
    cpu0, t0 = _cpu_seconds(), time.perf_counter()
    stylize_dataset(renders, backgrounds, out, config, workers=workers, limit=n, overwrite=True, progress=False,
                    sheet=False)
    wall, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    return {"method": method, "workers": workers, "touches": "all" if touches else "none", "n": n,
            "wall_s": wall, "img_per_s": n / wall, "cpu_ms_per_img": 1000 * cpu / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=Path, help="a rendered set (default: toy renders made here)")
    parser.add_argument("--backgrounds", type=Path, default=SHARED_BACKGROUNDS)
    parser.add_argument("--n", type=int, default=240, help="images per run")
    parser.add_argument("--render-size", type=int, default=384, help="toy render side (px)")
    parser.add_argument("--size", type=int, default=256, help="output side (px)")
    parser.add_argument("--methods", default="paste,color")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--out", type=Path, help="also write the markdown table here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="stylize_bench_") as tmp:
        work = Path(tmp)
        renders = args.renders or write_toy_renders(work / "renders", args.n, (args.render_size,) * 2)
        rows = []
        for method in args.methods.split(","):
            for touches in (True, False):
                for workers in (int(w) for w in args.workers.split(",")):
                    rows.append(run(renders, args.backgrounds, work, method, workers, touches, args.size, args.n))
                    r = rows[-1]
                    print(f"{method:6s} touches={r['touches']:4s} workers={workers}: {r['img_per_s']:6.1f} img/s "
                          f"({r['wall_s']:.2f} s for {args.n}), CPU {r['cpu_ms_per_img']:.1f} ms/img", flush=True)
    load = os.getloadavg()
    lines = [
        "| method | touches | workers | images | wall s | images/s | CPU ms/image |",
        "|---|---|---|---|---|---|---|",
        *(f"| {r['method']} | {r['touches']} | {r['workers']} | {r['n']} | {r['wall_s']:.2f} | {r['img_per_s']:.1f} "
          f"| {r['cpu_ms_per_img']:.1f} |" for r in rows),
        "",
        f"Load average when done: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) on "
        f"{os.cpu_count()} cores, {platform.machine()}; renders: "
        f"{'toy ' + str(args.render_size) + ' px RGBA PNG' if args.renders is None else args.renders}; "
        f"output {args.size}x{args.size} JPEG q95.",
    ]
    print("\n".join(lines))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
