"""Time the built-in procedural quadruped and check its clips keep hooves on the ground.

    .venv/bin/python bench/bench_procedural.py            # prints a markdown table

Per preset: make_quadruped wall time (first call pays the coat texture, later calls with the same seed hit
the cache; a new seed pays it again), mesh size, clip count, and over every clip sampled at 30 fps the lowest
hoof and lowest mesh point (metres; 0 = ground) and the mean number of hooves within 1 cm of the ground.
"""
from __future__ import annotations

import time

import numpy as np

from pasyn.assets.procedural import PRESETS, make_quadruped, sample_shape

HOOVES = ("hoof_fore.L", "hoof_fore.R", "hoof_hind.L", "hoof_hind.R")


def _timed(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    print("| preset | first call s | cached texture s | new seed s | vertices | faces | clips "
          "| lowest hoof m | lowest vertex m | hooves down (walk) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for seed_base, preset in enumerate(PRESETS):
        start = time.perf_counter()
        model, _ = make_quadruped(preset, seed=100 + seed_base)
        first = time.perf_counter() - start
        cached = _timed(lambda p=preset, s=seed_base: make_quadruped(p, seed=100 + s), 3)
        fresh = _timed(lambda p=preset: make_quadruped(p, seed=int(time.time_ns() % 100000) + 1000), 2)
        ids = [model.skeleton.index(n) for n in HOOVES]
        lowest_hoof, lowest_vertex, down = np.inf, np.inf, []
        for name in model.clips:
            for local in model.frames(name):
                world = model.global_transforms(local)
                z = world[ids, 2, 3]
                lowest_hoof = min(lowest_hoof, z.min())
                lowest_vertex = min(lowest_vertex, model.skin(world)[:, 2].min())
                if name == "walk":
                    down.append((z < 0.01).sum())
        print(f"| {preset} | {first:.2f} | {cached:.2f} | {fresh:.2f} | {len(model.mesh.vertices)} | "
              f"{len(model.mesh.faces)} | {len(model.clips)} | {lowest_hoof:+.3f} | {lowest_vertex:+.3f} | "
              f"{np.mean(down):.2f} |")
    rng = np.random.default_rng(0)
    shapes = [sample_shape("zebra", rng) for _ in range(5)]
    per = _timed(lambda: [make_quadruped("zebra", s, seed=0) for s in shapes], 1) / len(shapes)
    print(f"\nrandom zebra individuals (sample_shape, same seed): {per:.2f} s each")


if __name__ == "__main__":
    main()
