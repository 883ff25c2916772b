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
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_scientists_reach_for_match_numpy_and_central_differences(name):
    f, shapes = FUNCTIONS[name]
    xs = [rng.uniform(0.2, 1.0, s) for s in shapes]
    if name == "trapezoid_x_axis0":
        xs[1] = np.sort(xs[1])
    vs = [rng.uniform(-1, 1, s) for s in shapes]
    inputs = tuple(xs) if len(xs) > 1 else xs[0]
    out, jv = symjvp.jvp(f, inputs, tuple(vs) if len(vs) > 1 else vs[0])
    np.testing.assert_allclose(out, f(*xs), rtol=1e-13)
    np.testing.assert_allclose(jv, central_difference_jvp(f, xs, vs), rtol=1e-6, atol=1e-8)


def test_diag_puts_exact_zeros_off_the_diagonal_even_beside_infinities():
    out, _ = symjvp.jvp(lambda v: np.diag(v), np.array([np.inf, 1.0]), np.ones(2))
    np.testing.assert_array_equal(out, np.diag([np.inf, 1.0]))
