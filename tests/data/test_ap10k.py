import numpy as np
import pytest

from pasyn.data import ap10k


def test_layout_matches_keypoints_md():
    assert len(ap10k.KEYPOINT_NAMES) == 17
    assert ap10k.SKELETON_COCO[0] == [1, 2] and ap10k.SKELETON_COCO[-1] == [16, 17]
    assert len(ap10k.OKS_SIGMAS) == 17 and len(ap10k.JOINT_WEIGHTS) == 17
    assert ap10k.OKS_SIGMAS[11] == pytest.approx(0.107)
    # Every keypoint is in exactly one result group besides Average.
    groups = [k for name, ks in ap10k.RESULT_GROUPS.items() if name != "Average" for k in ks]
    assert sorted(groups) == list(range(17))


def test_flip_indices_swap_left_and_right_names():
    table = ap10k.flip_indices()
    for i, j in enumerate(table):
        name, other = ap10k.KEYPOINT_NAMES[i], ap10k.KEYPOINT_NAMES[j]
        assert other == name.replace("left", "@").replace("right", "left").replace("@", "right")
    assert np.array_equal(table[table], np.arange(17))


def test_species_ids_and_category():
    assert ap10k.species_id("zebra") == 22
    assert ap10k.species_id("Arctic_Fox") == 7
    cat = ap10k.category("horse")
    assert cat["id"] == 21 and cat["supercategory"] == "Equidae" and len(cat["keypoints"]) == 17
    with pytest.raises(ValueError, match="llama"):
        ap10k.species_id("llama")
