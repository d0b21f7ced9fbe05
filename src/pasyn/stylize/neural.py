"""AdaIN restyling (Huang & Belongie 2017): VGG-19 features up to relu4_1, re-normalised to the background's
channel statistics, decoded back to an image. Weights come only from local files given by the user.

Encoder weight files, two layouts (recognised from the keys and the first kernel's shape):
- "torchvision": a `torchvision.models.vgg19` state_dict (keys `features.N.weight`, the classifier is ignored),
  or its `features` sub-module's state_dict (keys `N.weight`). Zero-padded 3x3 convs; the input is RGB in [0, 1]
  normalised with the ImageNet mean and std. Layers used: features[0:21] (conv1_1 ... relu4_1).
- "adain": the classic `vgg_normalised.pth` of the AdaIN papers' code (an nn.Sequential state_dict whose layer 0
  is a 1x1 conv that does the input normalisation; reflection-padded convs, ceil-mode pools); the input is RGB in
  [0, 1]. Layers used: 0..30 (up to relu4_1).
Decoder weight file: the AdaIN decoder's nn.Sequential state_dict (keys `1.weight`, `5.weight`, ..., `28.weight`,
optionally prefixed `decoder.`), which mirrors the encoder with nearest-neighbour upsampling; output RGB in
[0, 1]. A decoder only fits the encoder it was trained with.
Channel widths are read from the files, so small random-weight files of the same layout work (tests use them).
Files may be `.pth`/`.pt` (torch.save of a state_dict, loaded with weights_only=True) or `.safetensors`.

Images are float32 RGB in [0, 1], (H, W, 3).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Layer plans: conv index -> kind, in the layouts' own module numbering (so state_dicts load strictly).
# "c" = conv + ReLU, "m" = max-pool; the torchvision plan is torchvision's vgg19 `features` up to relu4_1.
TORCHVISION_PLAN = ["c", "c", "m", "c", "c", "m", "c", "c", "c", "c", "m", "c"]
DECODER_CONVS = (1, 5, 8, 11, 14, 18, 21, 25, 28)
DECODER_UPSAMPLE_BEFORE = (5, 18, 25)  # an upsample sits two modules before these convs


class WeightFileError(ValueError):
    """A weight file is missing, unreadable or has the wrong layout; the message names the file."""


def load_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weight file not found: {path}")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file
            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch and safetensors raise many kinds; all mean "not a readable weight file"
        raise WeightFileError(f"{path}: cannot read weights ({type(err).__name__}: {err})") from err
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightFileError(f"{path}: expected a state_dict (a dict of tensors)")
    return state


def _strip_prefix(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    if state and all(k.startswith(prefix) for k in state):
        return {k[len(prefix):]: v for k, v in state.items()}
    return state


def _conv_weight(state: dict, index: int, path: Path) -> torch.Tensor:
    key = f"{index}.weight"
    if key not in state or f"{index}.bias" not in state:
        raise WeightFileError(f"{path}: missing {key} / {index}.bias for this layout")
    return state[key]


def _build(plan: list[tuple[str, int]], state: dict, path: Path) -> nn.Sequential:
    """Build an nn.Sequential from (kind, index) entries whose conv sizes come from the state_dict."""
    modules: dict[int, nn.Module] = {}
    in_channels = None
    for kind, index in plan:
        if kind in ("conv", "conv_pad0"):
            weight = _conv_weight(state, index, path)
            out_c, in_c, kh, kw = weight.shape
            if in_channels is not None and in_c != in_channels:
                raise WeightFileError(f"{path}: {index}.weight takes {in_c} channels but the layer before gives "
                                      f"{in_channels}")
            modules[index] = nn.Conv2d(in_c, out_c, (kh, kw), padding=1 if kind == "conv" else 0)
            in_channels = out_c
        elif kind == "relu":
            modules[index] = nn.ReLU()
        elif kind == "pool":
            modules[index] = nn.MaxPool2d(2, 2)
        elif kind == "pool_ceil":
            modules[index] = nn.MaxPool2d(2, 2, ceil_mode=True)
        elif kind == "pad":
            modules[index] = nn.ReflectionPad2d(1)
        elif kind == "up":
            modules[index] = nn.Upsample(scale_factor=2, mode="nearest")
    net = nn.Sequential(*(modules[i] for i in range(len(modules))))
    wanted = set(net.state_dict())
    try:
        net.load_state_dict({k: v for k, v in state.items() if k in wanted}, strict=True)
    except RuntimeError as err:
        raise WeightFileError(f"{path}: weights do not fit the layout: {err}") from err
    return net.eval()


def _torchvision_plan() -> list[tuple[str, int]]:
    plan, index = [], 0
    for step in TORCHVISION_PLAN:
        if step == "c":
            plan += [("conv", index), ("relu", index + 1)]
            index += 2
        else:
            plan.append(("pool", index))
            index += 1
    return plan


def _adain_plan() -> list[tuple[str, int]]:
    plan, index = [("conv_pad0", 0)], 1
    for step in TORCHVISION_PLAN:
        if step == "c":
            plan += [("pad", index), ("conv_pad0", index + 1), ("relu", index + 2)]
            index += 3
        else:
            plan.append(("pool_ceil", index))
            index += 1
    return plan


def _decoder_plan() -> list[tuple[str, int]]:
    plan = []
    for i, conv in enumerate(DECODER_CONVS):
        if conv in DECODER_UPSAMPLE_BEFORE:
            plan.append(("up", conv - 2))
        plan += [("pad", conv - 1), ("conv_pad0", conv)]
        if i < len(DECODER_CONVS) - 1:
            plan.append(("relu", conv + 1))
    return plan


def load_encoder(path: str | Path) -> tuple[nn.Sequential, str]:
    """(VGG-19 up to relu4_1, layout name) from a weight file; see the module docstring for the layouts."""
    path = Path(path)
    state = {k[len("features."):] if k.startswith("features.") else k: v for k, v in load_state_dict(path).items()}
    first = state.get("0.weight")
    if first is None or first.ndim != 4:
        raise WeightFileError(f"{path}: no first conv weight ('features.0.weight' or '0.weight'); "
                              "not a VGG state_dict")
    layout = "adain" if first.shape[-2:] == (1, 1) else "torchvision"
    plan = _adain_plan() if layout == "adain" else _torchvision_plan()
    return _build(plan, state, path), layout


def load_decoder(path: str | Path) -> nn.Sequential:
    path = Path(path)
    return _build(_decoder_plan(), _strip_prefix(load_state_dict(path), "decoder."), path)


def adain(content: torch.Tensor, style: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Give (1, C, h, w) content features the per-channel mean and std of (1, C, h', w') style features."""
    c_mean, c_std = content.mean((2, 3), keepdim=True), content.std((2, 3), keepdim=True) + eps
    s_mean, s_std = style.mean((2, 3), keepdim=True), style.std((2, 3), keepdim=True) + eps
    return (content - c_mean) / c_std * s_std + s_mean


class AdaINStylizer:
    """Encoder + decoder loaded once (per worker process); `stylize` restyles a content image."""

    def __init__(self, vgg_path: str | Path, decoder_path: str | Path, threads: int = 1):
        torch.set_num_threads(threads)
        self.encoder, self.layout = load_encoder(vgg_path)
        self.decoder = load_decoder(decoder_path)
        enc_out = [m for m in self.encoder if isinstance(m, nn.Conv2d)][-1].out_channels
        dec_in = [m for m in self.decoder if isinstance(m, nn.Conv2d)][0].in_channels
        if enc_out != dec_in:
            raise WeightFileError(f"{decoder_path}: decoder takes {dec_in} channels but the encoder "
                                  f"{vgg_path} gives {enc_out}")

    def _to_input(self, rgb: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))[None].float()
        if self.layout == "torchvision":
            x = (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        return x

    @torch.no_grad()
    def stylize(self, content: np.ndarray, style: np.ndarray) -> np.ndarray:
        """Content (h, w, 3) restyled towards style (h', w', 3); same size as content. Sides are padded by
        reflection to a multiple of 8 (three poolings) and cropped back."""
        h, w = content.shape[:2]
        pad_h, pad_w = -h % 8, -w % 8
        padded = np.pad(content, ((0, pad_h), (0, pad_w), (0, 0)), mode="reflect" if min(h, w) > 8 else "edge")
        feats = adain(self.encoder(self._to_input(padded)), self.encoder(self._to_input(style)))
        out = self.decoder(feats)[0].permute(1, 2, 0).numpy()[:h, :w]
        if out.shape[:2] != (h, w):  # an odd decoder could change the size; fail loudly rather than misalign
            raise WeightFileError(f"decoder output {out.shape[:2]} does not match its input {(h, w)}")
        return np.clip(out, 0.0, 1.0).astype(np.float32)
