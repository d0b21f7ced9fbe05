import logging

import cv2
import numpy as np
import pytest

from pasyn.stylize.backgrounds import BackgroundCache, BackgroundError, random_crop, scan_backgrounds


def test_missing_and_empty_folders_raise_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="background folder not found"):
        scan_backgrounds(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BackgroundError, match="no usable background photos .*no image files"):
        scan_backgrounds(tmp_path / "empty")
    (tmp_path / "empty" / "README.txt").write_text("not a photo")
    with pytest.raises(BackgroundError, match="empty"):
        scan_backgrounds(tmp_path / "empty")


def test_unreadable_images_are_skipped_with_a_message(photo_backgrounds, caplog):
    (photo_backgrounds / "broken.jpg").write_bytes(b"this is no jpeg")
    (photo_backgrounds / "zero.png").write_bytes(b"")
    cv2.imwrite(str(photo_backgrounds / "tiny.png"), np.zeros((8, 8, 3), np.uint8))
    with caplog.at_level(logging.WARNING):
        found = scan_backgrounds(photo_backgrounds)
    assert [p.name for p in found.paths] == ["photo0.jpg", "photo1.jpg"]
    assert found.sizes == ((220, 150), (220, 150))
    assert sorted(p.name for p, _ in found.skipped) == ["broken.jpg", "tiny.png", "zero.png"]
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "broken.jpg: not a readable image" in messages and "tiny.png: too small" in messages
    assert "COPYRIGHT" not in messages  # not an image by name: ignored silently


def test_all_unreadable_is_an_error(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"junk")
    with pytest.raises(BackgroundError, match="1 image file.*all unreadable"):
        scan_backgrounds(tmp_path)


def test_cache_downscales_once_and_crop_is_deterministic(photo_backgrounds):
    found = scan_backgrounds(photo_backgrounds)
    cache = BackgroundCache(short_side=100)
    img = cache.get(found.paths[0])
    assert img.shape == (100, 147, 3) and cache.get(found.paths[0]) is img
    crops = [random_crop(np.random.default_rng(5), img, (64, 48), found.sizes[0]) for _ in range(2)]
    assert crops[0][0].shape == (48, 64, 3) and crops[0][0].dtype == np.uint8
    np.testing.assert_array_equal(crops[0][0], crops[1][0])
    x, y, w, h = crops[0][1]["crop"]  # in the original photo's pixels
    assert 0 <= x and x + w <= 220 + 0.5 and 0 <= y and y + h <= 150 + 0.5
    assert w / h == pytest.approx(64 / 48, rel=0.03)


@pytest.mark.shared
def test_shared_backgrounds_scan_cleanly(shared_backgrounds, caplog):
    with caplog.at_level(logging.WARNING):
        found = scan_backgrounds(shared_backgrounds)
    assert len(found.paths) == 14 and not found.skipped and not caplog.records  # COPYRIGHT files ignored
    img = BackgroundCache(short_side=512).get(found.paths[0], found.sizes[0])
    assert min(img.shape[:2]) == 512
