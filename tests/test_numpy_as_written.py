"""NumPy as scientists write it traces: in-place updates of arrays the function makes, SciPy's special functions.

Oracles: the same function run by NumPy on concrete arrays (values), central
differences of it (J·v), the adjoint identity (vᵀ·J), and SciPy's own
derivatives of its special functions.
"""

import numpy as np
import pytest
import scipy.special as S

import symjvp
from oracles import central_difference_jvp, inner

rng = np.random.default_rng(7)


def reaction_diffusion(u):
    """A method-of-lines right-hand side the way SciPy's ODE examples write it."""
    dudt = np.empty_like(u)
    dudt[0] = -2 * u[0] + u[1]
    dudt[1:-1] = u[:-2] - 2 * u[1:-1] + u[2:] + u[1:-1] ** 2
    dudt[-1] = u[-2] - 2 * u[-1]
    return dudt


def shifted_sum(x):
    y = x.copy()
    y[1:] += x[:-1]
    return y


def strided_and_overwritten(x):
    z = np.zeros_like(x)
    z[::2] = np.sin(x[::2])
    z[len(x) // 2] = 7.0
    return z


def masked_reset(x):
    y = x.copy()
    y[np.arange(x.size) % 3 == 0] = 0.5
    return y


def rows_of_a_matrix(a):
    out = np.full_like(a, 1.0)
    out[0, :] = a[0] * a[1]
    out[:, -1] = np.exp(a[:, 0])
    out[1:, 1:-1] += a[:-1, 1:-1] ** 2
    return out


IN_PLACE = {
    "reaction_diffusion": (reaction_diffusion, (7,)),
    "shifted_sum": (shifted_sum, (5,)),
    "strided_and_overwritten": (strided_and_overwritten, (7,)),
    "masked_reset": (masked_reset, (7,)),
    "rows_of_a_matrix": (rows_of_a_matrix, (3, 4)),
}


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_updates_of_arrays_the_function_makes_give_numpys_values(name):
    f, shape = IN_PLACE[name]
    x = rng.uniform(-1, 1, shape)
    np.testing.assert_allclose(symjvp.compile(f, x)(x), f(x), rtol=1e-14)


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_updates_differentiate_like_central_differences(name):
    f, shape = IN_PLACE[name]
    x, v = rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)
    _, jv = symjvp.jvp(f, x, v)
    np.testing.assert_allclose(jv, central_difference_jvp(f, [x], [v]), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_updates_satisfy_the_adjoint_identity(name):
    f, shape = IN_PLACE[name]
    x, v = rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)
    u = rng.uniform(-1, 1, f(x).shape)
    _, jv = symjvp.jvp(f, x, v)
    _, uj = symjvp.vjp(f, x, u)
    assert np.isclose(inner(u, jv), inner(uj, v), rtol=1e-12)


def test_the_jacobian_of_an_in_place_stencil_has_its_exact_structure():
    pattern = symjvp.compile(reaction_diffusion, np.ones(6)).sparsity().toarray()
    np.testing.assert_array_equal(pattern, np.abs(np.subtract.outer(range(6), range(6))) <= 1)


def test_the_input_is_never_mutated():
    x = np.arange(5.0)
    symjvp.jvp(shifted_sum, x, np.ones(5))
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_assigning_into_an_input_is_a_trace_error_that_says_to_copy():
    def overwrite(x):
        x[0] = 1.0
        return x

    with pytest.raises(symjvp.TraceError, match=r"x.copy\(\)"):
        symjvp.jvp(overwrite, np.ones(2), np.ones(2))


def test_assigning_into_a_view_is_refused_rather_than_lost():
    def through_a_view(x):
        y = x.copy()
        view = y[1:]
        view[0] = 5.0
        return y

    with pytest.raises(symjvp.TraceError, match="view"):
        symjvp.jvp(through_a_view, np.ones(3), np.ones(3))


def test_a_value_that_does_not_fit_the_selection_is_a_shape_error():
    def misfit(x):
        y = x.copy()
        y[1:3] = np.ones(3)
        return y

    with pytest.raises(symjvp.ShapeError, match=r"\(3,\).*\(2,\)"):
        symjvp.jvp(misfit, np.ones(4), np.ones(4))


# ---------------------------------------------------------------- SciPy's special functions

SPECIAL = {
    "erf": (S.erf, lambda x: 2 / np.sqrt(np.pi) * np.exp(-x * x)),
    "erfc": (S.erfc, lambda x: -2 / np.sqrt(np.pi) * np.exp(-x * x)),
    "gammaln": (S.gammaln, S.digamma),
    "digamma": (S.digamma, lambda x: S.polygamma(1, x)),
    "expit": (S.expit, lambda x: S.expit(x) * (1 - S.expit(x))),
}


@pytest.mark.parametrize("name", SPECIAL)
def test_scipy_special_functions_and_their_derivatives_match_scipy(name):
    f, derivative = SPECIAL[name]
    x = np.array([0.05, 0.4, 1.0, 2.5, 9.5, 31.0])
    out, jv = symjvp.jvp(lambda x: f(x) * 2.0, x, np.ones_like(x))
    np.testing.assert_allclose(out, 2 * f(x), rtol=1e-14)
    np.testing.assert_allclose(jv, 2 * derivative(x), rtol=1e-13)


def test_the_hessian_of_a_sum_of_gammaln_is_trigamma_on_the_diagonal():
    x = np.array([0.3, 1.7, 12.0])
    np.testing.assert_allclose(symjvp.hessian(lambda x: S.gammaln(x).sum(), x), np.diag(S.polygamma(1, x)), rtol=1e-13)


def test_digamma_at_its_poles_and_for_negative_arguments_matches_scipy():
    x = np.array([0.0, -1.0, -2.5, -0.3, np.inf, np.nan])
    out, _ = symjvp.jvp(S.digamma, x, np.ones_like(x))
    np.testing.assert_allclose(out, S.digamma(x), rtol=1e-11)


def test_an_unsupported_scipy_function_is_named_as_the_user_wrote_it():
    with pytest.raises(symjvp.UnsupportedOperationError, match=r"scipy\.special\.ndtri.*\n.*test_numpy_as_written"):
        symjvp.jvp(lambda x: S.ndtri(x), np.full(2, 0.3), np.ones(2))


# ---------------------------------------------------------------- functions scientists reach for

FUNCTIONS = {
    "polyval": (lambda x: np.polyval([0.5, -2.0, 3.0, 1.0], x), [(5,)]),
    "polyval_traced_coefficients": (lambda p, x: np.polyval(p, x), [(3,), (4,)]),
    "trapezoid_dx": (lambda y: np.trapezoid(y ** 2, dx=0.1), [(7,)]),
    "trapezoid_x_axis0": (lambda y, x: np.trapezoid(np.sin(y), x, axis=0), [(6, 2), (6,)]),
    "cross": (lambda a, b: np.cross(a, b), [(4, 3), (4, 3)]),
    "diag_build": (lambda v: np.diag(np.exp(v), k=1) @ np.ones(4), [(3,)]),
    "diag_extract": (lambda m: np.diag(m * m), [(3, 3)]),
    "kron": (lambda a, b: np.kron(a, b), [(2, 2), (2, 3)]),
    "cumprod": (lambda x: np.cumprod(x, axis=1), [(2, 4)]),
    "interp_at_traced_points": (lambda x: np.interp(x, [0.0, 0.3, 0.7, 1.5], [1.0, 2.0, 0.5, 5.0]), [(6,)]),
    "interp_of_traced_values": (lambda fp: np.interp([0.1, 0.5, 1.2, 3.0], [0.0, 0.3, 0.7, 1.5], fp), [(4,)]),
    "pad_edge": (lambda x: np.pad(x, (2, 1), mode="edge"), [(4,)]),
    "pad_reflect_2d": (lambda x: np.pad(x, 1, mode="reflect"), [(3, 3)]),
    "pad_wrap": (lambda x: np.pad(x, 2, mode="wrap"), [(4,)]),
    "pad_constant_values": (lambda x: np.pad(x, ((1, 0), (0, 2)), constant_values=((3.0, 0.0), (0.0, -1.0))), [(2, 2)]),
    "sum_where": (lambda x: np.sum(x**2, where=np.array([True, False, True, True]), axis=0, initial=0.5), [(4,)]),
    "sort": (lambda x: np.sort(x, axis=0), [(5, 2)]),
    "asarray_first": (lambda x: np.sin(np.asarray(x)) * np.array(x, dtype=np.float64), [(4,)]),
    "array_copy_assigned": (lambda x: _assigned(np.array(x)), [(4,)]),
    "xlogy": (lambda x: S.xlogy(x, x + 1.0), [(4,)]),
    "logsumexp": (lambda x: S.logsumexp(x, axis=1), [(2, 3)]),
    "logsumexp_weighted": (lambda x: S.logsumexp(x, b=np.array([0.5, 1.0, 2.0])), [(3,)]),
    "softmax": (lambda x: S.softmax(x, axis=0), [(3, 2)]),
    "log_softmax": (lambda x: S.log_softmax(x), [(4,)]),
    "det": (lambda a: np.linalg.det(a), [(3, 3)]),
    "slogdet": (lambda a: np.linalg.slogdet(_spd(a))[1], [(3, 3)]),
    "inv": (lambda a: np.linalg.inv(_spd(a)), [(4, 4)]),
    "solve_vector": (lambda a, b: np.linalg.solve(_spd(a), b), [(3, 3), (3,)]),
    "solve_batched_matrices": (lambda a, b: np.linalg.solve(_spd(a), b), [(2, 2, 2), (2, 2, 3)]),
    "cholesky": (lambda a: np.linalg.cholesky(_spd(a)), [(4, 4)]),
    "median": (lambda x: np.median(x, axis=1), [(2, 4)]),
    "matrix_norms": (lambda a: np.linalg.norm(a, 1) + np.linalg.norm(a, np.inf) * np.linalg.norm(a, -np.inf), [(3, 4)]),
    "argsort_selection": (lambda x: x[np.argsort(x)] * np.arange(5.0), [(5,)]),
    "searchsorted_as_index": (lambda x: np.take([1.0, 2.0, 4.0, 8.0], np.searchsorted([0.3, 0.6, 0.9], x)) * x, [(5,)]),
    "any_all": (lambda x: np.where(np.any(x > 0.5) & ~np.all(x > 0.5), x, -x), [(4,)]),
}


def _assigned(y):
    y[0] = 3.0
    return y


def _spd(a):
    """A symmetric positive-definite matrix (or batch of them) made from ``a``."""
    return a @ np.swapaxes(a, -1, -2) + a.shape[-1] * np.eye(a.shape[-1])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_scientists_reach_for_match_numpy_and_central_differences(name):
    f, shapes = FUNCTIONS[name]
    xs = [rng.uniform(0.2, 1.0, s) for s in shapes]
    if name == "trapezoid_x_axis0":
        xs[1] = np.sort(xs[1])
    vs = [rng.uniform(-1, 1, s) for s in shapes]
    inputs = tuple(xs) if len(xs) > 1 else xs[0]
    out, jv = symjvp.jvp(f, inputs, tuple(vs) if len(vs) > 1 else vs[0])
    np.testing.assert_allclose(out, f(*xs), rtol=1e-12)
    np.testing.assert_allclose(jv, central_difference_jvp(f, xs, vs), rtol=1e-6, atol=1e-8)


def test_diag_puts_exact_zeros_off_the_diagonal_even_beside_infinities():
    out, _ = symjvp.jvp(lambda v: np.diag(v), np.array([np.inf, 1.0]), np.ones(2))
    np.testing.assert_array_equal(out, np.diag([np.inf, 1.0]))


def test_asarray_of_a_traced_array_is_the_array_itself_not_one_node_per_element():
    with_conversion = symjvp.compile(lambda x: np.exp(np.asarray(x)).sum(), np.ones(50))
    without = symjvp.compile(lambda x: np.exp(x).sum(), np.ones(50))
    assert with_conversion.source("primal") == without.source("primal")


def test_logsumexp_at_infinities_is_scipys():
    for x in ([-np.inf, -np.inf], [np.inf, 1.0], [-np.inf, 2.0]):
        x = np.array(x)
        out, _ = symjvp.jvp(lambda x: S.logsumexp(x), x, np.ones(2))
        assert out == S.logsumexp(x)


def test_the_library_functions_are_themselves_again_after_tracing():
    before = (np.asarray, np.array, S.logsumexp.__code__)
    symjvp.jvp(lambda x: S.logsumexp(np.asarray(x)), np.ones(3), np.ones(3))
    assert (np.asarray, np.array, S.logsumexp.__code__) == before
    assert S.logsumexp(np.array([0.0, 0.0])) == np.log(2.0)


def test_the_derivative_of_sort_carries_the_tangent_along_the_permutation():
    x = np.array([0.3, -1.0, 2.0, 0.3, 0.7])
    v = np.arange(1.0, 6.0)
    out, jv = symjvp.jvp(np.sort, x, v)
    np.testing.assert_array_equal(out, np.sort(x))
    np.testing.assert_array_equal(jv, v[np.argsort(x, kind="stable")])


def test_the_derivative_of_det_is_the_textbook_det_times_trace_of_inverse_times_direction():
    rng = np.random.default_rng(3)
    a, d = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    _, jv = symjvp.jvp(np.linalg.det, a, d)
    np.testing.assert_allclose(jv, np.linalg.det(a) * np.trace(np.linalg.solve(a, d)), rtol=1e-12)


def test_the_derivative_of_inv_is_minus_inverse_times_direction_times_inverse():
    rng = np.random.default_rng(4)
    a, d = rng.standard_normal((3, 3)) + 3 * np.eye(3), rng.standard_normal((3, 3))
    _, jv = symjvp.jvp(np.linalg.inv, a, d)
    inverse = np.linalg.inv(a)
    np.testing.assert_allclose(jv, -inverse @ d @ inverse, rtol=1e-11)


def test_a_matrix_too_large_for_the_closed_form_is_refused_with_the_limit():
    with pytest.raises(symjvp.UnsupportedOperationError, match=r"np\.linalg\.inv of a 5x5.*up to 4x4"):
        symjvp.jvp(np.linalg.inv, np.eye(5), np.eye(5))


def test_argmax_selects_the_first_maximum_and_the_first_nan_as_numpy():
    def pick(x):
        return x[np.argmax(x)] * x

    for x in ([1.0, 3.0, 3.0, 2.0], [1.0, np.nan, 5.0, np.nan]):
        x = np.array(x)
        out, jv = symjvp.jvp(pick, x, np.ones(4))
        np.testing.assert_array_equal(out, pick(x))


def test_take_along_axis_of_argmax_is_the_row_maximum_and_its_derivative_follows_it():
    x = np.array([[0.1, 0.9, 0.3], [2.0, -1.0, 0.5]])
    v = np.arange(6.0).reshape(2, 3)
    f = lambda x: np.take_along_axis(x, np.argmax(x, axis=1, keepdims=True), axis=1)  # noqa: E731
    out, jv = symjvp.jvp(f, x, v)
    np.testing.assert_array_equal(out, [[0.9], [2.0]])
    np.testing.assert_array_equal(jv, [[1.0], [3.0]])


# ---------------------------------------------------------------- integer index arrays as inputs


def gather_residuals(params, points, cam_idx, pt_idx):
    """A bundle-adjustment-shaped residual: per-observation rows gathered by index inputs."""
    cams, pts = params[cam_idx], points[pt_idx]
    return np.sin(cams[:, 0]) * pts[:, 0] + cams[:, 1] * pts[:, 1] ** 2


CAM_IDX = np.array([0, 1, 1, 2, 0, 2, -1])
PT_IDX = np.array([3, 0, 1, 2, 2, 0, 1])


@pytest.fixture(scope="module")
def gather_kernel():
    return symjvp.compile(gather_residuals, np.ones((3, 2)), np.ones((4, 2)), CAM_IDX, PT_IDX, wrt=(0, 1))


def _gather_inputs(seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (4, 2))


def test_index_inputs_gather_numpys_values(gather_kernel):
    params, points = _gather_inputs(0)
    inputs = (params, points, CAM_IDX, PT_IDX)
    np.testing.assert_allclose(gather_kernel(inputs), gather_residuals(*inputs), rtol=1e-14)


def test_index_inputs_differentiate_like_central_differences_and_transpose_to_a_scatter_add(gather_kernel):
    params, points = _gather_inputs(1)
    dp, dq = _gather_inputs(2)
    u = np.random.default_rng(3).uniform(-1, 1, CAM_IDX.size)
    inputs = (params, points, CAM_IDX, PT_IDX)
    _, jv = gather_kernel.jvp(inputs, (dp, dq))
    expected = central_difference_jvp(lambda p, q: gather_residuals(p, q, CAM_IDX, PT_IDX), [params, points], [dp, dq])
    np.testing.assert_allclose(jv, expected, rtol=1e-6, atol=1e-8)
    _, (up, uq) = gather_kernel.vjp(inputs, u)
    assert np.isclose(inner(u, jv), inner(up, dp) + inner(uq, dq), rtol=1e-12)


def test_new_index_values_reuse_the_compiled_kernels(gather_kernel):
    params, points = _gather_inputs(4)
    other_cams, other_pts = np.array([2, 2, 0, 1, 1, 0, 0]), np.array([0, 1, 2, 3, 3, 2, 1])
    gather_kernel.jvp((params, points, CAM_IDX, PT_IDX), _gather_inputs(5))
    programs = dict(gather_kernel._default._programs)
    _, jv = gather_kernel.jvp((params, points, other_cams, other_pts), _gather_inputs(5))
    assert gather_kernel._default._programs == programs
    expected = central_difference_jvp(
        lambda p, q: gather_residuals(p, q, other_cams, other_pts), [params, points], list(_gather_inputs(5))
    )
    np.testing.assert_allclose(jv, expected, rtol=1e-6, atol=1e-8)


def test_an_out_of_range_index_input_is_an_index_error_naming_it(gather_kernel):
    params, points = _gather_inputs(0)
    with pytest.raises(IndexError, match=r"'pt_idx' holds the index 4.*length 4"):
        gather_kernel((params, points, CAM_IDX, np.array([0, 1, 2, 3, 4, 0, 0])))


def test_the_sparsity_of_a_run_time_gather_is_every_element_it_may_read(gather_kernel):
    pattern = gather_kernel.sparsity().toarray()
    assert pattern.shape == (7, 14) and pattern.all()


def test_indices_computed_by_arithmetic_are_refused_rather_than_read_out_of_range():
    with pytest.raises(symjvp.TraceError, match="proven to be in range"):
        symjvp.compile(lambda x, i: x[i + 1], np.ones(3), np.array([0, 1]), wrt=0)


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanmax", "nanmin"])
def test_nan_reductions_skip_nans_as_numpy(name):
    x = np.array([[0.5, np.nan, 2.0], [np.nan, -1.0, 3.0]])
    reduce = getattr(np, name)
    out, jv = symjvp.jvp(lambda x: reduce(x, axis=1), x, np.ones_like(x))
    np.testing.assert_allclose(out, reduce(x, axis=1), rtol=1e-14)
    assert np.isfinite(jv).all()


def test_indexing_a_numpy_array_with_traced_integers_says_to_use_take():
    with pytest.raises(symjvp.TraceError, match=r"np\.take\(array, indices"):
        symjvp.jvp(lambda x: np.array([1.0, 2.0])[np.argsort(x)] * x, np.ones(2), np.ones(2))
