"""The public contract (API.md): structure, dtypes, strict, kinks, caching."""

import numpy as np
import pytest

import symjvp

rng = np.random.default_rng(0)


def two_in_two_out(x, y):
    return x * y.sum(), np.sin(x)


# ---------------------------------------------------------------- structure


def test_tuple_inputs_give_tuple_vjp_and_single_input_gives_array():
    x, y = rng.random(3), rng.random(3)
    _, (gx, gy) = symjvp.vjp(lambda x, y: (x * y).sum(), (x, y), 1.0)
    np.testing.assert_allclose(gx, y)
    np.testing.assert_allclose(gy, x)
    _, g = symjvp.vjp(lambda x: (x * x).sum(), x, 1.0)
    assert isinstance(g, np.ndarray) and g.shape == (3,)


def test_one_element_tuple_input_keeps_tuple_structure():
    x = rng.random(3)
    _, jv = symjvp.jvp(lambda x: x * 2, (x,), (np.ones(3),))
    assert isinstance(jv, np.ndarray)
    _, vj = symjvp.vjp(lambda x: x * 2, (x,), np.ones(3))
    assert isinstance(vj, tuple) and len(vj) == 1


def test_tuple_outputs_give_tuple_results():
    x, y = rng.random(2), rng.random(3)
    out, jv = symjvp.jvp(two_in_two_out, (x, y), (np.ones(2), np.zeros(3)))
    assert isinstance(out, tuple) and isinstance(jv, tuple)
    np.testing.assert_allclose(jv[0], np.full(2, y.sum()))
    np.testing.assert_allclose(jv[1], np.cos(x))


def test_jacobian_layouts_follow_torch():
    x, y = rng.random(2), rng.random(3)
    assert symjvp.jacobian(lambda x: np.outer(x, x), x).shape == (2, 2, 2)
    Jx, Jy = symjvp.jacobian(lambda x, y: x.sum() * y, (x, y))
    assert Jx.shape == (3, 2) and Jy.shape == (3, 3)
    (J00, J01), (J10, J11) = symjvp.jacobian(two_in_two_out, (x, y))
    assert (J00.shape, J01.shape, J10.shape, J11.shape) == ((2, 2), (2, 3), (2, 2), (2, 3))
    np.testing.assert_array_equal(J11, np.zeros((2, 3)))
    np.testing.assert_allclose(J10, np.diag(np.cos(x)))
    J_single_out_tuple = symjvp.jacobian(lambda x: (x * 2, x.sum()), x)
    assert isinstance(J_single_out_tuple, tuple) and J_single_out_tuple[1].shape == (2,)


def test_hessian_shapes_and_values():
    x = rng.random((2, 2))
    H = symjvp.hessian(lambda x: (x**3).sum(), x)
    assert H.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(H.reshape(4, 4), np.diag(6 * x.ravel()))
    a, b = rng.random(2), rng.random(3)
    ((Haa, Hab), (Hba, Hbb)) = symjvp.hessian(lambda a, b: a.sum() * (b * b).sum(), (a, b))
    np.testing.assert_allclose(Hab, np.outer(np.ones(2), 2 * b))
    np.testing.assert_allclose(Hba, Hab.T)
    np.testing.assert_array_equal(Haa, np.zeros((2, 2)))
    np.testing.assert_allclose(Hbb, 2 * a.sum() * np.eye(3))


def test_hvp_and_vhp_equal_hessian_times_v():
    x, v = rng.random(4), rng.random(4)

    def f(x):
        return np.sin(x).prod() + (x[:-1] * x[1:]).sum()

    H = symjvp.hessian(f, x)
    out, hv = symjvp.hvp(f, x, v)
    _, vh = symjvp.vhp(f, x, v)
    np.testing.assert_allclose(out, f(x))
    np.testing.assert_allclose(hv, H @ v, rtol=1e-12)
    np.testing.assert_allclose(vh, v @ H, rtol=1e-12)


def test_v_none_allowed_for_single_element_input_and_output():
    out, jv = symjvp.jvp(lambda s: np.array([1.0, 2.0]) * s, np.array(3.0))
    np.testing.assert_array_equal(jv, [1.0, 2.0])
    _, g = symjvp.vjp(lambda x: (x * x).sum(), np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g, [2.0, 4.0])


def test_v_none_for_many_elements_is_a_shape_error():
    with pytest.raises(symjvp.ShapeError, match="single element"):
        symjvp.jvp(lambda x: x * 2, np.ones(3))
    with pytest.raises(symjvp.ShapeError, match="single element"):
        symjvp.vjp(lambda x: x * 2, np.ones(3))


def test_results_are_zero_dimensional_arrays_not_scalars():
    out, jv = symjvp.jvp(lambda x: (x * x).sum(), np.ones(3), np.ones(3))
    assert type(out) is np.ndarray and out.shape == ()
    assert type(jv) is np.ndarray and jv.shape == ()


def test_python_float_input_is_a_float64_0d_array():
    out, jv = symjvp.jvp(lambda x: x * x, 3.0, 1.0)
    assert out.dtype == np.float64 and out.shape == () and float(jv) == 6.0


def test_nested_lists_are_one_array():
    out, jv = symjvp.jvp(lambda x: x.sum(axis=1), [[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(out, [3.0, 7.0])
    np.testing.assert_array_equal(jv, [1.0, 1.0])


def test_parameters_with_defaults_keep_their_defaults():
    def scaled(x, scale=3.0):
        return x * scale

    _, jv = symjvp.jvp(scaled, np.ones(2), np.ones(2))
    np.testing.assert_array_equal(jv, [3.0, 3.0])


# ---------------------------------------------------------------- dtypes


def test_float32_in_gives_float32_out():
    x = np.ones(3, dtype=np.float32)
    out, jv = symjvp.jvp(lambda x: np.exp(x) * 2.0, x, np.ones(3, dtype=np.float32))
    assert out.dtype == np.float32 and jv.dtype == np.float32
    np.testing.assert_allclose(jv, 2 * np.e, rtol=1e-6)


def test_float32_with_float64_promotes_to_float64():
    out, jv = symjvp.jvp(lambda x, y: x * y, (np.ones(2, np.float32), np.ones(2)), (np.ones(2), np.ones(2)))
    assert out.dtype == np.float64 and jv.dtype == np.float64


def test_v_is_cast_to_the_dtype_of_its_input():
    _, jv = symjvp.jvp(lambda x: x * 0.5, np.ones(2), np.array([1, 2]))
    assert jv.dtype == np.float64
    np.testing.assert_array_equal(jv, [0.5, 1.0])


@pytest.mark.parametrize("bad", [np.array([1, 2]), np.array([True, False]), np.array([1 + 1j, 2j])])
def test_non_float_inputs_to_differentiate_are_rejected(bad):
    with pytest.raises(symjvp.SymJvpError) as info:
        symjvp.jvp(lambda x: x * 2, bad, np.ones(2))
    assert isinstance(info.value, TypeError)
    assert "float" in str(info.value)


def test_integer_message_says_how_to_convert():
    with pytest.raises(TypeError, match=r"\.astype\(float\)"):
        symjvp.jacobian(lambda x: x * 2, np.arange(3))


def test_inputs_not_differentiated_may_be_integers():
    idx = np.array([2, 0, 1])
    k = symjvp.compile(lambda x, n: x * n, np.ones(3), idx, wrt=0)
    _, jv = k.jvp((np.ones(3), idx), np.ones(3))
    np.testing.assert_array_equal(jv, [2.0, 0.0, 1.0])


# ---------------------------------------------------------------- strict and independence


def test_independent_input_gets_exact_zeros_when_not_strict():
    _, (gx, gy) = symjvp.vjp(lambda x, y: x * 2, (np.ones(2), np.ones(3)), np.ones(2))
    np.testing.assert_array_equal(gy, np.zeros(3))


def test_strict_jvp_raises_for_an_input_no_output_uses():
    with pytest.raises(symjvp.IndependentInputError, match="input 1"):
        symjvp.jvp(lambda x, y: x * 2, (np.ones(2), np.ones(3)), (np.ones(2), np.ones(3)), strict=True)


def test_strict_is_structural_zero_times_y_depends_on_y():
    _, jv = symjvp.jvp(lambda x, y: x + 0 * y, (np.ones(2), np.ones(2)), (np.ones(2), np.ones(2)), strict=True)
    np.testing.assert_array_equal(jv, [1.0, 1.0])


def test_strict_jacobian_raises_per_output_input_pair():
    with pytest.raises(symjvp.IndependentInputError, match="output 1"):
        symjvp.jacobian(lambda x, y: (x * y, x * 2), (np.ones(2), np.ones(2)), strict=True)


def test_strict_hessian_of_a_linear_function_raises():
    with pytest.raises(symjvp.IndependentInputError):
        symjvp.hessian(lambda x: x.sum() * 2, np.ones(3), strict=True)


def test_returning_a_captured_constant_has_zero_jacobian_and_strict_raises():
    c = np.array([1.0, 2.0])
    np.testing.assert_array_equal(symjvp.jacobian(lambda x: c, np.ones(3)), np.zeros((2, 3)))
    with pytest.raises(symjvp.IndependentInputError):
        symjvp.jacobian(lambda x: c, np.ones(3), strict=True)


# ---------------------------------------------------------------- kinks follow torch


def test_abs_derivative_at_zero_is_zero():
    np.testing.assert_array_equal(symjvp.jacobian(np.abs, np.array([0.0, -2.0, 3.0])), np.diag([0.0, -1.0, 1.0]))


def test_maximum_and_minimum_ties_share_the_derivative():
    (Jx, Jy) = symjvp.jacobian(np.maximum, (np.array([1.0, 2.0]), np.array([1.0, 0.0])))
    np.testing.assert_array_equal(np.diag(Jx), [0.5, 1.0])
    np.testing.assert_array_equal(np.diag(Jy), [0.5, 0.0])
    (Jx, Jy) = symjvp.jacobian(np.minimum, (np.array([1.0]), np.array([1.0])))
    assert Jx[0, 0] == Jy[0, 0] == 0.5


def test_max_reduction_ties_share_the_derivative():
    J = symjvp.jacobian(lambda x: x.max(), np.array([3.0, 1.0, 3.0]))
    np.testing.assert_array_equal(J, [0.5, 0.0, 0.5])


def test_relu_derivative_at_zero_is_half_like_maximum():
    J = symjvp.jacobian(lambda x: np.maximum(x, 0.0), np.array([0.0, 1.0, -1.0]))
    np.testing.assert_array_equal(np.diag(J), [0.5, 1.0, 0.0])


def test_where_differentiates_the_branch_it_takes():
    J = symjvp.jacobian(lambda x: np.where(x > 0, x * x, 3 * x), np.array([2.0, -1.0, 0.0]))
    np.testing.assert_array_equal(np.diag(J), [4.0, 3.0, 3.0])


def test_clip_passes_the_derivative_at_its_bounds():
    J = symjvp.jacobian(lambda x: np.clip(x, -1.0, 1.0), np.array([-1.0, 1.0, 0.0, 2.0, -3.0]))
    np.testing.assert_array_equal(np.diag(J), [1.0, 1.0, 1.0, 0.0, 0.0])


# ---------------------------------------------------------------- compile, wrt, shapes


def test_compile_with_spec_and_wrt_tuple_gives_tuple_v():
    k = symjvp.compile(lambda a, b, c: a * b + c, symjvp.Spec((3,)), symjvp.Spec((3,)), symjvp.Spec((3,)), wrt=(0,))
    a, b, c = rng.random(3), rng.random(3), rng.random(3)
    out, jv = k.jvp((a, b, c), (np.ones(3),))
    np.testing.assert_allclose(out, a * b + c)
    np.testing.assert_allclose(jv, b)
    _, g = k.vjp((a, b, c), np.ones(3))
    assert isinstance(g, tuple) and len(g) == 1
    np.testing.assert_allclose(k(a, b, c), a * b + c)


def test_wrt_int_means_v_is_one_array():
    k = symjvp.compile(lambda a, b: a * b, np.ones(2), np.ones(2), wrt=1)
    with pytest.raises(symjvp.ShapeError, match="one array"):
        k.jvp((np.ones(2), np.ones(2)), (np.ones(2), np.ones(2)))


@pytest.mark.parametrize("wrt", [2, -3, (0, 5)])
def test_out_of_range_wrt_is_a_value_error(wrt):
    with pytest.raises(symjvp.SymJvpError) as info:
        symjvp.compile(lambda a, b: a * b, np.ones(2), np.ones(2), wrt=wrt)
    assert isinstance(info.value, ValueError)


def test_compiled_function_specializes_again_for_other_shapes():
    k = symjvp.compile(lambda x: np.exp(x).sum(axis=-1), np.ones((2, 3)))
    x = rng.random((4, 5))
    out, jv = k.jvp(x, np.ones((4, 5)))
    np.testing.assert_allclose(out, np.exp(x).sum(axis=-1))
    np.testing.assert_allclose(jv, out)


def test_source_of_every_kind_is_python():
    k = symjvp.compile(lambda x: np.tanh(x) * 2, np.ones(3))
    for kind in ("primal", "jvp", "vjp", "jacobian"):
        source = k.source(kind)
        compile(source, "<generated>", "exec")
        assert "def " in source


# ---------------------------------------------------------------- caching


def test_second_call_with_new_values_does_not_retrace(monkeypatch):
    import symjvp.trace as tracing

    traces, real_trace = [], tracing.trace
    monkeypatch.setattr(tracing, "trace", lambda *a, **k: traces.append(1) or real_trace(*a, **k))

    def f(x):
        return np.sin(x) * 2

    symjvp.jvp(f, rng.random(3), np.ones(3))
    after_first = len(traces)
    symjvp.jvp(f, rng.random(3), np.ones(3))
    symjvp.vjp(f, rng.random(3), np.ones(3))
    assert after_first <= 1 and len(traces) == after_first


def test_second_call_reuses_the_compiled_kernel():
    def f(x):
        return np.cos(x).sum()

    symjvp.jvp(f, rng.random(3), np.ones(3))
    program = symjvp.api._compiled(f, (rng.random(3),))._default.program("jvp")
    kernel = program.fn
    symjvp.jvp(f, rng.random(3), np.ones(3))
    assert program.fn is kernel


def test_lambda_recreated_in_a_loop_hits_the_cache():
    symjvp.clear_cache()
    compiled = set()
    for scale in (2.0, 2.0, 2.0):
        symjvp.jvp(lambda x: x * scale, np.ones(2), np.ones(2))
        compiled.add(len(symjvp.api._cache))
    assert compiled == {1}


def test_changed_captured_array_is_never_used_stale():
    weights = np.array([1.0, 2.0])

    def f(x):
        return x * weights

    _, first = symjvp.jvp(f, np.ones(2), np.ones(2))
    weights = np.array([5.0, 7.0])  # noqa: F841  (read by f through its closure)
    _, second = symjvp.jvp(f, np.ones(2), np.ones(2))
    np.testing.assert_array_equal(first, [1.0, 2.0])
    np.testing.assert_array_equal(second, [5.0, 7.0])


def test_changed_captured_scalar_is_never_used_stale():
    results = []
    for scale in (2.0, 3.0):
        results.append(symjvp.jvp(lambda x: x * scale, np.ones(1), np.ones(1))[1][0])
    assert results == [2.0, 3.0]


def _quadratic_rates(y):
    return np.array([y[0] * y[1], y[1] ** 2 - y[2], 3.0 * y[2]])


def _quadratic_rates_jacobian(y):
    return np.array([[y[1], y[0], 0.0], [0.0, 2 * y[1], -1.0], [0.0, 0.0, 3.0]])


@pytest.fixture(scope="module")
def warm_rates_kernel():
    """A compiled function whose jacobian already took the thin path for repeated calls."""
    k = symjvp.compile(_quadratic_rates, np.ones(3))
    for _ in range(2):
        k.jacobian(np.ones(3))
    return k


def test_repeated_jacobian_calls_give_fresh_arrays(warm_rates_kernel):
    first = warm_rates_kernel.jacobian(np.array([1.0, 2.0, 3.0]))
    second = warm_rates_kernel.jacobian(np.array([4.0, 5.0, 6.0]))
    np.testing.assert_array_equal(first, _quadratic_rates_jacobian([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(second, _quadratic_rates_jacobian([4.0, 5.0, 6.0]))


def test_after_repeated_calls_a_strided_input_is_still_read_correctly(warm_rates_kernel):
    strided = np.array([1.0, 0.0, 2.0, 0.0, 3.0, 0.0])[::2]
    np.testing.assert_array_equal(warm_rates_kernel.jacobian(strided), _quadratic_rates_jacobian([1.0, 2.0, 3.0]))


def test_after_repeated_calls_other_dtypes_and_lists_are_still_validated(warm_rates_kernel):
    np.testing.assert_array_equal(warm_rates_kernel.jacobian([1.0, 2.0, 3.0]), _quadratic_rates_jacobian([1, 2, 3]))
    with pytest.raises(TypeError, match="float"):
        warm_rates_kernel.jacobian(np.array([1, 2, 3]))


def test_after_repeated_calls_another_shape_gets_its_own_kernel(warm_rates_kernel):
    longer = warm_rates_kernel.jacobian(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(longer[:, :3], _quadratic_rates_jacobian([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(longer[:, 3], 0.0)
    np.testing.assert_array_equal(warm_rates_kernel.jacobian(np.ones(3)), _quadratic_rates_jacobian([1, 1, 1]))


# ---------------------------------------------------------------- the public surface


def test_public_methods_take_no_private_parameters_and_explain_v():
    import inspect

    k = symjvp.compile(lambda x: x * 2, np.ones(2))
    for name in ("jvp", "vjp", "jacobian", "hessian", "hvp", "vhp"):
        signature = inspect.signature(getattr(k, name))
        assert not any(p.startswith("_") for p in signature.parameters), (name, signature)
        assert getattr(k, name).__doc__, name
    assert "shaped like the output" in k.vjp.__doc__ and "shaped like the differentiated inputs" in k.jvp.__doc__


def test_the_repr_shows_the_signature_and_the_kernels_built():
    k = symjvp.compile(lambda x, w: (x @ w).sum(), np.ones((3, 2)), np.ones(2), wrt=1)
    assert "x: (3, 2) float64, w: (2,) float64" in repr(k) and "nothing yet" in repr(k)
    k.jvp((np.ones((3, 2)), np.ones(2)), np.ones(2))
    assert "built: jvp" in repr(k)


def test_the_package_declares_its_type_hints():
    import pathlib

    assert (pathlib.Path(symjvp.__file__).parent / "py.typed").exists()


@pytest.mark.parametrize("inputs", [np.ones(2), [np.ones(2), np.ones(2)]], ids=["one array", "a list"])
def test_too_few_inputs_is_an_argument_error_showing_the_tuple_to_pass(inputs):
    with pytest.raises(symjvp.ArgumentError, match=r"tuple \(x, y\)"):
        symjvp.jvp(lambda x, y: x * y, inputs, np.ones(2))


def test_the_cache_command_shows_prunes_and_clears(tmp_path, monkeypatch, capsys):
    from symjvp.cli import main
    from symjvp.runtime import compiled

    monkeypatch.setenv("SYMJVP_CACHE_DIR", str(tmp_path))
    compiled.reset_disk_cache()
    try:
        symjvp.jvp(lambda x: np.sin(x) * 0.625, np.ones(2), np.ones(2))
        assert main(["cache"]) == 0 and " 0 entries" not in capsys.readouterr().out
        assert main(["cache", "--older-than", "1"]) == 0 and "removed 0 entries" in capsys.readouterr().out
        assert main(["cache", "--clear"]) == 0 and capsys.readouterr().out.endswith(" 0 entries, 0.0 MiB\n")
    finally:
        compiled.reset_disk_cache()


def test_a_long_compile_says_what_it_is_doing_on_stderr_unless_silenced(tmp_path):
    import os
    import subprocess
    import sys

    script = "import numpy as np, symjvp; symjvp.jvp(lambda x: np.sin(x) * 1.25, np.ones(2), np.ones(2))"

    def stderr(verbose):
        env = dict(os.environ, SYMJVP_CACHE_DIR=str(tmp_path / verbose), SYMJVP_VERBOSE=verbose)
        return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env).stderr

    assert "symjvp: lowering and printing the jvp kernel of <lambda>(x: (2,) float64)" in stderr("1")
    assert "symjvp:" not in stderr("0")
