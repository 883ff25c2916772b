"""What the generated kernels look like: fused loops, arguments not literals, parallel only when large."""

import re

import numpy as np
import pytest

import symjvp
from symjvp.lower import lowering


def exp_row_sums(x):
    return np.exp(x).sum(axis=1)


@pytest.fixture(scope="module")
def exp_reducer_jvp_source():
    return symjvp.compile(exp_row_sums, symjvp.Spec((2000, 2000))).source("jvp")


def test_exp_reducer_jvp_is_one_fused_loop_nest(exp_reducer_jvp_source):
    source = exp_reducer_jvp_source
    assert len(re.findall(r"^    for ", source, re.M)) == 1, source
    assert source.count("for r0 in range(2000)") == 1


def test_exp_reducer_jvp_allocates_only_its_outputs(exp_reducer_jvp_source):
    allocations = re.findall(r"np\.empty\((\d+)", exp_reducer_jvp_source)
    assert allocations == ["2000", "2000"]


def test_exp_reducer_jvp_computes_exp_once_per_element(exp_reducer_jvp_source):
    assert exp_reducer_jvp_source.count("exp(") == 1


def test_large_kernels_run_the_outer_loop_in_parallel(exp_reducer_jvp_source):
    assert "for i0 in prange(2000)" in exp_reducer_jvp_source


def test_small_kernels_stay_on_one_thread():
    source = symjvp.compile(exp_row_sums, np.ones((4, 4))).source("jvp")
    assert "prange" not in source
    assert lowering.PARALLEL_MIN_TRIPS > 16


def test_captured_arrays_are_arguments_not_literals():
    weights = np.array([0.123456789, 9.87654321, 5.5])
    source = symjvp.compile(lambda x: x * weights, np.ones(3)).source("primal")
    assert "0.123456789" not in source and "9.87654321" not in source
    assert re.search(r"def primal_kernel\(x, const0\)", source)


def test_captured_scalars_are_exact_literals():
    third = 1 / 3
    source = symjvp.compile(lambda x: x * third, np.ones(3)).source("primal")
    assert repr(third) in source


def test_lorenz96_kernel_has_no_temporaries_and_no_modulo():
    def lorenz96(u):
        return (np.roll(u, -1) - np.roll(u, 2)) * np.roll(u, 1) - u + 8.0

    source = symjvp.compile(lorenz96, np.ones(40)).source("jvp")
    assert re.findall(r"np\.empty\((\d+)", source) == ["40", "40"]
    assert "%" not in source


def test_header_names_the_function_and_shapes():
    source = symjvp.compile(exp_row_sums, np.ones((3, 2))).source("vjp")
    assert source.startswith("# symjvp vjp kernel of exp_row_sums(x: (3, 2) float64)")


def test_user_names_that_clash_with_generated_names_are_renamed():
    def f(np_, out0, t0):
        return np_ * out0 + t0

    source = symjvp.compile(f, np.ones(2), np.ones(2), np.ones(2)).source("primal")
    assert "def primal_kernel(np_, out0_, t0_)" in source


def test_unrolled_and_looped_kernels_give_the_same_jacobian(monkeypatch):
    """Index tests in unrolled code stay integer (a SymPy Eq once turned them into fractions)."""
    x = np.random.default_rng(0).random((3, 3))

    def padded(x):
        return np.pad(x, 1)[1:-1, :-2] * np.tril(x)

    monkeypatch.setattr(lowering, "UNROLL_MAX_OPERATIONS", 0)
    looped = symjvp.Compiled(padded, x, disk_cache=False).jacobian(x)
    monkeypatch.setattr(lowering, "UNROLL_MAX_OPERATIONS", 10**9)
    unrolled = symjvp.Compiled(padded, x, disk_cache=False).jacobian(x)
    np.testing.assert_array_equal(unrolled, looped)
    assert looped[2, 2, 2, 1] == x[2, 2]
