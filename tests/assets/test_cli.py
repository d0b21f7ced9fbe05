"""`pasyn assets list | check | preview` through click's CliRunner."""
import cv2
import numpy as np
import yaml
from click.testing import CliRunner

from pasyn.assets.cli import cli
from pasyn.assets.registry import builtin_presets, map_path_for


def test_help_everywhere():
    runner = CliRunner()
    for args in ([], ["list"], ["check"], ["preview"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, args


def test_check_without_ids_is_a_usage_error():
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 2 and "--all" in result.output


def test_unknown_model_fails_cleanly(tmp_path):
    result = CliRunner().invoke(cli, ["check", "nosuch/Animal", "--models-root", str(tmp_path)])
    assert result.exit_code == 1
    assert "FAIL nosuch/Animal" in result.output and "no nosuch/Animal.gltf" in result.output


def test_list_prints_builtins_first_and_only_mapped_models(models_root):
    result = CliRunner().invoke(cli, ["list", "--models-root", str(models_root)])
    assert result.exit_code == 0
    ids = result.output.split()
    assert ids[:len(builtin_presets())] == builtin_presets()
    shared = ids[len(builtin_presets()):]
    assert "quaternius-farm/Zebra" in shared and "quaternius-animals/Horse" in shared
    assert all(map_path_for(i).is_file() for i in shared)


def test_check_all_passes_on_every_listed_model(models_root):
    result = CliRunner().invoke(cli, ["check", "--all", "--models-root", str(models_root)])
    lines = [line for line in result.output.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert len(lines) >= 19
    assert result.exit_code == 0, result.output


def test_check_with_a_swapped_map_fails(models_root, tmp_path):
    data = yaml.safe_load(map_path_for("quaternius-farm/Zebra").read_text())
    kp = data["keypoints"]
    kp["left_eye"], kp["right_eye"] = kp["right_eye"], kp["left_eye"]
    swapped = tmp_path / "swapped.yaml"
    swapped.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(cli, ["check", "quaternius-farm/Zebra", "--models-root", str(models_root),
                                      "--map", str(swapped)])
    assert result.exit_code == 1
    assert "FAIL quaternius-farm/Zebra" in result.output and "left_eye" in result.output


def test_preview_writes_a_picture(models_root, tmp_path):
    out = tmp_path / "zebra.png"
    result = CliRunner().invoke(cli, ["preview", "quaternius-farm/Zebra", "--models-root", str(models_root),
                                      "--out", str(out), "--clip", "rest", "--clip", "Walk", "--frames", "2"])
    assert result.exit_code == 0, result.output
    image = cv2.imread(str(out))
    assert image is not None and image.shape[0] > 300
    # the animal is drawn: many pixels are neither the tiles' light background nor the sheet's dark one
    pixels = image.reshape(-1, 3).astype(int)
    light = np.abs(pixels - [230, 236, 236]).sum(axis=1) < 12  # BGR of the tile background
    dark = np.abs(pixels - 24).sum(axis=1) < 12
    assert (~light & ~dark).mean() > 0.05
    keypoint_red = (np.abs(pixels - [40, 40, 230]).sum(axis=1) < 30).sum()  # left side keypoints, BGR
    assert keypoint_red > 50
