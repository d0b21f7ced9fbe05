"""Do visible (v=2) keypoints land on the animal? Share of v=2 keypoints inside the alpha mask dilated by 2 px.

Renders N images (default 200) of each model with `pasyn render` defaults at 256 px, then checks every v=2
keypoint against its image's mask (alpha > 0, dilated by a 2 px disc; also undilated). Writes a figure (how often
each keypoint is labelled visible, per model; the label mix), a contact sheet of the worst images, and prints a
markdown table. Rerunning reuses finished renders (the renderer resumes), so only the evaluation is repeated.

    nice -n 10 .venv/bin/python bench/render_visibility.py --out /tmp/render_vis --n 200
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from pasyn.data.ap10k import KEYPOINT_NAMES
from pasyn.render import annotate
from pasyn.render.config import RenderConfig
from pasyn.render.pipeline import render_dataset

MODELS = ["zebra", "quaternius-farm/Zebra", "quaternius-animals/Horse", "quaternius-farm/Cow"]
DILATE_PX = 2


def evaluate(folder: Path) -> dict:
    coco = json.loads((folder / "annotations.json").read_text())
    inside, exact, visible, counts, worst = [], [], [], np.zeros((17, 3), int), []
    for img, ann in zip(coco["images"], coco["annotations"]):
        alpha = cv2.imread(str(folder / img["file_name"]), cv2.IMREAD_UNCHANGED)[..., 3]
        mask = annotate.dilate(alpha > 0, DILATE_PX)
        kpts = np.reshape(ann["keypoints"], (17, 3))
        v2 = kpts[:, 2] == 2
        ok = annotate.inside_mask(kpts[:, :2], mask)
        inside.append(ok & v2)
        exact.append(annotate.inside_mask(kpts[:, :2], alpha > 0) & v2)
        visible.append(v2)
        for v in range(3):
            counts[:, v] += kpts[:, 2] == v
        if (v2 & ~ok).any():
            worst.append((int((v2 & ~ok).sum()), img["file_name"], kpts))
    inside, visible = np.array(inside), np.array(visible)
    return {"rate": inside.sum() / visible.sum(), "rate_undilated": np.sum(exact) / visible.sum(),
            "visible_share": counts[:, 2] / np.maximum(counts[:, 1:].sum(1), 1),
            "v_counts": counts, "n_images": len(coco["images"]), "n_visible": int(visible.sum()),
            "worst": sorted(worst, key=lambda w: -w[0])[:8]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--figure", type=Path, default=Path("docs/render/visibility.png"))
    parser.add_argument("--models", nargs="+", default=MODELS)
    args = parser.parse_args()

    results = {}
    for model in args.models:
        folder = args.out / model.replace("/", "__")
        start = time.time()
        render_dataset(model, args.n, folder, seed=args.seed, cfg=RenderConfig(), workers=args.workers,
                       preview=True)
        results[model] = evaluate(folder)
        print(f"{model}: {time.time() - start:.0f} s", flush=True)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(14, 4.8), gridspec_kw={"width_ratios": [3, 1.2]})
    x = np.arange(17)
    width = 0.8 / len(results)
    for k, (model, r) in enumerate(results.items()):
        ax.bar(x + (k - (len(results) - 1) / 2) * width, 100 * r["visible_share"], width,
               label=f"{model}: {100 * r['rate']:.2f}% / {100 * r['rate_undilated']:.2f}% of {r['n_visible']}")
    ax.set_xticks(x, KEYPOINT_NAMES, rotation=60, ha="right", fontsize=8)
    ax.set_ylim(0, 140)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("% of labelled keypoints with v=2")
    ax.legend(fontsize=7.5, loc="upper center", ncol=2,
              title=f"v=2 keypoints inside the alpha mask dilated by {DILATE_PX} px / undilated", title_fontsize=8)
    ax.set_title(f"How often each keypoint is visible; {args.n} renders per model, 256 px, seed {args.seed}")
    share = np.array([r["v_counts"].sum(0) / r["v_counts"].sum() for r in results.values()])
    bottom = np.zeros(len(results))
    for v, colour in ((2, "tab:green"), (1, "tab:orange"), (0, "tab:gray")):
        bx.bar(range(len(results)), 100 * share[:, v], bottom=bottom, color=colour, label=f"v={v}")
        bottom += 100 * share[:, v]
    bx.set_xticks(range(len(results)), [m.split("/")[-1] if "/" in m else f"{m} (built-in)" for m in results],
                  rotation=30, ha="right", fontsize=8)
    bx.set_ylabel("% of all keypoints")
    bx.legend(fontsize=8)
    bx.set_title("visibility labels")
    fig.tight_layout()
    args.figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.figure, dpi=110)

    from pasyn.viz import contact_sheet, draw_keypoints, save_png

    tiles, captions = [], []
    for model, r in results.items():
        for n_out, name, kpts in r["worst"][:4]:
            bgra = cv2.imread(str(args.out / model.replace("/", "__") / name), cv2.IMREAD_UNCHANGED)
            a = bgra[..., 3:] / 255.0
            rgb = (bgra[..., 2::-1] * a + 128 * (1 - a)).astype(np.uint8)
            tiles.append(draw_keypoints(rgb, kpts))
            captions.append(f"{model.split('/')[-1]} {Path(name).stem}: {n_out} out")
    if tiles:
        save_png(args.out / "worst.png", contact_sheet(tiles, ncols=4, captions=captions))

    print("\n| model | images | v=2 keypoints | in mask +2 px | in mask (undilated) | v=2 / v=1 / v=0 share |")
    print("|---|---|---|---|---|---|")
    for model, r in results.items():
        s = r["v_counts"].sum(0) / r["v_counts"].sum()
        print(f"| {model} | {r['n_images']} | {r['n_visible']} | {100 * r['rate']:.2f}% | "
              f"{100 * r['rate_undilated']:.2f}% | {100 * s[2]:.1f} / {100 * s[1]:.1f} / {100 * s[0]:.1f}% |")
    print("\nshare of labelled keypoints with v=2, %:")
    for model, r in results.items():
        print(model, " ".join(f"{n}={100 * p:.0f}" for n, p in zip(KEYPOINT_NAMES, r["visible_share"])))


if __name__ == "__main__":
    main()
