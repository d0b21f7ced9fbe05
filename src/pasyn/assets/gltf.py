"""Load a rigged, animated glTF 2.0 model (.gltf + .bin, or .glb; Draco-compressed or not) as an AnimalModel.

What is read, and how it maps onto `pasyn.assets.model`:
- Skeleton: the joints of the skin(s) used by the skinned mesh nodes, in depth-first scene order (parents first),
  rest local transforms from the nodes, inverseBindMatrices (identity where absent, as the spec says), and
  root_transform = Y-up -> Z-up axis change (x, y, z) -> (x, -z, y) @ world transform of the joints' non-joint
  ancestors (e.g. an 'Armature' node). Skinned world vertex = root_transform @ joint world @ IBM @ v, so the rest
  pose stands upright in Z-up.
- Mesh: every triangle primitive of every skinned mesh node merged into one Mesh (V vertices, F faces) with a
  per-face material index; meshes rigidly parented to a joint (e.g. antlers under 'Head') are merged too, bound
  with weight 1 to that joint. JOINTS_0/WEIGHTS_0 (and _1 when present: the 4 largest kept) map skin-local joint
  indices to Skeleton order; weights are renormalised to sum to 1.
- Materials: baseColorFactor and the baseColor texture image (decoded with Pillow) when there is one.
- Clips: one per animation, only channels that target skeleton joints. LINEAR as is; STEP as duplicated keys;
  CUBICSPLINE keeps the value part of each (in-tangent, value, out-tangent) triple.

Anything broken (truncated GLB, missing .bin, out-of-range accessor, undecodable Draco data) raises AssetError
naming the file and the problem.
"""
from __future__ import annotations

import base64
import io
import json
import os
import struct
from pathlib import Path
from urllib.parse import unquote

import numpy as np

from pasyn.assets.model import AnimalModel, Clip, Material, Mesh, Skeleton, compose_trs
from pasyn.data.ap10k import SPECIES_ID

# glTF (Y up, +Z forward) -> pasyn world (Z up): (x, y, z) -> (x, -z, y)
Y_UP_TO_Z_UP = np.array([[1.0, 0, 0, 0], [0, 0, -1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])

_COMPONENT_DTYPES = {5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32,
                     5126: np.float32}
_TYPE_WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
_GLB_MAGIC, _CHUNK_JSON, _CHUNK_BIN = b"glTF", 0x4E4F534A, 0x004E4942
_DRACO = "KHR_draco_mesh_compression"
_TRIANGLES, _TRIANGLE_STRIP, _TRIANGLE_FAN = 4, 5, 6
_STEP_EPSILON = 1e-6  # seconds between the held value and the next key of a STEP channel


class AssetError(ValueError):
    """A model file is missing parts, truncated or malformed; the message names the file and the problem."""


def load_gltf(path: str | os.PathLike, name: str | None = None, species: str | None = None) -> AnimalModel:
    """Read a .gltf or .glb file into an AnimalModel (Z-up world). species defaults to the file stem when that is
    an AP-10K species name, else 'unknown'."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        doc = _GltfDocument(path)
        skeleton, node_to_joint = doc.skeleton()
        mesh = doc.mesh(skeleton, node_to_joint)
        clips = doc.clips(node_to_joint)
    except (KeyError, IndexError, TypeError, AttributeError) as err:  # structure the checks above did not expect
        raise AssetError(f"{path}: malformed glTF ({type(err).__name__}: {err})") from err
    if species is None:
        species = path.stem.lower() if path.stem.lower() in SPECIES_ID else "unknown"
    return AnimalModel(name=name or path.stem, species=species, mesh=mesh, skeleton=skeleton, clips=clips,
                       source=str(path))


def node_local_matrix(node: GltfJson) -> np.ndarray:
    """(4, 4) local transform of a glTF node (its column-major `matrix`, or T @ R @ S)."""
    if node.matrix is not None and len(node.matrix) == 16:
        return np.asarray(node.matrix, dtype=float).reshape(4, 4).T
    return compose_trs(node.translation or [0.0, 0.0, 0.0], node.rotation or [0.0, 0.0, 0.0, 1.0],
                       node.scale or [1.0, 1.0, 1.0])


class GltfJson(dict):
    """A glTF JSON object with attribute access (`node.children`); absent keys read as None, except the
    top-level arrays, which read as []. Plain json rather than pygltflib's dataclasses: parsing an animated
    Quaternius GLB with pygltflib took 0.7-1.2 s, over 90% of the whole load; this takes 0.02-0.16 s in all."""

    _TOP_LEVEL_ARRAYS = ("accessors", "animations", "bufferViews", "buffers", "images", "materials", "meshes",
                         "nodes", "samplers", "scenes", "skins", "textures")

    def __init__(self, data: dict, top_level: bool = True):
        super().__init__({key: _wrap(value) for key, value in data.items()})
        if top_level:
            for key in self._TOP_LEVEL_ARRAYS:
                self.setdefault(key, [])

    def __getattr__(self, key: str):
        return self.get(key)


def _wrap(value):
    if isinstance(value, dict):
        return GltfJson(value, top_level=False)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _normalise_integers(values: np.ndarray) -> np.ndarray:
    """Normalised integer accessor data -> float in [0, 1] (unsigned) or [-1, 1] (signed), per the spec."""
    if values.dtype.kind == "f":
        return values.astype(float)
    info = np.iinfo(values.dtype)
    return np.maximum(values.astype(float) / info.max, -1.0)


class _GltfDocument:
    """The parsed JSON plus the raw bytes of every buffer, with strict range checks."""

    def __init__(self, path: Path):
        self.path = path
        raw = path.read_bytes()
        if raw[:4] == _GLB_MAGIC:
            json_text, bin_chunk = self._split_glb(raw)
        else:
            json_text, bin_chunk = raw, None
        try:
            parsed = json.loads(json_text)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise AssetError(f"{path}: not a glTF file: the JSON part does not parse ({err})") from None
        if not isinstance(parsed, dict) or "asset" not in parsed:
            raise AssetError(f"{path}: not a glTF file: no 'asset' entry in the JSON")
        self.gltf = GltfJson(parsed)
        missing_ext = set(self.gltf.extensionsRequired or []) - {_DRACO}
        if missing_ext:
            raise AssetError(f"{path}: requires unsupported glTF extensions: {', '.join(sorted(missing_ext))}")
        self.buffers = [self._read_buffer(i, b, bin_chunk) for i, b in enumerate(self.gltf.buffers)]
        self.parents = np.full(len(self.gltf.nodes), -1)
        for i, node in enumerate(self.gltf.nodes):
            for child in node.children or []:
                if not 0 <= child < len(self.gltf.nodes):
                    raise AssetError(f"{path}: node {i} ({node.name!r}) has a child index {child} out of range")
                self.parents[child] = i

    # ---- container and buffers -------------------------------------------------------------------------------
    def _split_glb(self, raw: bytes) -> tuple[bytes, bytes | None]:
        if len(raw) < 12:
            raise AssetError(f"{self.path}: truncated GLB: {len(raw)} bytes, shorter than the 12-byte header")
        version, total = struct.unpack("<II", raw[4:12])
        if version != 2:
            raise AssetError(f"{self.path}: GLB version {version} is not supported (only glTF 2.0)")
        if total > len(raw):
            raise AssetError(f"{self.path}: truncated GLB: the header says {total} bytes, the file has {len(raw)}")
        json_text, bin_chunk, offset = None, None, 12
        while offset < total:
            if offset + 8 > total:
                raise AssetError(f"{self.path}: corrupt GLB: chunk header at byte {offset} runs past the end")
            length, kind = struct.unpack("<II", raw[offset:offset + 8])
            start, end = offset + 8, offset + 8 + length
            if end > total:
                raise AssetError(f"{self.path}: truncated GLB: chunk at byte {offset} needs {length} bytes, "
                                 f"only {total - start} left")
            if kind == _CHUNK_JSON and json_text is None:
                json_text = raw[start:end]
            elif kind == _CHUNK_BIN and bin_chunk is None:
                bin_chunk = raw[start:end]
            offset = end
        if json_text is None:
            raise AssetError(f"{self.path}: corrupt GLB: no JSON chunk")
        return json_text, bin_chunk

    def _read_buffer(self, index: int, buffer: GltfJson, bin_chunk: bytes | None) -> bytes:
        where = f"{self.path}: buffer {index}"
        if buffer.uri is None:
            if bin_chunk is None:
                raise AssetError(f"{where} has no uri and the file has no GLB binary chunk")
            data = bin_chunk
        elif buffer.uri.startswith("data:"):
            try:
                data = base64.b64decode(buffer.uri.split(",", 1)[1])
            except (IndexError, ValueError) as err:
                raise AssetError(f"{where}: embedded data URI does not decode ({err})") from None
        else:
            file = self.path.parent / unquote(buffer.uri)
            if not file.is_file():
                raise AssetError(f"{where}: its data file {file} is missing")
            data = file.read_bytes()
        if len(data) < buffer.byteLength:
            raise AssetError(f"{where} is truncated: byteLength is {buffer.byteLength}, found {len(data)} bytes")
        return data

    def buffer_view_bytes(self, index: int) -> bytes:
        """The bytes of one bufferView, range-checked against its buffer."""
        views = self.gltf.bufferViews
        if index is None or not 0 <= index < len(views):
            raise AssetError(f"{self.path}: bufferView index {index} out of range ({len(views)} views)")
        view = views[index]
        if not 0 <= view.buffer < len(self.buffers):
            raise AssetError(f"{self.path}: bufferView {index} points at missing buffer {view.buffer}")
        start = view.byteOffset or 0
        if start + view.byteLength > len(self.buffers[view.buffer]):
            raise AssetError(f"{self.path}: bufferView {index} (bytes {start}..{start + view.byteLength}) runs past "
                             f"the end of buffer {view.buffer} ({len(self.buffers[view.buffer])} bytes): truncated?")
        return self.buffers[view.buffer][start:start + view.byteLength]

    def _strided(self, view_index: int, offset: int, dtype: np.dtype, count: int, width: int, where: str):
        data = self.buffer_view_bytes(view_index)
        view = self.gltf.bufferViews[view_index]
        element = np.dtype(dtype).itemsize * width
        stride = view.byteStride or element
        needed = offset + stride * (count - 1) + element if count else 0
        if needed > len(data):
            raise AssetError(f"{self.path}: {where} needs {needed} bytes of bufferView {view_index}, "
                             f"which has {len(data)}")
        if count == 0:
            return np.zeros((0, width), dtype)
        rows = np.ndarray((count, element), dtype=np.uint8, buffer=data, offset=offset, strides=(stride, 1))
        return np.ascontiguousarray(rows).view(dtype).reshape(count, width)

    def accessor(self, index: int, normalise: bool = True) -> np.ndarray:
        """(count, width) array of an accessor; normalised integer data as float when normalise."""
        accessors = self.gltf.accessors
        if index is None or not 0 <= index < len(accessors):
            raise AssetError(f"{self.path}: accessor index {index} out of range ({len(accessors)} accessors)")
        acc = accessors[index]
        where = f"accessor {index}"
        if acc.componentType not in _COMPONENT_DTYPES or acc.type not in _TYPE_WIDTHS:
            raise AssetError(f"{self.path}: {where} has unsupported componentType {acc.componentType} / "
                             f"type {acc.type}")
        dtype, width = np.dtype(_COMPONENT_DTYPES[acc.componentType]).newbyteorder("<"), _TYPE_WIDTHS[acc.type]
        if acc.bufferView is None:
            values = np.zeros((acc.count, width), dtype)
        else:
            values = self._strided(acc.bufferView, acc.byteOffset or 0, dtype, acc.count, width, where).copy()
        if acc.sparse is not None and acc.sparse.count:
            sparse = acc.sparse
            index_dtype = np.dtype(_COMPONENT_DTYPES[sparse.indices.componentType]).newbyteorder("<")
            ids = self._strided(sparse.indices.bufferView, sparse.indices.byteOffset or 0, index_dtype,
                                sparse.count, 1, f"{where} sparse indices")[:, 0]
            if ids.max(initial=0) >= acc.count:
                raise AssetError(f"{self.path}: {where} has sparse indices beyond its count {acc.count}")
            values[ids] = self._strided(sparse.values.bufferView, sparse.values.byteOffset or 0, dtype,
                                        sparse.count, width, f"{where} sparse values")
        if normalise and acc.normalized:
            return _normalise_integers(values)
        return values

    # ---- skeleton --------------------------------------------------------------------------------------------
    def _ancestors(self, node: int) -> list[int]:
        chain = []
        while self.parents[node] >= 0:
            node = int(self.parents[node])
            chain.append(node)
            if len(chain) > len(self.parents):
                raise AssetError(f"{self.path}: the node hierarchy has a cycle through node {node}")
        return chain

    def _world(self, nodes: list[int]) -> np.ndarray:
        """Product of local matrices of `nodes` given leaf-first (as _ancestors returns them)."""
        world = np.eye(4)
        for n in reversed(nodes):
            world = world @ node_local_matrix(self.gltf.nodes[n])
        return world

    def _skinned_nodes(self) -> list[int]:
        return [i for i, n in enumerate(self.gltf.nodes) if n.mesh is not None and n.skin is not None]

    def skeleton(self) -> tuple[Skeleton, dict[int, int]]:
        gltf, path = self.gltf, self.path
        skinned = self._skinned_nodes()
        if not skinned:
            raise AssetError(f"{path}: no skinned mesh (no node has both 'mesh' and 'skin'): not a rigged model")
        skin_ids = sorted({gltf.nodes[i].skin for i in skinned})
        for s in skin_ids:
            if not 0 <= s < len(gltf.skins):
                raise AssetError(f"{path}: a mesh node uses skin {s}, but the file has {len(gltf.skins)} skins")
        # inverse bind matrix per joint node; several skins may share joints if they agree on the bind pose
        ibm_by_node: dict[int, np.ndarray] = {}
        for s in skin_ids:
            skin = gltf.skins[s]
            if not skin.joints:
                raise AssetError(f"{path}: skin {s} ({skin.name!r}) has no joints")
            if skin.inverseBindMatrices is None:
                ibms = np.tile(np.eye(4), (len(skin.joints), 1, 1))
            else:
                ibms = self.accessor(skin.inverseBindMatrices).astype(float).reshape(-1, 4, 4).transpose(0, 2, 1)
                if len(ibms) < len(skin.joints):
                    raise AssetError(f"{path}: skin {s} ({skin.name!r}) has {len(skin.joints)} joints but only "
                                     f"{len(ibms)} inverse bind matrices")
            for node, ibm in zip(skin.joints, ibms):
                if not 0 <= node < len(gltf.nodes):
                    raise AssetError(f"{path}: skin {s} lists joint node {node}, out of range")
                if node in ibm_by_node and not np.allclose(ibm_by_node[node], ibm, atol=1e-5):
                    raise AssetError(f"{path}: skins {skin_ids} bind joint {gltf.nodes[node].name!r} differently; "
                                     "models whose skins disagree on the bind pose are not supported")
                ibm_by_node[node] = ibm

        order = [n for n in self._depth_first() if n in ibm_by_node]
        if len(order) != len(ibm_by_node):
            lost = sorted(set(ibm_by_node) - set(order))
            raise AssetError(f"{path}: joint nodes {lost} are not reachable from any scene root")
        node_to_joint = {n: j for j, n in enumerate(order)}
        parents, root_chain = [], None
        for n in order:
            parent = int(self.parents[n])
            if parent in node_to_joint:
                parents.append(node_to_joint[parent])
                continue
            ancestors = self._ancestors(n)
            if any(a in node_to_joint for a in ancestors):
                raise AssetError(f"{path}: joint {gltf.nodes[n].name!r} hangs below a non-joint node "
                                 f"{gltf.nodes[parent].name!r} inside the skeleton; not supported")
            chain = self._world(ancestors)
            if root_chain is not None and not np.allclose(chain, root_chain, atol=1e-6):
                raise AssetError(f"{path}: skeleton roots sit under differently transformed parents; "
                                 "one armature transform per model is supported")
            root_chain = chain
            parents.append(-1)
        names = [gltf.nodes[n].name or f"joint_{n}" for n in order]
        skeleton = Skeleton(
            names=names, parents=np.array(parents),
            rest_local=np.stack([node_local_matrix(gltf.nodes[n]) for n in order]),
            inverse_bind=np.stack([ibm_by_node[n] for n in order]),
            root_transform=Y_UP_TO_Z_UP @ root_chain,
        )
        return skeleton, node_to_joint

    def _depth_first(self) -> list[int]:
        scene_index = self.gltf.scene if self.gltf.scene is not None else 0
        roots = (list(self.gltf.scenes[scene_index].nodes or []) if self.gltf.scenes
                 else [i for i, p in enumerate(self.parents) if p < 0])
        order, stack, seen = [], list(reversed(roots)), set()
        while stack:
            n = stack.pop()
            if n in seen:
                raise AssetError(f"{self.path}: node {n} is reached twice: the node hierarchy is not a tree")
            seen.add(n)
            order.append(n)
            stack.extend(reversed(self.gltf.nodes[n].children or []))
        return order

    # ---- mesh ------------------------------------------------------------------------------------------------
    def mesh(self, skeleton: Skeleton, node_to_joint: dict[int, int]) -> Mesh:
        gltf = self.gltf
        parts = []  # (positions, normals, uvs, joints, weights, faces, gltf material index)
        for node_index in self._skinned_nodes():
            skin_joints = np.array([node_to_joint[n] for n in gltf.skins[gltf.nodes[node_index].skin].joints])
            for prim_index, prim in enumerate(gltf.meshes[gltf.nodes[node_index].mesh].primitives):
                attrs = self._primitive(node_index, prim_index, prim)
                if attrs is None:
                    continue
                where = f"{self.path}: mesh node {gltf.nodes[node_index].name!r} primitive {prim_index}"
                if "JOINTS_0" not in attrs or "WEIGHTS_0" not in attrs:
                    raise AssetError(f"{where}: skinned primitive without JOINTS_0/WEIGHTS_0")
                local_joints, weights = self._influences(attrs, where)
                if local_joints.max(initial=0) >= len(skin_joints):
                    raise AssetError(f"{where}: JOINTS_0 index {local_joints.max()} out of range for a skin "
                                     f"with {len(skin_joints)} joints")
                parts.append((attrs["POSITION"], attrs.get("NORMAL"), attrs.get("TEXCOORD_0"),
                              skin_joints[local_joints], weights, attrs["faces"], prim.material))
        parts += self._rigid_parts(skeleton, node_to_joint)
        if not parts:
            raise AssetError(f"{self.path}: the skinned meshes have no triangle primitives")

        materials, material_slot, face_material = [], {}, []
        for *_, faces, mat in parts:
            if mat not in material_slot:
                material_slot[mat] = len(materials)
                materials.append(self._material(mat))
            face_material.append(np.full(len(faces), material_slot[mat]))
        offsets = np.cumsum([0] + [len(p[0]) for p in parts])
        has_uvs = any(p[2] is not None for p in parts)
        has_normals = all(p[1] is not None for p in parts)
        return Mesh(
            vertices=np.concatenate([p[0] for p in parts]).astype(float),
            faces=np.concatenate([p[5] + o for p, o in zip(parts, offsets)]).astype(np.int64),
            joints=np.concatenate([p[3] for p in parts]).astype(np.int64),
            weights=np.concatenate([p[4] for p in parts]),
            materials=materials,
            face_material=np.concatenate(face_material).astype(np.int64),
            uvs=np.concatenate([p[2] if p[2] is not None else np.zeros((len(p[0]), 2)) for p in parts])
            if has_uvs else None,
            normals=np.concatenate([p[1] for p in parts]).astype(float) if has_normals else None,
        )

    def _rigid_parts(self, skeleton: Skeleton, node_to_joint: dict[int, int]) -> list[tuple]:
        """Unskinned mesh nodes below a joint (antlers under the head): bound with weight 1 to that joint.

        The node draws at root @ W_joint @ L @ v (L: joint -> node chain); skinning gives root @ W_joint @ IBM @ v',
        so the bind-space vertex is v' = IBM^-1 @ L @ v.
        """
        parts = []
        for node_index, node in enumerate(self.gltf.nodes):
            if node.mesh is None or node.skin is not None:
                continue
            chain = [node_index] + self._ancestors(node_index)
            joint_pos = next((k for k, n in enumerate(chain) if n in node_to_joint), None)
            if joint_pos is None:
                continue  # not attached to the animal's skeleton (a prop or a stray object)
            joint = node_to_joint[chain[joint_pos]]
            to_bind = np.linalg.inv(skeleton.inverse_bind[joint]) @ self._world(chain[:joint_pos])
            for prim_index, prim in enumerate(self.gltf.meshes[node.mesh].primitives):
                attrs = self._primitive(node_index, prim_index, prim)
                if attrs is None:
                    continue
                positions = attrs["POSITION"] @ to_bind[:3, :3].T + to_bind[:3, 3]
                normals = attrs.get("NORMAL")
                if normals is not None:
                    normals = normals @ np.linalg.inv(to_bind[:3, :3])  # inverse transpose, row vectors
                    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
                n = len(positions)
                joints = np.zeros((n, 4), np.int64)
                joints[:, 0] = joint
                weights = np.zeros((n, 4))
                weights[:, 0] = 1.0
                parts.append((positions, normals, attrs.get("TEXCOORD_0"), joints, weights, attrs["faces"],
                              prim.material))
        return parts

    def _primitive(self, node_index: int, prim_index: int, prim: GltfJson) -> dict | None:
        """Attributes of one primitive as float/int arrays plus 'faces' (F, 3); None for point/line primitives."""
        where = f"{self.path}: mesh node {self.gltf.nodes[node_index].name!r} primitive {prim_index}"
        mode = _TRIANGLES if prim.mode is None else prim.mode
        if mode not in (_TRIANGLES, _TRIANGLE_STRIP, _TRIANGLE_FAN):
            return None
        names = prim.attributes or {}
        draco = (prim.extensions or {}).get(_DRACO)
        if draco is not None:
            attrs, indices = self._decode_draco(draco, names, where)
        else:
            if "POSITION" not in names:
                raise AssetError(f"{where}: no POSITION attribute")
            attrs = {k: self.accessor(v, normalise=not k.startswith("JOINTS")) for k, v in names.items()
                     if k in ("POSITION", "NORMAL", "TEXCOORD_0", "JOINTS_0", "WEIGHTS_0", "JOINTS_1", "WEIGHTS_1")}
            indices = (self.accessor(prim.indices)[:, 0].astype(np.int64) if prim.indices is not None
                       else np.arange(len(attrs["POSITION"])))
        n = len(attrs["POSITION"])
        for key, values in attrs.items():
            if len(values) != n:
                raise AssetError(f"{where}: attribute {key} has {len(values)} entries, POSITION has {n}")
        if len(indices) and (indices.min() < 0 or indices.max() >= n):
            raise AssetError(f"{where}: vertex index {indices.max()} out of range ({n} vertices)")
        attrs["faces"] = _triangles(indices, mode, where)
        attrs["POSITION"] = attrs["POSITION"].astype(float)
        return attrs

    def _decode_draco(self, draco: dict, names: dict, where: str) -> tuple[dict, np.ndarray]:
        import DracoPy

        data = self.buffer_view_bytes(draco.get("bufferView"))
        try:
            decoded = DracoPy.decode(data)
        except (DracoPy.FileTypeException, ValueError, RuntimeError) as err:  # its own type, or ValueError
            raise AssetError(f"{where}: Draco data does not decode ({type(err).__name__}: {err})") from None
        faces = getattr(decoded, "faces", None)
        if faces is None:
            raise AssetError(f"{where}: Draco data is a point cloud, not a triangle mesh")
        attrs = {}
        for key, unique_id in (draco.get("attributes") or {}).items():
            if key not in ("POSITION", "NORMAL", "TEXCOORD_0", "JOINTS_0", "WEIGHTS_0", "JOINTS_1", "WEIGHTS_1"):
                continue
            found = decoded.get_attribute_by_unique_id(unique_id)
            if found is None:
                raise AssetError(f"{where}: Draco data has no attribute id {unique_id} for {key}")
            values = np.asarray(found["data"]).reshape(len(found["data"]), -1)
            accessor = self.gltf.accessors[names[key]] if key in names else None
            if accessor is not None and accessor.count != len(values):
                raise AssetError(f"{where}: Draco {key} has {len(values)} entries, its accessor says "
                                 f"{accessor.count}")
            if accessor is not None and accessor.normalized and not key.startswith("JOINTS"):
                values = _normalise_integers(values)
            attrs[key] = values
        if "POSITION" not in attrs:
            raise AssetError(f"{where}: Draco extension does not list a POSITION attribute")
        return attrs, np.asarray(faces, dtype=np.int64).reshape(-1)

    def _influences(self, attrs: dict, where: str) -> tuple[np.ndarray, np.ndarray]:
        """(V, 4) skin-local joint indices and (V, 4) weights summing to 1 (4 largest of JOINTS_0/1)."""
        joints = attrs["JOINTS_0"].astype(np.int64)
        weights = attrs["WEIGHTS_0"].astype(float)
        if "JOINTS_1" in attrs and "WEIGHTS_1" in attrs:
            joints = np.concatenate([joints, attrs["JOINTS_1"].astype(np.int64)], axis=1)
            weights = np.concatenate([weights, attrs["WEIGHTS_1"].astype(float)], axis=1)
            top = np.argsort(-weights, axis=1)[:, :4]
            joints, weights = np.take_along_axis(joints, top, 1), np.take_along_axis(weights, top, 1)
        if joints.shape[1] != 4 or weights.shape[1] != 4:
            raise AssetError(f"{where}: JOINTS_0/WEIGHTS_0 must be VEC4")
        weights = np.clip(weights, 0.0, None)
        total = weights.sum(axis=1, keepdims=True)
        unweighted = total[:, 0] <= 1e-8
        if unweighted.all():
            raise AssetError(f"{where}: every vertex has zero skin weights")
        weights[unweighted] = [1.0, 0.0, 0.0, 0.0]  # spec-breaking vertices follow their first joint
        total[unweighted] = 1.0
        return joints, weights / total

    def _material(self, index: int | None) -> Material:
        if index is None:
            return Material(name="default", base_color=np.ones(4))
        if not 0 <= index < len(self.gltf.materials):
            raise AssetError(f"{self.path}: material index {index} out of range")
        mat = self.gltf.materials[index]
        pbr = mat.pbrMetallicRoughness
        base = np.asarray(pbr.baseColorFactor if pbr and pbr.baseColorFactor else [1, 1, 1, 1], dtype=float)
        texture = None
        if pbr is not None and pbr.baseColorTexture is not None:
            texture = self._texture_image(pbr.baseColorTexture.index, mat.name)
        return Material(name=mat.name or f"material_{index}", base_color=base, texture=texture)

    def _texture_image(self, texture_index: int, material_name: str) -> np.ndarray | None:
        from PIL import Image

        textures, images = self.gltf.textures, self.gltf.images
        if not 0 <= texture_index < len(textures) or textures[texture_index].source is None:
            return None  # e.g. only a KHR_texture_basisu source: keep the base colour
        image = images[textures[texture_index].source]
        where = f"{self.path}: texture image {textures[texture_index].source} of material {material_name!r}"
        if image.bufferView is not None:
            data = self.buffer_view_bytes(image.bufferView)
        elif image.uri and image.uri.startswith("data:"):
            data = base64.b64decode(image.uri.split(",", 1)[1])
        elif image.uri:
            file = self.path.parent / unquote(image.uri)
            if not file.is_file():
                raise AssetError(f"{where}: image file {file} is missing")
            data = file.read_bytes()
        else:
            return None
        try:
            with Image.open(io.BytesIO(data)) as img:
                return np.asarray(img.convert("RGBA" if "A" in img.getbands() else "RGB"))
        except (OSError, ValueError, Image.DecompressionBombError) as err:
            raise AssetError(f"{where}: image does not decode ({err})") from None

    # ---- animations ------------------------------------------------------------------------------------------
    def clips(self, node_to_joint: dict[int, int]) -> dict[str, Clip]:
        clips: dict[str, Clip] = {}
        for a_index, anim in enumerate(self.gltf.animations):
            channels = {}
            for channel in anim.channels:
                node, path = channel.target.node, channel.target.path
                if node not in node_to_joint or path not in ("translation", "rotation", "scale"):
                    continue
                where = f"{self.path}: animation {anim.name!r} channel on {self.gltf.nodes[node].name!r}.{path}"
                if not 0 <= channel.sampler < len(anim.samplers):
                    raise AssetError(f"{where}: sampler {channel.sampler} out of range")
                sampler = anim.samplers[channel.sampler]
                times = self.accessor(sampler.input)[:, 0].astype(float)
                values = self.accessor(sampler.output).astype(float)
                interpolation = sampler.interpolation or "LINEAR"
                if interpolation == "CUBICSPLINE":
                    if len(values) != 3 * len(times):
                        raise AssetError(f"{where}: CUBICSPLINE needs 3 outputs per key, got {len(values)} for "
                                         f"{len(times)} keys")
                    values = values[1::3]
                if len(values) != len(times):
                    raise AssetError(f"{where}: {len(times)} key times but {len(values)} values")
                if len(times) > 1 and np.any(np.diff(times) <= 0):
                    raise AssetError(f"{where}: key times are not strictly increasing")
                if interpolation == "STEP" and len(times) > 1:
                    times, values = _step_as_linear(times, values)
                channels[(node_to_joint[node], path)] = (times, values)
            if not channels:
                continue
            name = anim.name or f"animation_{a_index}"
            if name in clips:
                name = f"{name}_{a_index}"
            clips[name] = Clip(name=name, channels=channels)
        return clips


def _triangles(indices: np.ndarray, mode: int, where: str) -> np.ndarray:
    """Vertex index list of a triangle / strip / fan primitive -> (F, 3) triangles."""
    if mode == _TRIANGLES:
        if len(indices) % 3:
            raise AssetError(f"{where}: {len(indices)} indices is not a multiple of 3")
        return indices.reshape(-1, 3)
    k = np.arange(max(len(indices) - 2, 0))
    if mode == _TRIANGLE_FAN:
        return np.stack([indices[k + 1], indices[k + 2], np.full_like(k, indices[0])], axis=1)
    # strips flip every other triangle to keep a consistent winding
    even = k % 2 == 0
    return np.stack([indices[k + np.where(even, 0, 1)], indices[k + np.where(even, 1, 0)], indices[k + 2]], axis=1)


def _step_as_linear(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hold each value until just before the next key, so linear sampling reproduces STEP."""
    gap = np.minimum(_STEP_EPSILON, np.diff(times) / 2)
    held_times = times[1:] - gap
    order_times = np.empty(2 * len(times) - 1)
    order_times[0::2], order_times[1::2] = times, held_times
    order_values = np.empty((2 * len(times) - 1, values.shape[1]))
    order_values[0::2], order_values[1::2] = values, values[:-1]
    return order_times, order_values
