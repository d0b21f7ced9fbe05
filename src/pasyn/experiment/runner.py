"""Run an experiment: prior -> synthetic sets (render, stylize) -> one pose model per train set -> evaluation.

Every stage runs as its own `pasyn` command in a subprocess (one Blender or torch process at a time, its log
under RUN/logs/) and writes its result atomically; a stage whose result exists is reused, so an interrupted
experiment picks up where it stopped. Stage folders are keyed by a hash of the settings that shape them, so an
ablation that changes the prior re-renders, while one that changes only training reuses the synthetic data.

Layout of RUN/:
    prior/<key>/prior.pt                   fitted prior (when the method needs fitting)
    renders/<set>-<key>/<model>/           rendered RGBA set per model (keyed without the stylize settings)
    synthetic/<set>-<key>/<model>/final/   stylized set per model
    train/<row>-<key>/                     pose model (checkpoint, metrics log); with the finetune strategy
                                           also train/<synthetic sets>-<key>/, the pretrained model
    eval/<row>-<key>/<test>.json           evaluation per test set
    stage_times.json                       wall-clock seconds of each stage when it ran (reused ones keep theirs)
    results.json, report.md, figures/      the table, the report and its pictures
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pasyn.data.coco import write_json_atomic
from pasyn.experiment.config import ExperimentConfig


class StageFailed(RuntimeError):
    """A stage's command failed; the message names the command and its log."""


def settings_key(*parts) -> str:
    """Short stable hash of JSON-able settings."""
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:8]


@dataclass
class Runner:
    config: ExperimentConfig
    run_dir: Path
    echo: callable = print

    def __post_init__(self):
        self.run_dir = Path(self.run_dir)
        (self.run_dir / "logs").mkdir(parents=True, exist_ok=True)

    # -- plumbing ---------------------------------------------------------------------------------------
    def _pasyn(self, name: str, args: list, done: Path) -> Path:
        """Run `pasyn ARGS` unless `done` exists; the command itself must write `done` last and atomically."""
        if done.exists():
            self.echo(f"  reuse  {name}")
            return done
        log = self.run_dir / "logs" / f"{name.replace('/', '_')}.log"
        cmd = [sys.executable, "-m", "pasyn.cli", *map(str, args)]
        self.echo(f"  run    {name}  (log: {log})")
        start = time.time()
        env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", PYTHONUNBUFFERED="1")
        with open(log, "w") as f:
            f.write("$ " + " ".join(cmd) + "\n")
            f.flush()
            result = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
        if result.returncode != 0 or not done.exists():
            tail = log.read_text().splitlines()[-15:]
            raise StageFailed(f"stage {name} failed (exit {result.returncode}): {' '.join(cmd)}\n"
                              f"log {log}:\n" + "\n".join(tail))
        seconds = time.time() - start
        self.echo(f"  done   {name}  ({seconds:.0f} s)")
        times_path = self.run_dir / "stage_times.json"
        times = json.loads(times_path.read_text()) if times_path.is_file() else {}
        write_json_atomic(times_path, dict(times, **{name: round(seconds, 1)}), indent=1)
        return done

    # -- stages -----------------------------------------------------------------------------------------
    def prior(self, cfg: ExperimentConfig) -> str:
        """The `--pose` argument for the renderer; fits the prior first when the method learns one."""
        method = cfg.prior["method"]
        if method == "clips":
            return "clips"
        key = settings_key(cfg.prior, cfg.seed)
        out = self.run_dir / "prior" / f"{method}-{key}" / "prior.pt"
        args = ["prior", "fit", "--models", cfg.prior.get("models", "builtin"), "--method", method,
                "--seed", cfg.seed, "--out", out]
        if "steps" in cfg.prior:
            args += ["--steps", cfg.prior["steps"]]
        self._pasyn(f"prior/{method}-{key}", args, out)
        return f"prior:{out}"

    def synthetic(self, cfg: ExperimentConfig, set_name: str) -> list[tuple[Path, Path]]:
        """Render and stylize one synthetic set; returns its (annotations.json, image folder) per model."""
        spec = cfg.synthetic[set_name]
        pose = self.prior(cfg)
        key = settings_key(spec.models, spec.n, cfg.prior, cfg.render, cfg.stylize, cfg.seed)
        base = self.run_dir / "synthetic" / f"{set_name}-{key}"
        # Renders do not depend on the stylize settings: keyed without them, a stylize ablation reuses them.
        render_key = settings_key(spec.models, spec.n, cfg.prior, cfg.render, cfg.seed)
        outputs = []
        for m, model in enumerate(spec.models):
            # Split n over the models; each model's seed differs so no two share a sample stream.
            n = spec.n // len(spec.models) + (1 if m < spec.n % len(spec.models) else 0)
            folder = base / model.replace("/", "__")
            # Each (set, model) draws its own sample stream, so a held-out set never repeats a training sample.
            seed = int(settings_key(cfg.seed, set_name, model), 16) % 2**31
            render = self.run_dir / "renders" / f"{set_name}-{render_key}" / model.replace("/", "__")
            self._pasyn(f"render/{set_name}-{render_key}/{model}", [
                "render", "--model", model, "-n", n, "--size", cfg.render.get("size", 256), "--seed", seed,
                "--samples", cfg.render.get("samples", 8), "--workers", cfg.render.get("workers", 2),
                "--pose", pose, "--out", render], render / "annotations.json")
            final = folder / "final"
            args = ["stylize", "--renders", render, "--backgrounds", self.backgrounds(cfg),
                    "--method", cfg.stylize.get("method", "color"), "--size", cfg.stylize.get("size", 256),
                    "--seed", seed, "--out", final, "--workers", cfg.stylize.get("workers", 2)]
            self._pasyn(f"stylize/{set_name}-{key}/{model}", args, final / "annotations.json")
            outputs.append((final / "annotations.json", final))
        return outputs

    def backgrounds(self, cfg: ExperimentConfig) -> Path:
        """The background photo folder; `hdri` cuts views from the HDRIs that ship with bpy."""
        source = str(cfg.stylize.get("backgrounds", "hdri"))
        if source != "hdri":
            return Path(source)
        from pasyn.stylize.hdri_backgrounds import builtin_hdri_dir, make_hdri_backgrounds
        folder = self.run_dir / "backgrounds"
        outdoor = [builtin_hdri_dir() / f"{n}.exr" for n in ("city", "courtyard", "forest", "night", "sunrise",
                                                              "sunset")]
        make_hdri_backgrounds(outdoor, folder, n=48, seed=cfg.seed)
        return folder

    def train(self, cfg: ExperimentConfig, row: str, sources: tuple[str, ...]) -> Path:
        """The row's model.pt. With `pose.strategy: finetune` and a train set that mixes R with synthetic sets,
        the model is first trained on the synthetic sets alone (the same stage as an S-only row, so it is shared),
        then fine-tuned on R for `pose.finetune_samples`; otherwise all sources are mixed in one run."""
        pose = {k: v for k, v in cfg.pose.items() if k not in ("strategy", "finetune_samples")}
        strategy = cfg.pose.get("strategy", "mix")
        synthetic_sets = tuple(s for s in sources if s != "R")
        if strategy == "finetune" and "R" in sources and synthetic_sets:
            pretrained = self._train_stage(cfg, pose, "+".join(synthetic_sets), synthetic_sets)
            finetune = dict(pose, **({"num_samples": cfg.pose["finetune_samples"]} if "finetune_samples" in cfg.pose
                                     else {}))
            return self._train_stage(cfg, finetune, row, ("R",), init=pretrained)
        return self._train_stage(cfg, pose, row, sources)

    def _train_stage(self, cfg: ExperimentConfig, pose: dict, name: str, sources: tuple[str, ...],
                     init: Path | None = None) -> Path:
        specs = []
        synthetic_weight = 1.0 - pose.get("real_ratio", 0.3) if "R" in sources else 1.0
        synthetic_sets = [s for s in sources if s != "R"]
        if "R" in sources:
            share = 1.0 if not synthetic_sets else pose.get("real_ratio", 0.3)
            specs.append(f"{cfg.real_train.ann}:{cfg.real_train.images}:{share}")
        for set_name in synthetic_sets:
            parts = self.synthetic(cfg, set_name)
            # Within the synthetic share, each set weighs by its size, each model's part equally.
            set_share = synthetic_weight * cfg.synthetic[set_name].n / sum(cfg.synthetic[s].n for s in synthetic_sets)
            specs += [f"{ann}:{images}:{set_share / len(parts)}" for ann, images in parts]
        # Runs without init keep the keys they had before init existed, so their folders stay reusable.
        key = settings_key(specs, pose, cfg.seed) if init is None else settings_key(specs, pose, cfg.seed, str(init))
        out = self.run_dir / "train" / f"{name}-{key}"
        args = ["pose", "train", "--preset", pose.get("preset", "cpu"), "--seed", cfg.seed, "--out", out]
        if init is not None:
            args += ["--init", init]
        # Any other pose entry is a preset field (num_samples, backbone, input_size, ...).
        for field, value in pose.items():
            if field not in ("preset", "real_ratio"):
                args += ["--set", f"{field}={value}"]
        for spec in specs:
            args += ["--source", spec]
        return self._pasyn(f"train/{name}-{key}", args, out / "model.pt")

    def test_split(self, test: str) -> tuple[Path, Path]:
        split = self.config.tests[test]
        if isinstance(split, str):  # a held-out synthetic set, made with the main settings
            return self.synthetic(self.config, split)[0]
        return split.ann, split.images

    def evaluate(self, row: str, checkpoint: Path, test: str) -> dict:
        ann, images = self.test_split(test)
        out = self.run_dir / "eval" / checkpoint.parent.name / f"{test}.json"
        self._pasyn(f"eval/{checkpoint.parent.name}/{test}", [
            "pose", "eval", "--checkpoint", checkpoint, "--ann", ann, "--images", images,
            "--json", out, "--save-predictions", out.with_suffix(".predictions.json")], out)
        sheet = out.with_suffix(".png")
        if not sheet.exists():
            from pasyn.data.coco import read_coco
            from pasyn.eval import load_predictions, prediction_sheet
            from pasyn.viz import save_png
            gt = read_coco(ann)
            save_png(sheet, prediction_sheet(load_predictions(out.with_suffix(".predictions.json"), gt), gt, images))
        return json.loads(out.read_text())

    # -- the whole experiment ---------------------------------------------------------------------------
    def rows(self) -> dict[str, tuple[ExperimentConfig, tuple[str, ...]]]:
        """Table rows: every train set, then every ablation (its train set under changed settings)."""
        rows = {name: (self.config, sources) for name, sources in self.config.train_sets.items()}
        for name, spec in self.config.ablations.items():
            rows[name] = (self.config.variant(spec), self.config.train_sets[spec["train_set"]])
        return rows

    def run(self, only: list[str] | None = None) -> dict:
        """Every row (or the rows named in `only`); rows finished earlier are read back, not rerun."""
        rows = self.rows()
        unknown = sorted(set(only or []) - set(rows))
        if unknown:
            raise ValueError(f"{self.config.path}: no rows named {unknown}; rows: {list(rows)}")
        results = {"name": self.config.name, "config": self.config.path, "rows": {}, "per_test": {},
                   "pck_thr": 0.05}
        first_test = next(iter(self.config.tests))
        for row, (cfg, sources) in rows.items():
            if only and row not in only:
                continue
            self.echo(f"[{row}] sources: {', '.join(sources)}")
            checkpoint = self.train(cfg, row, sources)
            for test in self.config.tests:
                metrics = self.evaluate(row, checkpoint, test)
                results["per_test"].setdefault(test, {})[row] = metrics
            results["rows"][row] = dict(results["per_test"][first_test][row]["pck"],
                                        AP=results["per_test"][first_test][row].get("ap"))
            write_json_atomic(self.run_dir / "results.json", results, indent=1)
        return results
