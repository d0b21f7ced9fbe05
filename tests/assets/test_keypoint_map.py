"""Keypoint maps: the loader's errors on a tiny hand-made model, and every shipped map against its shared model."""
import numpy as np
import pytest
import yaml

from pasyn.assets.keypoint_map import (
    CHAIN_NAMES,
    KeypointMapError,
    load_keypoint_map,
    parse_keypoint_map,
)
from pasyn.assets.model import AnimalModel, Material, Mesh, Skeleton
from pasyn.assets.registry import MAPS_DIR, list_animals, load_animal
from pasyn.data.ap10k import KEYPOINT_NAMES, species_id

MAP_FILES = sorted(MAPS_DIR.glob("*.yaml"))
SHARED_IDS = [path.stem.replace("__", "/") for path in MAP_FILES]
LEGS = ("front_left", "front_right", "hind_left", "hind_right")


def _tiny_model() -> AnimalModel:
    """Three joints in a row along +x (Root at the origin, Mid at x=1, Tip at x=3) and four vertices."""
    rest = np.tile(np.eye(4), (3, 1, 1))
    rest[1, 0, 3], rest[2, 0, 3] = 1.0, 2.0
    world = Skeleton(["Root", "Mid", "Tip"], [-1, 0, 1], rest, np.tile(np.eye(4), (3, 1, 1))).global_transforms(rest)
    vertices = np.array([[0.0, 1, 0], [0, -1, 0], [3, 0, 1], [3, 0, -1]])
    joints = np.array([[0, 0, 0, 0], [0, 0, 0, 0], [2, 0, 0, 0], [2, 0, 0, 0]])
    weights = np.array([[1.0, 0, 0, 0]] * 4)
    mesh = Mesh(vertices, np.array([[0, 1, 2], [1, 3, 2]]), joints, weights,
                [Material("Main", np.ones(4))], np.zeros(2, int))
    skeleton = Skeleton(["Root", "Mid", "Tip"], [-1, 0, 1], rest, np.linalg.inv(world))
    return AnimalModel("tiny", "horse", mesh, skeleton, clips={})


def _tiny_map() -> dict:
    keypoints = {name: {"joint": "Mid"} for name in KEYPOINT_NAMES}
    keypoints["nose"] = {"joint": "Root", "toward": "Tip", "at": 0.25}
    keypoints["left_eye"] = {"vertices": [2, 3]}
    return {"model": "tiny.glb", "species": "horse", "keypoints": keypoints,
            "chains": {"spine": ["Root", "Mid"], "front_left": ["Mid", "Tip"]}}


def test_tiny_map_locates_joints_points_between_and_vertex_means():
    model = _tiny_model()
    kmap = parse_keypoint_map(_tiny_map(), model, "tiny.yaml")
    points = kmap.locate(model, model.global_transforms())
    assert points.shape == (17, 3)
    np.testing.assert_allclose(points[KEYPOINT_NAMES.index("neck")], [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(points[KEYPOINT_NAMES.index("nose")], [0.75, 0, 0], atol=1e-12)  # 1/4 of 0 -> 3
    np.testing.assert_allclose(points[KEYPOINT_NAMES.index("left_eye")], [3, 0, 0], atol=1e-12)
    assert kmap.chains == {"spine": [0, 1], "front_left": [1, 2]}


@pytest.mark.parametrize("damage, message", [
    (lambda d: d["keypoints"].pop("right_knee"), "keypoints missing from the map: right_knee"),
    (lambda d: d["keypoints"].update(left_hip={"joint": "Femur.L"}), "keypoints.left_hip: joint 'Femur.L' is not in"),
    (lambda d: d["keypoints"].update(nose={"vertices": [1, 4]}), "vertex ids [4] out of range (model has 4)"),
    (lambda d: d["keypoints"].update(nose={"vertices": []}), "keypoints.nose: 'vertices' must be a non-empty list"),
    (lambda d: d["keypoints"].update(neck={"joint": "Mid", "vertices": [0]}), "keypoints.neck: give exactly one"),
    (lambda d: d["keypoints"].update(neck={"joint": "Mid", "toward": "Tip", "at": float("nan")}),
     "keypoints.neck: 'at' must be a finite number"),
    (lambda d: d["keypoints"].update(left_paw={"joint": "Tip"}), "unknown keypoint names (not AP-10K): left_paw"),
    (lambda d: d.update(species="llama"), "species: unknown AP-10K species 'llama'"),
    (lambda d: d["chains"].update(hind_left=["Mid", "Hoof.L"]), "chains.hind_left: joint 'Hoof.L' is not in"),
    (lambda d: d["chains"].update(ears=["Tip"]), "chains.ears: unknown chain"),
])
def test_broken_maps_fail_naming_the_file_and_the_entry(damage, message):
    data = _tiny_map()
    damage(data)
    with pytest.raises(KeypointMapError) as err:
        parse_keypoint_map(data, _tiny_model(), "maps/tiny.yaml")
    assert str(err.value).startswith("maps/tiny.yaml: ") and message in str(err.value)


def test_malformed_or_missing_yaml_file_fails_clearly(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("species: horse\nkeypoints: {nose: [unclosed\n")
    with pytest.raises(KeypointMapError, match=r"broken\.yaml: not valid YAML"):
        load_keypoint_map(broken, _tiny_model())
    not_a_mapping = tmp_path / "list.yaml"
    not_a_mapping.write_text("- nose\n- neck\n")
    with pytest.raises(KeypointMapError, match=r"list\.yaml: expected a mapping at the top level"):
        load_keypoint_map(not_a_mapping, _tiny_model())
    with pytest.raises(FileNotFoundError, match="keypoint map not found"):
        load_keypoint_map(tmp_path / "absent.yaml", _tiny_model())


def test_every_map_file_is_plain_data_for_a_known_species():
    """No model needed: names, species and chain names are checked before the model is even loaded."""
    assert len(MAP_FILES) == 19
    for path in MAP_FILES:
        data = yaml.safe_load(path.read_text())
        folder, stem = path.stem.split("__")
        assert data["model"].rsplit(".", 1)[0] == f"{folder}/{stem}", path
        species_id(data["species"])
        assert list(data["keypoints"]) == list(KEYPOINT_NAMES), path
        assert set(data["chains"]) <= set(CHAIN_NAMES) and {"spine", "neck", "head", *LEGS} <= set(data["chains"])


def _animal_axes(model: AnimalModel, world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(forward, left) unit vectors from the rig alone (not the map): hind-leg joints -> head, left = up x fwd."""
    names, origins = model.skeleton.names, world[:, :3, 3]
    hind = [j for j, n in enumerate(names) if n.startswith(("BackLeg", "BackUpLeg", "BackUpperLeg"))]
    forward = origins[names.index("Head")] - origins[hind].mean(axis=0)
    forward[2] = 0.0
    forward /= np.linalg.norm(forward)
    return forward, np.cross([0.0, 0.0, 1.0], forward)


@pytest.fixture(scope="module")
def shared_animals(models_root):
    return {model_id: load_animal(model_id, models_root) for model_id in SHARED_IDS}


@pytest.mark.shared
def test_every_shared_model_with_a_map_is_listed(models_root):
    assert set(SHARED_IDS) <= set(list_animals(models_root))


@pytest.mark.shared
@pytest.mark.parametrize("model_id", SHARED_IDS)
def test_shared_map_fits_its_model_and_the_anatomy(shared_animals, model_id):
    model, kmap = shared_animals[model_id]
    assert model.species == kmap.species and [s.name for s in kmap.specs] == list(KEYPOINT_NAMES)
    world = model.global_transforms()
    points = dict(zip(KEYPOINT_NAMES, kmap.locate(model, world)))
    vertices = model.skin(world)
    height = np.ptp(vertices[:, 2])
    forward, left = _animal_axes(model, world)

    # sides are the animal's own: every left keypoint lies left of its right twin, the eyes clearly so
    for name in KEYPOINT_NAMES:
        if name.startswith("left_"):
            twin = "right_" + name[len("left_"):]
            assert (points[name] - points[twin]) @ left > 0.05 * height * (name == "left_eye"), (model_id, name)
    # legs: paw below carpus below shoulder, paw below hock below stifle (the rest pose)
    for side in ("left", "right"):
        front = [points[f"{side}_{k}"][2] for k in ("shoulder", "elbow", "front_paw")]
        hind = [points[f"{side}_{k}"][2] for k in ("hip", "knee", "back_paw")]
        assert front == sorted(front, reverse=True) and hind == sorted(hind, reverse=True), (model_id, side)
    # paws touch the ground when the animal stands (first Idle frame; some rest poses are mid-stride)
    idle = model.global_transforms(model.pose_at("Idle", model.clip("Idle").start))
    ground = model.skin(idle)[:, 2].min()
    for k, name in enumerate(KEYPOINT_NAMES):
        if name.endswith("paw"):
            assert kmap.locate(model, idle)[k, 2] - ground < 0.03 * height, (model_id, name)
    # every keypoint is on the animal: inside the mesh's box, padded by 2 % of the height
    lo, hi = vertices.min(axis=0) - 0.02 * height, vertices.max(axis=0) + 0.02 * height
    outside = [n for n, p in points.items() if np.any(p < lo) or np.any(p > hi)]
    assert not outside, (model_id, outside)
    # head: nose ahead of the eyes, eyes near the nose (within 0.4 of the model's height)
    assert (points["nose"] - (points["left_eye"] + points["right_eye"]) / 2) @ forward > 0, model_id
    assert np.linalg.norm(points["nose"] - points["left_eye"]) < 0.4 * height, model_id
    assert (points["neck"] - points["root_of_tail"]) @ forward > 0, model_id

    # chains: every leg runs top-down on its own side of the rig
    origins = world[:, :3, 3]
    middle = vertices.mean(axis=0) @ left
    for chain in LEGS:
        bones = kmap.chains[chain]
        heights = origins[bones, 2]
        # the first bones (scapula / hip) reach sideways into the body: allow them a small rise
        assert np.all(np.diff(heights) <= 0.02 * height) and heights[-1] < heights[0] - 0.05 * height, \
            (model_id, chain, heights)
        side = 1 if chain.endswith("left") else -1
        assert np.all((origins[bones] @ left - middle) * side > 0), (model_id, chain)
    spine = origins[kmap.chains["spine"]] @ forward
    assert spine[-1] > spine[0], (model_id, "spine must run pelvis -> withers")


@pytest.mark.shared
@pytest.mark.parametrize("model_id", SHARED_IDS)
def test_shared_map_follows_the_mesh_in_the_walk_clip(shared_animals, model_id):
    """Mid-stride, every keypoint keeps its distance to the mesh surface (nearest vertex) from the rest pose: a map
    that leans on a bone the mesh does not follow (an IK target, a pole) drifts away."""
    model, kmap = shared_animals[model_id]
    walk = model.clip("Walk")
    gaps = []
    for local in (model.rest_pose(), model.pose_at(walk, walk.start + 0.3 * walk.duration)):
        world = model.global_transforms(local)
        vertices = model.skin(world)
        gaps.append([np.linalg.norm(vertices - p, axis=1).min() for p in kmap.locate(model, world)])
    height = np.ptp(model.skin(model.global_transforms())[:, 2])
    drift = np.abs(np.subtract(*gaps)) / height
    assert drift.max() < 0.05, (model_id, KEYPOINT_NAMES[int(drift.argmax())], drift.max())
