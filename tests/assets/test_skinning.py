"""Linear blend skinning and clip sampling against values worked out by hand."""
import numpy as np

from pasyn.assets.model import AnimalModel, Clip, Material, Mesh, Skeleton, compose_trs

QUARTER_TURN_Z = [0.0, 0.0, np.sin(np.pi / 4), np.cos(np.pi / 4)]  # 90 deg about +Z, (x, y, z, w)


def _two_bone_model(vertices, joints, weights, root_transform=None) -> AnimalModel:
    """Bone 0 at the origin; bone 1 its child, 1 up along Z. Bind pose = rest pose."""
    rest = np.stack([np.eye(4), compose_trs([0, 0, 1], [0, 0, 0, 1], [1, 1, 1])])
    # the lower bone sits at the origin, so each bone's world rest transform equals its local one
    skeleton = Skeleton(names=["lower", "upper"], parents=[-1, 0], rest_local=rest, inverse_bind=np.linalg.inv(rest),
                        root_transform=np.eye(4) if root_transform is None else root_transform)
    mesh = Mesh(vertices=np.asarray(vertices, float), faces=np.zeros((0, 3), int), joints=np.asarray(joints),
                weights=np.asarray(weights, float), materials=[Material("m", np.ones(4))],
                face_material=np.zeros(0, int))
    return AnimalModel(name="two-bone", species="zebra", mesh=mesh, skeleton=skeleton, clips={})


def test_half_half_vertex_under_a_quarter_turn():
    # vertex (1, 0, 1): at the upper bone's height, 1 along +X; weighted 0.5 lower, 0.5 upper
    model = _two_bone_model([[1, 0, 1]], [[0, 1, 0, 0]], [[0.5, 0.5, 0, 0]])
    pose = model.rest_pose()
    pose[1] = compose_trs([0, 0, 1], QUARTER_TURN_Z, [1, 1, 1])  # turn the upper bone 90 deg about Z
    # By hand: the lower bone keeps the vertex at (1, 0, 1). The upper bone carries it from (1, 0) relative to
    # its own origin to (0, 1): (0, 1, 1). Half of each: (0.5, 0.5, 1).
    np.testing.assert_allclose(model.skin(model.global_transforms(pose)), [[0.5, 0.5, 1.0]], atol=1e-12)
    np.testing.assert_allclose(model.skin(model.global_transforms()), [[1.0, 0.0, 1.0]], atol=1e-12)


def test_root_transform_applies_above_every_joint():
    # a Y-up -> Z-up style root transform: (x, y, z) -> (x, -z, y); vertex fully on the upper bone
    to_z_up = np.array([[1.0, 0, 0, 0], [0, 0, -1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
    model = _two_bone_model([[1, 0, 1]], [[1, 0, 0, 0]], [[1, 0, 0, 0]], root_transform=to_z_up)
    pose = model.rest_pose()
    pose[1] = compose_trs([0, 0, 1], QUARTER_TURN_Z, [1, 1, 1])
    # upper bone result before the root transform: (0, 1, 1) as above; then (x, -z, y) = (0, -1, 1)
    np.testing.assert_allclose(model.skin(model.global_transforms(pose)), [[0.0, -1.0, 1.0]], atol=1e-12)


def test_clip_sampling_slerps_and_interpolates():
    model = _two_bone_model([[1, 0, 1]], [[1, 0, 0, 0]], [[1, 0, 0, 0]])
    times = np.array([0.0, 2.0])
    clip = Clip("turn", {(1, "rotation"): (times, np.array([[0, 0, 0, 1.0], QUARTER_TURN_Z])),
                         (0, "translation"): (times, np.array([[0, 0, 0], [2.0, 0, 0]]))})
    mid = model.pose_at(clip, 1.0)
    # midway between 0 and 90 deg about Z is 45 deg: x axis -> (cos 45, sin 45, 0)
    c = np.cos(np.pi / 4)
    np.testing.assert_allclose(mid[1, :3, 0], [c, c, 0], atol=1e-12)
    np.testing.assert_allclose(mid[1, :3, 3], [0, 0, 1])  # untouched channel keeps its rest value
    np.testing.assert_allclose(mid[0, :3, 3], [1, 0, 0])  # linear translation midpoint
    np.testing.assert_allclose(model.pose_at(clip, 5.0)[1], model.pose_at(clip, 2.0)[1])  # clamped at the end
    # the skinned vertex follows: upper bone turned 45 deg, lower bone moved by +1 in x
    np.testing.assert_allclose(model.skin(model.global_transforms(mid)), [[1 + c, c, 1]], atol=1e-12)
