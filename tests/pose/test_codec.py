import numpy as np
import pytest

from pasyn.data.ap10k import flip_indices
from pasyn.pose.codec import decode_heatmaps, encode_heatmaps

SETTINGS = [((256, 256), (64, 64), 2.0), ((128, 128), (32, 32), 1.5), ((64, 48), (32, 24), 1.0)]


@pytest.mark.parametrize("input_size, heatmap_size, sigma", SETTINGS)
def test_roundtrip(input_size, heatmap_size, sigma):
    rng = np.random.default_rng(1)
    kpts = rng.uniform(6, np.array(input_size) - 6, (17, 2))
    heatmaps, weights = encode_heatmaps(kpts, np.ones(17), input_size, heatmap_size, sigma)
    assert heatmaps.shape == (17, heatmap_size[1], heatmap_size[0])
    assert np.all(weights == 1)
    decoded, scores = decode_heatmaps(heatmaps[None], input_size, sigma=sigma)
    np.testing.assert_allclose(decoded[0], kpts, atol=0.1)  # sub-pixel: DARK is exact on clean Gaussians
    plain, _ = decode_heatmaps(heatmaps[None], input_size, sigma=sigma, refine=False)
    stride = input_size[0] / heatmap_size[0]
    assert np.abs(plain[0] - kpts).max() <= stride / 2 + 1e-9
    assert np.abs(plain[0] - kpts).max() > 0.1  # the refinement is what makes the difference
    assert scores.min() > 0.6


def test_border_keypoints_still_decode_well():
    ys = np.linspace(6, 40, 17)  # from heatmap row 1 on; row 0 keeps its integer argmax
    kpts = np.column_stack([np.full(17, 128.3), ys])
    heatmaps, _ = encode_heatmaps(kpts, np.ones(17), (256, 256), (64, 64), 2.0)
    decoded, _ = decode_heatmaps(heatmaps[None], (256, 256), sigma=2.0)
    np.testing.assert_allclose(decoded[0], kpts, atol=0.15)


def test_unlabelled_and_far_outside_get_zero_weight():
    kpts = np.full((17, 2), 60.0)
    kpts[3] = [-40, 60]      # far outside: beyond 3 sigma
    kpts[4] = [-2, 60]       # just outside: its Gaussian still reaches the map
    visible = np.ones(17)
    visible[0] = 0
    heatmaps, weights = encode_heatmaps(kpts, visible, (128, 128), (32, 32), 1.5)
    assert weights[0] == 0 and weights[3] == 0 and weights[4] == 1 and weights[1] == 1
    assert heatmaps[0].max() == 0 and heatmaps[3].max() == 0 and heatmaps[4].max() > 0.1


def test_flip_is_column_reversal_with_swapped_channels():
    rng = np.random.default_rng(2)
    kpts = rng.uniform(5, 123, (17, 2))
    heatmaps, _ = encode_heatmaps(kpts, np.ones(17), (128, 128), (32, 32), 1.5)
    mirrored = kpts.copy()
    mirrored[:, 0] = 128 - mirrored[:, 0]
    mirrored = mirrored[flip_indices()]
    flipped, _ = encode_heatmaps(mirrored, np.ones(17), (128, 128), (32, 32), 1.5)
    np.testing.assert_allclose(flipped, heatmaps[flip_indices()][:, :, ::-1], atol=1e-6)


def test_decode_rejects_wrong_shape():
    with pytest.raises(ValueError, match="N, K, H, W"):
        decode_heatmaps(np.zeros((17, 32, 32)), (128, 128))
