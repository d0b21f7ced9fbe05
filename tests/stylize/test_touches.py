import cv2
import numpy as np
import pytest

from pasyn.stylize import touches as tch


def _layer():
    alpha = np.zeros((96, 96), np.float32)
    alpha[20:70, 30:66] = 1.0
    fg = np.full((96, 96, 3), 0.5, np.float32)
    fg[:, ::4] = 0.9  # sharp stripes
    return fg, alpha


def _texture(rng, sigma):
    tex = rng.uniform(0, 1, (96, 96)).astype(np.float32)
    tex = cv2.GaussianBlur(tex, (0, 0), sigma) if sigma > 0 else tex
    tex = (tex - tex.min()) / (tex.max() - tex.min())
    return np.repeat(tex[..., None], 3, -1)


def test_estimate_noise_recovers_known_sigma():
    rng = np.random.default_rng(0)
    flat = np.full((200, 200), 0.5, np.float32)
    for sigma in (0.01, 0.03):
        assert tch.estimate_noise(flat + rng.normal(0, sigma, flat.shape).astype(np.float32)) == \
            pytest.approx(sigma, rel=0.1)


def test_matched_noise_adds_only_what_is_missing():
    rng = np.random.default_rng(1)
    fg, alpha = _layer()
    fg[:] = 0.5
    bg = np.clip(0.5 + rng.normal(0, 0.02, fg.shape), 0, 1).astype(np.float32)
    noisy, record = tch.matched_noise(fg, alpha, bg, np.random.default_rng(2))
    assert record["sigma"] == pytest.approx(0.02, rel=0.15)
    assert tch.estimate_noise(cv2.cvtColor(noisy, cv2.COLOR_RGB2GRAY)) > 0.01
    _, again = tch.matched_noise(noisy, alpha, noisy, np.random.default_rng(2))
    assert again["sigma"] == pytest.approx(0.0, abs=0.004)


def test_matched_blur_follows_the_background():
    fg, alpha = _layer()
    rng = np.random.default_rng(3)
    _, _, sharp = tch.matched_blur(fg, alpha, _texture(rng, 0))
    _, blurred_alpha, soft = tch.matched_blur(fg, alpha, _texture(rng, 2.0))
    assert sharp["sigma"] <= 0.4 < 0.7 <= soft["sigma"]
    assert 0 < blurred_alpha[20, 45] < 1  # the matte edge is softened with the colour


def test_contact_shadow_darkens_only_below_the_animal():
    fg, alpha = _layer()
    bg = np.full((96, 96, 3), 0.8, np.float32)
    shaded, record = tch.contact_shadow(bg, alpha, np.random.default_rng(0))
    assert 0.3 <= record["strength"] <= 0.6
    assert np.array_equal(shaded[:55], bg[:55])  # above the feet band: untouched
    assert shaded[71, 48].mean() < 0.75  # just under the feet: darker
    assert np.array_equal(shaded[:, :5], bg[:, :5])  # far to the side: untouched


def test_feather_softens_edge_but_keeps_inside():
    fg, alpha = _layer()
    out_fg, out_alpha, record = tch.feather_edges(fg, alpha, np.random.default_rng(0))
    np.testing.assert_array_equal(out_fg[40, 40:60], fg[40, 40:60])
    assert 0.5 < out_alpha[45, 30] < 0.95 and 0.05 < out_alpha[45, 29] < 0.5  # edge between 29 and 30
    assert 0.4 <= record["sigma"] <= 1.0


def test_recompress_jpeg_is_seeded():
    rgb = (np.random.default_rng(0).uniform(0, 255, (32, 32, 3))).astype(np.uint8)
    a, ra = tch.recompress_jpeg(rgb, np.random.default_rng(9))
    b, rb = tch.recompress_jpeg(rgb, np.random.default_rng(9))
    assert ra == rb and 55 <= ra["quality"] <= 90
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, rgb)
