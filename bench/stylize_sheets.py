"""Regenerate the stylization contact sheets under docs/stylize/ (one per method, plus a side-by-side).

Renders: 16 Blender renders of the shared Zebra (`pasyn render`, ~1 min on 2 cores) unless --renders is
given; backgrounds: the shared photos; seed 7, so every sheet shows the same animals on the same crops.
The `neural` sheet uses small RANDOM weights (no pretrained AdaIN weights can be fetched here): it shows that
the method runs and where it acts (only the animal), not how a trained decoder looks.

    nice -n 10 .venv/bin/python bench/stylize_sheets.py
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2

from pasyn.stylize.pipeline import StylizeConfig, stylize_dataset, write_contact_sheet

ROOT = Path(__file__).resolve().parents[1]
SHARED_BACKGROUNDS = ROOT / ".." / "shared" / "assets" / "backgrounds"


def random_adain_weights(folder: Path) -> tuple[Path, Path]:
    """Narrow random-weight files in the torchvision VGG-19 and AdaIN-decoder layouts (see neural.py)."""
    import torch
    from torch import nn
    from torchvision.models.vgg import make_layers

    torch.manual_seed(0)
    vgg = make_layers([16, 16, "M", 32, 32, "M", 64, 64, 64, 64, "M", 128])
    pad_conv = lambda cin, cout: [nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3), nn.ReLU()]  # noqa: E731
    up = nn.Upsample(scale_factor=2, mode="nearest")
    decoder = nn.Sequential(*pad_conv(128, 64), up, *pad_conv(64, 64), *pad_conv(64, 64), *pad_conv(64, 64),
                            *pad_conv(64, 32), up, *pad_conv(32, 32), *pad_conv(32, 16), up, *pad_conv(16, 16),
                            nn.ReflectionPad2d(1), nn.Conv2d(16, 3, 3))
    torch.save(vgg.state_dict(), folder / "vgg_random.pth")
    torch.save(decoder.state_dict(), folder / "decoder_random.pth")
    return folder / "vgg_random.pth", folder / "decoder_random.pth"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=Path)
    parser.add_argument("--backgrounds", type=Path, default=SHARED_BACKGROUNDS)
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "stylize")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="stylize_sheets_") as tmp:
        tmp = Path(tmp)
        renders = args.renders
        if renders is None:
            renders = tmp / "renders"
            subprocess.run([sys.executable, "-m", "pasyn.cli", "render", "--model", "quaternius-farm/Zebra", "-n",
                            "16", "--size", "320", "--seed", "3", "--workers", "1", "--no-preview",
                            "--out", str(renders)], check=True)
        vgg, decoder = random_adain_weights(tmp)
        runs = {
            "paste, no touches": StylizeConfig(method="paste", touches=(), seed=7),
            "paste": StylizeConfig(method="paste", seed=7),
            "color": StylizeConfig(method="color", seed=7),
            "neural (random weights)": StylizeConfig(method="neural", seed=7, vgg=str(vgg), decoder=str(decoder)),
        }
        outputs = {}
        for name, config in runs.items():
            outputs[name] = stylize_dataset(renders, args.backgrounds, tmp / name.replace(" ", "_"), config,
                                            limit=8, sheet=False)
        for name, sheet in (("paste", "paste"), ("color", "color"), ("neural (random weights)", "neural")):
            title = (f"pasyn stylize --method {sheet} (all touches), seed 7"
                     + (": RANDOM weights, plumbing only, not the look of trained AdaIN" if sheet == "neural" else ""))
            write_contact_sheet(outputs[name], args.docs / f"{sheet}.png", n=8, title=title, tile_size=224,
                                ncols=4)
        from pasyn.viz import contact_sheet, save_png

        tiles, captions = [], []
        for i in (1, 2, 5, 7):
            for name, ann in outputs.items():
                tiles.append(cv2.imread(str(ann.parent / f"images/{i:06d}.jpg"))[..., ::-1])
                captions.append(name)
        save_png(args.docs / "compare.png", contact_sheet(tiles, ncols=len(outputs), captions=captions, tile_size=224,
                                                          title="same seed, same placement: the methods side by side"))
    print(f"wrote {', '.join(str(p) for p in sorted(args.docs.glob('*.png')))}")


if __name__ == "__main__":
    main()
