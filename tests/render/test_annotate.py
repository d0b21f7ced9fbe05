import numpy as np

from pasyn.render import annotate

FORWARD = np.array([0.0, 0.0, -1.0])  # camera at the origin looking down -z: depth = -z
ORIGIN = np.zeros(3)


def test_ray_triangle_hits_inside_edge_and_miss():
    tri = np.array([[[-1.0, -1.0, -2.0], [1.0, -1.0, -2.0], [0.0, 1.0, -2.0]]])
    dirs = np.array([[0.0, 0.0, -1.0], [0.0, 0.0, 1.0], [0.9, 0.0, -1.0]])
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    t = annotate.ray_triangle_hits(ORIGIN, dirs, tri)[:, 0]
    assert t[0] == 2.0 and np.isnan(t[1]) and np.isnan(t[2])


def test_slabs_of_a_point_inside_a_box(box_mesh):
    verts, faces = box_mesh((-0.5, -0.5, -4.0), (0.5, 0.5, -3.0))  # the box spans depths 3..4
    kpts = np.array([[0.1, 0.0, -3.3], [0.1, 0.0, -3.9], [0.1, 0.0, -2.0]])
    s = annotate.keypoint_slabs(ORIGIN, FORWARD, kpts, verts, faces)
    np.testing.assert_allclose(s["entry"], [3.0, 3.0, 2.0], atol=1e-9)  # outside: entry is the point itself
    np.testing.assert_allclose(s["exit"], [4.0, 4.0, 3.0], atol=1e-9)
    np.testing.assert_allclose(s["first"], [3.0, 3.0, 3.0], atol=1e-9)


def _synthetic(depth_value: float, size: int = 32):
    """A camera looking at a flat front surface: every pixel of a (size, size) depth map reads depth_value."""
    return np.full((size, size), depth_value)


def test_visibility_on_synthetic_depth_maps():
    pixels = np.array([[10.5, 10.5]] * 5 + [[40.0, 3.0], [-0.1, 3.0]])
    slabs = {  # depths along the ray: the keypoint, and its own part's entry and exit surfaces
        "keypoint": np.array([3.3, 3.3, 3.9, 3.1, 3.0, 3.3, 3.3]),
        "entry": np.array([3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]),
        "exit": np.array([4.0, 4.0, 4.0, 4.0, 3.0, 4.0, 4.0]),
    }
    front = _synthetic(3.0)
    v = annotate.visibility(pixels, slabs, front, tolerance=0.02, front_factor=1.5)
    # 0: in the near half of its part, nothing in front -> visible; 2: deep behind most of its part -> hidden;
    # 3: just under the surface -> visible; 4: a point on the surface itself -> visible; 5, 6: outside -> 0
    assert v[[0, 2, 3, 4, 5, 6]].tolist() == [2, 1, 2, 2, 0, 0]
    occluder = _synthetic(2.5)  # another body part half a unit in front of the entry surface
    assert annotate.visibility(pixels, slabs, occluder, 0.02)[0] == 1
    background = _synthetic(np.inf)  # the pixel centre misses the animal (a keypoint on the silhouette)
    assert annotate.visibility(pixels, slabs, background, 0.02)[0] == 2
    # the per-keypoint tolerance decides a surface 0.1 in front: hidden at 0.02, visible at 0.15
    near = _synthetic(2.9)
    tol = np.array([0.02, 0.15, 0.02, 0.02, 0.02, 0.02, 0.02])
    assert annotate.visibility(pixels, slabs, near, tol)[:2].tolist() == [1, 2]


def test_behind_the_camera_is_not_labelled():
    slabs = {"keypoint": np.array([-1.0]), "entry": np.array([-1.0]), "exit": np.array([-1.0])}
    assert annotate.visibility(np.array([[5.0, 5.0]]), slabs, _synthetic(np.inf), 0.01)[0] == 0


def test_bbox_from_alpha_is_tight_in_continuous_pixels():
    alpha = np.zeros((20, 30))
    alpha[4:9, 7:19] = 1.0
    alpha[2, 3] = 0.2  # below the threshold: ignored
    assert annotate.bbox_from_alpha(alpha, 0.25) == [7.0, 4.0, 12.0, 5.0]
    assert annotate.bbox_from_alpha(np.zeros((5, 5))) is None


def test_inside_mask_and_dilate():
    mask = np.zeros((10, 10), bool)
    mask[4:6, 4:6] = True
    pts = np.array([[4.5, 4.5], [7.2, 5.0], [20.0, 5.0]])
    assert annotate.inside_mask(pts, mask).tolist() == [True, False, False]
    assert annotate.inside_mask(pts, annotate.dilate(mask, 2)).tolist() == [True, True, False]


def test_coco_keypoints_zeroes_unlabelled():
    flat = annotate.coco_keypoints(np.array([[1.23456, 2.0], [5.0, 6.0]]), np.array([2, 0]))
    assert flat == [1.235, 2.0, 2, 0.0, 0.0, 0]
