import numpy as np
import pytest

from pasyn.render.camera import Camera, look_at


def _camera(width=320, height=240, fit="AUTO", shift=(0.07, -0.04)):
    m = look_at((4.0, -3.0, 2.0), (0.2, 0.1, 0.5), roll_deg=7.0)
    return Camera(m, 50.0, 36.0, width, height, shift[0], shift[1], fit)


def test_look_at_points_the_camera_at_the_target():
    cam = Camera(look_at((3.0, 0.0, 1.0), (0.0, 0.0, 1.0)), 50.0, 36.0, 100, 100)
    px, depth = cam.project(np.array([[0.0, 0.0, 1.0]]))
    np.testing.assert_allclose(px, [[50.0, 50.0]], atol=1e-9)
    np.testing.assert_allclose(depth, [3.0])
    # +z world is up in the image (smaller y), +y world is to the camera's right seen from +x
    px, _ = cam.project(np.array([[0.0, 0.0, 1.5], [0.0, 0.5, 1.0]]))
    assert px[0, 1] < 50 and px[1, 0] > 50


@pytest.mark.parametrize("width,height,fit", [(320, 240, "AUTO"), (240, 320, "AUTO"), (256, 256, "AUTO"),
                                              (320, 240, "VERTICAL")])
def test_unproject_inverts_project(width, height, fit):
    cam = _camera(width, height, fit)
    pts = np.random.default_rng(0).normal(size=(50, 3)) * 0.5
    px, depth = cam.project(pts)
    np.testing.assert_allclose(cam.unproject(px, depth), pts, atol=1e-9)


def test_intrinsics_match_project():
    cam = _camera()
    pts = np.random.default_rng(1).normal(size=(20, 3)) * 0.5
    px, depth = cam.project(pts)
    opencv = cam.world_to_camera(pts) * [1, -1, -1]  # Blender camera axes -> OpenCV's
    uvw = opencv @ cam.intrinsics().T
    np.testing.assert_allclose(uvw[:, :2] / uvw[:, 2:], px, atol=1e-9)
    np.testing.assert_allclose(uvw[:, 2], depth, atol=1e-12)


@pytest.mark.blender
@pytest.mark.parametrize("width,height,fit,shift", [(320, 240, "AUTO", (0.07, -0.04)),
                                                    (240, 320, "AUTO", (-0.1, 0.05)),
                                                    (256, 256, "AUTO", (0.0, 0.0)),
                                                    (300, 200, "HORIZONTAL", (0.03, 0.08)),
                                                    (300, 200, "VERTICAL", (0.03, 0.08))])
def test_projection_agrees_with_blender_world_to_camera_view(width, height, fit, shift):
    bpy = pytest.importorskip("bpy")
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Matrix, Vector

    cam = _camera(width, height, fit, shift)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = width, height
    scene.render.resolution_percentage = 100
    data = bpy.data.cameras.new("c")
    data.lens, data.sensor_width, data.sensor_fit = cam.focal_mm, cam.sensor_mm, fit
    data.sensor_height = cam.sensor_mm  # the fitted side spans sensor_mm, whichever it is
    data.shift_x, data.shift_y = cam.shift_x, cam.shift_y
    obj = bpy.data.objects.new("c", data)
    scene.collection.objects.link(obj)
    obj.matrix_world = Matrix(cam.matrix_world.tolist())
    bpy.context.view_layer.update()

    pts = np.random.default_rng(2).uniform(-1.0, 1.0, size=(200, 3))
    px, depth = cam.project(pts)
    ndc = np.array([world_to_camera_view(scene, obj, Vector(p.tolist()))[:] for p in pts])
    blender_px = np.stack([ndc[:, 0] * width, (1 - ndc[:, 1]) * height], axis=1)
    assert np.abs(px - blender_px).max() < 0.5 * 1e-2  # well inside the 0.5 px acceptance bound
    np.testing.assert_allclose(depth, ndc[:, 2], rtol=1e-5)
