"""Experiment configs: one YAML file answers "does synthetic data help for my animal?".

    name: zebra-dev-cpu
    seed: 0
    real:                                  # the few real labelled images (R)
      train: {ann: PATH, images: DIR}
      tests: {test_300: {ann: PATH, images: DIR}, heldout: {synthetic: T}}   # or a synthetic set
    prior: {method: vae, models: farm}     # vae | uniform | gaussian | replay | pasyn-legs
    render: {size: 256, samples: 8}
    stylize: {method: color, size: 256, backgrounds: PATH}
    synthetic:                             # named synthetic sets, each from one or more models
      S3K: {models: [zebra], n: 3000}
      S2K: {models: [horse, cow, dog], n: 2000}
    train_sets:                            # rows of the results table: lists of sources (R or synthetic names)
      R99: [R]
      R99+S3K: [R, S3K]
    pose: {preset: cpu, num_samples: 40000, real_ratio: 0.3}   # other keys: any pose preset field
    # strategy: mix (default: R and S sampled together, R at real_ratio) | finetune (train on S alone, then
    # fine-tune on R for finetune_samples)
    ablations:                             # extra rows: a train set built with other settings
      R99+S3K-uniform: {train_set: R99+S3K, prior: {method: uniform}}

Relative paths are relative to the directory the command runs in (the project root for committed configs).
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PRIOR_METHODS = ("vae", "uniform", "gaussian", "replay", "pasyn-legs", "clips")
STYLIZE_METHODS = ("paste", "color", "neural")
TRAIN_STRATEGIES = ("mix", "finetune")


class ConfigError(ValueError):
    """A config file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Split:
    ann: Path
    images: Path


@dataclass(frozen=True)
class SyntheticSet:
    name: str
    models: tuple[str, ...]
    n: int


@dataclass
class ExperimentConfig:
    name: str
    seed: int
    real_train: Split | None
    tests: dict[str, Split | str]  # a file pair, or the name of a (single-model) synthetic set
    prior: dict
    render: dict
    stylize: dict
    synthetic: dict[str, SyntheticSet]
    train_sets: dict[str, tuple[str, ...]]
    pose: dict
    ablations: dict[str, dict] = field(default_factory=dict)
    path: str = "<memory>"

    def variant(self, overrides: dict) -> "ExperimentConfig":
        """A copy with `prior`, `render`, `stylize` or `pose` entries updated (for ablations)."""
        other = copy.deepcopy(self)
        for section in ("prior", "render", "stylize", "pose"):
            getattr(other, section).update(overrides.get(section, {}))
        return other


def _need(data: dict, key: str, kind, where: str, path):
    if key not in data:
        raise ConfigError(f"{path}: {where}: missing {key!r}")
    if not isinstance(data[key], kind):
        raise ConfigError(f"{path}: {where}.{key}: expected {getattr(kind, '__name__', kind)}, "
                          f"got {type(data[key]).__name__}")
    return data[key]


def _split(data, where, path) -> Split:
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {where}: expected a mapping with 'ann' and 'images'")
    return Split(Path(_need(data, "ann", str, where, path)), Path(_need(data, "images", str, where, path)))


def parse_config(data: dict, path: str | os.PathLike = "<memory>") -> ExperimentConfig:
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    real = data.get("real") or {}
    tests = {name: s["synthetic"] if isinstance(s, dict) and "synthetic" in s else
             _split(s, f"real.tests.{name}", path) for name, s in (real.get("tests") or {}).items()}
    if not tests:
        raise ConfigError(f"{path}: real.tests: at least one test set is needed")
    prior = dict(data.get("prior") or {"method": "vae"})
    if prior.get("method") not in PRIOR_METHODS:
        raise ConfigError(f"{path}: prior.method {prior.get('method')!r} not in {PRIOR_METHODS}")
    stylize = dict(data.get("stylize") or {})
    if stylize.get("method", "color") not in STYLIZE_METHODS:
        raise ConfigError(f"{path}: stylize.method {stylize.get('method')!r} not in {STYLIZE_METHODS}")
    pose = dict(data.get("pose") or {})
    if pose.get("strategy", "mix") not in TRAIN_STRATEGIES:
        raise ConfigError(f"{path}: pose.strategy {pose.get('strategy')!r} not in {TRAIN_STRATEGIES}")
    synthetic = {}
    for name, spec in (data.get("synthetic") or {}).items():
        where = f"synthetic.{name}"
        models = _need(spec, "models", list, where, path)
        n = _need(spec, "n", int, where, path)
        if n <= 0 or not models:
            raise ConfigError(f"{path}: {where}: needs n > 0 and at least one model")
        synthetic[name] = SyntheticSet(name, tuple(str(m) for m in models), n)
    for name, test in tests.items():
        if isinstance(test, str) and (test not in synthetic or len(synthetic[test].models) != 1):
            raise ConfigError(f"{path}: real.tests.{name}: {test!r} is not a single-model synthetic set")
    known_sources = {"R"} | set(synthetic)
    train_sets = {}
    for name, sources in (data.get("train_sets") or {}).items():
        if not isinstance(sources, list) or not sources:
            raise ConfigError(f"{path}: train_sets.{name}: expected a non-empty list of sources")
        unknown = [s for s in sources if s not in known_sources]
        if unknown:
            raise ConfigError(f"{path}: train_sets.{name}: unknown sources {unknown} (known: {sorted(known_sources)})")
        if "R" in sources and "train" not in real:
            raise ConfigError(f"{path}: train_sets.{name} uses R but real.train is not given")
        train_sets[name] = tuple(sources)
    if not train_sets:
        raise ConfigError(f"{path}: train_sets: at least one train set is needed")
    ablations = {}
    for name, spec in (data.get("ablations") or {}).items():
        base = _need(spec, "train_set", str, f"ablations.{name}", path)
        if base not in train_sets:
            raise ConfigError(f"{path}: ablations.{name}.train_set {base!r} is not a train set")
        if name in train_sets:
            raise ConfigError(f"{path}: ablations.{name}: the name is already a train set")
        extra = set(spec) - {"train_set", "prior", "render", "stylize", "pose"}
        if extra:
            raise ConfigError(f"{path}: ablations.{name}: unknown keys {sorted(extra)}")
        ablations[name] = spec
    return ExperimentConfig(
        name=str(data.get("name") or Path(str(path)).stem), seed=int(data.get("seed", 0)),
        real_train=_split(real["train"], "real.train", path) if "train" in real else None, tests=tests,
        prior=prior, render=dict(data.get("render") or {}), stylize=stylize, synthetic=synthetic,
        train_sets=train_sets, pose=pose, ablations=ablations, path=str(path),
    )


def load_config(path: str | os.PathLike) -> ExperimentConfig:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"experiment config not found: {path}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None
    return parse_config(data, path)
