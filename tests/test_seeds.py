"""The seeds' own numbers (shared/seeds), on NumPy arrays."""

import numpy as np
import pytest

import symjvp
from seed_functions import adder, double_row_sum, exp_reducer, logistic_layer


def test_seed_000_jvp_of_a_2d_input_is_6_14_22():
    out, jv = symjvp.jvp(double_row_sum, np.ones((3, 2)), [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(out, [4, 4, 4])
    np.testing.assert_array_equal(jv, [6, 14, 22])


def test_seed_000_jacobian_flattens_to_3_by_6():
    J = symjvp.jacobian(double_row_sum, np.ones((3, 2)))
    assert J.shape == (3, 3, 2)
    expected = np.kron(np.eye(3), [2.0, 2.0])
    np.testing.assert_array_equal(J.reshape(3, 6), expected)


def test_seed_000_jvp_is_flattened_jacobian_times_flattened_v():
    x = np.random.default_rng(0).random((3, 2))
    v = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    _, jv = symjvp.jvp(double_row_sum, x, v)
    J = symjvp.jacobian(double_row_sum, x)
    np.testing.assert_allclose(jv, J.reshape(3, 6) @ v.ravel())


def test_seed_001_exp_reducer_jvp_with_ones_equals_the_output():
    x = np.random.default_rng(1).random((4, 4))
    out, jv = symjvp.jvp(exp_reducer, x, np.ones((4, 4)))
    np.testing.assert_allclose(out, np.exp(x).sum(axis=1), rtol=1e-14)
    np.testing.assert_allclose(jv, out, rtol=1e-14)


def test_seed_001_adder_jvp_with_ones_is_5():
    inputs = (np.random.default_rng(2).random(2), np.random.default_rng(3).random(2))
    out, jv = symjvp.jvp(adder, inputs, (np.ones(2), np.ones(2)))
    np.testing.assert_allclose(out, 2 * inputs[0] + 3 * inputs[1])
    np.testing.assert_array_equal(jv, [5.0, 5.0])


def test_seed_002_single_input_jvp_and_jacobian():
    x = np.array([0.8823, 0.9150])
    out, jv = symjvp.jvp(lambda x: 2 * x, x, np.array([1.0, 2.0]))
    np.testing.assert_allclose(out, [1.7646, 1.83])
    np.testing.assert_array_equal(jv, [2.0, 4.0])
    np.testing.assert_array_equal(symjvp.jacobian(lambda x: 2 * x, x), [[2.0, 0.0], [0.0, 2.0]])


def test_seed_002_adder_with_distinct_tangents_is_8_13():
    inputs = (np.array([0.3829, 0.9593]), np.array([0.3904, 0.6009]))
    _, jv = symjvp.jvp(adder, inputs, (np.array([1.0, 2.0]), np.array([2.0, 3.0])))
    np.testing.assert_array_equal(jv, [8.0, 13.0])


def test_seed_002_matrix_input_jacobian_rows_hold_exp_of_their_row():
    x = np.random.default_rng(4).random((4, 4))
    J = symjvp.jacobian(exp_reducer, x)
    for i in range(4):
        expected = np.zeros((4, 4))
        expected[i] = np.exp(x[i])
        np.testing.assert_allclose(J[i], expected, rtol=1e-14)


@pytest.fixture(scope="module")
def logistic_data():
    rng = np.random.default_rng(5)
    return rng.standard_normal((100, 2)), rng.standard_normal(2), rng.standard_normal(2)


def test_seed_003_jvp_wrt_parameters_has_one_value_per_sample(logistic_data):
    X, w, v = logistic_data
    s = 1 / (1 + np.exp(-(X @ w)))
    _, jv = symjvp.jvp(lambda w: logistic_layer(X, w), w, v)
    assert jv.shape == (100,)
    np.testing.assert_allclose(jv, s * (1 - s) * (X @ v), rtol=1e-12)


def test_seed_003_compile_with_wrt_gives_the_same_jvp(logistic_data):
    X, w, v = logistic_data
    s = 1 / (1 + np.exp(-(X @ w)))
    k = symjvp.compile(logistic_layer, X, w, wrt=1)
    _, jv = k.jvp((X, w), v)
    np.testing.assert_allclose(jv, s * (1 - s) * (X @ v), rtol=1e-12)


def test_seed_003_parameter_shaped_v_given_to_vjp_points_to_jvp(logistic_data):
    X, w, v = logistic_data
    k = symjvp.compile(logistic_layer, X, w, wrt=1)
    with pytest.raises(symjvp.ShapeError, match=r"did you mean jvp"):
        k.vjp((X, w), v)
