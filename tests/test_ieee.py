"""NaN and infinities come out as NumPy's: no symbolic simplification that is not exact in IEEE arithmetic.

The oracle is NumPy evaluating the same function on the same special values,
and for derivatives the value torch's forward mode gives (written out).
"""

import numpy as np
import pytest

import symjvp

MAX = np.finfo(np.float64).max
POINTS = np.array([0.0, np.inf, -np.inf, np.nan, -2.0, 1.0, 1e308])

PRIMAL_CASES = {
    "x / x": lambda x: x / x,
    "x - x": lambda x: x - x,
    "x * 0.0": lambda x: x * 0.0,
    "0.0 / x": lambda x: 0.0 / x,
    "1 / (x - x)": lambda x: 1 / (x - x),
    "x * nan": lambda x: x * np.nan,
    "x + inf": lambda x: x + np.inf,
    "(x + x) - x": lambda x: (x + x) - x,
    "x * MAX + MAX": lambda x: x * MAX + MAX,
    "(x * 3) / 3": lambda x: (x * 3.0) / 3.0,
    "exp(log(x))": lambda x: np.exp(np.log(x)),
    "x + 1 / zeros": lambda x: x + 1 / np.zeros(POINTS.shape),
}


@pytest.mark.parametrize("name", PRIMAL_CASES)
def test_the_output_at_special_values_is_numpys(name):
    f = PRIMAL_CASES[name]
    with np.errstate(all="ignore"):  # NumPy's warnings, in the oracle and while the trace computes constants
        expected = f(POINTS)
        out, _ = symjvp.jvp(f, POINTS, np.ones_like(POINTS))
    np.testing.assert_array_equal(out, expected)


def test_the_tangent_of_a_product_with_nan_is_nan():
    _, jv = symjvp.jvp(lambda x: x * np.nan, np.array([1.0, 2.0]), np.ones(2))
    assert np.isnan(jv).all()


def test_the_tangent_of_x_over_x_is_nan_where_torch_gives_nan():
    # torch: d(x/x) = v/x - x v/x**2: nan at 0 and inf, 0 elsewhere.
    x = np.array([0.0, np.inf, 3.0])
    _, jv = symjvp.jvp(lambda x: x / x, x, np.ones(3))
    np.testing.assert_array_equal(jv, [np.nan, np.nan, 0.0])


def test_where_differentiates_only_the_branch_it_takes():
    # torch.func.jvp and jax.jvp: 0 where the sqrt branch is not taken, although its tangent is NaN there.
    f = lambda x: np.where(x > 0, np.sqrt(x), 0.0)  # noqa: E731
    out, jv = symjvp.jvp(f, np.array([-1.0, 0.0, 4.0]), np.ones(3))
    np.testing.assert_array_equal(out, [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(jv, [0.0, 0.0, 0.25])


def test_where_with_both_branches_traced_selects_each_tangent():
    f = lambda x, y: np.where(x > y, np.log(x), np.log(-y))  # noqa: E731
    x, y = np.array([2.0, -3.0]), np.array([1.0, -1.0])
    _, jv = symjvp.jvp(f, (x, y), (np.ones(2), np.ones(2)))
    np.testing.assert_allclose(jv, [1 / 2.0, 1 / -1.0])


def test_a_sum_of_terms_that_overflow_is_inf_or_nan_as_in_numpy():
    x = np.full((3, 40), 700.0)
    x[1, 7], x[2, 3], x[2, 30] = 710.0, np.inf, -np.inf
    out = symjvp.compile(lambda x: (np.exp(x) - np.exp(-x)).sum(axis=1), x)(x)
    with np.errstate(over="ignore", invalid="ignore"):
        expected = (np.exp(x) - np.exp(-x)).sum(axis=1)
    np.testing.assert_allclose(out, expected, rtol=1e-14)


def test_sums_stay_within_rounding_of_numpys_pairwise_sum():
    x = np.random.default_rng(0).standard_normal((4, 5000))
    out = symjvp.compile(lambda x: (x * x).sum(axis=1), x)(x)
    np.testing.assert_allclose(out, (x * x).sum(axis=1), rtol=1e-12)
