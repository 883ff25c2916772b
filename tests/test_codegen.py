"""What the generated kernels look like: fused loops, arguments not literals, parallel only when large."""

import re

import numpy as np
import pytest

import symjvp
from symjvp import tuning


def exp_row_sums(x):
    return np.exp(x).sum(axis=1)


@pytest.fixture(scope="module")
def exp_reducer_jvp_source():
    return symjvp.compile(exp_row_sums, symjvp.Spec((2000, 2000))).source("jvp", complete=False)


def test_exp_reducer_jvp_is_one_fused_loop_nest(exp_reducer_jvp_source):
    source = exp_reducer_jvp_source
    assert len(re.findall(r"^    for ", source, re.M)) == 1, source
    assert len(re.findall(r"^        for r0 in range\(", source, re.M)) == 1, source


def test_exp_reducer_jvp_allocates_only_its_outputs(exp_reducer_jvp_source):
    allocations = re.findall(r"np\.empty\((\d+)", exp_reducer_jvp_source)
    assert allocations == ["2000", "2000"]


def test_exp_reducer_jvp_computes_exp_once_per_element(exp_reducer_jvp_source):
    assert exp_reducer_jvp_source.count("exp(") == 1


def test_large_kernels_run_the_outer_loop_in_parallel(exp_reducer_jvp_source):
    assert "for i0 in prange(2000)" in exp_reducer_jvp_source


def test_small_kernels_stay_on_one_thread():
    source = symjvp.compile(exp_row_sums, np.ones((4, 4))).source("jvp", complete=False)
    assert "prange" not in source
    assert tuning.PARALLEL_MIN_TRIPS > 16


def test_captured_arrays_are_arguments_not_literals():
    weights = np.array([0.123456789, 9.87654321, 5.5])
    source = symjvp.compile(lambda x: x * weights, np.ones(3)).source("primal", complete=False)
    assert "0.123456789" not in source and "9.87654321" not in source
    assert re.search(r"def primal_kernel\(x, const0\)", source)


def test_captured_scalars_are_exact_literals():
    third = 1 / 3
    source = symjvp.compile(lambda x: x * third, np.ones(3)).source("primal", complete=False)
    assert repr(third) in source


def test_lorenz96_kernel_has_no_temporaries_and_no_modulo():
    source = symjvp.compile(lorenz96, np.ones(40)).source("jvp", complete=False)
    assert re.findall(r"np\.empty\((\d+)", source) == ["40", "40"]
    assert "%" not in source


def test_header_names_the_function_and_shapes():
    source = symjvp.compile(exp_row_sums, np.ones((3, 2))).source("vjp", complete=False)
    assert source.startswith("# symjvp vjp kernel of exp_row_sums(x: (3, 2) float64)")


def test_user_names_that_clash_with_generated_names_are_renamed():
    def f(np_, out0, t0, inv0):
        return np_ * out0 + t0 * inv0

    source = symjvp.compile(f, np.ones(2), np.ones(2), np.ones(2), np.ones(2)).source("primal", complete=False)
    assert "def primal_kernel(np_, out0_, t0_, inv0_)" in source


def test_unrolled_and_looped_kernels_give_the_same_jacobian(monkeypatch):
    """Index tests in unrolled code stay integer (a SymPy Eq once turned them into fractions)."""
    x = np.random.default_rng(0).random((3, 3))

    def padded(x):
        return np.pad(x, 1)[1:-1, :-2] * np.tril(x)

    monkeypatch.setattr(tuning, "UNROLL_MAX_OPERATIONS", 0)
    looped = symjvp.Compiled(padded, x, disk_cache=False).jacobian(x)
    monkeypatch.setattr(tuning, "UNROLL_MAX_OPERATIONS", 10**9)
    unrolled = symjvp.Compiled(padded, x, disk_cache=False).jacobian(x)
    np.testing.assert_array_equal(unrolled, looped)
    assert looped[2, 2, 2, 1] == x[2, 2]


def lorenz96(u):
    return (np.roll(u, -1) - np.roll(u, 2)) * np.roll(u, 1) - u + 8.0


def _loop_blocks(source):
    """{comment: body} of the top-level loops of a kernel source."""
    blocks = re.split(r"^    # ", source, flags=re.M)[1:]
    return {block.splitlines()[0]: block for block in blocks}


def test_rolled_loops_have_an_interior_without_index_tests():
    source = symjvp.compile(lorenz96, symjvp.Spec((400,))).source("jvp", complete=False)
    interior = _loop_blocks(source)["interior iterations: index tests decided"]
    assert " if " not in interior, interior
    assert "for i0 in range(3, 399):" in interior


def test_split_loops_cover_every_iteration_once():
    source = symjvp.compile(lorenz96, symjvp.Spec((400,))).source("vjp", complete=False)
    bounds = re.findall(r"^    for i0 in p?range\((?:(\d+), )?(\d+)\)", source, re.M)
    ranges = [(int(first or 0), int(stop)) for first, stop in bounds]
    assert sorted(ranges)[0][0] == 0 and sorted(ranges)[-1][1] == 400
    assert all(a[1] == b[0] for a, b in zip(sorted(ranges), sorted(ranges)[1:])), ranges


def _stencils(u):
    padded = np.pad(u, 2)
    return np.roll(u, 3) * np.concatenate([u[5:], u[:5] ** 2]) + padded[4:] - padded[:-4] * np.roll(u, -7)


def test_split_and_unsplit_kernels_agree(monkeypatch):
    u, v = np.random.default_rng(3).random((2, 120))  # longer than an unrolled nest
    split = symjvp.Compiled(_stencils, u, disk_cache=False)
    assert "interior" in split.source("jvp", complete=False) and "interior" in split.source("vjp", complete=False)
    monkeypatch.setattr(tuning, "SPLIT_MIN_TRIPS", 10**9)
    unsplit = symjvp.Compiled(_stencils, u, disk_cache=False)
    assert "interior" not in unsplit.source("jvp", complete=False) + unsplit.source("vjp", complete=False)
    # The terms may be summed in another order (contracted multiply-adds), hence not bit-equal.
    np.testing.assert_allclose(split.jvp(u, v)[1], unsplit.jvp(u, v)[1], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(split.vjp(u, v)[1], unsplit.vjp(u, v)[1], rtol=1e-13, atol=1e-15)


def test_large_buffers_are_allocated_by_the_caller():
    source = symjvp.compile(exp_row_sums, symjvp.Spec((2000, 2000))).source("vjp", complete=False)
    assert "\ndef vjp_kernel(x, u, out1):" in source
    assert re.findall(r"np\.empty\((\d+)", source) == ["2000"]


def test_caller_allocated_buffers_give_the_same_results(monkeypatch):
    x, v = np.random.default_rng(4).random((2, 5, 7))
    expected = symjvp.Compiled(exp_row_sums, x, disk_cache=False).vjp(x, v[:, 0])
    monkeypatch.setattr(tuning, "CALLER_ALLOCATES_BYTES", 0)
    passed_in = symjvp.Compiled(exp_row_sums, x, disk_cache=False)
    assert "def vjp_kernel(x, u, out0, out1):" in passed_in.source("vjp", complete=False)
    np.testing.assert_array_equal(passed_in.vjp(x, v[:, 0])[1], expected[1])
    np.testing.assert_array_equal(passed_in.vjp(x, v[:, 0])[0], expected[0])


def logistic(X, w):
    return 1.0 / (1.0 + np.exp(-(X @ w)))


def logistic_gradient(X, w, u):
    s = logistic(X, w)
    return X.T @ (u * s * (1 - s))


@pytest.fixture
def logistic_with_scratch(monkeypatch):
    """seed 003's vjp w.r.t. w, its temporary of one value per row passed in by the caller."""
    monkeypatch.setattr(tuning, "CALLER_ALLOCATES_BYTES", 0)
    X, w = np.random.default_rng(8).standard_normal((20000, 2)), np.array([0.3, -0.7])
    k = symjvp.Compiled(logistic, X, w, wrt=1, disk_cache=False)
    program = k._default.program("vjp")
    assert any(not returned for *_, returned in program.buffers), program.buffers
    return k, program, X, w


def test_a_scratch_buffer_is_taken_over_by_the_next_call(logistic_with_scratch):
    k, program, X, w = logistic_with_scratch
    k.vjp((X, w), np.ones(20000))
    (scratch,) = program._scratch[0]
    u = np.linspace(-1, 1, 20000)
    np.testing.assert_allclose(k.vjp((X, w), u)[1], logistic_gradient(X, w, u), rtol=1e-12)
    assert program._scratch[0][0] is scratch


def test_concurrent_calls_each_get_their_own_scratch_buffer(logistic_with_scratch):
    from concurrent.futures import ThreadPoolExecutor

    k, _, X, w = logistic_with_scratch
    cotangents = np.random.default_rng(9).standard_normal((64, 20000))
    with ThreadPoolExecutor(4) as pool:
        gradients = list(pool.map(lambda u: k.vjp((X, w), u)[1], cotangents))
    for u, gradient in zip(cotangents, gradients):
        np.testing.assert_allclose(gradient, logistic_gradient(X, w, u), rtol=1e-12)


def test_reused_scratch_that_must_start_at_zero_is_zeroed_again():
    from symjvp.runtime.program import KernelProgram

    layout = {"arguments": [], "temporaries": [[4, "float64", True, True, None]], "returns": [], "name": "k"}
    program = KernelProgram("k", "", False, [], [], [], [], layout)
    leftover = np.ones(4)
    (given,) = program.after_inputs([leftover])
    assert given is leftover and not given.any()


def test_small_jacobian_of_captured_tables_is_straight_line_without_zeros():
    from mass_action import mass_action
    from oracles import central_difference_jvp

    y = np.random.default_rng(6).uniform(0.5, 1.5, 20)
    k = symjvp.compile(mass_action, y)
    source = k.source("jacobian", complete=False)
    J = k.jacobian(y)
    assert "for " not in source and "table" not in source and "const" not in source
    assert len(re.findall(r"^    out0\[\d+\] = ", source, re.M)) == np.count_nonzero(J)
    e = np.eye(20)[7]
    np.testing.assert_allclose(J @ e, central_difference_jvp(mass_action, [y], [e]), rtol=1e-6, atol=1e-8)


def test_negative_powers_of_zero_are_infinite_as_in_numpy():
    x = np.array([0.0, 2.0])
    with np.errstate(divide="ignore"):
        expected = x**-2
    np.testing.assert_array_equal(symjvp.compile(lambda x: x**-2, x)(x), expected)


def sin_of_row_sums_times_x(X):
    return np.sin(X.sum(axis=1))[:, None] * X


def _indent_of(source, fragment):
    line = next(line for line in source.splitlines() if fragment in line)
    return len(line) - len(line.lstrip())


def test_what_depends_only_on_the_row_is_computed_once_per_row():
    source = symjvp.compile(sin_of_row_sums_times_x, symjvp.Spec((50, 100))).source("jvp", complete=False)
    assert source.count("fast_cos(") == 1
    assert _indent_of(source, "fast_cos(") < _indent_of(source, "for i1 in range(") + 4, source


def test_hoisted_kernels_give_the_finite_difference_derivative():
    rng = np.random.default_rng(0)
    X, V = rng.random((50, 100)), rng.random((50, 100))
    _, jv = symjvp.jvp(sin_of_row_sums_times_x, X, V)
    eps = 1e-6
    expected = (sin_of_row_sums_times_x(X + eps * V) - sin_of_row_sums_times_x(X - eps * V)) / (2 * eps)
    np.testing.assert_allclose(jv, expected, rtol=1e-6, atol=1e-8)


def test_reads_of_a_buffer_the_nest_writes_are_not_moved():
    import sympy as sp

    from symjvp.codegen.hoisting import Schedule
    from symjvp.lower.kernel_ir import Nest

    i0, i1, t0 = sp.symbols("i0 i1 t0")
    out, x = sp.IndexedBase("out"), sp.IndexedBase("x")
    nest = Nest(
        outer=[(i0, 10), (i1, 10)],
        assignments=[(t0, out[i0] * 2)],
        stores=[("out", 10 * i0 + i1, t0 + x[i0], True)],
    )
    schedule = Schedule(nest, iter(range(100)))
    assert schedule.assignments == [(t0, out[i0] * 2)]
    assert schedule.levels[1] == [("assign", sp.Symbol("inv0"), x[i0])]


@pytest.mark.parametrize("product", ["S @ y", "y @ S.T"])
def test_a_sparse_captured_matrix_is_multiplied_by_its_non_zeros_on_either_side(product):
    S = np.zeros((20, 30))
    S[np.arange(20), np.arange(20)] = 1.0
    y = np.linspace(0.1, 1.0, 30)
    f = {"S @ y": lambda y: np.tanh(S @ y), "y @ S.T": lambda y: np.tanh(y @ S.T)}[product]
    source = symjvp.compile(f, y).source("primal", complete=False)
    assert "table0" in source and "range(20)" in source and "range(30)" not in source, source


def test_a_reduction_reads_each_row_through_a_view_taken_outside_its_loop():
    source = symjvp.compile(exp_row_sums, symjvp.Spec((50, 300))).source("jvp", complete=False)
    assert "inv0 = x[300*i0:300*i0 + 300]" in source
    assert "fast_exp(inv0[np.uintp(r0)])" in source
    assert _indent_of(source, "inv0 = x[") < _indent_of(source, "fast_exp(")


def test_a_loop_over_rows_read_through_views_runs_to_the_length_of_a_view():
    # A constant trip count let LLVM unroll the seed jvp's row loop until it spilled vector registers.
    source = symjvp.compile(exp_row_sums, symjvp.Spec((50, 300))).source("jvp", complete=False)
    assert "for r0 in range(inv0.shape[0])" in source
    assert "range(300)" not in source


def shifted_rows_times_sine(X):
    return np.roll(X, 1, axis=1) * np.sin(X)


def test_rows_read_through_views_in_split_loops_give_the_finite_difference_derivative():
    rng = np.random.default_rng(1)
    X, V = rng.random((5, 200)), rng.random((5, 200))
    source = symjvp.compile(shifted_rows_times_sine, X).source("jvp", complete=False)
    assert re.search(r"for i1 in range\(2, 2 \+ inv\d+\.shape\[0\]\)", source) and "[np.uintp(i1 - 2)]" in source
    out, jv = symjvp.jvp(shifted_rows_times_sine, X, V)
    eps = 1e-6
    expected = (shifted_rows_times_sine(X + eps * V) - shifted_rows_times_sine(X - eps * V)) / (2 * eps)
    np.testing.assert_allclose(out, shifted_rows_times_sine(X), rtol=1e-15)
    np.testing.assert_allclose(jv, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("trips, viewed", [(4, False), (40, True)])
def test_only_long_innermost_loops_read_rows_through_views(trips, viewed):
    import sympy as sp

    from symjvp.codegen.hoisting import Schedule
    from symjvp.lower.kernel_ir import Nest

    assert 4 < tuning.VIEW_MIN_TRIPS <= 40
    i0, i1 = sp.symbols("i0 i1")
    x = sp.IndexedBase("x")
    nest = Nest(outer=[(i0, 10), (i1, trips)], stores=[("out", trips * i0 + i1, 2 * x[trips * i0 + i1], False)])
    schedule = Schedule(nest, iter(range(100)))
    views = [entry for entry in schedule.levels[1] if entry[0] == "view"]
    assert bool(views) == viewed
