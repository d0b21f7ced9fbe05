import numpy as np
import torch
from scipy.spatial.transform import Rotation

from pasyn.prior.rotations import geodesic_degrees, interpolate, matrix_to_6d, sixd_to_matrix
from pasyn.prior.vae import sixd_to_matrix_torch


def test_6d_round_trip_is_exact_for_rotations():
    rotations = Rotation.random(200, random_state=1).as_matrix()
    back = sixd_to_matrix(matrix_to_6d(rotations))
    np.testing.assert_allclose(back, rotations, atol=1e-12)


def test_any_6d_vector_decodes_to_a_proper_rotation_and_torch_agrees():
    sixd = np.random.default_rng(0).normal(size=(100, 6))
    rotations = sixd_to_matrix(sixd)
    np.testing.assert_allclose(rotations @ np.swapaxes(rotations, -1, -2), np.tile(np.eye(3), (100, 1, 1)),
                               atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rotations), 1.0, atol=1e-12)
    np.testing.assert_allclose(sixd_to_matrix_torch(torch.tensor(sixd)).numpy(), rotations, atol=1e-12)


def test_interpolate_hits_the_ends_and_halves_the_angle():
    r0, r1 = Rotation.random(2, random_state=3).as_matrix()
    np.testing.assert_allclose(interpolate(r0, r1, 1.0), r1, atol=1e-12)
    half = interpolate(r0, r1, 0.5)
    total = geodesic_degrees(r0, r1)
    assert abs(geodesic_degrees(r0, half) - total / 2) < 1e-6
    assert abs(geodesic_degrees(half, r1) - total / 2) < 1e-6


def test_rotvec_matches_scipy_including_tiny_and_half_turn_angles():
    from pasyn.prior.rotations import matrix_to_rotvec

    rotvecs = np.concatenate([Rotation.random(500, random_state=2).as_rotvec(),
                              np.random.default_rng(0).normal(size=(50, 3)) * 1e-9,
                              [[np.pi - 1e-7, 0, 0], [0, 0, np.pi - 1e-7]]])
    matrices = Rotation.from_rotvec(rotvecs).as_matrix()
    np.testing.assert_allclose(matrix_to_rotvec(matrices), Rotation.from_matrix(matrices).as_rotvec(), atol=1e-9)
