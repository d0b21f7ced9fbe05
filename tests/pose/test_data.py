import numpy as np
import pytest

from pasyn.data.ap10k import FLIP_PAIRS
from pasyn.pose.codec import decode_heatmaps
from pasyn.pose.data import (Augmentation, Instance, MixedSampler, Source, TrainBatches, half_body_region,
                             load_instances, make_sample)


def _instance(rng) -> Instance:
    kpts = np.column_stack([rng.uniform(30, 90, (17, 2)), np.full(17, 2.0)])
    patch = rng.integers(0, 255, (120, 120, 3)).astype(np.uint8)
    return Instance(patch, kpts, np.array([60.0, 60.0]), np.array([80.0, 80.0]), 1, 1)


def test_source_parse():
    s = Source.parse("a/b.json:imgs:2.5")
    assert (str(s.ann), str(s.images), s.ratio) == ("a/b.json", "imgs", 2.5)
    assert Source.parse("a.json:imgs").ratio == 1.0
    with pytest.raises(ValueError, match="ratio"):
        Source.parse("a.json:imgs:0")
    with pytest.raises(ValueError, match="expected"):
        Source.parse("a.json")


def test_flip_augmentation_swaps_left_and_right(no_aug):
    rng = np.random.default_rng(0)
    inst = _instance(rng)
    plain_img, plain_hm, _ = make_sample(inst, rng, None, (64, 64), (32, 32), 1.5, False)
    flip_only = Augmentation(**{**no_aug.__dict__, "flip_prob": 1.0})
    img, hm, _ = make_sample(inst, np.random.default_rng(1), flip_only, (64, 64), (32, 32), 1.5, False)
    np.testing.assert_array_equal(img, plain_img[:, ::-1])
    plain_k, _ = decode_heatmaps(plain_hm[None], (64, 64), sigma=1.5)
    flip_k, _ = decode_heatmaps(hm[None], (64, 64), sigma=1.5)
    for a, b in FLIP_PAIRS:
        # left keypoint of the flipped sample = mirrored right keypoint of the plain one, and vice versa
        np.testing.assert_allclose(flip_k[0, a], [64 - plain_k[0, b, 0], plain_k[0, b, 1]], atol=0.05)
        np.testing.assert_allclose(flip_k[0, b], [64 - plain_k[0, a, 0], plain_k[0, a, 1]], atol=0.05)
    np.testing.assert_allclose(flip_k[0, 2], [64 - plain_k[0, 2, 0], plain_k[0, 2, 1]], atol=0.05)


def test_sample_targets_follow_the_keypoints_and_outside_ones_get_zero_weight():
    rng = np.random.default_rng(3)
    inst = _instance(rng)
    inst.keypoints[5, :2] = [5, 5]       # outside the crop region [20, 100)
    inst.keypoints[6, 2] = 0             # not labelled
    _, hm, w = make_sample(inst, rng, None, (64, 64), (32, 32), 1.5, joint_weights=True)
    assert w[5] == 0 and w[6] == 0 and w[7] == pytest.approx(1.2) and w[0] == 1
    k, _ = decode_heatmaps(hm[None], (64, 64), sigma=1.5)
    expected = (inst.keypoints[:, :2] - 20) * 64 / 80
    ok = w > 0
    np.testing.assert_allclose(k[0, ok], expected[ok], atol=0.1)


def test_half_body_region_covers_the_chosen_part():
    kpts = np.column_stack([np.arange(17) * 5.0, np.arange(17) * 2.0, np.full(17, 2.0)])
    centre, size = half_body_region(kpts, np.random.default_rng(0), 1.0, 3)
    lo, hi = centre - size / 2, centre + size / 2
    upper = kpts[[0, 1, 2, 3, 5, 6, 7, 8, 9, 10], :2]
    lower = kpts[[4, 11, 12, 13, 14, 15, 16], :2]
    covers = [bool(np.all((p >= lo) & (p <= hi))) for p in (upper, lower)]
    assert covers[0] != covers[1] or size[0] >= 80
    kpts[:, 2] = 0
    assert half_body_region(kpts, np.random.default_rng(0), 1.0, 3) is None


def test_mixed_sampler_follows_ratios_and_is_deterministic():
    sampler = MixedSampler([10, 1000], [1.0, 3.0], seed=5)
    draws = [d for step in range(200) for d in sampler.batch(step, 16)]
    share = np.mean([s == 1 for s, _ in draws])
    assert 0.72 < share < 0.78
    assert all(0 <= i < (10, 1000)[s] for s, i in draws)
    assert sampler.batch(7, 16) == MixedSampler([10, 1000], [1.0, 3.0], seed=5).batch(7, 16)
    assert sampler.batch(7, 16) != sampler.batch(8, 16)


def test_instances_and_batches_from_files(animal_set):
    ann, images = animal_set
    instances = load_instances(Source(ann, images), (64, 64), 1.25, 1.5, 1.5, progress=False)
    assert len(instances) == 32 and instances[0].patch.shape == (96, 96, 3)
    batches = TrainBatches([instances], [1.0], 0, 4, Augmentation(), (64, 64), (32, 32), 1.5, True)
    x, hm, w = batches.batch(3)
    assert x.shape == (4, 3, 64, 64) and x.dtype == np.float32
    assert hm.shape == (4, 17, 32, 32) and w.shape == (4, 17)
    threaded = TrainBatches([instances], [1.0], 0, 4, Augmentation(), (64, 64), (32, 32), 1.5, True, threads=3)
    for again in (batches.batch(3), threaded.batch(3)):
        np.testing.assert_array_equal(x, again[0])
        np.testing.assert_array_equal(hm, again[1])
        np.testing.assert_array_equal(w, again[2])
