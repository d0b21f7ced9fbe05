import cv2
import numpy as np
import pytest

from pasyn.stylize.methods import animal_region, color_transfer, composite


def _scene(rng):
    """A grey-ish striped animal (square) on a greenish textured background."""
    h = w = 64
    alpha = np.zeros((h, w), np.float32)
    alpha[20:44, 16:48] = 1.0
    fg = np.zeros((h, w, 3), np.float32)
    fg[..., :] = np.where((np.arange(w) // 3) % 2, 0.8, 0.3)[None, :, None]
    bg = np.clip(np.array([0.25, 0.55, 0.2], np.float32) + rng.normal(0, 0.05, (h, w, 3)), 0, 1).astype(np.float32)
    return fg, alpha, bg


def _lab_mean(rgb, mask):
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2Lab)[mask].mean(0)


def test_color_strength_zero_is_identity_and_one_matches_the_ring_mean():
    fg, alpha, bg = _scene(np.random.default_rng(0))
    same, _ = color_transfer(fg, alpha, bg, strength=0.0)
    np.testing.assert_array_equal(same, fg)
    moved, record = color_transfer(fg, alpha, bg, strength=1.0)
    animal = alpha > 0.5
    bg_mean = np.array(record["bg_lab_mean"])
    np.testing.assert_allclose(_lab_mean(moved, animal), bg_mean, atol=1.5)  # ~ exact up to gamut clipping
    assert np.array_equal(moved[alpha == 0], fg[alpha == 0])  # only the animal's pixels change
    half, _ = color_transfer(fg, alpha, bg, strength=0.5)
    fg_mean = _lab_mean(fg, animal)
    np.testing.assert_allclose(_lab_mean(half, animal), (fg_mean + bg_mean) / 2, atol=1.5)


def test_color_limits_the_spread_change():
    fg, alpha, bg = _scene(np.random.default_rng(1))
    _, record = color_transfer(fg, alpha, bg, strength=1.0)
    assert all(0.5 <= r <= 2.0 for r in record["spread_ratio"])
    assert record["spread_ratio"][0] == pytest.approx(0.5)  # flat background vs strong stripes: clipped


def test_composite_and_region():
    fg, alpha, bg = _scene(np.random.default_rng(2))
    out = composite(fg, alpha, bg)
    np.testing.assert_array_equal(out[30, 30], fg[30, 30])
    np.testing.assert_array_equal(out[0, 0], bg[0, 0])
    rows, cols = animal_region(alpha, margin=0.25)
    assert (rows.start, rows.stop, cols.start, cols.stop) == (12, 52, 8, 56)
    assert animal_region(np.zeros((5, 5), np.float32)) is None
