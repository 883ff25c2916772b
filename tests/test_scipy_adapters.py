"""symjvp.scipy: what each adapter hands SciPy, against finite differences and the dense Jacobian.

Whole solves are in docs/scipy.md (run by test_docs.py), each checked against SciPy's own
finite-difference solve.
"""

import numpy as np
import pytest

pytest.importorskip("scipy")
from scipy.optimize import approx_fprime  # noqa: E402

import symjvp  # noqa: E402
from symjvp import scipy as sj  # noqa: E402


def diffusion(t, u, D):
    dudt = np.empty_like(u)
    dudt[1:-1] = u[:-2] - 2 * u[1:-1] + u[2:]
    dudt[0] = u[1] - u[0]
    dudt[-1] = u[-2] - u[-1]
    return D * dudt + np.sin(t) * u * u


def central_jacobian(f, x, h=1e-6):
    return np.column_stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


U = np.linspace(0.1, 1.0, 40)


def test_ode_fun_is_the_right_hand_side_in_solve_ivps_argument_order():
    fun, _ = sj.ode(diffusion, U, args=(3.0,))
    np.testing.assert_allclose(fun(0.7, U), diffusion(0.7, U, 3.0), rtol=1e-13)


def test_ode_jac_is_the_jacobian_in_y_at_that_time():
    _, jac = sj.ode(diffusion, U, args=(3.0,))
    expected = central_jacobian(lambda y: diffusion(0.7, y, 3.0), U)
    np.testing.assert_allclose(jac(0.7, U).toarray(), expected, rtol=1e-7, atol=1e-7)


def test_ode_jac_is_sparse_for_a_banded_structure_and_dense_when_asked():
    _, jac = sj.ode(diffusion, U, args=(3.0,))
    _, dense = sj.ode(diffusion, U, args=(3.0,), sparse=False)
    assert jac.sparse and jac.sparsity.nnz == 3 * 40 - 2
    assert isinstance(dense(0.7, U), np.ndarray) and dense(0.7, U).shape == (40, 40)
    np.testing.assert_allclose(dense(0.7, U), jac(0.7, U).toarray(), rtol=1e-15)


def test_ode_args_are_kernel_inputs_so_new_values_reuse_the_kernels():
    from symjvp.runtime import compiled

    fun, _ = sj.ode(diffusion, U, args=(3.0,))
    fun(0.7, U)
    kernels = len(compiled._PROGRAMS)
    other, _ = sj.ode(diffusion, U, args=(5.0,))
    np.testing.assert_allclose(other(0.7, U), diffusion(0.7, U, 5.0), rtol=1e-13)
    assert len(compiled._PROGRAMS) == kernels


def test_least_squares_fun_flattens_the_residuals_and_jac_matches_differences():
    def residuals(x):
        return np.stack([x[1:] - x[:-1] ** 2, 1 - x[:-1]])

    x = np.linspace(-1, 1, 6)
    fun, jac = sj.least_squares(residuals, x)
    assert fun(x).shape == (10,)
    J = jac(x)
    J = J.toarray() if hasattr(J, "toarray") else J
    np.testing.assert_allclose(J, central_jacobian(fun, x), rtol=1e-7, atol=1e-8)


def test_least_squares_refuses_several_residual_arrays():
    with pytest.raises(symjvp.ArgumentError, match="one array"):
        sj.least_squares(lambda x: (x, x * 2), np.ones(3))


def test_minimize_gives_the_gradient_and_the_hessian_both_ways():
    def objective(x, c):
        return (c * x**4).sum() + x[0] * x[-1]

    x, p = np.linspace(-1, 1, 5), np.linspace(2, 3, 5)
    fun, jac, hess, hessp = sj.minimize(objective, x, args=(2.0,))
    assert fun(x) == pytest.approx(objective(x, 2.0), rel=1e-15)
    np.testing.assert_allclose(jac(x), approx_fprime(x, fun, 1e-7), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hessp(x, p), hess(x) @ p, rtol=1e-13)


def test_minimize_refuses_an_objective_with_several_numbers_and_points_to_least_squares():
    with pytest.raises(symjvp.ArgumentError, match="least_squares"):
        sj.minimize(lambda x: x * x, np.ones(3))


def test_linear_operator_is_jvp_and_vjp_and_keeps_the_adjoint_identity():
    F = lambda u, D: diffusion(0.3, u, D)  # noqa: E731
    J = sj.linear_operator(F, U, args=(2.0,))
    v, w = np.cos(np.arange(40.0)), np.sin(np.arange(40.0))
    assert J.shape == (40, 40)
    np.testing.assert_allclose(J.matvec(v), central_jacobian(lambda y: F(y, 2.0), U) @ v, rtol=1e-6, atol=1e-6)
    assert w @ J.matvec(v) == pytest.approx(J.rmatvec(w) @ v, rel=1e-13)
    np.testing.assert_allclose(J.matmat(np.column_stack([v, w])), np.column_stack([J.matvec(v), J.matvec(w)]), rtol=1e-15)


def test_least_squares_with_index_inputs_gets_the_sparse_jacobian_of_those_indices():
    from scipy.optimize import least_squares

    rng = np.random.default_rng(1)
    n, m = 20, 120
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    truth = rng.uniform(0.5, 1.5, n)
    data = truth[a] * truth[b]

    def residuals(p, a, b, data):
        return p[a] * p[b] - data

    fun, jac = sj.least_squares(residuals, np.ones(n), args=(a, b, data))
    assert jac.sparse and jac.sparsity.nnz <= 2 * m
    fit = least_squares(fun, np.ones(n), jac=jac, tr_solver="lsmr")
    assert fit.cost < 1e-16
