import json

import numpy as np
import torch

from pasyn.pose.data import Source
from pasyn.pose.train import train


def test_resume_continues_exactly_like_an_uninterrupted_run(animal_set, tiny_config, tmp_path):
    ann, images = animal_set
    source = Source(ann, images)
    config = tiny_config(batch_size=4, num_samples=32, checkpoint_every=3, log_every=1)  # 8 steps
    train(config, [source], tmp_path / "whole", progress=False)
    stopped = train(config, [source], tmp_path / "split", max_steps=5, progress=False)
    assert stopped["steps"] == 5 and not (tmp_path / "split" / "model.pt").exists()
    # a run stopped by max_steps checkpoints where it stops
    assert torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=False)["step"] == 5
    resumed = train(config, [source], tmp_path / "split", progress=False)
    assert resumed["steps"] == 8
    whole = torch.load(tmp_path / "whole" / "checkpoint.pt", weights_only=False)
    split = torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=False)
    assert split["step"] == whole["step"] == 8
    for name, value in whole["model"].items():
        torch.testing.assert_close(split["model"][name], value, rtol=0, atol=0, msg=name)
    assert split["optimizer"]["state"][0]["step"] == whole["optimizer"]["state"][0]["step"]
    torch.testing.assert_close(split["optimizer"]["state"][0]["exp_avg"], whole["optimizer"]["state"][0]["exp_avg"])
    log = [json.loads(line) for line in (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()]
    assert [e["step"] for e in log] == list(range(1, 9))


def test_resume_with_other_settings_is_refused(animal_set, tiny_config, tmp_path):
    ann, images = animal_set
    train(tiny_config(batch_size=4, num_samples=16), [Source(ann, images)], tmp_path, max_steps=1, progress=False)
    try:
        train(tiny_config(batch_size=4, num_samples=16, lr=1.0), [Source(ann, images)], tmp_path, progress=False)
    except ValueError as err:
        assert "other settings" in str(err)
    else:
        raise AssertionError("resuming with another lr must fail")


def test_overfits_32_images(animal_set, tiny_config, tmp_path):
    """The whole loop learns: data -> targets -> model -> loss -> decode -> PCK@0.05 on the training images."""
    ann, images = animal_set
    source = Source(ann, images)
    config = tiny_config(num_samples=2000, checkpoint_every=10**6, log_every=25)
    result = train(config, [source], tmp_path, val=source, progress=False)
    log = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert log[-1]["loss"] < 0.2 * log[0]["loss"]
    assert result["val"]["pck_thr"] == 0.05
    assert result["val"]["pck"]["Average"] > 90, result["val"]["pck"]
    preds = json.loads((tmp_path / "val_predictions.json").read_text())
    assert len(preds) == 32 and np.isfinite(preds[0]["keypoints"]).all()


def test_init_starts_from_another_runs_model_and_checks_its_architecture(animal_set, tiny_config, tmp_path):
    ann, images = animal_set
    source = Source(ann, images)
    train(tiny_config(batch_size=4, num_samples=8), [source], tmp_path / "pre", progress=False)
    pre = torch.load(tmp_path / "pre" / "model.pt", weights_only=False)["model"]
    # zero steps of fine-tuning are not possible, so stop after the first one and compare with the start
    train(tiny_config(batch_size=4, num_samples=8, lr=1e-9), [source], tmp_path / "ft",
          init=tmp_path / "pre" / "model.pt", max_steps=1, progress=False)
    ft = torch.load(tmp_path / "ft" / "checkpoint.pt", weights_only=False)
    assert ft["init"] == str(tmp_path / "pre" / "model.pt")
    name = next(k for k in pre if k.endswith("weight") and pre[k].dim() == 4)
    torch.testing.assert_close(ft["model"][name], pre[name], rtol=0, atol=1e-6)
    try:
        train(tiny_config(batch_size=4, num_samples=8, head_channels=16), [source], tmp_path / "bad",
              init=tmp_path / "pre" / "model.pt", progress=False)
    except ValueError as err:
        assert "model.pt" in str(err) and "head_channels" in str(err)
    else:
        raise AssertionError("an init checkpoint with another head must be refused")
