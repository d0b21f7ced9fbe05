"""Which animals exist, and how every stage gets one: `list_animals()` and `load_animal(id)`.

Model ids: built-in procedural presets are plain names (`zebra`, `horse`, `cow`, `dog`); shared models are
`<folder>/<stem>` under a models root (e.g. `quaternius-farm/Zebra` -> ROOT/quaternius-farm/Zebra.gltf), and are
listed only when a keypoint map `src/pasyn/assets/maps/<folder>__<stem>.yaml` exists for them. A path to a
.gltf/.glb file also works as an id (its map is looked up the same way, or passed explicitly).

Models root: the `models_root` argument, else the env var PASYN_MODELS, else `../shared/assets/models` relative to
the current directory when it exists.
"""
from __future__ import annotations

import copy
import functools
import importlib
import os
from pathlib import Path

from pasyn.assets.gltf import load_gltf
from pasyn.assets.keypoint_map import KeypointMap, load_keypoint_map
from pasyn.assets.model import AnimalModel

MAPS_DIR = Path(__file__).resolve().parent / "maps"
MODEL_SUFFIXES = (".gltf", ".glb")
MODELS_ENV = "PASYN_MODELS"


def default_models_root() -> Path | None:
    if os.environ.get(MODELS_ENV):
        return Path(os.environ[MODELS_ENV])
    shared = Path("..") / "shared" / "assets" / "models"
    return shared if shared.is_dir() else None


def builtin_presets() -> list[str]:
    """Procedural preset names, or [] while pasyn.assets.procedural does not exist."""
    procedural = _procedural()
    return list(procedural.PRESETS) if procedural is not None else []


def _procedural():
    try:
        return importlib.import_module("pasyn.assets.procedural")
    except ModuleNotFoundError as err:
        if err.name == "pasyn.assets.procedural":
            return None
        raise


def map_path_for(model_id: str) -> Path:
    """Where the keypoint map of a shared model id `<folder>/<stem>` lives (whether or not it exists)."""
    return MAPS_DIR / f"{model_id.replace('/', '__')}.yaml"


def _shared_models(root: Path) -> dict[str, Path]:
    """id -> file for every .gltf/.glb one folder below root."""
    found = {}
    for file in sorted(root.glob("*/*")):
        if file.suffix.lower() in MODEL_SUFFIXES and file.is_file():
            found.setdefault(f"{file.parent.name}/{file.stem}", file)
    return found


def list_animals(models_root: str | os.PathLike | None = None) -> list[str]:
    """Built-in presets first, then every shared model (under the models root) that has a keypoint map."""
    ids = builtin_presets()
    root = Path(models_root) if models_root is not None else default_models_root()
    if root is not None and root.is_dir():
        ids += [model_id for model_id in _shared_models(root) if map_path_for(model_id).is_file()]
    return ids


def load_animal(id_or_path: str | os.PathLike, models_root: str | os.PathLike | None = None,
                map_path: str | os.PathLike | None = None) -> tuple[AnimalModel, KeypointMap]:
    """(model, keypoint map) for a built-in preset name, a shared id `<folder>/<stem>`, or a model file path.

    The model's species comes from the map. Models are cached per process (Draco decoding and procedural
    generation are not free); each call returns its own copy, so callers may change it.
    """
    key = str(id_or_path)
    if map_path is None and key in builtin_presets():
        return copy.deepcopy(_builtin_cached(key))
    file, model_id = _resolve_model_file(key, models_root)
    kmap_file = Path(map_path) if map_path is not None else map_path_for(model_id)
    if not kmap_file.is_file():
        how = "pass --map FILE" if map_path is None else "check the path"
        raise FileNotFoundError(f"no keypoint map for model {model_id!r} at {kmap_file}; {how}")
    model, kmap = _load_cached(str(file.resolve()), file.stat().st_mtime_ns, model_id, str(kmap_file.resolve()),
                               kmap_file.stat().st_mtime_ns)
    return copy.deepcopy(model), copy.deepcopy(kmap)


def _resolve_model_file(key: str, models_root) -> tuple[Path, str]:
    as_path = Path(key)
    if as_path.suffix.lower() in MODEL_SUFFIXES:
        if not as_path.is_file():
            raise FileNotFoundError(f"model file not found: {as_path}")
        return as_path, f"{as_path.resolve().parent.name}/{as_path.stem}"
    root = Path(models_root) if models_root is not None else default_models_root()
    if root is None:
        raise FileNotFoundError(f"unknown animal {key!r}: not a built-in preset ({', '.join(builtin_presets())}) "
                                f"and no models root (set {MODELS_ENV} or pass models_root)")
    for suffix in MODEL_SUFFIXES:
        file = root / f"{key}{suffix}"
        if file.is_file():
            return file, key
    raise FileNotFoundError(f"unknown animal {key!r}: no {key}.gltf or {key}.glb under {root}; "
                            f"built-ins: {', '.join(builtin_presets()) or 'none'}")


@functools.lru_cache(maxsize=8)
def _builtin_cached(preset: str) -> tuple[AnimalModel, KeypointMap]:
    return _procedural().make_quadruped(preset=preset)


@functools.lru_cache(maxsize=32)
def _load_cached(file: str, _mtime: int, model_id: str, kmap_file: str, _kmap_mtime: int):
    model = load_gltf(file, name=model_id)
    kmap = load_keypoint_map(kmap_file, model)
    model.species = kmap.species
    return model, kmap
