"""symjvp.vmap: per-point functions over a batch; per-point Jacobians from one kernel."""

import re

import numpy as np
import pytest

import symjvp
from bundle_adjustment import reprojection
from mass_action import mass_action


def robertson(y):
    return np.array([-0.04 * y[0] + 1e4 * y[1] * y[2], 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] ** 2, 3e7 * y[1] ** 2])


@pytest.fixture(scope="module")
def points():
    return np.random.default_rng(0).uniform(0.1, 1.0, (50, 3))


def test_vmap_primal_equals_a_python_loop(points):
    batched = symjvp.vmap(robertson)(points)
    np.testing.assert_allclose(batched, np.stack([robertson(y) for y in points]), rtol=1e-14)


def test_compiled_vmap_jacobian_is_one_jacobian_per_point(points):
    k = symjvp.compile(symjvp.vmap(robertson), points)
    J = k.jacobian(points)
    assert J.shape == (50, 3, 3)
    for y, block in zip(points[:5], J[:5]):
        np.testing.assert_allclose(block, symjvp.jacobian(robertson, y), rtol=1e-14)


def test_per_point_jacobian_kernel_is_unrolled_straight_line_code(points):
    source = symjvp.compile(symjvp.vmap(robertson), points).source("jacobian", complete=False)
    assert source.count("for ") == 1


def test_vmap_jvp_is_the_per_point_jvp(points):
    v = np.ones_like(points)
    _, jv = symjvp.compile(symjvp.vmap(robertson), points).jvp(points, v)
    np.testing.assert_allclose(jv[3], symjvp.jvp(robertson, points[3], v[3])[1], rtol=1e-13)


def test_in_axes_none_shares_an_argument_and_out_axes_moves_the_batch():
    A, xs = np.random.default_rng(1).random((2, 3)), np.random.default_rng(2).random((4, 3))
    out = symjvp.vmap(lambda x, A: A @ x, in_axes=(0, None), out_axes=1)(xs, A)
    np.testing.assert_allclose(out, A @ xs.T)


def test_bundle_adjustment_jacobian_per_observation():
    rng = np.random.default_rng(3)
    M = 20
    cams = np.concatenate([rng.uniform(0.1, 0.3, (M, 3)), rng.uniform(-1, 1, (M, 3)), rng.uniform(1, 2, (M, 1)),
                           rng.uniform(0, 1, (M, 2)), rng.uniform(-0.1, 0.1, (M, 2))], axis=1)
    Xs = rng.uniform(-1, 1, (M, 3)) + np.array([0.0, 0.0, 5.0])
    w, feat = rng.uniform(0.5, 1.5, M), rng.uniform(-1, 1, (M, 2))
    k = symjvp.compile(symjvp.vmap(reprojection), cams, Xs, w, feat, wrt=(0, 1))
    J_cam, J_X = k.jacobian((cams, Xs, w, feat))
    assert J_cam.shape == (M, 2, 11) and J_X.shape == (M, 2, 3)
    ref_cam, ref_X = symjvp.jacobian(lambda c, x: reprojection(c, x, w[7], feat[7]), (cams[7], Xs[7]))
    np.testing.assert_allclose(J_cam[7], ref_cam, rtol=1e-12)
    np.testing.assert_allclose(J_X[7], ref_X, rtol=1e-12)


def test_batch_axes_of_different_sizes_are_a_shape_error():
    with pytest.raises(symjvp.ShapeError, match="batch axes"):
        symjvp.vmap(lambda a, b: a * b)(np.ones((3, 2)), np.ones((4, 2)))


def test_per_point_jacobian_with_a_shared_argument_and_batch_axis_1():
    """in_axes=(1, None): point p is column p of xs; A is read whole by every point."""
    rng = np.random.default_rng(4)
    A, xs = rng.random((2, 3)), rng.random((3, 6))

    def model(x, A):
        return np.tanh(A @ x) * x[0]

    J = symjvp.compile(symjvp.vmap(model, in_axes=(1, None)), xs, A, wrt=0).jacobian((xs, A))
    assert J.shape == (6, 2, 3)
    for p in (0, 5):
        np.testing.assert_allclose(J[p], symjvp.jacobian(lambda x: model(x, A), xs[:, p]), rtol=1e-13)


def test_per_point_jacobian_stores_each_element_once_into_an_uninitialized_buffer():
    # A zeroed buffer would cost an extra pass over the output whenever calloc has to clear reused memory.
    Y = np.random.default_rng(5).uniform(0.5, 1.5, (4, 20))
    k = symjvp.compile(symjvp.vmap(mass_action), Y)
    source = k.source("jacobian", complete=False)
    stored = sorted(int(i) for i in re.findall(r"^        view1\[(\d+)\] = ", source, re.M))
    J = k.jacobian(Y)
    assert stored == list(range(J[0].size))
    core = source.split("\ndef jacobian_kernel(")[0]
    assert "np.zeros" not in source and "table" not in core and " if " not in core
    np.testing.assert_allclose(J[2], symjvp.jacobian(mass_action, Y[2]), rtol=1e-12, atol=1e-15)


def test_jacobian_expr_of_a_vmapped_function_is_the_block_diagonal_matrix():
    k = symjvp.compile(symjvp.vmap(robertson), np.ones((4, 3)))
    J = k.jacobian_expr()
    assert J.shape == (12, 12)
    assert J[3:6, 0:3].is_zero_matrix and J[0:3, 3:6].is_zero_matrix
    point = np.array([0.5, 0.25, 2.0])
    values = dict(zip(k.symbols["y"][1], point))
    block = np.array(J[3:6, 3:6].subs(values), dtype=float)
    np.testing.assert_allclose(block, symjvp.jacobian(robertson, point), rtol=1e-14)
