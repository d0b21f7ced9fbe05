"""The only module that imports bpy: one Cycles scene per worker process, reused for every sample.

Blender only renders. Geometry arrives as numpy-skinned world vertices (sampler.py), written into a mesh built
once per model shape (UVs, materials, packed textures); the camera gets the sampler's exact matrix, lens and
shift; the world is an HDRI (images loaded once, swapped per sample) behind a transparent film.
Each render writes two files into the worker's private scratch folder through compositor File Output nodes
(background Blender fills no Viewer image): the RGBA PNG (straight alpha, sRGB), which the caller moves into
place, and a float EXR depth pass (distance along the viewing axis), read back into numpy and deleted.
Shapes: (H, W) depth and alpha maps, (H, W, 3) uint8 RGB; V vertices, F triangles.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import bpy
import cv2
import numpy as np

from pasyn.assets.model import AnimalModel
from pasyn.render.config import RenderConfig
from pasyn.render.quiet import quiet_fd
from pasyn.render.sampler import SceneSample

BACKGROUND_DEPTH = 1e9  # Cycles writes ~1e10 where no surface is hit; anything beyond this is background


@dataclass
class RenderOutput:
    png_path: Path  # the RGBA PNG in the scratch folder; move it where it belongs before the next render
    rgb: np.ndarray  # (H, W, 3) uint8, as stored in the PNG
    alpha: np.ndarray  # (H, W) float32 in 0..1
    depth: np.ndarray  # (H, W) float32, np.inf where there is no surface


def _enable_gpu() -> str:
    prefs = bpy.context.preferences.addons["cycles"].preferences
    for backend in ("OPTIX", "CUDA", "HIP", "ONEAPI", "METAL"):
        try:
            prefs.compute_device_type = backend
        except TypeError:  # backend not compiled into this build
            continue
        prefs.get_devices()
        devices = [d for d in prefs.devices if d.type == backend]
        if devices:
            for d in prefs.devices:
                d.use = d.type == backend
            return backend
    raise RuntimeError("--device gpu: Cycles found no GPU (tried OptiX, CUDA, HIP, oneAPI, Metal); use --device cpu")


class BlenderScene:
    """A reusable Cycles scene: set_model once per model shape, then render(sample) per sample."""

    def __init__(self, cfg: RenderConfig, hdris: dict[str, Path], scratch: str | os.PathLike, device: str = "cpu"):
        self.cfg = cfg
        self.scratch = Path(scratch)
        self.scratch.mkdir(parents=True, exist_ok=True)
        bpy.ops.wm.read_factory_settings(use_empty=True)
        self.scene = bpy.context.scene
        with quiet_fd(1):  # Cycles logs a no-CUDA warning to stdout while it probes devices
            self._setup_render(device)
        self._setup_outputs()
        self._setup_world(hdris)
        cam_data = bpy.data.cameras.new("pasyn_camera")
        self.camera = bpy.data.objects.new("pasyn_camera", cam_data)
        self.scene.collection.objects.link(self.camera)
        self.scene.camera = self.camera
        self._objects: dict[object, bpy.types.Object] = {}  # model key -> mesh object
        self._hsv_nodes: dict[object, list] = {}
        self._active = None

    # ------------------------------------------------------------------ setup
    def _setup_render(self, device: str) -> None:
        cfg, scene = self.cfg, self.scene
        scene.render.engine = "CYCLES"
        scene.cycles.device = "CPU"
        if device == "gpu":
            _enable_gpu()
            scene.cycles.device = "GPU"
        elif device != "cpu":
            raise ValueError(f"device must be 'cpu' or 'gpu', got {device!r}")
        scene.render.resolution_x = scene.render.resolution_y = cfg.size
        scene.render.resolution_percentage = 100
        scene.render.film_transparent = True
        for stamp in [a for a in dir(scene.render) if a.startswith("use_stamp")]:
            setattr(scene.render, stamp, False)  # no date/render-time text chunks: same seed, same bytes
        scene.render.use_persistent_data = True  # keep textures, HDRIs and kernels between samples
        if cfg.threads:
            scene.render.threads_mode = "FIXED"
            scene.render.threads = cfg.threads
        c = scene.cycles
        c.samples = cfg.samples
        c.use_adaptive_sampling = False
        c.use_denoising = cfg.denoise
        c.denoiser = "OPENIMAGEDENOISE"
        c.denoising_prefilter = "FAST"
        c.denoising_quality = cfg.denoise_quality
        c.max_bounces = cfg.max_bounces
        c.caustics_reflective = c.caustics_refractive = False
        scene.view_settings.view_transform = cfg.view_transform
        scene.view_settings.look = "None"
        scene.view_layers[0].use_pass_z = True

    def _setup_outputs(self) -> None:
        tree = bpy.data.node_groups.new("pasyn_compositor", "CompositorNodeTree")
        self.scene.compositing_node_group = tree
        self.scene.render.use_compositing = True
        layers = tree.nodes.new("CompositorNodeRLayers")

        def file_output(stem: str, file_format: str, colour_mode: str, depth: str, socket: str):
            node = tree.nodes.new("CompositorNodeOutputFile")
            node.directory = str(self.scratch) + os.sep
            node.file_name = stem
            node.format.media_type = "IMAGE"
            node.format.file_format = file_format
            node.format.color_mode = colour_mode
            node.format.color_depth = depth
            node.file_output_items.new("RGBA" if colour_mode == "RGBA" else "FLOAT", "")
            tree.links.new(layers.outputs[socket], node.inputs[0])
            return node

        file_output("rgba", "PNG", "RGBA", "8", "Image").format.compression = 15  # fast, still small
        file_output("depth", "OPEN_EXR", "BW", "32", "Depth").format.exr_codec = "NONE"
        self._png = self.scratch / "rgba.png"
        self._exr = self.scratch / "depth.exr"

    def _setup_world(self, hdris: dict[str, Path]) -> None:
        if not hdris:
            raise ValueError("no HDRIs given: pass a folder of .exr/.hdr files")
        world = bpy.data.worlds.new("pasyn_world")
        self.scene.world = world
        world.cycles.sampling_method = "MANUAL"
        world.cycles.sample_map_resolution = self.cfg.world_map_resolution
        nodes, links = world.node_tree.nodes, world.node_tree.links
        nodes.clear()
        coords = nodes.new("ShaderNodeTexCoord")
        self._mapping = nodes.new("ShaderNodeMapping")
        self._env = nodes.new("ShaderNodeTexEnvironment")
        self._background = nodes.new("ShaderNodeBackground")
        output = nodes.new("ShaderNodeOutputWorld")
        links.new(coords.outputs["Generated"], self._mapping.inputs["Vector"])
        links.new(self._mapping.outputs["Vector"], self._env.inputs["Vector"])
        links.new(self._env.outputs["Color"], self._background.inputs["Color"])
        links.new(self._background.outputs["Background"], output.inputs["Surface"])
        self._hdri_images = {}
        for name, path in hdris.items():
            if not Path(path).is_file():
                raise FileNotFoundError(f"HDRI not found: {path}")
            self._hdri_images[name] = bpy.data.images.load(str(path), check_existing=True)

    # ------------------------------------------------------------------ model
    def set_model(self, key, model: AnimalModel) -> None:
        """Show the mesh of `model` (built on first use under `key`), hide every other one."""
        if key not in self._objects:
            self._objects[key] = self._build_object(key, model)
        if self._active != key:
            for k, obj in self._objects.items():
                obj.hide_render = k != key
            self._active = key

    def _build_object(self, key, model: AnimalModel) -> bpy.types.Object:
        m = model.mesh
        faces = np.asarray(m.faces, dtype=np.int32)
        name = f"pasyn_{model.name}_{key}"
        mesh = bpy.data.meshes.new(name)
        mesh.vertices.add(len(m.vertices))
        mesh.vertices.foreach_set("co", np.asarray(m.vertices, np.float32).ravel())
        mesh.loops.add(faces.size)
        mesh.loops.foreach_set("vertex_index", faces.ravel())
        mesh.polygons.add(len(faces))
        mesh.polygons.foreach_set("loop_start", np.arange(0, faces.size, 3, dtype=np.int32))
        mesh.polygons.foreach_set("material_index", np.asarray(m.face_material, np.int32))
        # split vertices (flat-shaded glTF) stay flat, shared ones (smooth bodies) shade smoothly
        mesh.polygons.foreach_set("use_smooth", np.ones(len(faces), dtype=bool))
        if m.uvs is not None:
            uv = mesh.uv_layers.new(name="UVMap")
            loop_uvs = np.asarray(m.uvs, np.float32)[faces.ravel()]
            loop_uvs[:, 1] = 1.0 - loop_uvs[:, 1]  # glTF v runs down, Blender's up
            uv.data.foreach_set("uv", loop_uvs.ravel())
        mesh.update()
        hsv_nodes = []
        for i, material in enumerate(m.materials):
            mat, hsv = self._material(f"{name}_{i}_{material.name}", material, has_uvs=m.uvs is not None)
            mesh.materials.append(mat)
            hsv_nodes.append(hsv)
        obj = bpy.data.objects.new(name, mesh)
        self.scene.collection.objects.link(obj)
        self._hsv_nodes[key] = hsv_nodes
        return obj

    def _material(self, name: str, material, has_uvs: bool):
        mat = bpy.data.materials.new(name)
        nodes, links = mat.node_tree.nodes, mat.node_tree.links
        bsdf = nodes["Principled BSDF"]
        bsdf.inputs["Roughness"].default_value = 0.75
        bsdf.inputs["Specular IOR Level"].default_value = 0.3
        hsv = nodes.new("ShaderNodeHueSaturation")
        base = np.asarray(material.base_color, float).ravel()
        base = np.concatenate([base, np.ones(4 - len(base))])[:4]
        if material.texture is not None and has_uvs:
            tex = nodes.new("ShaderNodeTexImage")
            tex.image = self._texture_image(name, material.texture)
            mix = nodes.new("ShaderNodeMix")  # glTF: texture x base colour factor
            mix.data_type = "RGBA"
            mix.blend_type = "MULTIPLY"
            mix.inputs["Factor"].default_value = 1.0
            links.new(tex.outputs["Color"], mix.inputs["A"])
            mix.inputs["B"].default_value = base
            links.new(mix.outputs["Result"], hsv.inputs["Color"])
        else:
            hsv.inputs["Color"].default_value = base
        links.new(hsv.outputs["Color"], bsdf.inputs["Base Color"])
        return mat, hsv

    @staticmethod
    def _texture_image(name: str, texture: np.ndarray):
        tex = np.asarray(texture)
        if tex.ndim == 2:
            tex = np.repeat(tex[..., None], 3, axis=2)
        h, w = tex.shape[:2]
        rgba = np.ones((h, w, 4), np.float32)
        rgba[..., :tex.shape[2]] = tex[..., :4] / 255.0
        image = bpy.data.images.new(name, w, h, alpha=True)
        image.pixels.foreach_set(rgba[::-1].ravel())  # Blender stores rows bottom-up
        image.pack()
        return image

    # ------------------------------------------------------------------ per sample
    def render(self, sample: SceneSample, model_key) -> RenderOutput:
        self.set_model(model_key, sample.model)
        obj = self._objects[model_key]
        obj.data.vertices.foreach_set("co", sample.vertices.astype(np.float32).ravel())
        obj.data.update()
        for hsv in self._hsv_nodes[model_key]:
            hsv.inputs["Hue"].default_value = 0.5 + sample.coat.hue_shift
            hsv.inputs["Saturation"].default_value = sample.coat.saturation
            hsv.inputs["Value"].default_value = sample.coat.value

        cam = sample.camera
        self.camera.matrix_world = cam.matrix_world.T.tolist()  # mathutils takes rows
        data = self.camera.data
        data.lens, data.sensor_fit = cam.focal_mm, cam.sensor_fit
        data.sensor_width = data.sensor_height = cam.sensor_mm  # whichever side is fitted spans sensor_mm
        data.shift_x, data.shift_y = cam.shift_x, cam.shift_y
        reach = float(np.linalg.norm(sample.vertices - cam.position, axis=1).max())
        data.clip_start, data.clip_end = reach * 1e-3, reach * 2.0

        self._env.image = self._hdri_images[sample.light.hdri]
        self._mapping.inputs["Rotation"].default_value[2] = np.deg2rad(sample.light.rotation_deg)
        self._background.inputs["Strength"].default_value = sample.light.strength
        self.scene.cycles.seed = sample.index % (2 ** 31)

        for stale in (self._png, self._exr):
            stale.unlink(missing_ok=True)
        with quiet_fd(1):  # Blender prints 'Saved: ...' per file output; failures still raise RuntimeError
            bpy.ops.render.render(write_still=False)
        bgra = cv2.imread(str(self._png), cv2.IMREAD_UNCHANGED)
        if bgra is None or bgra.shape != (cam.height, cam.width, 4):
            raise RuntimeError(f"Blender wrote no {cam.width}x{cam.height} RGBA image to {self._png}")
        depth = self._read_depth(cam.width, cam.height)
        rgb = np.ascontiguousarray(bgra[..., 2::-1])
        return RenderOutput(self._png, rgb, bgra[..., 3].astype(np.float32) / 255.0, depth)

    def _read_depth(self, width: int, height: int) -> np.ndarray:
        image = bpy.data.images.load(str(self._exr))
        try:
            flat = np.empty(width * height * image.channels, np.float32)
            image.pixels.foreach_get(flat)
        finally:
            bpy.data.images.remove(image)
            self._exr.unlink(missing_ok=True)
        depth = flat.reshape(height, width, -1)[::-1, :, 0].copy()
        depth[depth > BACKGROUND_DEPTH] = np.inf
        return depth
