import json

from click.testing import CliRunner

from pasyn.data.coco import read_coco
from pasyn.pose.cli import cli


def test_eval_scores_a_results_file(animal_set, tmp_path):
    ann, _ = animal_set
    gt = read_coco(ann)
    perfect = [{"image_id": a["image_id"], "category_id": a["category_id"], "keypoints": a["keypoints"],
                "score": 1.0} for a in gt.annotations]
    (tmp_path / "pred.json").write_text(json.dumps(perfect))
    out = tmp_path / "metrics.json"
    result = CliRunner().invoke(cli, ["eval", "--predictions", str(tmp_path / "pred.json"), "--ann", str(ann),
                                      "--json", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(out.read_text())
    assert metrics["pck"]["Average"] == 100.0 and metrics["pck_thr"] == 0.05 and metrics["ap"] > 0.99
    assert "Average" in result.output


def test_train_predict_eval_with_a_checkpoint(animal_set, tmp_path):
    ann, images = animal_set
    run = tmp_path / "run"
    args = ["train", "--source", f"{ann}:{images}:1", "--out", str(run), "--set", "backbone=lcnet_050",
            "--set", "input_size=64", "--set", "heatmap_size=16", "--set", "num_samples=8", "--set", "batch_size=4",
            "--set", "head_channels=8", "--set", "aug.scale_range=[0.9, 1.1]"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (run / "model.pt").is_file()
    result = CliRunner().invoke(cli, ["predict", "--checkpoint", str(run / "model.pt"), "--ann", str(ann),
                                      "--images", str(images), "--out", str(tmp_path / "pred.json"),
                                      "--sheet", str(tmp_path / "sheet.png")])
    assert result.exit_code == 0, result.output
    assert len(json.loads((tmp_path / "pred.json").read_text())) == 32
    assert (tmp_path / "sheet.png").stat().st_size > 1000
    out = tmp_path / "metrics.json"
    result = CliRunner().invoke(cli, ["eval", "--checkpoint", str(run / "model.pt"), "--ann", str(ann),
                                      "--images", str(images), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert set(json.loads(out.read_text())) >= {"pck", "pck_thr", "ap"}


def test_bad_arguments_are_reported_not_raised(animal_set, tmp_path):
    ann, images = animal_set
    result = CliRunner().invoke(cli, ["eval", "--ann", str(ann)])
    assert result.exit_code != 0 and "exactly one of" in result.output
    result = CliRunner().invoke(cli, ["train", "--source", f"{ann}:{images}", "--out", str(tmp_path),
                                      "--set", "no_such_field=1"])
    assert result.exit_code != 0 and "no_such_field" in result.output
    result = CliRunner().invoke(cli, ["eval", "--checkpoint", str(tmp_path / "nope.pt"), "--ann", str(ann),
                                      "--images", str(images)])
    assert result.exit_code != 0 and "nope.pt" in result.output
