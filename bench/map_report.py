"""Check keypoint maps by eye: draw each shared model with its 17 mapped keypoints.

For every map in src/pasyn/assets/maps/ (or the ones named) this writes one PNG with six panels: the rest pose
seen from the animal's left, from the front and from above, the head from the left and from the front, and one
frame of the Walk clip from the left. Left keypoints are red, right blue, midline green. It also prints the
rest-pose keypoints.

    .venv/bin/python bench/map_report.py                      # all maps -> runs/maps/<map>.png
    .venv/bin/python bench/map_report.py quaternius-farm__Zebra my_map.yaml --out /tmp/maps

Mesh drawing is a painter's-algorithm flat-shaded projection (matplotlib), good enough to see landmarks.
World space is Z up; the views assume the model faces -Y (as the Quaternius models do), so its left is +X.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import yaml
from matplotlib.collections import PolyCollection

from pasyn.assets.gltf import load_gltf
from pasyn.assets.keypoint_map import load_keypoint_map
from pasyn.data.ap10k import KEYPOINT_NAMES, SIDE, SKELETON

REPO = Path(__file__).resolve().parents[1]
MAPS = REPO / "src" / "pasyn" / "assets" / "maps"
MODELS = REPO / ".." / "shared" / "assets" / "models"
SIDE_COLOURS = {"left": "red", "right": "blue", "mid": "limegreen"}
SHORT = {"left_eye": "Le", "right_eye": "Re", "nose": "nose", "neck": "neck", "root_of_tail": "RoT"}

# Rows: screen right, screen up, toward the viewer (right x up = toward: no mirror images).
VIEWS = {
    "left": np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], float),  # viewer on the animal's left, head on the left
    "front": np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], float),  # facing the animal: its left on screen right
    "top": np.array([[-1, 0, 0], [0, -1, 0], [0, 0, 1]], float),  # from above, head up: its left on screen left
}


def short_name(name: str) -> str:
    if name in SHORT:
        return SHORT[name]
    side, rest = name.split("_", 1)
    return side[0].upper() + rest.replace("_", "")[:6]


def draw_mesh(ax, model, vertices: np.ndarray, view: str, keep: np.ndarray | None = None) -> None:
    """Flat-shaded triangles of the (V, 3) posed vertices, far to near; keep: (V,) bool, faces kept if all in."""
    axes = VIEWS[view]
    faces, material = model.mesh.faces, model.mesh.face_material
    if keep is not None:
        inside = keep[faces].all(axis=1)
        faces, material = faces[inside], material[inside]
    tri = vertices[faces]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-12
    light = axes[2] * 0.7 + axes[1] * 0.5 + axes[0] * 0.3
    shade = 0.35 + 0.65 * np.clip(np.abs(normal @ light) / np.linalg.norm(light), 0.25, 1)[:, None]
    base = np.array([m.base_color[:3] for m in model.mesh.materials]) ** (1 / 2.2)  # linear -> display
    colour = np.clip(base[material] * shade, 0, 1)
    order = np.argsort(tri.mean(axis=1) @ axes[2])
    polys = np.stack([tri @ axes[0], tri @ axes[1]], axis=-1)[order]
    ax.add_collection(PolyCollection(polys, facecolors=colour[order], edgecolors=colour[order] * 0.8,
                                     linewidths=0.2))
    ax.autoscale_view()
    ax.set_aspect("equal")


def draw_keypoints(ax, points: np.ndarray, view: str) -> None:
    """(17, 3) world keypoints as coloured dots joined by the AP-10K skeleton."""
    xy, depth = points @ VIEWS[view][:2].T, points @ VIEWS[view][2]
    for a, b in SKELETON:
        ax.plot(xy[[a, b], 0], xy[[a, b], 1], "-", color="yellow", lw=1.0, alpha=0.8)
    for k in np.argsort(depth):  # nearer keypoints drawn last, on top
        name = KEYPOINT_NAMES[k]
        ax.plot(*xy[k], "o", ms=6, mec="black", mew=0.6, color=SIDE_COLOURS[SIDE[k]])
        ax.annotate(short_name(name), xy[k], xytext=(4, 3), textcoords="offset points", fontsize=7,
                    color=SIDE_COLOURS[SIDE[k]])


def report(map_path: Path, out_dir: Path, models_root: Path = MODELS, walk_phase: float = 0.3) -> Path:
    """Render one map's check sheet and print its rest-pose keypoints; returns the PNG path."""
    model_file = yaml.safe_load(map_path.read_text())["model"]
    model = load_gltf(models_root / model_file)
    kmap = load_keypoint_map(map_path, model)
    rest = model.global_transforms()
    rest_vertices, rest_points = model.skin(rest), kmap.locate(model, rest)
    walk_clip = model.clip("Walk")
    walk = model.global_transforms(model.pose_at(walk_clip, walk_clip.start + walk_phase * walk_clip.duration))

    head = model.skeleton.index("Head")
    near_head = np.linalg.norm(rest_vertices - rest[head, :3, 3], axis=1)
    head_radius = np.linalg.norm(rest_points[2] - rest[head, :3, 3]) * 1.3
    fig = plt.figure(figsize=(24, 16))
    grid = fig.add_gridspec(2, 6)
    axes = [fig.add_subplot(grid[0, :3]), fig.add_subplot(grid[0, 3:]), fig.add_subplot(grid[1, 0]),
            fig.add_subplot(grid[1, 1]), fig.add_subplot(grid[1, 2:4]), fig.add_subplot(grid[1, 4:])]
    panels = [("rest, from the left", rest_vertices, rest_points, "left", None),
              (f"Walk at {walk_phase:.0%}, from the left", model.skin(walk), kmap.locate(model, walk), "left", None),
              ("rest, from the front", rest_vertices, rest_points, "front", None),
              ("rest, from above", rest_vertices, rest_points, "top", None),
              ("head, from the left", rest_vertices, rest_points, "left", near_head < head_radius),
              ("head, from the front", rest_vertices, rest_points, "front", near_head < head_radius)]
    for ax, (title, vertices, points, view, keep) in zip(axes, panels):
        draw_mesh(ax, model, vertices, view, keep)
        limits = ax.get_xlim(), ax.get_ylim()
        draw_keypoints(ax, points, view)
        if keep is not None:  # close-up: stay on the head
            ax.set_xlim(*limits[0])
            ax.set_ylim(*limits[1])
        ax.set_title(title)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{map_path.stem} ({kmap.species}): left red, right blue, midline green")
    fig.tight_layout()
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{map_path.stem}.png"
    fig.savefig(out, dpi=55)
    plt.close(fig)
    print(f"{map_path.stem}: rest-pose keypoints (x = animal's left, y = back, z = up)")
    for name, p in zip(KEYPOINT_NAMES, rest_points):
        print(f"  {name:16s} {p[0]:7.3f} {p[1]:7.3f} {p[2]:7.3f}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("maps", nargs="*", help="map stems in src/pasyn/assets/maps or .yaml paths (default: all)")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "maps")
    parser.add_argument("--models", type=Path, default=MODELS)
    args = parser.parse_args()
    paths = [Path(m) if m.endswith(".yaml") else MAPS / f"{m}.yaml" for m in args.maps] or sorted(MAPS.glob("*.yaml"))
    for path in paths:
        print(report(path, args.out, models_root=args.models))


if __name__ == "__main__":
    main()
