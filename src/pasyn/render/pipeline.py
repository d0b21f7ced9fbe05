"""`render_dataset`: N worker processes, one Blender each, over the unfinished indices of [start, end).

Sample i depends only on (seed, i) (sampler.py), so shards can be split any way; workers take interleaved
indices so progress is even. Finished samples are skipped (writer.py), so a killed run resumes where it stopped
and yields the same dataset as an uninterrupted one. Blender runs only in the workers (spawned, never forked).
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import multiprocessing as mp
import os
import queue
import shutil
import socket
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pasyn.assets.keypoint_map import KeypointMap
from pasyn.assets.model import AnimalModel
from pasyn.data.coco import write_json_atomic
from pasyn.render import annotate, writer
from pasyn.render.config import RenderConfig
from pasyn.render.sampler import (
    PoseSource,
    SceneSample,
    clip_pose_source,
    prior_pose_source,
    rest_pose_source,
    sample_scene,
    shape_index_of,
)

HDRI_SUFFIXES = (".exr", ".hdr")


def default_hdri_dir() -> Path:
    """The studio-light HDRIs inside the installed bpy wheel (found without importing bpy)."""
    spec = importlib.util.find_spec("bpy")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("bpy is not installed, so its bundled HDRIs are missing: pass --hdri-dir")
    found = sorted(Path(spec.origin).parent.glob("*/datafiles/studiolights/world"))
    if not found:
        raise FileNotFoundError(f"no datafiles/studiolights/world folder under {Path(spec.origin).parent}")
    return found[-1]


def find_hdris(folder: str | os.PathLike | None) -> dict[str, Path]:
    folder = Path(folder) if folder is not None else default_hdri_dir()
    if not folder.is_dir():
        raise FileNotFoundError(f"HDRI folder not found: {folder}")
    found = {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in HDRI_SUFFIXES}
    if not found:
        raise FileNotFoundError(f"no .exr or .hdr files in HDRI folder {folder}")
    return found


# ---------------------------------------------------------------------------------------------------- models

class ModelBank:
    """Models by shape index for one worker: built-in presets get seeded shape variants, files one shape.

    model: a built-in preset name ('zebra'), a shared-model id ('quaternius-farm/Zebra') or a path, or a
    callable (shape_index) -> (AnimalModel, KeypointMap) for in-process use.
    """

    def __init__(self, model: str | Callable[[int], tuple[AnimalModel, KeypointMap]], seed: int, cfg: RenderConfig):
        self.model, self.seed, self.cfg = model, seed, cfg
        self._cache: dict[int, tuple[AnimalModel, KeypointMap]] = {}
        self.is_preset = isinstance(model, str) and is_builtin(model)
        self.n_shapes = cfg.shape_pool if self.is_preset else 1

    def __call__(self, shape_index: int) -> tuple[AnimalModel, KeypointMap]:
        if shape_index not in self._cache:
            self._cache[shape_index] = self._build(shape_index)
        return self._cache[shape_index]

    def _build(self, shape_index: int) -> tuple[AnimalModel, KeypointMap]:
        if callable(self.model):
            return self.model(shape_index)
        if self.is_preset:
            from pasyn.assets.procedural import make_quadruped, sample_shape

            rng = np.random.default_rng([self.seed, shape_index, 1])  # its own stream, apart from the samples'
            shape = sample_shape(self.model, rng, self.cfg.shape_spread)
            return make_quadruped(self.model, shape=shape, seed=shape_index)
        from pasyn.assets.registry import load_animal

        return load_animal(self.model)


def is_builtin(model_id: str) -> bool:
    """A built-in procedural preset (seeded shape variants) rather than a shared model or a file."""
    from pasyn.assets.registry import builtin_presets

    return model_id in builtin_presets()


def make_pose_source(spec: str, cfg: RenderConfig) -> PoseSource:
    """'clips' | 'rest' | 'prior:PATH' or PATH (a fitted prior checkpoint) | a method name of
    pasyn.prior.sample_local_poses fitted on the model's own clips ('vae', 'uniform', 'gaussian', ...)."""
    if spec == "clips":
        return clip_pose_source(cfg.exclude_clips)
    if spec == "rest":
        return rest_pose_source()
    from pasyn.prior import METHODS, PosePrior

    path = Path(spec.split(":", 1)[1] if spec.startswith("prior:") else spec)
    if spec.startswith("prior:") or path.suffix:
        if not path.is_file():
            raise FileNotFoundError(f"pose prior not found: {path}")
        return prior_pose_source(PosePrior.load(path), f"prior:{path.name}")
    if spec not in METHODS:
        raise ValueError(f"unknown --pose {spec!r}: use clips, rest, prior:PATH or one of {', '.join(METHODS)}")
    return prior_pose_source(spec, spec)


# ---------------------------------------------------------------------------------------------------- one sample

def annotate_sample(sample: SceneSample, faces: np.ndarray, alpha: np.ndarray, depth: np.ndarray,
                    cfg: RenderConfig) -> dict:
    """Keypoints (pixels, visibility) and box of one rendered sample, plus the numbers behind them."""
    cam = sample.camera
    pixels, kdepth = cam.project(sample.keypoints_world)
    slabs = annotate.keypoint_slabs(cam.position, cam.forward, sample.keypoints_world, sample.vertices, faces)
    tolerance = cfg.occlusion_tolerance * sample.animal_size + 2 * cam.pixel_footprint(kdepth)
    v = annotate.visibility(pixels, slabs, depth, tolerance, cfg.front_factor)
    return {"pixels": pixels, "v": v, "keypoints": annotate.coco_keypoints(pixels, v),
            "bbox": annotate.bbox_from_alpha(alpha, cfg.mask_threshold)}


@dataclass
class Job:
    model: object
    indices: list[int]
    out: str
    seed: int
    cfg: RenderConfig
    pose: str
    hdris: dict[str, Path]
    device: str
    save_depth: bool


def run_job(job: Job, report: Callable[[int], None]) -> None:
    """Render and commit every index of the job in this process (imports bpy)."""
    from pasyn.render.blender import BlenderScene

    out = Path(job.out)
    bank = ModelBank(job.model, job.seed, job.cfg)
    poses = make_pose_source(job.pose, job.cfg)
    hdri_names = sorted(job.hdris)
    scratch = Path(tempfile.mkdtemp(prefix=f"worker@{socket.gethostname()}@{os.getpid()}@", dir=_scratch_root(out)))
    try:
        scene = BlenderScene(job.cfg, job.hdris, scratch, job.device)
        for index in job.indices:
            sample = sample_scene(index, job.seed, job.cfg, bank, bank.n_shapes, poses, hdri_names)
            result = scene.render(sample, sample.shape_index)
            labels = annotate_sample(sample, sample.model.mesh.faces, result.alpha, result.depth, job.cfg)
            record = writer.make_record(index, job.cfg.size, sample.model.species, labels["keypoints"], labels["bbox"],
                                        sample.record())
            writer.commit_sample(out, index, result.png_path, record, result.depth if job.save_depth else None)
            report(index)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _scratch_root(out: Path) -> Path:
    root = out / ".scratch"  # inside DIR, so the finished PNG moves into place with one rename
    root.mkdir(parents=True, exist_ok=True)
    return root


def _remove_stale_scratch(out: Path) -> None:
    """Delete scratch folders of killed workers (never a finished sample); leave those of live workers, which
    may be rendering another index range into the same DIR, and those of other hosts."""
    root = out / ".scratch"
    for folder in root.glob("*") if root.is_dir() else ():
        parts = folder.name.split("@")
        ours = len(parts) == 4 and parts[0] == "worker" and parts[2].isdigit()
        if ours and (parts[1] != socket.gethostname() or _alive(int(parts[2]))):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    if stat.parent.parent.is_dir():  # Linux: a killed worker may linger as a zombie, which os.kill cannot tell
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except (OSError, IndexError):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _ParentGone(Exception):
    """The run that started this worker was killed: stop rather than render for nobody."""


def _worker_main(job: Job, messages) -> None:
    parent = mp.parent_process()

    def on_done(index: int) -> None:
        messages.put(("done", index))
        if parent is not None and not parent.is_alive():  # killed parents cannot terminate their workers
            raise _ParentGone

    try:
        run_job(job, on_done)
        messages.put(("exit", None))
    except _ParentGone:
        return
    except (ValueError, FileNotFoundError) as err:  # a bad model, map or prior: the message says it all
        messages.put(("error", f"{type(err).__name__}: {err}"))
        raise SystemExit(1) from None
    except BaseException:
        messages.put(("error", traceback.format_exc()))
        raise


# ---------------------------------------------------------------------------------------------------- the run

def render_dataset(model, n: int, out: str | os.PathLike, seed: int = 0, cfg: RenderConfig | None = None,
                   workers: int = 2, pose: str = "clips", hdri_dir: str | os.PathLike | None = None,
                   start: int = 0, end: int | None = None, device: str = "cpu", save_depth: bool = False,
                   progress: bool = True, preview: bool = True) -> dict:
    """Render the unfinished samples of [start, end) (default [0, n)), then assemble DIR/annotations.json from
    all finished samples of [0, n) and a preview. workers=0 renders in this process (imports bpy here).

    Returns {"rendered": count rendered now, "skipped": already finished, "missing": samples of [0, n) not yet
    rendered, "annotations": path}. A DIR keeps the settings it was started with (DIR/render.json): resuming or
    extending it with other settings is an error, since its samples would no longer form one seeded dataset.
    """
    cfg = cfg or RenderConfig()
    end = n if end is None else end
    if not 0 <= start <= end <= n:
        raise ValueError(f"index range [{start}, {end}) must lie within [0, n={n})")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    hdris = find_hdris(hdri_dir)
    _check_settings(out, {"model": model if isinstance(model, str) else getattr(model, "__name__", repr(model)),
                          "seed": seed, "pose": pose, "device": device, "hdris": sorted(hdris), "cfg": cfg.to_dict()})
    _remove_stale_scratch(out)
    wanted = range(start, end)
    done = writer.finished(out, wanted)
    todo = [i for i in wanted if i not in done]
    make_pose_source(pose, cfg)  # fail on a bad --pose before starting Blender
    shards = shard_indices(todo, max(workers, 1), seed, ModelBank(model, seed, cfg).n_shapes)
    jobs = [Job(model, shard, str(out), seed, cfg, pose, hdris, device, save_depth)
            for shard in shards if shard]

    from tqdm import tqdm

    bar = tqdm(total=len(wanted), initial=len(done), desc=f"render {out.name}", unit="img", disable=not progress)
    try:
        if workers == 0:
            for job in jobs:
                run_job(job, lambda index: bar.update(1))
        elif jobs:
            _run_workers(jobs, bar)
    finally:
        bar.close()
        with contextlib.suppress(OSError):  # only when empty: another run may still work in this DIR
            (out / ".scratch").rmdir()

    coco = writer.assemble(out, n)
    if preview:
        writer.write_preview(out, coco)
    missing = n - len(coco["images"])
    return {"rendered": len(todo), "skipped": len(done), "missing": missing,
            "annotations": str(out / "annotations.json")}


def _check_settings(out: Path, settings: dict) -> None:
    path = out / "render.json"
    if path.is_file():
        with open(path) as f:
            before = json.load(f)
        changed = sorted(k for k in set(before) | set(settings) if before.get(k) != settings.get(k))
        if changed:
            raise ValueError(f"{out} holds a render made with other settings ({', '.join(changed)} differ, see "
                             f"{path}); use a new --out folder, or the same settings to resume")
    else:
        write_json_atomic(path, settings, indent=1)


def shard_indices(indices: list[int], workers: int, seed: int, n_shapes: int) -> list[list[int]]:
    """Split indices over workers so that each model shape is built by one worker only (building a procedural
    shape costs about as much as a render): shape k goes to worker k % workers, in index order within."""
    if n_shapes == 1:
        return [indices[k::workers] for k in range(workers)]
    shards = [[] for _ in range(workers)]
    for i in indices:
        shards[shape_index_of(seed, i, n_shapes) % workers].append(i)
    return shards


def _run_workers(jobs: list[Job], bar) -> None:
    ctx = mp.get_context("spawn")
    messages = ctx.Queue()
    procs = [ctx.Process(target=_worker_main, args=(job, messages), daemon=True) for job in jobs]
    for p in procs:
        p.start()
    running = len(procs)
    try:
        while running:
            try:
                kind, payload = messages.get(timeout=1.0)
            except queue.Empty:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead and messages.empty():  # died without a word (killed, out of memory)
                    raise RuntimeError(f"render worker {dead[0].pid} died (exit code {dead[0].exitcode})")
                continue
            if kind == "done":
                bar.update(1)
            elif kind == "exit":
                running -= 1
            else:
                raise RuntimeError(f"render worker failed: {payload}")
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join()
