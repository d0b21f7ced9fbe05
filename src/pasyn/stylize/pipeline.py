"""The stylized dataset writer: renders + background photos -> OUT/annotations.json + OUT/images/<stem>.jpg.

Sample i is made from render i (in the order of the rendered set's `images`) and depends only on the seed and
i: placement and background come from rng([seed, i, 0]), the method from rng([seed, i, 1]) and touch k from
rng([seed, i, 2 + k]); so the same seed puts each animal in the same place on the same photo whatever the
method or touches, which keeps ablations paired. Workers write each image and its record
(OUT/records/<stem>.json) atomically; a rerun skips the finished ones; annotations.json is written last.

Images inside are float32 RGB in [0, 1], (H, W, 3); alpha (H, W); keypoints (N, K, 3) continuous pixels.
"""
from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from pasyn.data.coco import read_coco, write_coco, write_json_atomic
from pasyn.stylize import touches as tch
from pasyn.stylize.backgrounds import BackgroundCache, BackgroundSet, random_crop, scan_backgrounds
from pasyn.stylize.methods import METHODS, animal_region, color_transfer, composite
from pasyn.stylize.placement import (
    BBOX_ALPHA, compose, mask_box, sample_placement, transform_keypoints, transform_points, translation, warp_layer,
)

log = logging.getLogger(__name__)

SHEET_TILES = 16


class StylizeError(ValueError):
    """Bad settings or inputs for stylization; the message names the file or option and the problem."""


@dataclass(frozen=True)
class StylizeConfig:
    """Every setting that changes the output images. Presets override a few fields (see PRESETS)."""

    size: tuple[int, int] = (256, 256)  # output (width, height)
    method: str = "color"
    strength: float = 0.5  # share of the restyled look: the paper's 0.5 content + 0.5 stylized
    scale_range: tuple[float, float] = (0.6, 1.0)  # x the fit-render-frame-to-output scale (placement.py)
    max_outside: float = 0.1  # share of the animal box's width / height allowed outside the image
    crop_range: tuple[float, float] = (0.5, 1.0)  # background crop side, share of the largest crop
    touches: tuple[str, ...] = tch.TOUCHES
    image_format: str = "jpg"  # "jpg" or "png"
    jpeg_quality: int = 95
    seed: int = 0
    vgg: str | None = None  # neural only: encoder weight file (neural.py lists the layouts)
    decoder: str | None = None  # neural only: decoder weight file

    def validate(self) -> None:
        if self.method not in METHODS:
            raise StylizeError(f"unknown method {self.method!r}; choose one of {', '.join(METHODS)}")
        if min(self.size) < 16:
            raise StylizeError(f"output size {self.size} is too small (at least 16 px per side)")
        if not 0 <= self.strength <= 1:
            raise StylizeError(f"strength must be in [0, 1], got {self.strength}")
        if not 0 < self.scale_range[0] <= self.scale_range[1]:
            raise StylizeError(f"scale range must be 0 < low <= high, got {self.scale_range}")
        if not 0 < self.crop_range[0] <= self.crop_range[1] <= 1:
            raise StylizeError(f"crop range must be 0 < low <= high <= 1, got {self.crop_range}")
        if not 0 <= self.max_outside < 0.5:
            raise StylizeError(f"max_outside must be in [0, 0.5), got {self.max_outside}")
        unknown = set(self.touches) - set(tch.TOUCHES)
        if unknown:
            raise StylizeError(f"unknown touches {sorted(unknown)}; known: {', '.join(tch.TOUCHES)}")
        if self.image_format not in ("jpg", "png"):
            raise StylizeError(f"image format must be 'jpg' or 'png', got {self.image_format!r}")
        if not 1 <= self.jpeg_quality <= 100:
            raise StylizeError(f"JPEG quality must be in 1..100, got {self.jpeg_quality}")
        if self.method == "neural":
            for name in ("vgg", "decoder"):
                path = getattr(self, name)
                if path is None:
                    raise StylizeError(f"method 'neural' needs --{name} (a local weight file)")
                if not Path(path).is_file():
                    raise FileNotFoundError(f"--{name} weight file not found: {path}")


PRESETS: dict[str, dict] = {
    "default": {},
    "paper": {"size": (300, 300), "scale_range": (0.8, 1.0)},  # PASyn's paste: 300x300, scale U(0.8, 1.0)
}


def preset(name: str, **overrides) -> StylizeConfig:
    if name not in PRESETS:
        raise StylizeError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return replace(StylizeConfig(**PRESETS[name]), **overrides)


def read_rgba(path: Path) -> tuple[np.ndarray, float]:
    """A straight-alpha RGBA PNG as stored, channels in RGBA order (uint8 or uint16), and its full-scale value."""
    data = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if data is None:
        raise StylizeError(f"{path}: cannot read the rendered image")
    if data.ndim != 3 or data.shape[2] != 4:
        raise StylizeError(f"{path}: expected an RGBA image (straight alpha), got shape {data.shape}")
    return cv2.cvtColor(data, cv2.COLOR_BGRA2RGBA), (65535.0 if data.dtype == np.uint16 else 255.0)


@dataclass
class _Job:
    """What a worker needs: the rendered set's records, the usable photos and the settings."""

    renders: Path
    out: Path
    images: list[dict]
    annotations: dict[int, list[dict]]  # image id -> its annotations
    backgrounds: BackgroundSet
    config: StylizeConfig
    cache: BackgroundCache | None = None
    stylizer: object | None = None
    stems: list[str] = field(default_factory=list)


def _layer_from_render(rgba: np.ndarray, full_scale: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The premultiplied float32 (h, w, 4) crop of the render around its non-zero alpha, and the crop's offset."""
    rows = np.flatnonzero((rgba[..., 3] > 0).any(axis=1))
    cols = np.flatnonzero((rgba[..., 3] > 0).any(axis=0))
    y0, y1 = max(0, rows[0] - 2), min(rgba.shape[0], rows[-1] + 3)
    x0, x1 = max(0, cols[0] - 2), min(rgba.shape[1], cols[-1] + 3)
    crop = rgba[y0:y1, x0:x1].astype(np.float32) / np.float32(full_scale)
    premult = np.concatenate([crop[..., :3] * crop[..., 3:], crop[..., 3:]], -1)
    return premult, (x0, y0)


def make_sample(job: _Job, index: int) -> tuple[np.ndarray, dict, list[dict]]:
    """Compose sample `index`: (RGB uint8 (H, W, 3), COCO image record, COCO annotations)."""
    cfg = job.config
    image = job.images[index]
    src = job.renders / image["file_name"]
    rgba, full_scale = read_rgba(src)
    if (rgba.shape[1], rgba.shape[0]) != (image["width"], image["height"]):
        raise StylizeError(f"{src}: size {rgba.shape[1]}x{rgba.shape[0]} differs from the annotation's "
                           f"{image['width']}x{image['height']}")
    animal_box = mask_box(rgba[..., 3], threshold=BBOX_ALPHA * full_scale)
    if animal_box is None:
        raise StylizeError(f"{src}: the alpha channel is empty (no animal to paste)")

    rng = np.random.default_rng([cfg.seed, index, 0])
    bg_index = int(rng.integers(len(job.backgrounds.paths)))
    bg_path = job.backgrounds.paths[bg_index]
    bg_size = job.backgrounds.sizes[bg_index]
    bg_u8, bg_record = random_crop(rng, job.cache.get(bg_path, bg_size), cfg.size, bg_size, cfg.crop_range)
    placement = sample_placement(rng, animal_box, (rgba.shape[1], rgba.shape[0]), cfg.size, cfg.scale_range,
                                 cfg.max_outside)
    layer, (x0, y0) = _layer_from_render(rgba, full_scale)
    layer_to_out = compose(placement.affine, translation(x0, y0))
    # Everything below works on the part of the output the animal can touch (plus room for the colour ring,
    # the shadow and feathering); the rest of the image is the background crop as it is.
    ox0, oy0, ox1, oy1 = _work_region(layer_to_out, layer.shape, cfg.size)
    if ox1 <= ox0 or oy1 <= oy0:
        raise StylizeError(f"{src}: the animal left the image after placement (scale {placement.scale:.3f})")
    warped = warp_layer(layer, compose(translation(-ox0, -oy0), layer_to_out), (ox1 - ox0, oy1 - oy0))
    alpha = np.clip(warped[..., 3], 0.0, 1.0)
    fg = np.clip(warped[..., :3] / np.maximum(alpha, 1e-6)[..., None], 0.0, 1.0)
    bg = bg_u8[oy0:oy1, ox0:ox1].astype(np.float32) / np.float32(255)
    bbox = mask_box(alpha)
    if bbox is None:
        raise StylizeError(f"{src}: the animal left the image after placement (scale {placement.scale:.3f})")
    bbox = [bbox[0] + ox0, bbox[1] + oy0, bbox[2], bbox[3]]

    fg, method_record = _restyle(job, fg, alpha, bg, bg_u8)
    touch_rng = {name: np.random.default_rng([cfg.seed, index, 2 + k]) for k, name in enumerate(tch.TOUCHES)}
    touch_records = {}
    if "shadow" in cfg.touches:
        bg, touch_records["shadow"] = tch.contact_shadow(bg, alpha, touch_rng["shadow"])
    if "blur" in cfg.touches:
        fg, alpha, touch_records["blur"] = tch.matched_blur(fg, alpha, bg)
    if "noise" in cfg.touches:
        fg, touch_records["noise"] = tch.matched_noise(fg, alpha, bg, touch_rng["noise"])
    if "feather" in cfg.touches:
        fg, alpha, touch_records["feather"] = tch.feather_edges(fg, alpha, touch_rng["feather"])
    rgb = bg_u8.copy()
    rgb[oy0:oy1, ox0:ox1] = (np.clip(composite(fg, alpha, bg), 0.0, 1.0) * 255 + 0.5).astype(np.uint8)
    if "jpeg" in cfg.touches:
        rgb, touch_records["jpeg"] = tch.recompress_jpeg(rgb, touch_rng["jpeg"])

    record = dict(image)
    record.update(file_name=f"images/{job.stems[index]}.{cfg.image_format}", width=cfg.size[0], height=cfg.size[1])
    record["pasyn"] = {
        "render": image.get("pasyn", {}), "source": image["file_name"],
        "background": {"file": str(bg_path.relative_to(job.backgrounds.folder)), **bg_record},
        "placement": placement.record(), "method": {"name": cfg.method, "strength": cfg.strength, **method_record},
        "touches": touch_records,
    }
    anns = job.annotations.get(image["id"], [])
    out_anns = [_move_annotation(ann, placement.affine, cfg.size, bbox if len(anns) == 1 else None) for ann in anns]
    return np.ascontiguousarray(rgb), record, out_anns


def _work_region(layer_to_out: np.ndarray, layer_shape: tuple, size: tuple[int, int],
                 margin: float = 0.25) -> tuple[int, int, int, int]:
    """Integer output box (x0, y0, x1, y1) around the placed layer, grown by margin x its longer side + 4 px
    and clipped to the image."""
    h, w = layer_shape[:2]
    corners = transform_points(layer_to_out, np.array([[0, 0], [w, 0], [0, h], [w, h]], float))
    (lx, ly), (hx, hy) = corners.min(0), corners.max(0)
    grow = margin * max(hx - lx, hy - ly) + 4
    return (max(0, int(np.floor(lx - grow))), max(0, int(np.floor(ly - grow))),
            min(size[0], int(np.ceil(hx + grow))), min(size[1], int(np.ceil(hy + grow))))


def _move_annotation(ann: dict, affine: np.ndarray, size: tuple[int, int], mask_bbox: list[float] | None) -> dict:
    """The annotation in output pixels. bbox: the placed matte's box when the image has one animal, else the
    original box's corners moved and clipped to the image."""
    kpts = transform_keypoints(affine, np.asarray(ann["keypoints"], float).reshape(1, -1, 3), size)[0]
    if mask_bbox is None:
        x, y, w, h = ann["bbox"]
        (ax, ay), (bx, by) = np.clip([[x, y], [x + w, y + h]] @ affine[:, :2].T + affine[:, 2], 0, size)
        mask_bbox = [float(ax), float(ay), float(bx - ax), float(by - ay)]
    out = dict(ann)
    out.update(keypoints=kpts.reshape(-1).tolist(), num_keypoints=int((kpts[:, 2] > 0).sum()), bbox=mask_bbox,
               area=mask_bbox[2] * mask_bbox[3])
    out.pop("segmentation", None)  # the render's polygons would need moving too; not kept
    return out


def _restyle(job: _Job, fg, alpha, bg, full_bg_u8) -> tuple[np.ndarray, dict]:
    """The method's new animal colours; fg, alpha, bg cover the working region, full_bg_u8 the whole crop."""
    cfg = job.config
    if cfg.method == "paste":
        return fg, {}
    if cfg.method == "color":
        return color_transfer(fg, alpha, bg, cfg.strength)
    # neural: content is the animal pasted on its background (so its edges meet real surroundings), style is
    # the whole background crop; only the animal's pixels take the result.
    if job.stylizer is None:
        from pasyn.stylize.neural import AdaINStylizer
        job.stylizer = AdaINStylizer(cfg.vgg, cfg.decoder)
    region = animal_region(alpha)
    if region is None:
        return fg, {"skipped": "no animal pixels"}
    rows, cols = region
    content = np.ascontiguousarray(composite(fg[rows, cols], alpha[rows, cols], bg[rows, cols]))
    stylized = job.stylizer.stylize(content, full_bg_u8.astype(np.float32) / np.float32(255))
    out = fg.copy()
    out[rows, cols] = (1 - cfg.strength) * fg[rows, cols] + cfg.strength * stylized
    return out, {"encoder_layout": job.stylizer.layout}


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _record_path(job: _Job, index: int) -> Path:
    return job.out / "records" / f"{job.stems[index]}.json"


def _write_sample(job: _Job, index: int) -> int:
    rgb, record, anns = make_sample(job, index)
    cfg = job.config
    if cfg.image_format == "jpg":
        ok, data = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, cfg.jpeg_quality])
    else:
        ok, data = cv2.imencode(".png", rgb[..., ::-1])
    if not ok:
        raise StylizeError(f"OpenCV could not encode {record['file_name']}")
    _write_bytes_atomic(job.out / record["file_name"], data.tobytes())
    write_json_atomic(_record_path(job, index), {"image": record, "annotations": anns})
    return index


_WORKER_JOB: _Job | None = None


def _init_worker(job: _Job, pool_process: bool = True) -> None:
    global _WORKER_JOB
    if pool_process:
        cv2.setNumThreads(1)  # the pool is the parallelism; OpenCV's own threads would only compete
    job.cache = BackgroundCache(short_side=2 * max(job.config.size))
    _WORKER_JOB = job


def _work(index: int) -> int:
    return _write_sample(_WORKER_JOB, index)


def _settings_record(job: _Job) -> dict:
    """What the output depends on; a rerun into the same folder must match it to resume."""
    return {"config": asdict(job.config), "renders": str(job.renders.resolve()),
            "backgrounds": [str(p.relative_to(job.backgrounds.folder)) for p in job.backgrounds.paths]}


def _prepare_out(job: _Job, overwrite: bool) -> None:
    settings_path = job.out / "stylize_settings.json"
    settings = json.loads(json.dumps(_settings_record(job)))  # tuples -> lists, as read back from disk
    if settings_path.is_file() and not overwrite:
        old = json.loads(settings_path.read_text())
        if old != settings:
            changed = sorted(k for k in set(old["config"]) | set(settings["config"])
                             if old["config"].get(k) != settings["config"].get(k))
            if old.get("renders") != settings["renders"]:
                changed.append("renders")
            if old.get("backgrounds") != settings["backgrounds"]:
                changed.append("background files")
            raise StylizeError(f"{job.out} was made with other settings (differ: {', '.join(changed)}); "
                               "choose another --out or pass --overwrite")
    if overwrite:
        for name in ("images", "records"):
            shutil.rmtree(job.out / name, ignore_errors=True)
        (job.out / "annotations.json").unlink(missing_ok=True)
    (job.out / "images").mkdir(parents=True, exist_ok=True)
    (job.out / "records").mkdir(exist_ok=True)
    write_json_atomic(settings_path, settings, indent=1)


def _stems(images: list[dict], renders: Path) -> list[str]:
    stems = [Path(img["file_name"]).stem for img in images]
    seen: dict[str, str] = {}
    for stem, img in zip(stems, images):
        if stem in seen:
            raise StylizeError(f"{renders}: two rendered images share the name {stem!r} "
                               f"({seen[stem]} and {img['file_name']}); output names would collide")
        seen[stem] = img["file_name"]
    return stems


def stylize_dataset(
    renders: str | Path,
    backgrounds: str | Path,
    out: str | Path,
    config: StylizeConfig = StylizeConfig(),
    workers: int = 1,
    limit: int | None = None,
    overwrite: bool = False,
    progress: bool = True,
    sheet: bool = True,
) -> Path:
    """Composite every render (or the first `limit`) onto background photos; returns OUT/annotations.json.

    Unreadable photos are skipped with a warning (logged); a folder with none usable raises BackgroundError.
    """
    config.validate()
    renders, out = Path(renders), Path(out)
    dataset = read_coco(renders / "annotations.json", image_root=renders)
    images = dataset.images[:limit] if limit is not None else dataset.images
    if not images:
        raise StylizeError(f"{renders / 'annotations.json'}: no images to stylize")
    by_image: dict[int, list[dict]] = {}
    for ann in dataset.annotations:
        by_image.setdefault(ann["image_id"], []).append(ann)
    job = _Job(renders, out, images, by_image, scan_backgrounds(backgrounds), config, stems=_stems(images, renders))
    _prepare_out(job, overwrite)

    todo = [i for i in range(len(images)) if not (
        _record_path(job, i).is_file() and (out / "images" / f"{job.stems[i]}.{config.image_format}").is_file())]
    if len(todo) < len(images):
        log.info("%s: %d of %d images already done, resuming", out, len(images) - len(todo), len(images))
    bar = tqdm(total=len(todo), desc=f"stylize {config.method}", unit="img", disable=not progress)
    if workers <= 1 or len(todo) <= 1:
        _init_worker(job, pool_process=False)
        for i in todo:
            _write_sample(job, i)
            bar.update()
    else:
        ctx = multiprocessing.get_context("spawn")  # no fork: torch and OpenCV thread pools do not survive it
        with ctx.Pool(workers, initializer=_init_worker, initargs=(job,)) as pool:
            for _ in pool.imap_unordered(_work, todo, chunksize=max(1, min(16, len(todo) // (4 * workers)))):
                bar.update()
    bar.close()

    records = [json.loads(_record_path(job, i).read_text()) for i in range(len(images))]
    ann_path = out / "annotations.json"
    write_coco({"info": {"description": f"pasyn stylize ({config.method})", **dataset.info},
                "licenses": dataset.licenses, "images": [r["image"] for r in records],
                "annotations": [a for r in records for a in r["annotations"]], "categories": dataset.categories},
               ann_path)
    if sheet:
        write_contact_sheet(ann_path, out / "contact_sheet.png", title=f"method: {config.method}, "
                            f"touches: {', '.join(config.touches) or 'none'}")
    return ann_path


def write_contact_sheet(ann_path: str | Path, sheet_path: str | Path, n: int = SHEET_TILES,
                        title: str | None = None, tile_size: int | None = None, ncols: int | None = None) -> Path:
    """The first n images of a stylized set with their keypoints and boxes drawn."""
    from pasyn.viz import contact_sheet, draw_keypoints, save_png

    ann_path = Path(ann_path)
    dataset = read_coco(ann_path)
    by_image: dict[int, list[dict]] = {}
    for ann in dataset.annotations:
        by_image.setdefault(ann["image_id"], []).append(ann)
    tiles = []
    for image in dataset.images[:n]:
        rgb = cv2.imread(str(ann_path.parent / image["file_name"]), cv2.IMREAD_COLOR)[..., ::-1]
        for ann in by_image.get(image["id"], []):
            rgb = draw_keypoints(rgb, np.reshape(ann["keypoints"], (-1, 3)), bbox=ann["bbox"])
        tiles.append(rgb)
    return save_png(sheet_path, contact_sheet(tiles, ncols=ncols, title=title, tile_size=tile_size))
