import numpy as np
import torch

from pasyn.data.ap10k import flip_indices
from pasyn.data.coco import read_coco
from pasyn.pose.codec import decode_heatmaps, encode_heatmaps
from pasyn.pose.predict import predict_dataset, predict_heatmaps


class PerfectModel(torch.nn.Module):
    """Answers with the true heatmaps for one image and for its mirror image (what a flip-consistent model does)."""

    def __init__(self, image: torch.Tensor, kpts: np.ndarray):
        super().__init__()
        self.image = image
        hm, _ = encode_heatmaps(kpts, np.ones(17), (64, 64), (32, 32), 1.5)
        mirrored = kpts.copy()
        mirrored[:, 0] = 64 - mirrored[:, 0]
        hm_flip, _ = encode_heatmaps(mirrored[flip_indices()], np.ones(17), (64, 64), (32, 32), 1.5)
        self.answers = torch.from_numpy(hm)[None], torch.from_numpy(hm_flip)[None]

    def forward(self, x):
        if torch.equal(x, self.image):
            return self.answers[0]
        assert torch.equal(x, torch.flip(self.image, dims=[3])), "model got neither the crop nor its mirror"
        return self.answers[1]


def test_flip_test_averages_mirror_predictions_back_in_place(tiny_config):
    rng = np.random.default_rng(0)
    crop = rng.integers(0, 255, (1, 64, 64, 3)).astype(np.uint8)
    kpts = rng.uniform(8, 56, (17, 2))
    from pasyn.pose.data import normalize
    model = PerfectModel(torch.from_numpy(normalize(crop)), kpts)
    config = tiny_config(sigma=1.5, channels_last=False, bf16=False)
    plain = predict_heatmaps(model, config, crop, flip_test=False)
    flipped = predict_heatmaps(model, config, crop, flip_test=True)
    np.testing.assert_allclose(flipped, plain, atol=1e-6)
    decoded, _ = decode_heatmaps(flipped, (64, 64), sigma=1.5)
    np.testing.assert_allclose(decoded[0], kpts, atol=0.1)


class CropCentre(torch.nn.Module):
    """Puts every keypoint's peak at the crop centre: predictions must land on the box centre in the image."""

    def forward(self, x):
        hm, _ = encode_heatmaps(np.full((17, 2), 32.0), np.ones(17), (64, 64), (32, 32), 1.0)
        return torch.from_numpy(np.repeat(hm[None], len(x), axis=0))


def test_predictions_map_back_to_image_pixels(animal_set, tiny_config):
    ann, images = animal_set
    gt = read_coco(ann)
    results = predict_dataset(CropCentre(), tiny_config(), gt, images, batch_size=5, progress=False)
    assert len(results) == len(gt.annotations)
    for res, a in zip(results, gt.annotations):
        x, y, w, h = a["bbox"]
        kp = np.array(res["keypoints"]).reshape(17, 3)
        np.testing.assert_allclose(kp[:, :2], np.tile([x + w / 2, y + h / 2], (17, 1)), atol=0.01)
        assert res["image_id"] == a["image_id"] and 0.7 < res["score"] <= 1.0  # peak between cells: exp(-1/4)
