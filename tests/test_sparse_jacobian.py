"""k.sparse_jacobian: exactly the dense Jacobian's values, stored at the structural non-zeros only."""

import numpy as np
import pytest

import symjvp

sparse = pytest.importorskip("scipy.sparse")


def lorenz96(u):
    return (np.roll(u, -1) - np.roll(u, 2)) * np.roll(u, 1) - u + 8.0


def reaction_diffusion(u):
    """1-D u'' + u(1 - u) with Neumann ends, written with slicing as SciPy users do."""
    dudt = np.empty_like(u)
    dudt[1:-1] = u[:-2] - 2 * u[1:-1] + u[2:]
    dudt[0] = 2 * (u[1] - u[0])
    dudt[-1] = 2 * (u[-2] - u[-1])
    return dudt * 100.0 + u * (1 - u)


def laplacian_2d(u):
    """5-point Laplacian with zero boundary and a cubic reaction term on an n x n grid."""
    padded = np.pad(u, 1)
    return padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:] - 4 * u + u**3


CASES = {
    "Lorenz-96": (lorenz96, (np.linspace(0.1, 2.0, 37),)),
    "reaction-diffusion, slicing": (reaction_diffusion, (np.linspace(0.0, 1.0, 30),)),
    "2-D Laplacian, np.pad": (laplacian_2d, (np.linspace(-1.0, 1.0, 49).reshape(7, 7),)),
}


@pytest.mark.parametrize("name", CASES)
def test_sparse_jacobian_equals_the_dense_jacobian(name):
    func, inputs = CASES[name]
    k = symjvp.compile(func, *inputs)
    S = k.sparse_jacobian(inputs[0])
    J = k.jacobian(inputs[0]).reshape(S.shape)
    assert sparse.isspmatrix_csr(S) and S.dtype == np.float64
    np.testing.assert_array_equal(S.toarray(), J)


@pytest.mark.parametrize("name", CASES)
def test_sparse_jacobian_stores_exactly_the_structural_non_zeros(name):
    func, inputs = CASES[name]
    k = symjvp.compile(func, *inputs)
    S = k.sparse_jacobian(inputs[0])
    pattern = k.sparsity()
    assert S.nnz == pattern.nnz
    np.testing.assert_array_equal(S.indices, pattern.indices)
    np.testing.assert_array_equal(S.indptr, pattern.indptr)


def test_a_banded_jacobian_takes_a_few_products_whatever_its_size():
    for n in (30, 3000):
        k = symjvp.compile(reaction_diffusion, np.ones(n))
        k.sparse_jacobian(np.ones(n))
        plan = k._default.sparse_plan()
        assert plan.direction == "forward" and plan.colours == 3


def test_few_outputs_of_many_inputs_are_recovered_by_vjps():
    f = lambda x, y: ((x * y).sum(), np.sin(x) * y[0])  # noqa: E731  (outputs: 1 + 5 rows, inputs 10 columns)
    x, y = np.linspace(0.1, 0.5, 5), np.linspace(1.0, 2.0, 5)
    k = symjvp.compile(f, x, y)
    S = k.sparse_jacobian((x, y))
    assert k._default.sparse_plan().direction == "reverse"
    (a, b), (c, d) = k.jacobian((x, y))
    np.testing.assert_allclose(S.toarray(), np.block([[a[None], b[None]], [c, d]]), rtol=1e-15)


def test_columns_follow_wrt_and_rows_the_stacked_outputs():
    f = lambda x, w: (x @ w, np.tanh(w))  # noqa: E731
    X, w = np.linspace(-1, 1, 12).reshape(6, 2), np.array([0.3, -0.7])
    k = symjvp.compile(f, X, w, wrt=1)
    S = k.sparse_jacobian((X, w))
    J0, J1 = k.jacobian((X, w))
    assert S.shape == (8, 2)
    np.testing.assert_allclose(S.toarray(), np.vstack([J0, J1]), rtol=1e-15)


def test_functional_sparse_jacobian_differentiates_every_input():
    S = symjvp.sparse_jacobian(lambda a, b: a * b, (np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    np.testing.assert_array_equal(S.toarray(), [[3.0, 0.0, 1.0, 0.0], [0.0, 4.0, 0.0, 2.0]])


def test_float32_functions_give_float32_values():
    u = np.linspace(0.1, 2.0, 16, dtype=np.float32)
    S = symjvp.compile(lorenz96, u).sparse_jacobian(u)
    assert S.dtype == np.float32
    np.testing.assert_allclose(S.toarray(), symjvp.jacobian(lorenz96, u), rtol=1e-6)


def test_results_share_the_patterns_read_only_index_arrays_and_own_their_values():
    u = np.linspace(0.1, 2.0, 20)
    k = symjvp.compile(lorenz96, u)
    first, second = k.sparse_jacobian(u), k.sparse_jacobian(u * 2)
    assert np.shares_memory(first.indices, second.indices) and not first.indices.flags.writeable
    assert not np.shares_memory(first.data, second.data)
    np.testing.assert_array_equal(second.toarray(), k.jacobian(u * 2))


def test_an_output_that_depends_on_nothing_has_empty_rows():
    k = symjvp.compile(lambda x: (x * 2.0, np.zeros(3) + 1.0), np.ones(3))
    S = k.sparse_jacobian(np.ones(3))
    assert S.shape == (6, 3) and S.nnz == 3
    np.testing.assert_array_equal(S.toarray()[:3], 2 * np.eye(3))


def test_per_observation_jacobians_of_a_vmapped_residual_are_block_sparse():
    from bundle_adjustment import reprojection

    rng = np.random.default_rng(3)
    cams, Xs = rng.normal(0.5, 0.1, (6, 11)), rng.normal(0, 1, (6, 3)) + [0, 0, 5]
    w, feat = rng.uniform(0.5, 1.5, 6), rng.normal(0, 1, (6, 2))
    k = symjvp.compile(symjvp.vmap(reprojection), cams, Xs, w, feat, wrt=(0, 1))
    S = k.sparse_jacobian((cams, Xs, w, feat))
    J_cam, J_X = k.jacobian((cams, Xs, w, feat))
    expected = np.hstack([sparse.block_diag(list(J_cam)).toarray(), sparse.block_diag(list(J_X)).toarray()])
    assert S.shape == (12, 6 * 14) and S.nnz == 6 * (2 * 14 - 2)  # d r0/d cam[8] = d r1/d cam[7] = 0
    np.testing.assert_allclose(S.toarray(), expected, rtol=1e-12)


def products_at_indices(p, a, b, data):
    return p[a] * p[b] + np.sin(p[a]) - data


def test_index_inputs_give_the_pattern_of_their_values_and_a_new_one_when_they_change():
    """params[cam_idx] may read any element, but at a call's index values it reads only those."""
    rng = np.random.default_rng(0)
    p, a, b, data = rng.uniform(0.5, 1.5, 30), rng.integers(0, 30, 200), rng.integers(0, 30, 200), np.zeros(200)
    k = symjvp.compile(products_at_indices, p, a, b, data, wrt=0)
    S = k.sparse_jacobian((p, a, b, data))
    assert S.nnz <= 2 * 200 < k.sparsity().nnz == 200 * 30
    assert S.nnz == k.sparsity((p, a, b, data)).nnz
    np.testing.assert_array_equal(S.toarray(), k.jacobian((p, a, b, data)))
    other = rng.integers(0, 30, 200)
    np.testing.assert_array_equal(k.sparse_jacobian((p, other, b, data)).toarray(), k.jacobian((p, other, b, data)))
