"""Training loop: mixed sources, checkpoints with exact resume, a progress bar and a metrics log.

Files in the run folder OUT:
- config.json: the PoseConfig and the sources;
- checkpoint.pt: model, optimiser, scheduler and step, rewritten atomically every config.checkpoint_every steps;
- metrics.jsonl: one JSON object per log line (step, samples, loss, lr, img_per_s, data_wait_s, step_s);
- model.pt: the final model (with its config), what `pasyn pose eval/predict --checkpoint` read;
- val_predictions.json, val_metrics.json: when a validation source is given.
Batches are a pure function of (seed, step) (see data.TrainBatches), so a resumed run continues exactly where the
interrupted one stopped.
"""
from __future__ import annotations

import json
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch
from tqdm import tqdm

from pasyn.data.coco import read_coco, write_json_atomic
from pasyn.eval import evaluate
from pasyn.pose.data import Source, TrainBatches, load_instances
from pasyn.pose.model import heatmap_loss
from pasyn.pose.predict import autocast, build_model, predict_dataset, read_checkpoint, resolve_device
from pasyn.pose.presets import PoseConfig


def make_optimizer(model: torch.nn.Module, config: PoseConfig):
    """Optimiser and per-step LR scheduler for the config."""
    if config.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    elif config.optimizer == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    else:
        raise ValueError(f"unknown optimizer {config.optimizer!r}; use adam or adamw")
    steps = config.steps
    if config.schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=steps, pct_start=0.2)
    elif config.schedule == "step":
        milestones = [int(f * steps) for f in config.milestones]

        def factor(step: int) -> float:
            warm = min(1.0, 1e-3 + step / config.warmup_steps) if config.warmup_steps else 1.0
            return warm * 0.1 ** sum(step >= m for m in milestones)

        sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    else:
        raise ValueError(f"unknown schedule {config.schedule!r}; use onecycle or step")
    return opt, sched


def _save_atomic(obj, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _run_record(config: PoseConfig, sources: list[Source], init: str | os.PathLike | None) -> dict:
    return {"config": config.to_dict(),
            "sources": [{"ann": str(s.ann), "images": str(s.images), "ratio": s.ratio} for s in sources],
            "init": None if init is None else str(init)}


def load_init_weights(model: torch.nn.Module, path: str | os.PathLike, config: PoseConfig) -> None:
    """Start from the weights of an earlier run's model.pt (e.g. pretrained on synthetic data, then fine-tuned
    on real images). The architecture settings must match; ValueError naming the file otherwise."""
    weights, saved = read_checkpoint(path)
    for name in ("backbone", "head_channels", "input_size", "heatmap_size"):
        if getattr(saved, name) != getattr(config, name):
            raise ValueError(f"{path}: trained with {name}={getattr(saved, name)!r}, this run has "
                             f"{getattr(config, name)!r}")
    model.load_state_dict(weights)


def train(config: PoseConfig, sources: list[Source], out_dir: str | os.PathLike, val: Source | None = None,
          pretrained: str | os.PathLike | None = None, init: str | os.PathLike | None = None,
          resume: bool = True, max_steps: int | None = None, device: str = "auto", progress: bool = True) -> dict:
    """Train (or resume) a run in out_dir; returns {"steps", "loss", "val": evaluate() dict or None}.

    pretrained: timm ImageNet weights for the backbone; init: a pasyn model.pt to start the whole model from
    (fine-tuning). max_steps: stop after this many steps in total (for tests and interrupted runs); the schedule
    still spans config.steps. Resuming with a different config or sources raises ValueError. device: 'auto' (the GPU
    when there is one), 'cpu', 'cuda', ...
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(min(config.threads, os.cpu_count() or 1))
    dev = resolve_device(device)
    record = _run_record(config, sources, init)
    ckpt_path = out / "checkpoint.pt"
    torch.manual_seed(config.seed)
    model = build_model(config, pretrained)
    if init is not None:
        load_init_weights(model, init, config)
    if config.channels_last:
        model = model.to(memory_format=torch.channels_last)
    model = model.to(dev)
    opt, sched = make_optimizer(model, config)
    step = 0
    if resume and ckpt_path.is_file():
        state = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        saved = {key: state.get(key) for key in record}
        if json.loads(json.dumps(saved)) != json.loads(json.dumps(record)):
            raise ValueError(f"{ckpt_path}: saved with other settings or sources; use a new folder or resume=False")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        step = state["step"]
    write_json_atomic(out / "config.json", record, indent=2)
    log_path = out / "metrics.jsonl"
    # drop log lines past the checkpoint (written after it by an interrupted run)
    lines = log_path.read_text().splitlines() if log_path.is_file() and step else []
    log_path.write_text("".join(f"{ln}\n" for ln in lines if json.loads(ln)["step"] <= step))

    instances = [load_instances(s, (config.input_size,) * 2, config.padding, config.patch_margin,
                                config.patch_resolution, progress) for s in sources]
    batches = TrainBatches(instances, [s.ratio for s in sources], config.seed, config.batch_size, config.aug,
                           (config.input_size,) * 2, (config.heatmap_size,) * 2, config.sigma, config.joint_weights,
                           config.data_threads)
    last = min(config.steps, max_steps) if max_steps is not None else config.steps
    model.train()
    loss_sum, loss_n, window_start, data_wait, step_time = 0.0, 0, time.perf_counter(), 0.0, 0.0
    bar = tqdm(total=last, initial=step, desc="training", disable=not progress, dynamic_ncols=True)
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(batches.batch, step) if step < last else None
        while step < last:
            t0 = time.perf_counter()
            images, heatmaps, weights = future.result()
            t1 = time.perf_counter()
            data_wait += t1 - t0
            if step + 1 < last:
                future = pool.submit(batches.batch, step + 1)  # prepared while this step computes
            x = torch.from_numpy(images).to(dev, non_blocking=True)
            if config.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            with autocast(config, dev):
                pred = model(x)
            loss = heatmap_loss(pred, torch.from_numpy(heatmaps).to(dev), torch.from_numpy(weights).to(dev))
            if not math.isfinite(loss.item()):
                raise FloatingPointError(f"loss became {loss.item()} at step {step}; lower lr in {out}/config.json")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            step_time += time.perf_counter() - t1
            loss_sum += loss.item()
            loss_n += 1
            bar.update(1)
            if step % config.log_every == 0 or step == last:
                elapsed = time.perf_counter() - window_start
                entry = {"step": step, "samples": step * config.batch_size, "loss": loss_sum / loss_n,
                         "lr": opt.param_groups[0]["lr"], "img_per_s": loss_n * config.batch_size / elapsed,
                         "data_wait_s": data_wait / loss_n, "step_s": step_time / loss_n}
                with log_path.open("a") as f:
                    f.write(json.dumps(entry) + "\n")
                bar.set_postfix(loss=f"{entry['loss']:.2e}", img_s=f"{entry['img_per_s']:.1f}")
                loss_sum, loss_n, window_start, data_wait, step_time = 0.0, 0, time.perf_counter(), 0.0, 0.0
            if step % config.checkpoint_every == 0 or step == last:
                _save_atomic({**record, "step": step, "model": model.state_dict(), "optimizer": opt.state_dict(),
                              "scheduler": sched.state_dict()}, ckpt_path)
    bar.close()
    result = {"steps": step, "loss": _last_loss(log_path), "val": None}
    if step == config.steps:
        _save_atomic({**record, "step": step, "model": model.state_dict()}, out / "model.pt")
        if val is not None:
            result["val"] = evaluate_model(model, config, val, out, progress)
    return result


def _last_loss(log_path: Path) -> float | None:
    lines = log_path.read_text().splitlines() if log_path.is_file() else []
    return json.loads(lines[-1])["loss"] if lines else None


def evaluate_model(model, config: PoseConfig, source: Source, out: Path | None = None, progress: bool = True) -> dict:
    """Predict on a source with ground-truth boxes and score with pasyn.eval; writes predictions and metrics
    into `out` when given."""
    gt = read_coco(source.ann)
    predictions = predict_dataset(model.eval(), config, gt, source.images, progress=progress)
    metrics = evaluate(predictions, gt)
    if out is not None:
        write_json_atomic(out / "val_predictions.json", predictions)
        write_json_atomic(out / "val_metrics.json", metrics, indent=2)
    return metrics

