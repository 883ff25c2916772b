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
        (lambda x: np.linalg.eig(x), "np.linalg.eig"),
        (lambda x: np.fft.fft(x), "np.fft.fft"),
        (lambda x: np.unique(x), "np.unique"),
        (lambda x: np.bitwise_and(x, x), "np.bitwise_and"),
        (lambda x: np.cumulative_prod(x, axis=0), "np.cumulative_prod"),
    ],
)
def test_unsupported_numpy_functions_are_named_with_the_line_and_what_to_write_instead(func, name):
    with pytest.raises(symjvp.UnsupportedOperationError, match=name.replace(".", r"\.")) as info:
        symjvp.jacobian(func, np.ones((2, 2)))
    assert isinstance(info.value, NotImplementedError)
    message = str(info.value)
    assert "test_errors.py" in message
    assert "Instead" in message or "instead" in message, message


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


# ---------------------------------------------------------------- degenerate inputs and dtypes


@pytest.mark.parametrize(
    "call",
    [
        lambda: symjvp.jvp(np.exp, np.ones(0), np.ones(0)),
        lambda: symjvp.vjp(np.exp, np.ones(0), np.ones(0)),
        lambda: symjvp.jvp(lambda x: x.sum(axis=1), np.ones((0, 3)), np.ones((0, 3))),
    ],
    ids=["jvp", "vjp", "row_sums"],
)
def test_empty_arrays_give_empty_results_as_in_torch(call):
    out, product = call()
    assert out.size == 0 and product.size == 0


def test_the_jacobian_and_hessian_of_an_empty_input_are_empty():
    assert symjvp.jacobian(np.exp, np.ones(0)).shape == (0, 0)
    assert symjvp.hessian(lambda x: (x * x).sum(), np.ones(0)).shape == (0, 0)


def test_a_float16_parameter_is_computed_exactly_as_float32():
    k = symjvp.compile(lambda x, p: x * p, np.ones(2), np.ones(2, np.float16), wrt=0)
    out, jv = k.jvp((np.full(2, 2.0), np.full(2, 1.5, np.float16)), np.ones(2))
    assert out.tolist() == [3.0, 3.0] and jv.tolist() == [1.5, 1.5]


def test_a_longdouble_parameter_is_refused_with_the_conversion_to_make():
    with pytest.raises(symjvp.DtypeError, match=r"input 1 \(p\).*astype\(np.float64\)"):
        symjvp.compile(lambda x, p: x * p, np.ones(2), np.ones(2, np.longdouble), wrt=0)


def test_an_integer_literal_beyond_int64_is_computed_as_numpy_does():
    out, jv = symjvp.jvp(lambda x: x * 2**64, np.ones(2), np.ones(2))
    assert out.tolist() == jv.tolist() == [2.0**64, 2.0**64]


@pytest.mark.parametrize("shape", [(-1, 3), (2.5, 3), ("n", 3), (True,)])
def test_a_spec_with_a_size_that_is_not_a_non_negative_integer_is_refused(shape):
    with pytest.raises(symjvp.ArgumentError, match="non-negative integer"):
        symjvp.Spec(shape)


def test_a_dense_jacobian_larger_than_memory_is_refused_before_anything_is_built():
    k = symjvp.compile(lambda x: x * 2, symjvp.Spec((2**40,)))
    with pytest.raises(symjvp.errors.ResultTooLargeError, match="jvp"):
        k.source("jacobian")
    with pytest.raises(MemoryError):
        symjvp.jacobian(np.sin, np.broadcast_to(1.0, (2**24,)))


def test_an_axis_out_of_range_is_a_shape_error_naming_the_line():
    with pytest.raises(symjvp.AxisError, match=r"axis 1 is out of bounds.*\n.*test_errors.py"):
        symjvp.jvp(row_sums, np.ones(3), np.ones(3))


def test_a_list_output_is_refused_as_in_torch():
    with pytest.raises(symjvp.TraceError, match="returned a list.*tuple"):
        symjvp.jvp(lambda x: [x, 2 * x], np.ones(2), np.ones(2))


# ---------------------------------------------------------------- names that reach generated source


def _named(func, *names):
    import inspect

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    func.__signature__ = inspect.Signature([inspect.Parameter(n, kind) for n in names])
    return func


@pytest.mark.parametrize(
    "names",
    [("fast_exp", "fast_tanh"), ("reassociable_add", "out0"), ("ｏｕｔ0", "out0"), ("ﬁ", "fi"), ("np", "math")],
    ids=["inline helpers", "generated names", "fullwidth", "ligature", "modules"],
)
def test_parameter_names_never_clash_in_generated_source(names):
    f = _named(lambda a, b: np.tanh(a) * b, *names)
    out, jv = symjvp.jvp(f, (np.full(2, 0.5), np.full(2, 3.0)), (np.ones(2), np.zeros(2)))
    np.testing.assert_allclose(out, np.tanh(0.5) * 3.0)
    np.testing.assert_allclose(jv, (1 - np.tanh(0.5) ** 2) * 3.0)


def test_control_characters_in_a_function_name_stay_in_a_comment():
    def f(x):
        return x * 3

    f.__name__ = "bad\x00name\nimport os"
    k = symjvp.compile(f, np.ones(2))
    assert k(np.ones(2)).tolist() == [3.0, 3.0]
    assert "\x00" not in k.source("primal") and "\nimport os" not in k.source("primal")


# ---------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--wrt", "a"], "cannot read --wrt"),
        (["--shape", "0"], "axis 1 is out of bounds"),
        (["--shape", "3,2", "--shape", "2"], "cannot be called with 2 input(s)"),
        (["--shape", "a"], "cannot read shape"),
    ],
)
def test_the_cli_reports_a_bad_argument_in_one_line_with_exit_code_2(arguments, message, capsys):
    from symjvp.cli import main

    import pathlib

    target = f"{pathlib.Path(__file__).parents[1] / 'examples' / 'seed_functions.py'}:double_row_sum"
    code = main([target] + (["--shape", "3,2"] if arguments[0] == "--wrt" else []) + arguments)
    error = capsys.readouterr().err
    assert code == 2 and message in error and "Traceback" not in error
