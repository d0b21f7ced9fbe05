import numpy as np
import pytest

from pasyn.assets.keypoint_map import KeypointMap
from pasyn.prior.retarget import (CanonicalPoses, CanonicalSkeleton, ModelRig, RetargetError, assign_bones,
                                  canonical_points, clip_local_poses, clip_times, clip_world_transforms)
from pasyn.prior.rotations import geodesic_degrees, orthonormalise


def test_clip_sampler_matches_pose_at(tiny):
    model, _ = tiny
    clip = model.clips["move"]
    times = clip_times(clip, 30.0)
    fast = clip_local_poses(model, clip, times)
    slow = np.stack([model.pose_at(clip, t) for t in times])
    np.testing.assert_allclose(fast, slow, atol=1e-12)


@pytest.mark.parametrize("n_bones,n_joints,anchor", [(1, 3, False), (2, 5, False), (4, 4, False), (7, 4, False),
                                                     (5, 4, True), (2, 4, True), (1, 4, True)])
def test_bone_assignment_covers_every_bone_and_joint(n_bones, n_joints, anchor):
    source, owners = assign_bones(n_bones, n_joints, anchor)
    assert len(source) == n_joints and len(owners) == n_bones
    assert sorted(set(source)) == sorted(set(source) & set(range(n_bones)))
    assert all(0 <= k < n_joints and 0 < f <= 1 for _, k, f in owners)
    if n_bones <= n_joints:  # every bone's delta is read back from a joint that took it: exact round trip
        for bone, (_, k, f) in enumerate(owners):
            assert f == 1.0 and source[k] == bone
    if anchor:
        assert source[0] == 0 and owners[0] == (-1, 0, 1.0)


def test_retargeting_a_clip_to_its_own_model_reproduces_its_joints(tiny):
    model, kmap = tiny
    rig = ModelRig(model, kmap)
    world = clip_world_transforms(model, "move")
    back = rig.world_transforms(rig.extract(world))
    names = model.skeleton.names
    # the IK foot was added to the front-left leg; it is carried by the leg on retargeting, not by the file
    assert rig.chains["front_left"][-1] == names.index("FootIK.FL")
    in_hierarchy = [j for j in rig.owners if names[j] != "FootIK.FL"]
    np.testing.assert_allclose(back[:, in_hierarchy, :3, 3], world[:, in_hierarchy, :3, 3], atol=1e-9)
    mapped = sorted(rig.owners)
    angle = geodesic_degrees(orthonormalise(back[:, mapped, :3, :3]), orthonormalise(world[:, mapped, :3, :3]))
    assert angle.max() < 1e-6
    # the nose (unmapped, under the head) follows too
    nose = names.index("Nose")
    np.testing.assert_allclose(back[:, nose, :3, 3], world[:, nose, :3, 3], atol=1e-9)


def test_identity_pose_gives_the_rest_pose_and_heights_move_the_pelvis(tiny):
    model, kmap = tiny
    rig = ModelRig(model, kmap)
    k = rig.skeleton.n_joints
    rest = CanonicalPoses(np.tile(np.eye(3), (2, k, 1, 1)), np.array([0.0, -0.5]))
    local = rig.local_poses(rest)
    np.testing.assert_allclose(local[0], model.skeleton.rest_local, atol=1e-9)
    world = model.skeleton.global_transforms(local[1])
    pelvis = rig.pelvis
    drop = rig.rest_world[pelvis, 2, 3] - world[pelvis, 2, 3]
    assert drop == pytest.approx(0.5 * rig.pelvis_height)


def test_missing_tail_is_marked_unknown_and_canonical_points_are_finite(tiny):
    model, kmap = tiny
    rig = ModelRig(model, kmap)
    poses = rig.extract_clip("move")
    tail = CanonicalSkeleton().chains["tail"]
    assert not poses.known[:, tail].any() and poses.known[:, :tail[0]].all()
    np.testing.assert_allclose(poses.relative[:, tail], np.tile(np.eye(3), (len(poses), len(tail), 1, 1)),
                               atol=1e-12)
    from pasyn.prior.retarget import CanonicalRest
    points = canonical_points(rig.skeleton, CanonicalRest.mean([rig.rest_geometry], rig.skeleton), poses)
    assert np.isfinite(points).all()


def test_a_map_without_legs_is_refused_naming_the_map(tiny):
    model, kmap = tiny
    chains = {c: b for c, b in kmap.chains.items() if c != "hind_left"}
    broken = KeypointMap(kmap.model, kmap.species, kmap.specs, chains, path="maps/broken.yaml")
    with pytest.raises(RetargetError, match=r"broken\.yaml.*hind_left"):
        ModelRig(model, broken)


@pytest.mark.shared
def test_shared_models_round_trip_closely(shared_dir):
    from pasyn.assets import registry

    model, kmap = registry.load_animal("quaternius-animals/Horse", shared_dir / "assets" / "models")
    rig = ModelRig(model, kmap)
    world = clip_world_transforms(model, "Walk")[::4]
    back = rig.world_transforms(rig.extract(world))
    shift = world[:, rig.pelvis, :3, 3] - back[:, rig.pelvis, :3, 3]
    shift[:, 2] = 0.0  # horizontal root motion is not part of a pose
    original = np.stack([kmap.locate(model, w) for w in world])
    again = np.stack([kmap.locate(model, w) for w in back]) + shift[:, None]
    error = np.linalg.norm(original - again, axis=-1) / rig.body_length
    assert error.mean() < 0.02 and error.max() < 0.06


def test_builtin_zebra_round_trips_exactly_and_poses_transfer_to_another_rig(tiny):
    from pasyn.assets import load_animal

    zebra, zebra_map = load_animal("zebra")
    rig = ModelRig(zebra, zebra_map)
    world = clip_world_transforms(zebra, "gallop")[::3]
    poses = rig.extract(world)
    back = rig.world_transforms(poses)
    shift = world[:, rig.pelvis, :3, 3] - back[:, rig.pelvis, :3, 3]
    np.testing.assert_allclose(shift[:, 2], 0.0, atol=1e-9)
    np.testing.assert_allclose(back[:, :, :3, 3] + shift[:, None], world[:, :, :3, 3], atol=1e-9)
    # the same canonical poses drive a rig with other bones: its mapped bones turn by the same world deltas
    model, kmap = tiny
    other = ModelRig(model, kmap)
    posed = other.world_transforms(poses)
    head = model.skeleton.names.index("Head")
    zebra_head = zebra.skeleton.names.index("head")
    delta_zebra = orthonormalise(world[:, zebra_head, :3, :3]) @ rig.rest_rotation[zebra_head].T
    delta_tiny = orthonormalise(posed[:, head, :3, :3]) @ other.rest_rotation[head].T
    np.testing.assert_allclose(other.to_canonical @ delta_tiny @ other.to_canonical.T,
                               rig.to_canonical @ delta_zebra @ rig.to_canonical.T, atol=1e-9)
