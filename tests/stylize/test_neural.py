"""AdaIN plumbing with tiny random-weight files in both encoder layouts (no pretrained weights needed)."""
import numpy as np
import pytest
import torch
from torchvision.models.vgg import cfgs, make_layers

from pasyn.stylize.neural import AdaINStylizer, WeightFileError, adain, load_decoder, load_encoder

def test_both_encoder_layouts_load_and_match_their_reference(tiny_weights):
    x = torch.rand(1, 3, 40, 48)
    enc, layout = load_encoder(tiny_weights["vgg_tv"])
    assert layout == "torchvision"
    torch.testing.assert_close(enc(x), tiny_weights["modules"]["vgg_tv"](x))
    enc, layout = load_encoder(tiny_weights["vgg_adain"])
    assert layout == "adain"
    torch.testing.assert_close(enc(x), tiny_weights["modules"]["vgg_adain"](x))


def test_full_size_torchvision_vgg19_features_fit(tmp_path):
    full = make_layers(cfgs["E"])  # torchvision's own vgg19 `features`
    torch.save(full.state_dict(), tmp_path / "features.pth")
    enc, layout = load_encoder(tmp_path / "features.pth")
    assert layout == "torchvision" and len(enc) == 21
    assert [type(m) for m in enc] == [type(m) for m in full[:21]]
    assert enc[19].out_channels == 512


def test_decoder_loads_and_matches(tiny_weights):
    feats = torch.rand(1, 16, 5, 6)
    torch.testing.assert_close(load_decoder(tiny_weights["decoder"])(feats), tiny_weights["modules"]["decoder"](feats))


def test_adain_transfers_channel_statistics():
    torch.manual_seed(1)
    content, style = torch.randn(1, 6, 8, 9), torch.randn(1, 6, 5, 7) * 3 + 2
    out = adain(content, style)
    torch.testing.assert_close(out.mean((2, 3)), style.mean((2, 3)), atol=1e-4, rtol=0)
    torch.testing.assert_close(out.std((2, 3)), style.std((2, 3)), atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("vgg", ["vgg_tv", "vgg_adain"])
def test_stylizer_keeps_size(tiny_weights, vgg):
    stylizer = AdaINStylizer(tiny_weights[vgg], tiny_weights["decoder"])
    rng = np.random.default_rng(0)
    out = stylizer.stylize(rng.random((37, 29, 3), dtype=np.float32), rng.random((64, 64, 3), dtype=np.float32))
    assert out.shape == (37, 29, 3) and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1


def test_bad_files_name_the_file(tmp_path, tiny_weights, classic_decoder):
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        load_encoder(tmp_path / "missing.pth")
    (tmp_path / "junk.pth").write_bytes(b"not torch")
    with pytest.raises(WeightFileError, match="junk.pth: cannot read weights"):
        load_encoder(tmp_path / "junk.pth")
    torch.save({"0.weight": torch.zeros(4, 3, 3, 3), "0.bias": torch.zeros(4)}, tmp_path / "short.pth")
    with pytest.raises(WeightFileError, match=r"short.pth: missing 2.weight"):
        load_encoder(tmp_path / "short.pth")
    torch.save(classic_decoder((8, 8, 8, 4)).state_dict(), tmp_path / "dec8.pth")
    with pytest.raises(WeightFileError, match="decoder takes 8 channels but the encoder"):
        AdaINStylizer(tiny_weights["vgg_tv"], tmp_path / "dec8.pth")
