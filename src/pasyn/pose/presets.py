"""Training settings: one flat dataclass; each preset overrides a few fields.

`paper`: MMPose's AP-10K HRNet-w32 recipe (256x256 input, 64x64 heatmaps, sigma 2, Adam 5e-4, x0.1 steps at
epochs 170 and 200 of 210, linear warm-up), for a GPU.
`cpu`: a light backbone at 128x128 with 32x32 heatmaps, AdamW one-cycle, sized by samples seen to train in
minutes on a 2-core CPU.
Training length is counted in samples seen (steps = num_samples / batch_size), so it does not depend on how many
images the sources hold.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from pasyn.pose.data import Augmentation


@dataclass(frozen=True)
class PoseConfig:
    backbone: str = "mobilenetv3_large_100"
    input_size: int = 128            # square input crop, pixels
    heatmap_size: int = 32
    sigma: float = 1.5               # Gaussian target width, heatmap cells
    head_channels: int = 64
    padding: float = 1.25            # box -> crop region
    joint_weights: bool = True       # MMPose's AP-10K per-keypoint loss weights
    # data cache: each animal is cut once, patch_margin x its padded box, at patch_resolution x input size
    patch_margin: float = 1.5
    patch_resolution: float = 1.5
    aug: Augmentation = field(default_factory=Augmentation)
    # optimisation
    batch_size: int = 16
    num_samples: int = 40_000        # samples seen in the whole run
    optimizer: str = "adamw"         # adam | adamw
    lr: float = 2e-3
    weight_decay: float = 1e-4
    schedule: str = "onecycle"       # onecycle | step
    warmup_steps: int = 0            # step schedule only: linear warm-up from lr/1000
    milestones: tuple[float, ...] = ()  # step schedule: fractions of the run where lr is multiplied by 0.1
    # inference
    flip_test: bool = True
    # speed
    channels_last: bool = True
    bf16: bool = True                # autocast to bfloat16
    threads: int = 2                 # torch CPU threads (capped at the machine's cores)
    data_threads: int = 1            # threads building each batch (a GPU needs several)
    # bookkeeping
    seed: int = 0
    checkpoint_every: int = 250      # steps
    log_every: int = 25

    @property
    def steps(self) -> int:
        return max(1, -(-self.num_samples // self.batch_size))

    def replace(self, **changes) -> "PoseConfig":
        """A copy with some fields changed; 'aug.NAME' keys change augmentation fields. ValueError on unknown keys."""
        aug_changes = {k[4:]: v for k, v in changes.items() if k.startswith("aug.")}
        plain = {k: v for k, v in changes.items() if not k.startswith("aug.")}
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(plain) - known) + sorted(
            f"aug.{k}" for k in set(aug_changes) - {f.name for f in dataclasses.fields(Augmentation)})
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        if aug_changes:
            plain["aug"] = dataclasses.replace(self.aug, **aug_changes)
        return dataclasses.replace(self, **plain)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "PoseConfig":
        data = dict(data)
        aug = data.pop("aug", {})
        aug = {k: tuple(v) if isinstance(v, list) else v for k, v in aug.items()}
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**data, aug=Augmentation(**aug))


PRESETS: dict[str, PoseConfig] = {
    "cpu": PoseConfig(),
    "paper": PoseConfig(
        backbone="hrnet_w32", input_size=256, heatmap_size=64, sigma=2.0, head_channels=128,
        aug=Augmentation(scale_range=(0.65, 1.35), rotation_deg=40.0, shift=0.16),
        batch_size=32, num_samples=210 * 3099,  # 210 epochs of R(99)+S(3K)
        optimizer="adam", lr=5e-4, weight_decay=0.0, schedule="step", warmup_steps=500,
        milestones=(170 / 210, 200 / 210), bf16=False, threads=8, data_threads=8, checkpoint_every=1000, log_every=50,
    ),
}


def preset(name: str, **changes) -> PoseConfig:
    """A named preset, optionally with fields changed (see PoseConfig.replace)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")
    return PRESETS[name].replace(**changes)
