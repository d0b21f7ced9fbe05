"""Canonical training frames: every clip of every chosen model, retargeted, cached on disk.

Model selections (`--models`): `builtin` (procedural presets), `shared` (every shared model with a keypoint map),
`farm` / `animals` (the quaternius-farm / quaternius-animals folders), or a comma list of ids.

The cache holds one .npz per model under $PASYN_CACHE or ~/.cache/pasyn/prior-frames, keyed by the model
files' size and mtime, the keypoint map's bytes, the canonical skeleton, the frame rate and CACHE_VERSION, so a
changed model, map or retargeting code never reads stale frames.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pasyn.assets import registry
from pasyn.prior.retarget import CanonicalPoses, CanonicalRest, CanonicalSkeleton, ModelRig, clip_world_transforms

CACHE_VERSION = 6  # bump when retargeting changes what it extracts
SELECTIONS = ("builtin", "shared", "farm", "animals")


@dataclass
class ModelFrames:
    """One model's clips as canonical poses, and its canonical rest geometry."""

    model_id: str
    clips: dict[str, CanonicalPoses]
    rest: CanonicalRest

    @property
    def n_frames(self) -> int:
        return sum(len(p) for p in self.clips.values())


def resolve_models(selection: str | list[str], models_root: str | os.PathLike | None = None) -> list[str]:
    """A selection name or comma list -> model ids (order kept, duplicates dropped)."""
    items = selection if isinstance(selection, list) else [s.strip() for s in selection.split(",") if s.strip()]
    shared = [m for m in registry.list_animals(models_root) if "/" in m]
    ids: list[str] = []
    for item in items:
        if item == "builtin":
            found = registry.builtin_presets()
        elif item == "shared":
            found = shared
        elif item in ("farm", "animals"):
            found = [m for m in shared if m.startswith(f"quaternius-{item}/")]
        else:
            found = [item]
        if not found:
            raise ValueError(f"model selection {item!r} matches no model (builtin presets: "
                             f"{registry.builtin_presets() or 'none'}; shared models: {len(shared)} found under "
                             f"{models_root or registry.default_models_root()})")
        ids += [m for m in found if m not in ids]
    if not ids:
        raise ValueError(f"empty model selection {selection!r}; use one of {', '.join(SELECTIONS)} or ids")
    return ids


def cache_dir() -> Path:
    return Path(os.environ.get("PASYN_CACHE", Path.home() / ".cache" / "pasyn")) / "prior-frames"


def _source_fingerprint(model_id: str, models_root) -> str | None:
    """What the frames of a model depend on, or None when it cannot be told without loading (then no cache)."""
    parts = [model_id]
    if model_id in registry.builtin_presets():
        module = Path(inspect.getfile(importlib.import_module("pasyn.assets.procedural")))
        files = [module] + sorted(module.parent.glob("procedural_*.py"))  # the preset's code is its source
        parts += [hashlib.sha1(f.read_bytes()).hexdigest() for f in files]
        return "|".join(parts)
    root = Path(models_root) if models_root is not None else registry.default_models_root()
    kmap = registry.map_path_for(model_id)
    if root is None or not kmap.is_file():
        return None
    files = sorted((root / model_id).parent.glob(Path(model_id).name + ".*"))
    if not files:
        return None
    parts += [f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files]
    parts.append(hashlib.sha1(kmap.read_bytes()).hexdigest())
    return "|".join(parts)


def extract_model_frames(model, kmap, skeleton: CanonicalSkeleton, fps: float = 30.0) -> ModelFrames:
    rig = ModelRig(model, kmap, skeleton)
    clips = {name: rig.extract(clip_world_transforms(model, clip, fps)) for name, clip in model.clips.items()}
    return ModelFrames(model.name, clips, rig.rest_geometry)


def load_model_frames(model_id: str, skeleton: CanonicalSkeleton, fps: float = 30.0,
                      models_root: str | os.PathLike | None = None, use_cache: bool = True) -> ModelFrames:
    fingerprint = _source_fingerprint(model_id, models_root) if use_cache else None
    path = None
    if fingerprint is not None:
        key = json.dumps([CACHE_VERSION, fingerprint, skeleton.to_dict(), fps])
        path = cache_dir() / f"{model_id.replace('/', '__')}-{hashlib.sha1(key.encode()).hexdigest()[:16]}.npz"
        if path.is_file():
            try:
                return _read_frames(path, model_id)
            except (OSError, ValueError, KeyError):
                pass  # a damaged cache file is rebuilt below
    model, kmap = registry.load_animal(model_id, models_root)
    frames = extract_model_frames(model, kmap, skeleton, fps)
    frames.model_id = model_id
    # The cache stores rotations as float32; round fresh ones the same way so that a cold and a warm cache (or
    # no cache) give the same frames, hence the same fitted prior.
    for poses in frames.clips.values():
        poses.relative = poses.relative.astype(np.float32).astype(float)
    if path is not None:
        _write_frames(path, frames)
    return frames


def _write_frames(path: Path, frames: ModelFrames) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(frames.clips)
    arrays = {"clip_names": np.array(names), "heads": frames.rest.heads, "tips": frames.rest.tips}
    for i, name in enumerate(names):
        poses = frames.clips[name]
        arrays[f"relative_{i}"] = poses.relative.astype(np.float32)
        arrays[f"height_{i}"] = poses.height
        arrays[f"known_{i}"] = poses.known
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as f:  # a file object: np.savez would append ".npz" to a name
            np.savez(f, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _read_frames(path: Path, model_id: str) -> ModelFrames:
    with np.load(path, allow_pickle=False) as data:
        clips = {str(name): CanonicalPoses(data[f"relative_{i}"].astype(float), data[f"height_{i}"],
                                           data[f"known_{i}"])
                 for i, name in enumerate(data["clip_names"])}
        return ModelFrames(model_id, clips, CanonicalRest(data["heads"], data["tips"]))


def load_frames(selection: str | list[str], skeleton: CanonicalSkeleton, fps: float = 30.0,
                models_root: str | os.PathLike | None = None, use_cache: bool = True,
                progress: bool = False) -> list[ModelFrames]:
    ids = resolve_models(selection, models_root)
    if progress:
        from tqdm import tqdm
        ids = tqdm(ids, desc="canonical frames", unit="model")
    return [load_model_frames(m, skeleton, fps, models_root, use_cache) for m in ids]


def split_clips(frames: list[ModelFrames], holdout: float = 0.2, seed: int = 0
                ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Hold out whole clips: per model, round(holdout x clips) (at least one when the model has two or more),
    chosen with a seed derived from the model id. -> (train, test) lists of (model id, clip name)."""
    train, test = [], []
    for mf in frames:
        names = sorted(mf.clips)
        rng = np.random.default_rng([seed, int(hashlib.sha1(mf.model_id.encode()).hexdigest()[:8], 16)])
        n_test = max(1, round(holdout * len(names))) if len(names) >= 2 and holdout > 0 else 0
        held = set(rng.choice(names, size=n_test, replace=False)) if n_test else set()
        train += [(mf.model_id, c) for c in names if c not in held]
        test += [(mf.model_id, c) for c in names if c in held]
    return train, test


def gather(frames: list[ModelFrames], keys: list[tuple[str, str]] | None = None) -> CanonicalPoses:
    """All frames of the given (model id, clip) pairs (all clips when None) as one CanonicalPoses."""
    by_id = {mf.model_id: mf for mf in frames}
    if keys is None:
        keys = [(mf.model_id, c) for mf in frames for c in mf.clips]
    if not keys:
        raise ValueError("no clips to gather frames from")
    return CanonicalPoses.concatenate([by_id[m].clips[c] for m, c in keys])
