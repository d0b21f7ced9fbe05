import cv2
import numpy as np
import pytest

from pasyn.stylize.placement import (
    compose, invert, mask_box, sample_placement, scale_shift, to_cv2, transform_keypoints, transform_points,
    warp_layer,
)


def _blob(size, centre, sigma):
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    return np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * sigma ** 2)).astype(np.float32)


def _centroid(alpha):
    yy, xx = np.mgrid[0:alpha.shape[0], 0:alpha.shape[1]] + 0.5
    return np.array([(xx * alpha).sum(), (yy * alpha).sum()]) / alpha.sum()


@pytest.mark.parametrize("scale", [0.37, 0.8, 1.0, 1.6])
def test_pixels_and_keypoints_move_together(scale):
    """A blob centred on a keypoint stays centred on the moved keypoint, through shrinking and enlarging."""
    centre = (61.3, 47.8)
    layer = _blob((120, 100), centre, sigma=4.0)[..., None]
    affine = scale_shift(scale, (13.27, -5.61))
    out = warp_layer(layer, affine, (200, 160))[..., 0]
    expected = transform_points(affine, np.array(centre))
    np.testing.assert_allclose(_centroid(out), expected, atol=0.03)


def test_to_cv2_matches_pixel_centre_convention():
    # a 2x upscale in continuous coordinates: the centre of source pixel 0 (0.5) goes to 1.0, i.e. cv2 x=0.5
    m = to_cv2(scale_shift(2.0, (0.0, 0.0)))
    np.testing.assert_allclose(m @ [0.0, 0.0, 1.0], [0.5, 0.5])
    a = np.array([[1.3, 0.2, 4.0], [-0.1, 0.9, -2.0]])
    np.testing.assert_allclose(compose(a, invert(a)), [[1, 0, 0], [0, 1, 0]], atol=1e-12)


def test_transform_keypoints_exact_and_outside_become_unlabelled():
    kpts = np.array([[[10.25, 20.5, 2], [99.9, 5.0, 1], [3.0, 3.0, 0], [50.0, 50.0, 2]]])
    out = transform_keypoints(scale_shift(0.85, (7.125, -1.5)), kpts, size=(64, 64))
    np.testing.assert_allclose(out[0, 0], [0.85 * 10.25 + 7.125, 0.85 * 20.5 - 1.5, 2], atol=1e-12)
    np.testing.assert_array_equal(out[0, 1], [0, 0, 0])  # x = 92.04 >= 64: pushed out
    np.testing.assert_array_equal(out[0, 2], [0, 0, 0])  # was unlabelled, stays so
    np.testing.assert_allclose(out[0, 3], [49.625, 41.0, 2])


def test_mask_box():
    alpha = np.zeros((10, 12))
    alpha[2:5, 3:9] = 0.3
    alpha[7, 1] = 0.2  # below the 0.25 threshold
    assert mask_box(alpha) == [3.0, 2.0, 6.0, 3.0]
    assert mask_box(np.zeros((4, 4))) is None


def test_sample_placement_keeps_animal_mostly_inside():
    rng = np.random.default_rng(0)
    box, frame, out = [40.0, 30.0, 200.0, 150.0], (320, 240), (256, 256)
    for _ in range(200):
        p = sample_placement(rng, box, frame, out, scale_range=(0.6, 1.0), max_outside=0.1)
        assert 0.6 <= p.scale_factor <= 1.0
        assert p.scale == pytest.approx(p.scale_factor * 0.8)
        x0, y0 = transform_points(p.affine, np.array(box[:2]))
        w, h = p.scale * box[2], p.scale * box[3]
        assert x0 >= -0.1 * w - 1e-9 and x0 + w <= 256 + 0.1 * w + 1e-9
        assert y0 >= -0.1 * h - 1e-9 and y0 + h <= 256 + 0.1 * h + 1e-9


def test_sample_placement_rejects_bad_ranges():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="scale_range"):
        sample_placement(rng, [0, 0, 10, 10], (20, 20), (20, 20), scale_range=(1.0, 0.5))
    with pytest.raises(ValueError, match="max_outside"):
        sample_placement(rng, [0, 0, 10, 10], (20, 20), (20, 20), max_outside=0.7)


def test_warp_layer_keeps_channels_and_zero_border():
    layer = np.ones((10, 10, 4), np.float32)
    out = warp_layer(layer, scale_shift(1.0, (20, 20)), (40, 40))
    assert out.shape == (40, 40, 4)
    assert out[:19].max() == 0 and out[21:29, 21:29].min() == pytest.approx(1.0)
    assert cv2.countNonZero(out[..., 3]) == 100
