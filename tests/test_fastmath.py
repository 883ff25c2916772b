"""The inline exp the kernels use is within 2 ulp of NumPy everywhere, specials included."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from symjvp.codegen.fastmath import fast_exp, fast_sigmoid


@njit
def _exp_all(xs):
    out = np.empty_like(xs)
    for i in range(xs.size):
        out[i] = fast_exp(xs[i])
    return out


@njit
def _sigmoid_all(xs):
    out = np.empty_like(xs)
    for i in range(xs.size):
        out[i] = fast_sigmoid(xs[i])
    return out


def ulp_error(got, expected):
    with np.errstate(all="ignore"):
        return np.abs(got - expected) / np.spacing(np.abs(expected))


def test_exp_is_within_2_ulp_on_a_dense_grid_over_the_whole_range():
    xs = np.linspace(-746.0, 710.0, 2_000_001)
    with np.errstate(over="ignore"):
        expected = np.exp(xs)
    got = _exp_all(xs)
    finite = np.isfinite(expected) & (expected > 0)
    assert ulp_error(got[finite], expected[finite]).max() <= 2.0
    np.testing.assert_array_equal(got[~finite], expected[~finite])


def test_exp_special_values_match_numpy():
    specials = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 709.782712893384, 709.7827128933841, -745.13321910194,
                         -745.1332191019412, -745.2, 1e-300, -1e-300, 5e-324])
    with np.errstate(over="ignore"):
        expected = np.exp(specials)
    np.testing.assert_array_equal(_exp_all(specials), expected)


@given(st.floats(min_value=-800.0, max_value=800.0, allow_nan=False))
@settings(max_examples=3000)
def test_exp_property_within_2_ulp(x):
    with np.errstate(over="ignore"):
        expected = np.exp(np.float64(x))
    got = _exp_all(np.array([x]))[0]
    if np.isfinite(expected) and expected > 0:
        assert ulp_error(got, expected) <= 2.0
    else:
        assert got == expected


@given(st.floats(min_value=-800.0, max_value=800.0, allow_nan=False))
@settings(max_examples=1000)
def test_sigmoid_matches_the_definition(x):
    with np.errstate(over="ignore"):
        expected = 1.0 / (1.0 + np.exp(-np.float64(x)))
    got = _sigmoid_all(np.array([x]))[0]
    assert got == expected or ulp_error(got, expected) <= 3.0
