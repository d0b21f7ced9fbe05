import copy
import json

import pytest

from pasyn.data import AnnotationError, category, read_coco, write_coco


def _dataset():
    kpts = []
    for k in range(17):
        kpts += [10.0 + k, 20.0 + k, 2]
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}],
        "annotations": [{"id": 5, "image_id": 1, "category_id": 22, "bbox": [1, 2, 30, 40], "area": 1200,
                         "iscrowd": 0, "num_keypoints": 17, "keypoints": kpts}],
        "categories": [category("zebra")],
    }


def _write(tmp_path, data, name="ann.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_round_trip(tmp_path):
    write_coco(_dataset(), tmp_path / "out.json")
    ds = read_coco(tmp_path / "out.json")
    assert ds.keypoints().shape == (1, 17, 3)
    assert ds.keypoints()[0, 3].tolist() == [13.0, 23.0, 2.0]


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["annotations"][0].update(keypoints=d["annotations"][0]["keypoints"][:-3]), "list of 51 numbers"),
    (lambda d: d["annotations"][0]["keypoints"].__setitem__(5, 3), "visibility must be 0, 1 or 2"),
    (lambda d: d["annotations"][0]["keypoints"].__setitem__(0, float("nan")), "NaN"),
    (lambda d: d["annotations"][0].update(image_id=2), "refers to no image"),
    (lambda d: d["annotations"].append(copy.deepcopy(d["annotations"][0])), "duplicate annotation id"),
    (lambda d: d["images"].append(dict(d["images"][0])), "duplicate image id"),
    (lambda d: d["annotations"][0].update(category_id=99), "not among the categories"),
    (lambda d: d["annotations"][0].update(num_keypoints=3), "num_keypoints=3"),
    (lambda d: d["annotations"][0].update(bbox=[0, 0, -1, 4]), "negative size"),
    (lambda d: d["images"][0].update(width=0), "width must be a positive integer"),
    (lambda d: d.pop("categories"), "missing or non-list 'categories'"),
])
def test_validation_names_file_and_record(tmp_path, mutate, message):
    data = _dataset()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(AnnotationError) as err:
        read_coco(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_malformed_json_and_missing_images(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [')
    with pytest.raises(AnnotationError, match="not valid JSON"):
        read_coco(bad)
    with pytest.raises(FileNotFoundError):
        read_coco(tmp_path / "nope.json")
    path = _write(tmp_path, _dataset())
    with pytest.raises(AnnotationError, match="image file not found"):
        read_coco(path, image_root=tmp_path)


def test_reads_shared_sets_unchanged(shared_dir):
    sample = read_coco(shared_dir / "data/ap10k-samples/test_ap10k.json", shared_dir / "data/ap10k-samples")
    assert len(sample.categories) == 54 and len(sample.annotations) == 2
    for split, n in (("train_99", 99), ("test_300", 300)):
        ds = read_coco(shared_dir / f"data/proxyreal-zebra-dev/annotations/{split}.json",
                       shared_dir / "data/proxyreal-zebra-dev/images")
        assert len(ds.images) == n and ds.categories[0]["id"] == 22
