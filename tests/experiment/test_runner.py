"""The experiment's orchestration: which stages run, which are reused, what the table holds.

Stage commands are replaced by a fake that records them and writes their result files, so these tests check the
runner's logic (keys, reuse after an interruption, ablations, the results table) without rendering or training.
"""
import json

import pytest

from pasyn.experiment.config import ConfigError, parse_config
from pasyn.experiment.runner import Runner, StageFailed

CONFIG = {
    "name": "t",
    "real": {"train": {"ann": "r.json", "images": "imgs"}, "tests": {"test": {"ann": "t.json", "images": "imgs"}}},
    "prior": {"method": "vae", "models": "builtin"},
    "synthetic": {"S": {"models": ["zebra"], "n": 10}, "O": {"models": ["horse", "cow"], "n": 5}},
    "train_sets": {"R": ["R"], "R+S": ["R", "S"], "R+S+O": ["R", "S", "O"]},
    "pose": {"preset": "cpu", "real_ratio": 0.25},
    "ablations": {"R+S-uniform": {"train_set": "R+S", "prior": {"method": "uniform"}},
                  "R+S-longer": {"train_set": "R+S", "pose": {"num_samples": 99}},
                  "R+S-paste": {"train_set": "R+S", "stylize": {"method": "paste"}}},
}


class FakeStages(Runner):
    """Records each stage instead of running it; fails on demand to simulate an interruption."""

    def __post_init__(self):
        super().__post_init__()
        self.calls, self.fail_at = [], None

    def _pasyn(self, name, args, done):
        if done.exists():
            return done
        if self.fail_at is not None and name.startswith(self.fail_at):
            raise StageFailed(f"stage {name} failed")
        self.calls.append((name, [str(a) for a in args]))
        done.parent.mkdir(parents=True, exist_ok=True)
        if name.startswith("eval/"):
            row_avg = 50.0 + len(self.calls)
            done.write_text(json.dumps({"pck": {"Average": row_avg}, "pck_thr": 0.05, "ap": 0.5}))
            done.with_suffix(".png").write_bytes(b"")  # the prediction sheet, drawn from real predictions only
        else:
            done.write_text("{}")
        return done


def test_runs_every_stage_once_then_reuses_all(tmp_path):
    runner = FakeStages(parse_config(CONFIG), tmp_path, echo=lambda *_: None)
    runner.fail_at = "train/R+S+O"  # interrupted in the middle
    with pytest.raises(StageFailed):
        runner.run()
    done_before = [name for name, _ in runner.calls]
    runner.fail_at, runner.calls = None, []
    results = runner.run()
    rerun = [name for name, _ in runner.calls]
    assert not set(rerun) & set(done_before), "finished stages must be reused after an interruption"
    assert list(results["rows"]) == ["R", "R+S", "R+S+O", "R+S-uniform", "R+S-longer", "R+S-paste"]
    runner.calls = []
    runner.run()
    assert runner.calls == [], "a finished experiment reruns nothing"


def test_stage_keys_follow_the_settings_that_shape_them(tmp_path):
    runner = FakeStages(parse_config(CONFIG), tmp_path, echo=lambda *_: None)
    runner.run()
    names = [name for name, _ in runner.calls]
    assert sum(n.startswith("prior/vae") for n in names) == 1 and sum(n.startswith("prior/uniform") for n in names) == 1
    # S rendered twice (vae and uniform prior); O's two models once each; the training-only and the stylize-only
    # ablations reuse the renders, and only the stylize-only one stylizes again.
    assert sum(n.startswith("render/S-") for n in names) == 2
    assert sum(n.startswith("render/O-") for n in names) == 2
    assert sum(n.startswith("stylize/S-") for n in names) == 3
    assert sum(n.startswith("train/") for n in names) == 6
    train_args = dict(runner.calls)[next(n for n in names if n.startswith("train/R+S+O"))]
    sources = [train_args[i + 1] for i, a in enumerate(train_args) if a == "--source"]
    ratios = [float(s.rsplit(":", 1)[1]) for s in sources]
    assert ratios[0] == pytest.approx(0.25) and sum(ratios) == pytest.approx(1.0)
    # O (5 images over two models) weighs half as much as S (10 images), split equally between its models.
    assert ratios[1] == pytest.approx(0.75 * 10 / 15) and ratios[2] == pytest.approx(ratios[3])
    render_seeds = {a[a.index("--seed") + 1] for n, a in runner.calls if n.startswith("render/")}
    assert len(render_seeds) == 3, "each (set, model) has its own sample stream"


@pytest.mark.parametrize("change, message", [
    (lambda c: c["train_sets"].update(X=["R", "nope"]), "unknown sources"),
    (lambda c: c["prior"].update(method="random"), "prior.method"),
    (lambda c: c["real"].pop("tests"), "at least one test set"),
    (lambda c: c["synthetic"]["S"].update(n="many"), "synthetic.S.n"),
    (lambda c: c["ablations"].update(bad={"train_set": "missing"}), "is not a train set"),
    (lambda c: c["real"]["tests"].update(h={"synthetic": "O"}), "single-model synthetic set"),
])
def test_config_errors_name_the_key(change, message):
    config = json.loads(json.dumps(CONFIG))
    change(config)
    with pytest.raises(ConfigError, match=message):
        parse_config(config, "exp.yaml")


def test_only_runs_the_named_rows(tmp_path):
    runner = FakeStages(parse_config(CONFIG), tmp_path, echo=lambda *_: None)
    results = runner.run(only=["R+S"])
    assert list(results["rows"]) == ["R+S"]
    assert not any(name.startswith("render/O-") for name, _ in runner.calls)
    with pytest.raises(ValueError, match="no rows named"):
        runner.run(only=["nope"])


def test_finetune_strategy_pretrains_on_synthetic_once_and_fine_tunes_on_real(tmp_path):
    config = json.loads(json.dumps(CONFIG))
    config["train_sets"]["S"] = ["S"]
    config["pose"].update(strategy="finetune", finetune_samples=123)
    config["ablations"] = {"R+S-mix": {"train_set": "R+S", "pose": {"strategy": "mix"}}}
    runner = FakeStages(parse_config(config), tmp_path, echo=lambda *_: None)
    runner.run()
    trains = [(n, a) for n, a in runner.calls if n.startswith("train/")]
    names = [n for n, _ in trains]
    # R; S (shared by the S row and R+S's pretraining); R+S fine-tuned; S+O pretraining; R+S+O fine-tuned; the mix row.
    assert len(names) == 6 and sum(n.startswith("train/S-") for n in names) == 1
    finetuned = dict(trains)[next(n for n in names if n.startswith("train/R+S-") and "mix" not in n)]
    pretrained = next(n for n in names if n.startswith("train/S-")).removeprefix("train/")
    assert finetuned[finetuned.index("--init") + 1].endswith(f"train/{pretrained}/model.pt")
    sources = [finetuned[i + 1] for i, a in enumerate(finetuned) if a == "--source"]
    assert sources == ["r.json:imgs:1.0"], "fine-tuning sees the real images only"
    assert "num_samples=123" in finetuned and not any(a.startswith(("strategy", "finetune")) for a in finetuned)
    mixed = dict(trains)[next(n for n in names if n.startswith("train/R+S-mix"))]
    assert "--init" not in mixed and sum(a == "--source" for a in mixed) == 2
    assert any(n.startswith("train/S+O-") for n in names)


def test_unknown_strategy_is_a_config_error():
    config = json.loads(json.dumps(CONFIG))
    config["pose"]["strategy"] = "sequential"
    with pytest.raises(ConfigError, match="pose.strategy"):
        parse_config(config, "exp.yaml")


def test_stage_times_are_kept_and_reported(tmp_path, monkeypatch):
    import subprocess

    from pasyn.experiment.report import write_experiment_report

    def fake_run(cmd, **_):
        out = cmd[cmd.index("--out") + 1]
        (tmp_path / out).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / out).write_text("{}")
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr("pasyn.experiment.runner.subprocess.run", fake_run)
    runner = Runner(parse_config(CONFIG), tmp_path / "run", echo=lambda *_: None)
    runner._pasyn("prior/x", ["prior", "fit", "--out", "p.pt"], tmp_path / "p.pt")
    runner._pasyn("render/y", ["render", "--out", "r.json"], tmp_path / "r.json")
    runner._pasyn("render/y", ["render", "--out", "r.json"], tmp_path / "r.json")  # reused: keeps its time
    times = json.loads((tmp_path / "run" / "stage_times.json").read_text())
    assert list(times) == ["prior/x", "render/y"] and all(t >= 0 for t in times.values())
    report = write_experiment_report(tmp_path / "run", {"name": "t", "config": "c", "per_test": {}, "rows": {}})
    assert "## Stage times" in report.read_text() and "| render/y |" in report.read_text()
