"""Every user mistake of API.md §4 gets a clear SymJvpError, never a deep traceback."""

import numpy as np
import pytest

import symjvp


def row_sums(x):
    return 2 * x.sum(axis=1)


# ---------------------------------------------------------------- shapes of v


def test_jvp_with_wrong_v_shape_names_expected_and_given_shapes():
    with pytest.raises(symjvp.ShapeError, match=r"\(4,\).*\(3, 2\)"):
        symjvp.jvp(row_sums, np.ones((3, 2)), np.ones(4))


def test_jvp_with_v_shaped_like_the_output_suggests_vjp():
    with pytest.raises(symjvp.ShapeError, match=r"did you mean vjp"):
        symjvp.jvp(row_sums, np.ones((3, 2)), np.ones(3))


def test_vjp_with_v_shaped_like_the_input_suggests_jvp():
    with pytest.raises(symjvp.ShapeError, match=r"did you mean jvp"):
        symjvp.vjp(row_sums, np.ones((3, 2)), np.ones((3, 2)))


def test_shape_error_is_a_value_error():
    with pytest.raises(ValueError):
        symjvp.jvp(row_sums, np.ones((3, 2)), np.ones(5))


def test_tuple_v_for_a_single_input_is_a_shape_error():
    with pytest.raises(symjvp.ShapeError, match="one array"):
        symjvp.jvp(row_sums, np.ones((3, 2)), (np.ones((3, 2)), np.ones((3, 2))))


def test_single_v_for_tuple_inputs_is_a_shape_error():
    with pytest.raises(symjvp.ShapeError, match="tuple of 2"):
        symjvp.jvp(lambda x, y: x + y, (np.ones(2), np.ones(2)), np.ones(2))


def test_hessian_of_a_vector_output_is_a_shape_error():
    with pytest.raises(symjvp.ShapeError, match="single element"):
        symjvp.hessian(lambda x: x * x, np.ones(3))


def test_incompatible_broadcast_inside_the_function_is_a_shape_error():
    with pytest.raises(symjvp.ShapeError, match=r"\(3,\) \(4,\)"):
        symjvp.jvp(lambda x, y: x + y, (np.ones(3), np.ones(4)), (np.ones(3), np.ones(4)))


def test_misaligned_matmul_is_a_shape_error():
    with pytest.raises(symjvp.ShapeError, match="not aligned"):
        symjvp.jacobian(lambda x: np.ones((2, 3)) @ x, np.ones(4))


# ---------------------------------------------------------------- tracing


def branchy(x):
    if x.sum() > 0:
        return x
    return -x


def test_python_if_on_a_traced_value_names_the_line_and_np_where():
    with pytest.raises(symjvp.TraceError) as info:
        symjvp.jvp(branchy, np.ones(2), np.ones(2))
    message = str(info.value)
    assert "np.where" in message
    assert "test_errors.py" in message
    assert "if x.sum() > 0:" in message
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize(
    "func, fragment",
    [
        (lambda x: x * float(x[0]), "float(x)"),
        (lambda x: x * x.item(), "x.item()"),
        (lambda x: x if bool(x[0]) else x, "truth value"),
    ],
)
def test_concrete_values_are_trace_errors_with_the_line(func, fragment):
    with pytest.raises(symjvp.TraceError) as info:
        symjvp.jacobian(func, np.ones(2))
    assert fragment in str(info.value)
    assert "test_errors.py" in str(info.value)


def in_place(x):
    x[0] = 1.0
    return x


def test_in_place_assignment_is_a_trace_error_with_a_way_out():
    with pytest.raises(symjvp.TraceError, match=r"np\.where") as info:
        symjvp.jacobian(in_place, np.ones(2))
    assert "x[0] = 1.0" in str(info.value)


def test_out_argument_is_a_trace_error():
    with pytest.raises(symjvp.TraceError, match="in place"):
        symjvp.jacobian(lambda x: np.exp(x, out=x), np.ones(2))


@pytest.mark.parametrize("returned", [None, "text", [None]])
def test_returning_something_that_is_not_an_array_is_a_trace_error(returned):
    with pytest.raises(symjvp.TraceError, match="must return an array"):
        symjvp.jacobian(lambda x: returned, np.ones(2))


def test_indexing_with_a_traced_value_is_a_trace_error():
    with pytest.raises(symjvp.TraceError, match="depend on the data"):
        symjvp.jacobian(lambda x: x[x > 0], np.ones(2))


# ---------------------------------------------------------------- unsupported


@pytest.mark.parametrize(
    "func, name",
    [
        (lambda x: np.linalg.inv(x), "np.linalg.inv"),
        (lambda x: np.cumprod(x), "np.cumprod"),
        (lambda x: np.sort(x), "np.sort"),
        (lambda x: np.bitwise_and(x, x), "np.bitwise_and"),
    ],
)
def test_unsupported_numpy_functions_are_named(func, name):
    with pytest.raises(symjvp.UnsupportedOperationError, match=name.replace(".", r"\.")) as info:
        symjvp.jacobian(func, np.ones((2, 2)))
    assert isinstance(info.value, NotImplementedError)


def test_complex_constant_is_unsupported():
    with pytest.raises(symjvp.UnsupportedOperationError, match="complex"):
        symjvp.jacobian(lambda x: x * np.array([1j, 2.0]), np.ones(2))


# ---------------------------------------------------------------- one base class


def test_every_error_derives_from_symjvp_error():
    for error in (
        symjvp.ShapeError,
        symjvp.TraceError,
        symjvp.UnsupportedOperationError,
        symjvp.IndependentInputError,
        symjvp.DtypeError,
        symjvp.ArgumentError,
    ):
        assert issubclass(error, symjvp.SymJvpError)


def test_wrong_number_of_inputs_to_a_compiled_function():
    k = symjvp.compile(lambda a, b: a * b, np.ones(2), np.ones(2))
    with pytest.raises(symjvp.ArgumentError, match="2 input"):
        k(np.ones(2))


def test_unknown_source_kind_is_an_argument_error():
    k = symjvp.compile(lambda a: a * 2, np.ones(2))
    with pytest.raises(symjvp.ArgumentError, match="primal"):
        k.source("hessian-ish")
