import numpy as np

from pasyn.pose.transforms import apply_affine, box_to_region, compose, crop_affine, invert_affine, warp_image


def test_box_to_region_keeps_aspect_and_pads():
    centre, size = box_to_region([10, 20, 100, 40], aspect=1.0, padding=1.25)
    np.testing.assert_allclose(centre, [60, 40])
    np.testing.assert_allclose(size, [125, 125])
    _, size = box_to_region([0, 0, 30, 90], aspect=0.5, padding=1.0)
    np.testing.assert_allclose(size, [45, 90])


def test_crop_affine_maps_region_to_crop_and_inverts_exactly():
    centre, size = np.array([50.0, 70.0]), np.array([80.0, 80.0])
    affine = crop_affine(centre, size, 0.0, (64, 64))
    corners = np.array([centre - size / 2, centre + size / 2, centre])
    np.testing.assert_allclose(apply_affine(affine, corners), [[0, 0], [64, 64], [32, 32]], atol=1e-12)
    for rotation, flip in [(0.0, False), (33.0, False), (-75.0, True)]:
        affine = crop_affine(centre, size, rotation, (64, 48), flip=flip)
        inv = invert_affine(affine)
        np.testing.assert_allclose(compose(inv, affine), np.hstack([np.eye(2), np.zeros((2, 1))]), atol=1e-12)
        pts = np.random.default_rng(0).uniform(0, 200, (17, 2))
        np.testing.assert_allclose(apply_affine(inv, apply_affine(affine, pts)), pts, atol=1e-10)


def test_flip_mirrors_about_the_crop_centre():
    plain = crop_affine([40, 40], [64, 64], 0.0, (64, 64))
    flipped = crop_affine([40, 40], [64, 64], 0.0, (64, 64), flip=True)
    p = np.array([[20.0, 30.0]])
    a, b = apply_affine(plain, p)[0], apply_affine(flipped, p)[0]
    np.testing.assert_allclose([64 - a[0], a[1]], b)


def test_rotation_turns_counter_clockwise_on_screen():
    affine = crop_affine([0, 0], [2, 2], 90.0, (2, 2))
    # a point to the right of the centre ends up above it (y down)
    np.testing.assert_allclose(apply_affine(affine, np.array([[1.0, 0.0]]))[0], [1, 0], atol=1e-12)


def test_warp_image_puts_pixels_where_apply_affine_says():
    ys, xs = np.mgrid[:200, :200] + 0.5
    blob = 255 * np.exp(-((xs - 80.5) ** 2 + (ys - 120.5) ** 2) / (2 * 3.0 ** 2))
    image = np.repeat(blob[:, :, None], 3, axis=2).astype(np.float32)
    # the last case shrinks 2.5x, through the area-averaging path
    for rotation, flip, size in [(0.0, False, 64.0), (90.0, True, 64.0), (0.0, False, 160.0)]:
        affine = crop_affine([90, 110], [size, size], rotation, (64, 64), flip=flip)
        crop = warp_image(image, affine, (64, 64)).astype(float)[:, :, 0]
        expected = apply_affine(affine, np.array([[80.5, 120.5]]))[0]  # the blob's centre
        ys, xs = np.mgrid[:64, :64]
        centroid = np.array([(crop * (xs + 0.5)).sum(), (crop * (ys + 0.5)).sum()]) / crop.sum()
        np.testing.assert_allclose(centroid, expected, atol=0.05)
