"""The built-in procedural quadruped: exact keypoints, a valid skinned mesh, a deterministic coat, plausible clips."""
from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from pasyn.assets.keypoint_map import CHAIN_NAMES
from pasyn.assets.procedural import (
    KEYPOINT_JOINTS,
    PRESETS,
    ShapeParams,
    make_quadruped,
    sample_shape,
)
from pasyn.assets.procedural_shape import FIELD_RANGES
from pasyn.data.ap10k import KEYPOINT_INDEX, KEYPOINT_NAMES

HOOVES = ("hoof_fore.L", "hoof_fore.R", "hoof_hind.L", "hoof_hind.R")


@pytest.fixture(scope="module")
def animals():
    return {preset: make_quadruped(preset) for preset in PRESETS}


def _height(model) -> float:
    return float(model.mesh.vertices[:, 2].max())


def _hoof_heights(model, clip, times) -> np.ndarray:
    ids = [model.skeleton.index(n) for n in HOOVES]
    return np.array([model.global_transforms(model.pose_at(clip, t))[ids, 2, 3] for t in times])


def test_presets_cover_the_issue():
    assert {"zebra", "horse", "cow", "dog"} <= set(PRESETS)
    assert {p.coat for p in PRESETS.values()} == {"stripes", "solid", "patches", "dog"}


@pytest.mark.parametrize("preset", list(PRESETS))
def test_keypoints_are_the_landmark_joints_in_any_pose(animals, preset):
    model, kmap = animals[preset]
    for local in (model.rest_pose(), model.pose_at("gallop", 0.13), model.pose_at("graze", 1.1)):
        world = model.global_transforms(local)
        expected = np.array([world[model.skeleton.index(KEYPOINT_JOINTS[n]), :3, 3] for n in KEYPOINT_NAMES])
        np.testing.assert_allclose(kmap.locate(model, world), expected, atol=1e-12)
    assert kmap.species == PRESETS[preset].species


@pytest.mark.parametrize("preset", list(PRESETS))
def test_rest_pose_anatomy(animals, preset):
    model, kmap = animals[preset]
    k = kmap.locate(model, model.global_transforms())
    z, x = k[:, 2], k[:, 0]
    for side in ("left", "right"):
        kp = {n: KEYPOINT_INDEX[f"{side}_{n}"] for n in ("shoulder", "elbow", "front_paw", "hip", "knee", "back_paw")}
        assert z[kp["shoulder"]] > z[kp["elbow"]] > z[kp["front_paw"]]
        assert z[kp["hip"]] > z[kp["knee"]] > z[kp["back_paw"]]
        assert x[kp["front_paw"]] > x[kp["back_paw"]]
        assert x[KEYPOINT_INDEX[f"{side}_eye"]] < x[KEYPOINT_INDEX["nose"]]
    assert x[KEYPOINT_INDEX["nose"]] > x[KEYPOINT_INDEX["neck"]] > x[KEYPOINT_INDEX["root_of_tail"]]
    paws = [KEYPOINT_INDEX[n] for n in KEYPOINT_NAMES if n.endswith("paw")]
    np.testing.assert_allclose(z[paws], 0.0, atol=1e-9)
    others = np.delete(z, paws)
    assert others.min() > 0.05 * _height(model)
    assert model.mesh.vertices[:, 2].min() == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_left_is_plus_y_and_mirrors_right(animals, preset):
    model, kmap = animals[preset]
    k = kmap.locate(model, model.global_transforms())
    for i, name in enumerate(KEYPOINT_NAMES):
        if name.startswith("left_"):
            j = KEYPOINT_INDEX["right_" + name[5:]]
            assert k[i, 1] > 0.01
            np.testing.assert_allclose(k[j], k[i] * [1, -1, 1], atol=1e-9)
        elif not name.startswith("right_"):
            assert abs(k[i, 1]) < 1e-9
    vertices = model.mesh.vertices
    assert vertices[:, 1].max() == pytest.approx(-vertices[:, 1].min(), rel=1e-6)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_mesh_is_valid(animals, preset):
    model, _ = animals[preset]
    mesh, n_joints = model.mesh, len(model.skeleton)
    assert 2000 <= len(mesh.faces) <= 20000
    assert mesh.faces.min() >= 0 and mesh.faces.max() < len(mesh.vertices)
    assert np.all(mesh.faces[:, 0] != mesh.faces[:, 1])
    for array in (mesh.vertices, mesh.uvs, mesh.weights, mesh.normals):
        assert np.isfinite(array).all()
    assert mesh.joints.shape == mesh.weights.shape == (len(mesh.vertices), 4)
    assert mesh.joints.min() >= 0 and mesh.joints.max() < n_joints
    assert mesh.weights.min() >= 0
    np.testing.assert_allclose(mesh.weights.sum(axis=1), 1.0, atol=1e-9)
    assert mesh.uvs.min() >= 0 and mesh.uvs.max() <= 1
    np.testing.assert_allclose(np.linalg.norm(mesh.normals, axis=1), 1.0, atol=1e-6)
    texture = mesh.materials[0].texture
    assert texture.shape == (512, 512, 3) and texture.dtype == np.uint8
    assert len(mesh.face_material) == len(mesh.faces)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_faces_wind_outward(animals, preset):
    model, _ = animals[preset]
    v, f = model.mesh.vertices, model.mesh.faces
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    volume = np.einsum("ij,ij->", a, np.cross(b, c)) / 6
    lo, hi = v.min(axis=0), v.max(axis=0)
    assert 0.02 * np.prod(hi - lo) < volume < 0.5 * np.prod(hi - lo)
    # the extreme vertices' normals point out of the body, so no part is inside out
    n = model.mesh.normals
    assert n[np.argmax(v[:, 2]), 2] > 0.3
    assert n[np.argmax(v[:, 0]), 0] > 0.3
    assert n[np.argmin(v[:, 0]), 0] < -0.3
    assert n[np.argmax(v[:, 1]), 1] > 0.3


def test_same_seed_same_arrays_other_seed_or_shape_differs(animals):
    model, kmap = make_quadruped("zebra", seed=0)
    reference, _ = animals["zebra"]
    for name in ("vertices", "faces", "uvs", "joints", "weights", "normals"):
        np.testing.assert_array_equal(getattr(model.mesh, name), getattr(reference.mesh, name))
    np.testing.assert_array_equal(model.mesh.materials[0].texture, reference.mesh.materials[0].texture)
    for key, (times, values) in reference.clips["trot"].channels.items():  # SIMD sums may differ in the last bit
        np.testing.assert_allclose(model.clips["trot"].channels[key][1], values, rtol=0, atol=1e-12)

    other_seed, _ = make_quadruped("zebra", seed=1)
    assert np.mean(other_seed.mesh.materials[0].texture != reference.mesh.materials[0].texture) > 0.2

    shape = sample_shape("zebra", np.random.default_rng(5))
    assert shape == sample_shape("zebra", np.random.default_rng(5))
    individual, ikmap = make_quadruped("zebra", shape)
    assert individual.mesh.vertices.shape == reference.mesh.vertices.shape
    assert np.abs(individual.mesh.vertices - reference.mesh.vertices).max() > 0.01
    assert np.abs(ikmap.locate(individual, individual.global_transforms())
                  - kmap.locate(model, model.global_transforms())).max() > 0.01


def test_sample_shape_stays_in_range_and_varies():
    rng = np.random.default_rng(0)
    shapes = [sample_shape("horse", rng, spread=3.0) for _ in range(40)]
    for shape in shapes:
        for name, (low, high) in FIELD_RANGES.items():
            assert low <= getattr(shape, name) <= high
    assert np.std([s.neck_length for s in shapes]) > 0.02
    assert len({s.coat_colors for s in shapes}) > 1
    assert sample_shape("dog", rng, spread=0) == PRESETS["dog"]


def test_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match="unicorn"):
        make_quadruped("unicorn")
    with pytest.raises(ValueError, match="leg_length"):
        dataclasses.replace(PRESETS["zebra"], leg_length=5.0)
    with pytest.raises(ValueError, match="coat"):
        ShapeParams("zebra", "spots", PRESETS["zebra"].coat_colors)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_chains_are_parent_child_paths(animals, preset):
    model, kmap = animals[preset]
    assert set(kmap.chains) == set(CHAIN_NAMES)
    for chain, joints in kmap.chains.items():
        for parent, child in itertools.pairwise(joints):
            assert model.skeleton.parents[child] == parent, chain


@pytest.mark.parametrize("preset", list(PRESETS))
def test_clips_sample_anywhere_and_loop(animals, preset):
    model, _ = animals[preset]
    assert {"walk", "trot", "gallop", "idle", "graze", "lie"} <= set(model.clips)
    rng = np.random.default_rng(1)
    for clip in model.clips.values():
        assert 0.3 < clip.duration < 5.0
        for t in np.concatenate([[-1.0, clip.duration + 1], rng.uniform(0, clip.duration, 4)]):
            world = model.global_transforms(model.pose_at(clip, t))
            assert np.isfinite(world).all()
        np.testing.assert_allclose(model.pose_at(clip, 0.0), model.pose_at(clip, clip.duration), atol=1e-9)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_hooves_stay_on_the_ground(animals, preset):
    model, _ = animals[preset]
    tol = 0.01 * _height(model)
    for name, clip in model.clips.items():
        times = np.linspace(0, clip.duration, 25)
        z = _hoof_heights(model, name, times)
        assert z.min() > -tol, name  # never through the ground
        on_ground = (z < tol).sum(axis=1)
        need = {"walk": 2, "idle": 3, "graze": 4, "look_around": 4}.get(name, 0)
        assert on_ground.min() >= need, name
        if name not in ("idle", "lie"):  # idle rests one hind leg on its toe; lie folds them all
            assert (z < tol).any(axis=0).all(), name  # every hoof lands during the loop
    graze = model.global_transforms(model.pose_at("graze", 0.0))
    assert graze[model.skeleton.index("nose"), 2, 3] < 0.1 * _height(model)
    lying = model.global_transforms(model.pose_at("lie", 1.0))
    assert lying[0, 2, 3] < 0.6 * model.skeleton.rest_local[0, 2, 3]  # the pelvis came down
    assert 0 <= model.skin(lying)[:, 2].min() < 0.05 * _height(model)  # resting on the ground, not in it


@pytest.mark.parametrize("preset", ["zebra", "dog"])
def test_joint_angles_bend_the_anatomical_way(animals, preset):
    model, _ = animals[preset]
    for clip in model.clips.values():
        for joint, sign in (("carpus", 1), ("hock", -1)):
            for side in "LR":
                key = (model.skeleton.index(f"{joint}.{side}"), "rotation")
                if key not in clip.channels:
                    continue
                q = clip.channels[key][1]
                np.testing.assert_allclose(q[:, [0, 2]], 0.0, atol=1e-9)  # a hinge about the sagittal axis
                angle = 2 * np.arctan2(q[:, 1], q[:, 3])
                assert (sign * angle).min() > -1e-9, (clip.name, joint)
                assert (sign * angle).max() < np.radians(150)


def test_coat_patterns_look_like_their_species(animals):
    def torso(preset):
        texture = animals[preset][0].mesh.materials[0].texture
        return texture[20:140, 40:470].reshape(-1, 3).astype(float)  # inside the torso's atlas rectangle

    zebra = torso("zebra").mean(axis=1)
    assert 0.25 < np.mean(zebra < 80) < 0.7 and np.mean(zebra > 180) > 0.2  # black and white stripes
    cow = torso("cow").mean(axis=1)
    assert np.mean(cow < 80) > 0.1 and np.mean(cow > 180) > 0.1  # patches
    horse = torso("horse")
    assert np.abs(horse.mean(axis=0) - PRESETS["horse"].coat_colors[0]).max() < 30  # one solid body colour
    assert horse.std(axis=0).max() < 20
