import csv
import json

import cv2
import numpy as np
import pytest

from pasyn.data import category, read_coco, write_coco
from pasyn.data.dataset import Source, dataset_stats, merge_sources, stats_figure
from pasyn.data.export import export_deeplabcut, export_mmpose


def _make_source(folder, n, species="zebra", first_id=1):
    (folder / "imgs").mkdir(parents=True)
    images, anns = [], []
    for i in range(n):
        iid = first_id + i
        cv2.imwrite(str(folder / "imgs" / f"{iid}.jpg"), np.full((32, 40, 3), 10 * i, np.uint8))
        kpts = []
        for k in range(17):
            kpts += [5.5 + k, 6.5 + i, 0 if k == 4 else 2]
        images.append({"id": iid, "file_name": f"{iid}.jpg", "width": 40, "height": 32})
        anns.append({"id": iid, "image_id": iid, "category_id": category(species)["id"], "bbox": [2, 3, 20, 10],
                     "area": 200, "iscrowd": 0, "num_keypoints": 16, "keypoints": kpts})
    write_coco({"images": images, "annotations": anns, "categories": [category(species)]}, folder / "ann.json")
    return folder / "ann.json"


def test_merge_renumbers_and_keeps_origin(tmp_path):
    real = _make_source(tmp_path / "real", 3)
    synth = _make_source(tmp_path / "synth", 5, species="cow", first_id=1)  # same ids as real: must be renumbered
    merged = merge_sources([Source("R", real, real.parent / "imgs"),
                            Source("S", synth, synth.parent / "imgs", limit=2, seed=0)], tmp_path / "out")
    again = read_coco(tmp_path / "out/annotations.json", image_root=tmp_path / "out")
    assert [img["id"] for img in again.images] == [1, 2, 3, 4, 5]
    assert [img["pasyn"]["source"] for img in again.images] == ["R", "R", "R", "S", "S"]
    assert {c["id"] for c in merged.categories} == {5, 22}
    stats = dataset_stats(again)
    assert stats["per_source"] == {"R": 3, "S": 2}
    assert stats["per_species"] == {"cow": 2, "zebra": 3}
    assert stats["visibility"]["v0"] == pytest.approx(1 / 17)
    assert stats["bbox_rel_size"]["median"] == pytest.approx(20 / 40)
    assert stats_figure({"merged": again}).shape[2] == 3


def test_source_parse_and_errors(tmp_path):
    s = Source.parse("S=a/b.json:imgs@300")
    assert (s.name, str(s.ann), str(s.images), s.limit) == ("S", "a/b.json", "imgs", 300)
    assert str(Source.parse("R=x/y.json").images) == "x"
    with pytest.raises(ValueError, match="NAME=ANN.json"):
        Source.parse("nothing")
    with pytest.raises(ValueError, match="not a whole number"):
        Source.parse("R=a.json@many")
    ann = _make_source(tmp_path / "r", 1)
    (ann.parent / "imgs" / "1.jpg").unlink()
    with pytest.raises(FileNotFoundError, match="1.jpg"):
        merge_sources([Source("R", ann, ann.parent / "imgs")], tmp_path / "out")


def test_deeplabcut_csv_layout(tmp_path):
    ann = _make_source(tmp_path / "r", 2)
    path = export_deeplabcut(read_coco(ann), ann.parent / "imgs", tmp_path / "dlc", video="zebras")
    rows = list(csv.reader(open(path)))
    assert rows[0][:4] == ["scorer", "", "", "pasyn"] and rows[2][3:5] == ["x", "y"]
    assert rows[1][3:7] == ["left_eye", "left_eye", "right_eye", "right_eye"]
    assert rows[3][:3] == ["labeled-data", "zebras", "img000001.png"]
    assert rows[3][3:5] == ["5.00", "6.00"]  # DLC puts the first pixel's centre at 0
    assert rows[3][3 + 2 * 4:3 + 2 * 4 + 2] == ["", ""]  # v=0 stays unlabelled
    assert (tmp_path / "dlc/labeled-data/zebras/img000002.png").is_file()


def test_mmpose_export_reads_back(tmp_path):
    ann = _make_source(tmp_path / "r", 2)
    out = export_mmpose(read_coco(ann), ann.parent / "imgs", tmp_path / "mm", split="val")
    ds = read_coco(out, image_root=tmp_path / "mm/data")
    assert len(ds.images) == 2
    assert "AP10KDataset" in (tmp_path / "mm/mmpose_val_dataset.py").read_text()
    assert json.loads(out.read_text())["categories"][0]["name"] == "zebra"
