"""Pose prior checkpoints: one torch file holding everything needed to sample without the training data.

Layout (a dict, read with torch.load(weights_only=True), so loading never runs code from the file):
    format: "pasyn-pose-prior", version: 1, method: "vae" | a baseline name,
    skeleton: {chain: joints}, rest: {heads, tips}, limits: {low, high, height},
    sampler: the method's state (VAE: config, feature mean/std, network state dict), models: [ids], meta: {...}
numpy arrays are stored as tensors. Writes are atomic (temporary file, then rename).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import torch

FORMAT = "pasyn-pose-prior"
VERSION = 1
REQUIRED_KEYS = ("format", "version", "method", "skeleton", "rest", "limits", "sampler")


class CheckpointError(ValueError):
    """A pose prior checkpoint is missing, truncated, of another format or version; the message names the file."""


def _to_tensors(value):
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, dict):
        return {k: _to_tensors(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_tensors(v) for v in value)
    return value


def write_checkpoint(path: str | os.PathLike, content: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "version": VERSION, **_to_tensors(content)}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def read_checkpoint(path: str | os.PathLike) -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"pose prior checkpoint not found: {path}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many kinds for truncated or foreign files
        raise CheckpointError(f"{path}: not a readable pose prior checkpoint (truncated or not a torch file): "
                              f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise CheckpointError(f"{path}: not a pose prior checkpoint (format {found!r}, expected {FORMAT!r})")
    if data.get("version") != VERSION:
        raise CheckpointError(f"{path}: pose prior checkpoint version {data.get('version')!r} is not supported "
                              f"(this pasyn reads version {VERSION}); refit with `pasyn prior fit`")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise CheckpointError(f"{path}: pose prior checkpoint lacks {', '.join(missing)}")
    return data
