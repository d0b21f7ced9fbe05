"""Anatomy checks of keypoint maps: an ideal quadruped passes, a left/right swap and other damage fail."""
import numpy as np
import pytest
import yaml

from pasyn.assets.check import check_animal, check_keypoints
from pasyn.assets.keypoint_map import parse_keypoint_map
from pasyn.assets.registry import load_animal, map_path_for
from pasyn.data.ap10k import FLIP_PAIRS, KEYPOINT_NAMES

# A standing quadruped facing +X (its left is +Y), Z up, in AP-10K order.
IDEAL = np.array([
    [2.0, 0.15, 2.0], [2.0, -0.15, 2.0], [2.4, 0.0, 1.8], [1.2, 0.0, 1.6], [-1.0, 0.0, 1.5],
    [1.0, 0.3, 1.1], [1.0, 0.3, 0.5], [1.0, 0.3, 0.02],
    [1.0, -0.3, 1.1], [1.0, -0.3, 0.5], [1.0, -0.3, 0.02],
    [-0.7, 0.3, 1.1], [-0.8, 0.3, 0.5], [-0.75, 0.3, 0.02],
    [-0.7, -0.3, 1.1], [-0.8, -0.3, 0.5], [-0.75, -0.3, 0.02],
])


def _swap_sides(points: np.ndarray) -> np.ndarray:
    swapped = points.copy()
    for a, b in FLIP_PAIRS:
        swapped[[a, b]] = points[[b, a]]
    return swapped


def _turned(points: np.ndarray, degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    return points @ rot.T + [3.0, -2.0, 0.0]


def _swapped_map_data(data: dict) -> dict:
    keypoints = dict(data["keypoints"])
    for name in KEYPOINT_NAMES:
        if name.startswith("left_"):
            twin = "right_" + name[len("left_"):]
            keypoints[name], keypoints[twin] = data["keypoints"][twin], data["keypoints"][name]
    return {**data, "keypoints": keypoints}


@pytest.mark.parametrize("degrees", [0.0, 130.0, -75.0])
def test_ideal_quadruped_passes_in_any_heading(degrees):
    assert check_keypoints(_turned(IDEAL, degrees), "ideal", ground=0.0) == []


@pytest.mark.parametrize("degrees", [0.0, 130.0])
def test_left_right_swap_fails_on_every_pair(degrees):
    failures = check_keypoints(_turned(_swap_sides(IDEAL), degrees), "swapped", ground=0.0)
    assert {f.rule for f in failures} == {"left-right"}
    assert sorted(f.keypoints for f in failures) == sorted(
        (KEYPOINT_NAMES[a], KEYPOINT_NAMES[b]) for a, b in FLIP_PAIRS)
    assert all("swapped" in str(f) and f.keypoints[0] in str(f) for f in failures)


def test_every_failure_is_reported():
    points = IDEAL.copy()
    points[KEYPOINT_NAMES.index("nose")] = [1.0, 0.0, 1.8]  # nose behind the neck
    points[KEYPOINT_NAMES.index("left_back_paw")] = [-0.75, 0.3, 0.7]  # paw lifted above the knee
    points[KEYPOINT_NAMES.index("root_of_tail")] = [-0.5, 0.0, 1.5]  # tail root ahead of the hips
    failures = check_keypoints(points, "broken", ground=0.0)
    rules = {(f.rule, f.keypoints) for f in failures}
    assert ("head-order", ("nose", "neck")) in rules
    assert ("leg-order", ("left_back_paw", "left_knee")) in rules
    assert ("paw-ground", ("left_back_paw",)) in rules
    assert ("body-order", ("root_of_tail", "left_hip")) in rules
    assert not any(rule == "left-right" for rule, _ in rules)  # the sides were not touched


def test_non_finite_and_outside_the_box_fail():
    points = IDEAL.copy()
    points[3] = np.nan
    assert [f.rule for f in check_keypoints(points, "nan")] == ["finite"]
    lo, hi = IDEAL.min(axis=0), IDEAL.max(axis=0)
    far = IDEAL.copy()
    far[KEYPOINT_NAMES.index("nose"), 0] = 4.0  # far beyond the muzzle (and the box)
    failures = check_keypoints(far, "far", bounds=(lo, hi), ground=0.0)
    assert any(f.rule == "inside-mesh-box" and f.keypoints == ("nose",) for f in failures)


@pytest.mark.shared
def test_shared_zebra_map_passes_and_its_swap_fails(models_root):
    model, kmap = load_animal("quaternius-farm/Zebra", models_root)
    assert kmap.species == model.species == "zebra"
    assert check_animal(model, kmap) == []
    data = yaml.safe_load(map_path_for("quaternius-farm/Zebra").read_text())
    swapped = parse_keypoint_map(_swapped_map_data(data), model, "swapped.yaml")
    failures = check_animal(model, swapped)
    assert {f.rule for f in failures} == {"left-right"} and len(failures) == len(FLIP_PAIRS)
    assert all(f.model == "quaternius-farm/Zebra" for f in failures)


def test_builtin_zebra_passes_and_its_swap_fails():
    procedural = pytest.importorskip("pasyn.assets.procedural", reason="the procedural quadruped is not written yet")
    model, kmap = procedural.make_quadruped(preset="zebra")
    assert check_animal(model, kmap) == []
    swapped_specs = list(kmap.specs)
    for a, b in FLIP_PAIRS:
        swapped_specs[a], swapped_specs[b] = kmap.specs[b], kmap.specs[a]
    swapped = type(kmap)(model=kmap.model, species=kmap.species, specs=swapped_specs, chains=kmap.chains)
    assert {f.rule for f in check_animal(model, swapped)} == {"left-right"}
