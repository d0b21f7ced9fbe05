"""Keypoint maps: where the 17 AP-10K keypoints sit on a rigged model.

A map is one small YAML file per model (src/pasyn/assets/maps/<name>.yaml):

    model: quaternius-farm/Zebra.gltf     # path under a models folder
    species: zebra                        # AP-10K species name
    keypoints:                            # all 17, AP-10K names, left/right as the animal's own
      neck: {joint: Neck}                               # a joint's origin ("bone head")
      left_elbow: {joint: FrontLowLeg.L, toward: FrontFoot.L, at: 0.35}  # a point between two joints
      nose: {vertices: [812, 813]}                      # mean of skinned mesh vertices
    chains:                               # anatomical bone chains, used to retarget poses (prior stage)
      spine: [Hips, Torso, Back, Shoulders]             # pelvis -> withers
      neck: [Neck]
      head: [Head]
      tail: [Tail1, Tail2]
      front_left: [FrontUpLeg.L, FrontLowLeg.L, FrontFoot.L]   # body -> hoof, same for the other legs
      ...

Keypoints are evaluated on a posed model: (J, 4, 4) world joint transforms -> (17, 3) world points.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from pasyn.assets.model import AnimalModel
from pasyn.data.ap10k import KEYPOINT_NAMES, species_id

CHAIN_NAMES = ("spine", "neck", "head", "tail", "front_left", "front_right", "hind_left", "hind_right")


class KeypointMapError(ValueError):
    """A keypoint map is malformed or does not fit its model; the message names the file and the entry."""


@dataclass
class KeypointSpec:
    """One keypoint: a point between joint origins (joint -> toward at fraction `at`) or a vertex mean."""

    name: str
    joint: int | None = None
    toward: int | None = None
    at: float = 0.0
    vertices: np.ndarray | None = None


@dataclass
class KeypointMap:
    model: str
    species: str
    specs: list[KeypointSpec]
    chains: dict[str, list[int]] = field(default_factory=dict)
    path: str = "<builtin>"

    def locate(self, model: AnimalModel, world: np.ndarray) -> np.ndarray:
        """(J, 4, 4) world joint transforms -> (17, 3) world keypoints."""
        origins = world[:, :3, 3]
        vertex_ids = [s.vertices for s in self.specs if s.vertices is not None]
        skinned = model.skin(world, np.concatenate(vertex_ids)) if vertex_ids else None
        out = np.empty((len(self.specs), 3))
        offset = 0
        for k, spec in enumerate(self.specs):
            if spec.vertices is not None:
                out[k] = skinned[offset:offset + len(spec.vertices)].mean(axis=0)
                offset += len(spec.vertices)
            elif spec.toward is not None:
                out[k] = (1 - spec.at) * origins[spec.joint] + spec.at * origins[spec.toward]
            else:
                out[k] = origins[spec.joint]
        return out


def _resolve_joint(model: AnimalModel, name, where: str) -> int:
    if name not in model.skeleton.names:
        raise KeypointMapError(f"{where}: joint {name!r} is not in model {model.name!r} "
                               f"(joints: {', '.join(model.skeleton.names)})")
    return model.skeleton.names.index(name)


def parse_keypoint_map(data: dict, model: AnimalModel, path: str | os.PathLike = "<memory>") -> KeypointMap:
    """Validate a map dict against its model and resolve names to indices."""
    if not isinstance(data, dict):
        raise KeypointMapError(f"{path}: expected a mapping at the top level")
    species = data.get("species")
    try:
        species_id(str(species))
    except ValueError as err:
        raise KeypointMapError(f"{path}: species: {err}") from None
    entries = data.get("keypoints")
    if not isinstance(entries, dict):
        raise KeypointMapError(f"{path}: missing 'keypoints' mapping")
    missing = [n for n in KEYPOINT_NAMES if n not in entries]
    if missing:
        raise KeypointMapError(f"{path}: keypoints missing from the map: {', '.join(missing)}")
    unknown = [n for n in entries if n not in KEYPOINT_NAMES]
    if unknown:
        raise KeypointMapError(f"{path}: unknown keypoint names (not AP-10K): {', '.join(map(str, unknown))}")

    specs = []
    n_vertices = len(model.mesh.vertices)
    for name in KEYPOINT_NAMES:
        entry, where = entries[name], f"{path}: keypoints.{name}"
        if not isinstance(entry, dict) or ("joint" in entry) == ("vertices" in entry):
            raise KeypointMapError(f"{where}: give exactly one of 'joint' or 'vertices', got {entry!r}")
        if "vertices" in entry:
            ids = entry["vertices"]
            if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
                raise KeypointMapError(f"{where}: 'vertices' must be a non-empty list of integers")
            bad = [i for i in ids if not 0 <= i < n_vertices]
            if bad:
                raise KeypointMapError(f"{where}: vertex ids {bad} out of range (model has {n_vertices})")
            specs.append(KeypointSpec(name, vertices=np.array(ids)))
            continue
        at = entry.get("at", 0.0)
        if not isinstance(at, (int, float)) or not np.isfinite(at):
            raise KeypointMapError(f"{where}: 'at' must be a finite number, got {at!r}")
        toward = entry.get("toward")
        specs.append(KeypointSpec(
            name, joint=_resolve_joint(model, entry["joint"], where),
            toward=None if toward is None else _resolve_joint(model, toward, where), at=float(at),
        ))

    chains = {}
    for chain, bones in (data.get("chains") or {}).items():
        where = f"{path}: chains.{chain}"
        if chain not in CHAIN_NAMES:
            raise KeypointMapError(f"{where}: unknown chain (known: {', '.join(CHAIN_NAMES)})")
        if not isinstance(bones, list) or not bones:
            raise KeypointMapError(f"{where}: must be a non-empty list of joint names")
        chains[chain] = [_resolve_joint(model, b, where) for b in bones]
    return KeypointMap(model=str(data.get("model", model.name)), species=str(species), specs=specs,
                       chains=chains, path=str(path))


def load_keypoint_map(path: str | os.PathLike, model: AnimalModel) -> KeypointMap:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"keypoint map not found: {path}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise KeypointMapError(f"{path}: not valid YAML: {err}") from None
    return parse_keypoint_map(data, model, path)
