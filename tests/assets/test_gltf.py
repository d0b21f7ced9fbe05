"""glTF/GLB loading: Draco decoding (shared models and a hand-built round trip), axis conversion, animation import,
and clear errors on broken files."""
import json
import struct

import DracoPy
import numpy as np
import pytest

from pasyn.assets.gltf import AssetError, load_gltf
from pasyn.assets.model import quat_to_matrix

FLOAT, UBYTE, UINT = 5126, 5121, 5125

# A two-bone rig in glTF space (Y up): bone 'Root' at the origin, bone 'Tip' 1 up the Y axis, under a non-joint
# 'Armature' node that lifts everything by 2 along Y. Four vertices, two triangles.
POSITIONS = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0.5]], np.float32)
FACES = np.array([[0, 1, 2], [1, 3, 2]], np.uint32)
JOINTS = np.array([[0, 1, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]], np.uint8)
WEIGHTS = np.array([[0.5, 0.5, 0, 0], [1, 0, 0, 0], [0.25, 0.75, 0, 0], [1, 0, 0, 0]], np.float32)
ARMATURE_LIFT = 2.0


def _glb_bytes(doc: dict, binary: bytes) -> bytes:
    """A GLB container: 12-byte header, JSON chunk (space padded), BIN chunk (zero padded)."""
    text = json.dumps(doc).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    return (b"glTF" + struct.pack("<II", 2, total) + struct.pack("<II", len(text), 0x4E4F534A) + text
            + struct.pack("<II", len(binary), 0x004E4942) + binary)


class _Blob:
    """Collects bufferViews/accessors over one binary buffer while a test document is built."""

    def __init__(self):
        self.data, self.views, self.accessors = b"", [], []

    def view(self, raw: bytes) -> int:
        self.data += b"\0" * (-len(self.data) % 4)
        self.views.append({"buffer": 0, "byteOffset": len(self.data), "byteLength": len(raw)})
        self.data += raw
        return len(self.views) - 1

    def accessor(self, array: np.ndarray, component: int, kind: str, with_data: bool = True) -> int:
        entry = {"componentType": component, "count": len(array), "type": kind}
        if with_data:
            entry["bufferView"] = self.view(np.ascontiguousarray(array).tobytes())
        self.accessors.append(entry)
        return len(self.accessors) - 1


def _two_bone_doc(blob: _Blob, primitive: dict, animations=()) -> dict:
    # bind pose = rest pose relative to the Armature; one matrix per skin joint, in skin order [Tip, Root]
    ibm = np.stack([np.linalg.inv(_translation(0, 1, 0)), np.eye(4)])
    ibm_acc = blob.accessor(ibm.transpose(0, 2, 1).astype(np.float32).reshape(2, 16), FLOAT, "MAT4")
    return {
        "asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [2]}],
        "nodes": [
            {"name": "Root", "children": [1]},
            {"name": "Tip", "translation": [0, 1, 0]},
            {"name": "Armature", "translation": [0, ARMATURE_LIFT, 0], "children": [0, 3]},
            {"name": "Body", "mesh": 0, "skin": 0},
        ],
        "skins": [{"joints": [1, 0], "inverseBindMatrices": ibm_acc}],  # skin order differs from topological
        "meshes": [{"primitives": [primitive]}],
        "animations": list(animations),
    }


def _translation(x, y, z) -> np.ndarray:
    m = np.eye(4)
    m[:3, 3] = [x, y, z]
    return m


def _draco_glb(path, positions=POSITIONS):
    """Draco-compressed two-bone model. Skin joint order is [Tip, Root], so JOINTS_0 index 0 means Tip."""
    encoded = DracoPy.encode(positions, FACES, quantization_bits=20, preserve_order=True,
                             generic_attributes={1: JOINTS, 2: WEIGHTS})
    # DracoPy numbers POSITION after the generic attributes: look its id up rather than assume it
    position_id = next(a["unique_id"] for a in DracoPy.decode(encoded).attributes if a["attribute_type"] == 0)
    blob = _Blob()
    primitive = {
        "attributes": {"POSITION": blob.accessor(positions, FLOAT, "VEC3", with_data=False),
                       "JOINTS_0": blob.accessor(JOINTS, UBYTE, "VEC4", with_data=False),
                       "WEIGHTS_0": blob.accessor(WEIGHTS, FLOAT, "VEC4", with_data=False)},
        "indices": blob.accessor(FACES.reshape(-1, 1), UINT, "SCALAR", with_data=False),
        "extensions": {"KHR_draco_mesh_compression": {
            "bufferView": blob.view(encoded), "attributes": {"POSITION": position_id, "JOINTS_0": 1, "WEIGHTS_0": 2}}},
    }
    doc = _two_bone_doc(blob, primitive)
    doc.update(bufferViews=blob.views, accessors=blob.accessors, buffers=[{"byteLength": len(blob.data)}],
               extensionsUsed=["KHR_draco_mesh_compression"], extensionsRequired=["KHR_draco_mesh_compression"])
    path.write_bytes(_glb_bytes(doc, blob.data))
    return path


def _plain_gltf(path, animations_fn=None):
    """The same model as .gltf + .bin without compression; animations_fn(blob) -> list of animations."""
    blob = _Blob()
    primitive = {"attributes": {"POSITION": blob.accessor(POSITIONS, FLOAT, "VEC3"),
                                "JOINTS_0": blob.accessor(JOINTS, UBYTE, "VEC4"),
                                "WEIGHTS_0": blob.accessor(WEIGHTS * 2, FLOAT, "VEC4")},  # unnormalised on purpose
                 "indices": blob.accessor(FACES.reshape(-1, 1), UINT, "SCALAR")}
    doc = _two_bone_doc(blob, primitive, animations_fn(blob) if animations_fn else ())
    bin_path = path.with_suffix(".bin")
    doc.update(bufferViews=blob.views, accessors=blob.accessors,
               buffers=[{"uri": bin_path.name, "byteLength": len(blob.data)}])
    path.write_text(json.dumps(doc))
    bin_path.write_bytes(blob.data)
    return path


def _z_up(points):
    points = np.asarray(points, float)
    return np.stack([points[:, 0], -points[:, 2], points[:, 1]], axis=1)


def test_draco_round_trip_matches_the_encoded_mesh(tmp_path):
    model = load_gltf(_draco_glb(tmp_path / "tiny.glb"), species="zebra")
    mesh = model.mesh
    assert model.skeleton.names == ["Root", "Tip"]  # topological, not skin order
    np.testing.assert_allclose(mesh.vertices, POSITIONS, atol=1e-5)
    np.testing.assert_array_equal(mesh.faces, FACES)
    # skin-local index 0 is Tip (skeleton index 1), 1 is Root (skeleton index 0)
    expected_joints = np.array([[1, 0, 1, 1], [1, 1, 1, 1], [1, 0, 1, 1], [0, 1, 1, 1]])
    np.testing.assert_array_equal(mesh.joints, expected_joints)
    np.testing.assert_allclose(mesh.weights, WEIGHTS, atol=1e-6)
    # rest pose: the bind pose, lifted by the Armature node and turned Z-up
    rest = model.skin(model.global_transforms())
    np.testing.assert_allclose(rest, _z_up(POSITIONS + [0, ARMATURE_LIFT, 0]), atol=1e-5)


def test_plain_gltf_normalises_weights_and_converts_axes(tmp_path):
    model = load_gltf(_plain_gltf(tmp_path / "tiny.gltf"))
    np.testing.assert_allclose(model.mesh.weights.sum(axis=1), 1.0)
    np.testing.assert_allclose(model.mesh.weights, WEIGHTS, atol=1e-7)
    world = model.global_transforms()
    np.testing.assert_allclose(world[1, :3, 3], [0, 0, 1 + ARMATURE_LIFT])  # Tip is 3 up in Z-up world
    assert model.species == "unknown" and model.name == "tiny"


def test_animation_channels_linear_step_and_cubicspline(tmp_path):
    quarter = [0, 0, np.sin(np.pi / 4), np.cos(np.pi / 4)]  # 90 deg about glTF Z

    def animations(blob):
        times = blob.accessor(np.array([[0.0], [1.0]], np.float32), FLOAT, "SCALAR")
        rotations = blob.accessor(np.array([[0, 0, 0, 1], quarter], np.float32), FLOAT, "VEC4")
        steps = blob.accessor(np.array([[0, 1, 0], [0, 3, 0]], np.float32), FLOAT, "VEC3")
        # cubic spline outputs are (in-tangent, value, out-tangent) per key; tangents are junk on purpose
        spline = blob.accessor(np.array([[9, 9, 9], [1, 1, 1], [9, 9, 9], [9, 9, 9], [2, 2, 2], [9, 9, 9]],
                                        np.float32), FLOAT, "VEC3")
        return [{"name": "Wave", "samplers": [{"input": times, "output": rotations},
                                               {"input": times, "output": steps, "interpolation": "STEP"},
                                               {"input": times, "output": spline, "interpolation": "CUBICSPLINE"}],
                 "channels": [{"sampler": 0, "target": {"node": 1, "path": "rotation"}},
                              {"sampler": 1, "target": {"node": 1, "path": "translation"}},
                              {"sampler": 2, "target": {"node": 0, "path": "scale"}},
                              {"sampler": 0, "target": {"node": 2, "path": "rotation"}}]}]  # not a joint: dropped

    model = load_gltf(_plain_gltf(tmp_path / "anim.gltf", animations))
    clip = model.clip("Wave")
    assert set(clip.channels) == {(1, "rotation"), (1, "translation"), (0, "scale")}
    mid = model.pose_at(clip, 0.5)
    eighth = quat_to_matrix(np.array([0, 0, np.sin(np.pi / 8), np.cos(np.pi / 8)]))
    np.testing.assert_allclose(mid[1, :3, :3], eighth, atol=1e-6)  # slerp midpoint: 45 deg
    np.testing.assert_allclose(mid[1, :3, 3], [0, 1, 0])  # STEP holds the first value until t=1
    np.testing.assert_allclose(model.pose_at(clip, 1.0)[1, :3, 3], [0, 3, 0])
    np.testing.assert_allclose(np.linalg.norm(mid[0, :3, :3], axis=0), [1.5, 1.5, 1.5], atol=1e-6)


def test_truncated_glb_raises_naming_the_file(tmp_path):
    whole = _draco_glb(tmp_path / "whole.glb").read_bytes()
    cut = tmp_path / "cut.glb"
    cut.write_bytes(whole[:len(whole) // 2])
    with pytest.raises(AssetError, match=r"cut\.glb.*truncated"):
        load_gltf(cut)


def test_missing_bin_and_bad_json_raise_naming_the_file(tmp_path):
    path = _plain_gltf(tmp_path / "nobin.gltf")
    path.with_suffix(".bin").unlink()
    with pytest.raises(AssetError, match=r"nobin\.gltf.*nobin\.bin is missing"):
        load_gltf(path)
    broken = tmp_path / "broken.gltf"
    broken.write_text('{"asset": {"version": "2.0"}, "nodes": [')
    with pytest.raises(AssetError, match=r"broken\.gltf.*JSON"):
        load_gltf(broken)
    with pytest.raises(FileNotFoundError, match="absent.glb"):
        load_gltf(tmp_path / "absent.glb")


def test_corrupt_draco_payload_raises(tmp_path):
    path = _draco_glb(tmp_path / "bad.glb")
    raw = bytearray(path.read_bytes())
    doc_len = struct.unpack("<I", raw[12:16])[0]
    bin_start = 12 + 8 + doc_len + 8
    raw[bin_start:bin_start + 120] = b"\xff" * 120  # the Draco stream is the first bufferView
    path.write_bytes(bytes(raw))
    with pytest.raises(AssetError, match=r"bad\.glb.*Draco data does not decode"):
        load_gltf(path)


@pytest.mark.shared
def test_shared_draco_glb_decodes_consistently(models_root):
    path = models_root / "quaternius-animals" / "Horse.glb"
    model = load_gltf(path, species="horse")
    doc = json.loads(path.read_bytes()[20:20 + struct.unpack("<I", path.read_bytes()[12:16])[0]])
    primitives = doc["meshes"][0]["primitives"]
    assert all("KHR_draco_mesh_compression" in p["extensions"] for p in primitives)
    expected_vertices = sum(doc["accessors"][p["attributes"]["POSITION"]]["count"] for p in primitives)
    expected_faces = sum(doc["accessors"][p["indices"]]["count"] for p in primitives) // 3
    mesh = model.mesh
    assert len(mesh.vertices) == expected_vertices and len(mesh.faces) == expected_faces
    np.testing.assert_allclose(mesh.weights.sum(axis=1), 1.0, atol=1e-6)
    assert mesh.joints.min() >= 0 and mesh.joints.max() < len(model.skeleton)
    assert mesh.faces.min() >= 0 and mesh.faces.max() < len(mesh.vertices)
    assert len(mesh.materials) == len(primitives) and set(mesh.face_material) == set(range(len(primitives)))
    assert len(model.clips) == 13 and "Walk" in model.clips
    # standing upright in Z-up: feet on the ground, taller than wide
    rest = model.skin(model.global_transforms())
    size = rest.max(axis=0) - rest.min(axis=0)
    assert abs(rest[:, 2].min()) < 0.05 * size[2] and size[2] > size[0]


@pytest.mark.shared
def test_every_shared_model_loads_and_stands(models_root):
    files = sorted(models_root.glob("*/*.gl*"))
    assert len(files) == 19
    for path in files:
        model = load_gltf(path)
        rest = model.skin(model.global_transforms())
        size = rest.max(axis=0) - rest.min(axis=0)
        assert np.isfinite(rest).all(), path
        assert abs(rest[:, 2].min()) < 0.05 * size[2], f"{path}: rest pose does not stand on z=0"
        assert model.clips, path
