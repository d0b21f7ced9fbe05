"""Throughput of the pose model per backbone and preset: training, inference and data loading, in images/s.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/pose_throughput.py [--steps 3] [--out bench/results/pose_throughput.json]

For each (preset, backbone): the preset's config with that backbone; a batch from train_99 (../shared) through
the real data pipeline; training = forward + backward + optimiser step; inference = forward (with the preset's
flip test) + decoding. Data loading is timed alone (TrainBatches.batch, one thread, patches already cached),
and patch caching (JPEG decode + crop, once per image) separately. The first step of each is a warm-up and
is not counted. The 1-minute load average is recorded with each row: on a shared machine other jobs slow
every number down.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from pasyn.pose.codec import decode_heatmaps
from pasyn.pose.data import Source, TrainBatches, load_instances
from pasyn.pose.model import heatmap_loss
from pasyn.pose.predict import build_model, predict_heatmaps
from pasyn.pose.presets import preset
from pasyn.pose.train import make_optimizer

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "proxyreal-zebra-dev"
CASES = [("cpu", "mobilenetv3_large_100"), ("cpu", "lcnet_100"), ("cpu", "resnet18"),
         ("cpu", "hrnet_w32"), ("cpu", "resnet50"), ("cpu", "efficientnet_b6"),
         ("paper", "hrnet_w32"), ("paper", "resnet50"), ("paper", "efficientnet_b6")]


def timed(fn, repeats: int) -> float:
    """Seconds per call, after one warm-up call."""
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def bench_case(preset_name: str, backbone: str, steps: int, batch: int | None, fp32: bool = False) -> dict:
    config = preset(preset_name, backbone=backbone, **({"bf16": False} if fp32 else {}))
    if batch is not None:
        config = config.replace(batch_size=batch)
    torch.set_num_threads(min(config.threads, os.cpu_count() or 1))
    source = Source(SHARED / "annotations" / "train_99.json", SHARED / "images")
    size = (config.input_size,) * 2
    start = time.perf_counter()
    instances = load_instances(source, size, config.padding, config.patch_margin, config.patch_resolution,
                               progress=False)
    cache_s = (time.perf_counter() - start) / len(instances)
    batches = TrainBatches([instances], [1.0], 0, config.batch_size, config.aug, size,
                           (config.heatmap_size,) * 2, config.sigma, config.joint_weights, config.data_threads)
    counter = iter(range(10**9))
    data_s = timed(lambda: batches.batch(next(counter)), max(steps, 5))

    torch.manual_seed(0)
    model = build_model(config)
    if config.channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt, sched = make_optimizer(model, config)
    images, heatmaps, weights = (torch.from_numpy(a) for a in batches.batch(0))
    if config.channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16)

    def train_step():
        model.train()
        with autocast:
            pred = model(images)
        loss = heatmap_loss(pred, heatmaps, weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    train_s = timed(train_step, steps)
    crops = np.stack([inst.patch for inst in instances[:config.batch_size]])
    crops = np.stack([c[:config.input_size, :config.input_size] for c in crops])

    def infer():
        hm = predict_heatmaps(model, config, crops)
        decode_heatmaps(hm, size, sigma=config.sigma)

    infer_s = timed(infer, steps)
    n = config.batch_size
    return {"preset": preset_name, "backbone": backbone, "input": config.input_size, "batch": n,
            "bf16": config.bf16, "channels_last": config.channels_last, "threads": torch.get_num_threads(), "data_threads": config.data_threads,
            "flip_test": config.flip_test, "train_img_s": n / train_s, "infer_img_s": n / infer_s,
            "data_img_s": n / data_s, "cache_ms_per_img": 1000 * cache_s,
            "load_avg_1min": os.getloadavg()[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per measurement (after one warm-up)")
    parser.add_argument("--batch", type=int, default=None, help="override the presets' batch size")
    parser.add_argument("--paper-batch", type=int, default=8, help="batch for the 256x256 paper preset on a CPU")
    parser.add_argument("--only", default=None, help="comma-separated backbones to run")
    parser.add_argument("--presets", default="cpu,paper", help="comma-separated presets to run")
    parser.add_argument("--fp32", action="store_true", help="switch bf16 autocast off")
    parser.add_argument("--out", type=Path, default=Path("bench/results/pose_throughput.json"))
    args = parser.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"needs the proxy-real set at {SHARED}")
    rows = []
    for preset_name, backbone in CASES:
        if (args.only and backbone not in args.only.split(",")) or preset_name not in args.presets.split(","):
            continue
        batch = args.paper_batch if preset_name == "paper" else args.batch
        row = bench_case(preset_name, backbone, args.steps, batch, args.fp32)
        rows.append(row)
        print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": platform.processor() or platform.machine(),
                                    "torch": torch.__version__, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
