"""Top-down heatmap model: a timm `features_only` backbone and a small top-down (FPN-style) heatmap head.

Shapes: images (B, 3, H, W) normalised RGB; backbone features (B, C_i, H / r_i, W / r_i) for reductions r_i;
heatmaps (B, K, H / s, W / s) with s = heatmap stride (4 in both presets).
The head is sized from the backbone's feature_info, so every timm backbone goes through the same code.
"""
from __future__ import annotations

import os
from pathlib import Path

import timm
import torch
import torch.nn.functional as F
from torch import nn


def create_backbone(name: str, heatmap_stride: int, pretrained_path: str | os.PathLike | None = None) -> nn.Module:
    """timm features_only backbone returning the levels whose reduction is >= heatmap_stride.

    pretrained_path: a local timm weight file (.safetensors, .pth, .bin) for the full classifier; nothing is ever
    downloaded. HRNet gives its raw branch outputs (32 channels at stride 4 for w32, as MMPose uses them).
    """
    kwargs = {"feature_location": ""} if name.startswith("hrnet") else {}
    try:
        probe = timm.create_model(name, pretrained=False, features_only=True, **kwargs)
    except RuntimeError as err:
        raise ValueError(f"unknown timm backbone {name!r}: {err}") from None
    levels = [i for i, r in enumerate(probe.feature_info.reduction()) if r >= heatmap_stride]
    if not levels:
        raise ValueError(f"backbone {name!r} has no feature level with reduction >= {heatmap_stride}")
    if pretrained_path is None:
        return timm.create_model(name, pretrained=False, features_only=True, out_indices=levels, **kwargs)
    path = Path(pretrained_path)
    if not path.is_file():
        raise FileNotFoundError(f"pretrained weight file not found: {path}")
    return timm.create_model(name, pretrained=True, pretrained_cfg_overlay={"file": str(path)},
                             features_only=True, out_indices=levels, **kwargs)


class ConvBlock(nn.Sequential):
    def __init__(self, cin: int, cout: int, kernel: int = 3):
        super().__init__(nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class HeatmapHead(nn.Module):
    """Top-down merge of feature levels into heatmaps at the finest level's resolution (upsampled further
    by 2x steps when that is coarser than the heatmap stride).

    in_channels / reductions: per level, finest first (from feature_info). Only forward(feats) -> heatmaps;
    loss and decoding live elsewhere.
    """

    def __init__(self, in_channels: list[int], reductions: list[int], num_keypoints: int, channels: int,
                 heatmap_stride: int):
        super().__init__()
        self.lateral = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, channels, 1, bias=False), nn.BatchNorm2d(channels)) for c in in_channels)
        self.smooth = nn.ModuleList(ConvBlock(channels, channels) for _ in in_channels[:-1])
        extra = 0
        while reductions[0] >> extra > heatmap_stride:
            extra += 1
        if reductions[0] != heatmap_stride << extra:
            raise ValueError(f"feature reductions {reductions} cannot reach heatmap stride {heatmap_stride}")
        self.upsample = nn.ModuleList(ConvBlock(channels, channels) for _ in range(extra))
        self.final = nn.Conv2d(channels, num_keypoints, 1)
        nn.init.normal_(self.final.weight, std=0.001)
        nn.init.zeros_(self.final.bias)

    def forward(self, feats: list[torch.Tensor]) -> torch.Tensor:
        x = self.lateral[-1](feats[-1])
        for level in range(len(feats) - 2, -1, -1):
            lateral = self.lateral[level](feats[level])
            x = F.interpolate(x, size=lateral.shape[-2:], mode="bilinear", align_corners=False) + lateral
            x = self.smooth[level](x)
        for block in self.upsample:
            x = block(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False))
        return self.final(x)


class PoseModel(nn.Module):
    """Backbone + head: (B, 3, H, W) -> (B, K, H / heatmap_stride, W / heatmap_stride)."""

    def __init__(self, backbone: str, num_keypoints: int = 17, head_channels: int = 128, heatmap_stride: int = 4,
                 pretrained_path: str | os.PathLike | None = None):
        super().__init__()
        self.backbone = create_backbone(backbone, heatmap_stride, pretrained_path)
        info = self.backbone.feature_info
        self.head = HeatmapHead(info.channels(), info.reduction(), num_keypoints, head_channels, heatmap_stride)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(images))


def heatmap_loss(pred: torch.Tensor, target: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Weighted MSE (MMPose KeypointMSELoss with target weights): pred, target (B, K, h, w); weights (B, K)."""
    w = weights[:, :, None, None]
    return F.mse_loss(pred.float() * w, target * w)
