import numpy as np
import pytest
import timm
import torch
from safetensors.torch import save_file

from pasyn.pose.codec import decode_heatmaps
from pasyn.pose.model import PoseModel, heatmap_loss


@pytest.mark.parametrize("backbone", ["lcnet_050", "mobilenetv3_small_050", "resnet10t"])
def test_tiny_backbones_through_head_and_decode(backbone):
    torch.manual_seed(0)
    model = PoseModel(backbone, head_channels=16).eval()
    with torch.no_grad():
        heatmaps = model(torch.randn(2, 3, 64, 48))
    assert heatmaps.shape == (2, 17, 16, 12)
    kpts, scores = decode_heatmaps(heatmaps.numpy(), (48, 64), sigma=2.0)
    assert kpts.shape == (2, 17, 2) and scores.shape == (2, 17)
    assert np.all((kpts >= 0) & (kpts <= [48, 64]))


@pytest.mark.parametrize("backbone", ["hrnet_w32", "resnet50", "efficientnet_b6", "mobilenetv3_large_100"])
def test_paper_and_cpu_backbones_build_the_same_way(backbone):
    model = PoseModel(backbone, head_channels=8, heatmap_stride=4).eval()
    assert all(r >= 4 for r in model.backbone.feature_info.reduction())
    with torch.no_grad():
        assert model(torch.zeros(1, 3, 64, 64)).shape == (1, 17, 16, 16)


def test_heatmap_stride_two_adds_an_upsampling_step():
    model = PoseModel("lcnet_050", head_channels=8, heatmap_stride=2).eval()
    with torch.no_grad():
        assert model(torch.zeros(1, 3, 64, 64)).shape == (1, 17, 32, 32)


def test_unknown_backbone_is_a_value_error():
    with pytest.raises(ValueError, match="no_such_net"):
        PoseModel("no_such_net")


def test_pretrained_weights_load_from_a_local_safetensors_file(tmp_path):
    torch.manual_seed(1)
    classifier = timm.create_model("lcnet_050", pretrained=False)
    with torch.no_grad():
        for p in classifier.parameters():
            p.normal_()
    path = tmp_path / "lcnet_050.safetensors"
    save_file({k: v.contiguous() for k, v in classifier.state_dict().items()}, str(path))
    model = PoseModel("lcnet_050", head_channels=8, pretrained_path=path)
    torch.testing.assert_close(model.backbone.state_dict()["conv_stem.weight"], classifier.conv_stem.weight)
    scratch = PoseModel("lcnet_050", head_channels=8)
    assert not torch.equal(scratch.backbone.state_dict()["conv_stem.weight"], classifier.conv_stem.weight)
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        PoseModel("lcnet_050", pretrained_path=tmp_path / "missing.safetensors")


def test_loss_ignores_zero_weight_keypoints():
    pred, target = torch.zeros(1, 17, 4, 4), torch.zeros(1, 17, 4, 4)
    pred[0, 3] = 5.0
    weights = torch.ones(1, 17)
    assert heatmap_loss(pred, target, weights) > 0
    weights[0, 3] = 0
    assert heatmap_loss(pred, target, weights) == 0
