"""Drawing: colours land where the keypoints are, comparison marks only misses, sheets and PNGs round-trip."""
import os

import cv2
import numpy as np
import pytest

from pasyn.viz import contact_sheet, draw_comparison, draw_keypoints, save_png
from pasyn.viz.sheet import MISS_COLOUR, SIDE_COLOURS


def _pose():
    kpts = np.zeros((17, 3))
    kpts[:, 0] = 20 + 10 * np.arange(17)
    kpts[:, 1] = 100
    kpts[:, 2] = 2
    return kpts


def _near(image, x, y, colour, tol=40, r=2):
    patch = image[int(y) - r:int(y) + r + 1, int(x) - r:int(x) + r + 1].reshape(-1, 3).astype(int)
    return (np.abs(patch - colour).max(axis=1) < tol).any()


def test_draw_keypoints_colours_by_side_and_skips_v0():
    kpts = _pose()
    kpts[16, 2] = 0
    out = draw_keypoints(np.zeros((200, 220, 3), np.uint8), kpts, skeleton=False)
    assert _near(out, *kpts[0, :2], SIDE_COLOURS["left"])  # left_eye
    assert _near(out, *kpts[1, :2], SIDE_COLOURS["right"])  # right_eye
    assert _near(out, *kpts[2, :2], SIDE_COLOURS["mid"])  # nose
    assert out[95:106, int(kpts[16, 0]) - 4:int(kpts[16, 0]) + 5].max() == 0  # v=0 not drawn


def test_draw_comparison_marks_only_misses():
    truth = _pose()
    truth[5, 2] = 0  # unlabelled: no ring
    pred = truth[:, :2].copy()
    pred[3] += [0, 40]  # a miss, 40 px below the truth
    out = draw_comparison(np.zeros((200, 220, 3), np.uint8), pred, truth, tolerance=4.0)
    line_x, line_y = truth[3, 0], truth[3, 1] + 20
    assert _near(out, line_x, line_y, MISS_COLOUR, tol=30)
    assert not _near(out, truth[6, 0], truth[6, 1] + 20, MISS_COLOUR, tol=60)  # a hit: no line
    ring = out[int(truth[8, 1]) - 6:int(truth[8, 1]) + 7, int(truth[8, 0]) - 6:int(truth[8, 0]) + 7]
    assert (ring.min(axis=2) > 200).any()  # white ring around a labelled truth
    pred[7] = [1e12, -1e12]  # wildly off: still drawn without overflowing cv2's fixed point
    draw_comparison(np.zeros((200, 220, 3), np.uint8), pred, truth)
    empty = draw_comparison(np.zeros((200, 220, 3), np.uint8), np.full((17, 2), np.nan), truth, tolerance=4.0)
    assert not (empty[..., 0].astype(int) - empty[..., 2] > 100).any()  # no prediction drawn, only rings


def test_contact_sheet_layout_captions_and_title():
    tiles = [np.full((50, 80, 3), 255, np.uint8)] * 5
    sheet = contact_sheet(tiles, ncols=3, tile_size=80, gap=4)
    assert sheet.shape == (2 * (80 + 4) + 4, 3 * (80 + 4) + 4, 3)
    titled = contact_sheet(tiles, ncols=3, tile_size=80, gap=4, captions=list("abcde"),
                           title="a long legend " * 6)
    assert titled.shape[1] == sheet.shape[1] and titled.shape[0] > sheet.shape[0] + 2 * 14
    with pytest.raises(ValueError, match="at least one tile"):
        contact_sheet([])


def test_save_png_round_trip(tmp_path):
    image = np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8)
    path = save_png(tmp_path / "sub" / "x.png", image)
    back = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    assert np.array_equal(back, image)
    assert [p.name for p in path.parent.iterdir()] == ["x.png"]  # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # as open() would make it, not mkstemp's 0600
