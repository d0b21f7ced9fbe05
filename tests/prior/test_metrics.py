import numpy as np
import pytest

from pasyn.prior.metrics import invalid_reasons, learn_limits, precision_recall
from pasyn.prior.retarget import CanonicalPoses, CanonicalRest, ModelRig, canonical_points
from pasyn.prior.rotations import rotvec_to_matrix


def test_precision_recall_of_a_set_against_itself_and_against_a_distant_set():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(300, 6))
    assert precision_recall(real, real, k=5) == (1.0, 1.0)
    far = rng.normal(size=(300, 6)) + 50.0
    assert precision_recall(real, far, k=5) == (0.0, 0.0)
    # a generator that covers only half of the real set: high precision, recall about one half
    half = real[real[:, 0] > 0]
    precision, recall = precision_recall(real, half, k=5)
    assert precision == 1.0 and 0.4 < recall < 0.9  # k-NN balls of the half reach a little past it


@pytest.fixture
def fitted(tiny):
    model, kmap = tiny
    rig = ModelRig(model, kmap)
    skeleton = rig.skeleton
    poses = rig.extract_clip("move", fps=60)
    rest = CanonicalRest.mean([rig.rest_geometry], skeleton)
    points = canonical_points(skeleton, rest, poses)
    return skeleton, rest, poses, learn_limits(skeleton, poses, points)


def test_training_frames_pass_the_learned_filter(fitted):
    skeleton, rest, poses, limits = fitted
    reasons = invalid_reasons(skeleton, limits, poses, canonical_points(skeleton, rest, poses))
    assert not any(v.any() for v in reasons.values())


def test_filter_catches_limits_ground_and_crossed_legs(fitted):
    skeleton, rest, poses, limits = fitted
    k = skeleton.n_joints
    chains = skeleton.chains
    # a hind leg bent 150 degrees sideways at its first joint: outside any learned limit
    bent = poses[:1]
    bent = CanonicalPoses(bent.relative.copy(), bent.height.copy())
    bent.relative[0, chains["hind_left"][0]] = rotvec_to_matrix(np.array([np.radians(150), 0, 0]))
    # the body sunk below its legs' reach
    sunk = CanonicalPoses(np.tile(np.eye(3), (1, k, 1, 1)), np.array([-0.9]))
    # both forelegs swung across the midline towards the other side
    crossed = CanonicalPoses(np.tile(np.eye(3), (1, k, 1, 1)), np.zeros(1))
    crossed.relative[0, chains["front_left"][0]] = rotvec_to_matrix(np.array([np.radians(-40), 0, 0]))
    crossed.relative[0, chains["front_right"][0]] = rotvec_to_matrix(np.array([np.radians(40), 0, 0]))
    for poses_, rule in ((bent, "limits"), (sunk, "ground"), (crossed, "crossing")):
        reasons = invalid_reasons(skeleton, limits, poses_, canonical_points(skeleton, rest, poses_))
        assert reasons[rule][0], rule
