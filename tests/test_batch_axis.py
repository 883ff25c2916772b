"""A batch axis (``Spec((None, 3))``): one kernel for every length of it, right at every length."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import symjvp
from bundle_adjustment import reprojection
from oracles import central_difference_jvp, inner
from symjvp.runtime import compiled as compiled_module

Spec = symjvp.Spec
rng = np.random.default_rng(0)


def rows(x):
    return np.sin(x).sum(axis=1) * x[:, 0]


def layer(X, w):
    """Seed 003: one output per sample; with respect to w, its vjp sums over the samples."""
    return 1 / (1 + np.exp(-(X @ w)))


#: name -> (function, declared input shapes, wrt): each compiled once for the module.
CASES = {
    "rows": (rows, [(None, 3)], None),
    "seed 003 wrt w": (layer, [(None, 2), (2,)], 1),
    "mean over the batch": (lambda x: np.mean(x**2, axis=0), [(None, 3)], None),
    "roll along the batch": (lambda x: np.roll(x, 1, axis=0) * x, [(None, 3)], None),
    "diff along the batch": (lambda x: np.diff(x, axis=0) ** 2, [(None, 3)], None),
    "Gram matrix": (lambda x: np.tanh(x.T @ x), [(None, 3)], None),
    "batch as the last axis": (lambda x: np.exp(x).sum(axis=0), [(3, None)], None),
    "divided by len(x)": (lambda x: x.sum(axis=0) / len(x), [(None, 3)], None),
    "first and last rows": (lambda x: x[-1] * x[0], [(None, 3)], None),
    "flattened": (lambda x: np.sin(x.reshape(-1)), [(None, 3)], None),
}


@pytest.fixture(scope="module")
def compiled():
    made = {}
    for name, (f, shapes, wrt) in CASES.items():
        made[name] = symjvp.compile(f, *[Spec(s) for s in shapes], wrt=wrt)
    return made


def _inputs(shapes, n):
    return tuple(rng.standard_normal(tuple(n if d is None else d for d in s)) for s in shapes)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("n", [9, 40])
def test_jvp_matches_central_differences_at_every_length(compiled, name, n):
    f, shapes, wrt = CASES[name]
    k = compiled[name]
    xs = _inputs(shapes, n)
    position = 0 if wrt is None else wrt
    v = rng.standard_normal(xs[position].shape)
    out, jv = k.jvp(xs if len(xs) > 1 else xs[0], v)
    vs = [np.zeros_like(x) for x in xs]
    vs[position] = v
    np.testing.assert_allclose(out, f(*xs), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jv, central_difference_jvp(f, xs, vs), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", CASES)
def test_vjp_is_the_adjoint_of_jvp_at_every_length(compiled, name):
    _, shapes, wrt = CASES[name]
    k = compiled[name]
    for n in (6, 31):
        xs = _inputs(shapes, n)
        arguments = xs if len(xs) > 1 else xs[0]
        v = rng.standard_normal(xs[0 if wrt is None else wrt].shape)
        out, jv = k.jvp(arguments, v)
        u = rng.standard_normal(np.shape(out))
        _, uj = k.vjp(arguments, u)
        assert inner(u, jv) == pytest.approx(inner(uj, v), rel=1e-10, abs=1e-12)


def test_a_new_batch_length_compiles_nothing(compiled):
    k = compiled["rows"]
    k.jvp(rng.standard_normal((5, 3)), np.ones((5, 3)))
    programs = dict(compiled_module._PROGRAMS)
    for n in (1, 2, 17, 1000):
        x = rng.standard_normal((n, 3))
        out, _ = k.jvp(x, np.ones((n, 3)))
        np.testing.assert_allclose(out, rows(x), rtol=1e-13)
    assert compiled_module._PROGRAMS == programs
    assert len(k._specializations) == 1 and not k._per_length


def test_the_kernel_reads_the_batch_length_from_its_input(compiled):
    source = compiled["rows"].source("jvp", complete=False)
    assert "n_batch = x.shape[0]" in source
    assert "prange(n_batch)" in source


def test_an_empty_batch_gives_empty_results(compiled):
    out, jv = compiled["rows"].jvp(np.empty((0, 3)), np.empty((0, 3)))
    assert out.shape == (0,) and jv.shape == (0,)


def test_seed_003_gradient_sums_over_every_sample(compiled):
    X, w = rng.standard_normal((500, 2)), rng.standard_normal(2)
    _, g = compiled["seed 003 wrt w"].vjp((X, w), np.ones(500))
    s = layer(X, w)
    np.testing.assert_allclose(g, X.T @ (s * (1 - s)), rtol=1e-12)


@given(st.integers(min_value=1, max_value=64))
def test_rows_are_right_at_any_length(n):
    k = symjvp.compile(rows, Spec((None, 3)))
    x = np.linspace(-2, 2, 3 * n).reshape(n, 3)
    out, jv = k.jvp(x, np.ones((n, 3)))
    np.testing.assert_allclose(out, rows(x), rtol=1e-13)
    np.testing.assert_allclose(jv, central_difference_jvp(rows, [x], [np.ones((n, 3))]), rtol=1e-6, atol=1e-8)


def test_a_batch_shorter_than_its_slices_need_gets_its_own_kernel():
    def f(x):
        return x[:2] * x[1:3]

    k = symjvp.compile(f, Spec((None, 3)))
    x = rng.standard_normal((8, 3))
    np.testing.assert_allclose(k(x), f(x))
    short = rng.standard_normal((2, 3))
    with pytest.warns(symjvp.BatchLengthWarning, match="from 3 on"):
        np.testing.assert_allclose(k(short), f(short))


def test_an_unbiased_variance_divides_by_the_batch_length_less_one(compiled):
    k = symjvp.compile(lambda x: np.var(x, axis=0, ddof=1), Spec((None, 3)))
    for n in (5, 9):
        x = rng.standard_normal((n, 3))
        np.testing.assert_allclose(k(x), np.var(x, axis=0, ddof=1), rtol=1e-12)
    assert "n_batch - 1" in k.source("primal", complete=False)


def test_a_constant_as_long_as_the_batch_compiles_per_length_with_a_warning():
    def weighted(x):
        return x * np.arange(len(x))[:, None]

    k = symjvp.compile(weighted, Spec((None, 3)))
    x = rng.standard_normal((5, 3))
    with pytest.warns(symjvp.BatchLengthWarning, match="compiled for each batch length"):
        np.testing.assert_allclose(k(x), weighted(x), rtol=1e-14)
    x = rng.standard_normal((9, 3))
    np.testing.assert_allclose(k(x), weighted(x), rtol=1e-14)


def test_a_python_loop_over_the_batch_axis_compiles_per_length():
    def f(x):
        return sum(row * row for row in x)

    with pytest.warns(symjvp.BatchLengthWarning, match="Python loop over the batch axis"):
        k = symjvp.compile(f, Spec((None, 3)))
        x = rng.standard_normal((4, 3))
        np.testing.assert_allclose(k(x), f(x))


def test_a_non_batch_axis_of_the_wrong_length_is_a_shape_error(compiled):
    with pytest.raises(symjvp.ShapeError, match=r"compiled for x: \(None, 3\) float64.*got x: \(5, 4\) float64"):
        compiled["rows"](np.ones((5, 4)))


def test_every_none_is_the_same_length():
    k = symjvp.compile(lambda a, b: a * b, Spec((None,)), Spec((None,)))
    np.testing.assert_allclose(k(np.arange(3.0), np.arange(3.0)), np.arange(3.0) ** 2)
    with pytest.raises(symjvp.ShapeError, match="None: any length, the same for every None"):
        k(np.ones(3), np.ones(4))


def test_spec_rejects_other_placeholders():
    with pytest.raises(symjvp.ArgumentError, match="or None for the batch axis"):
        Spec((-1, 3))


def test_the_dense_jacobian_of_a_batch_compiles_for_its_length(compiled):
    x = rng.standard_normal((4, 3))
    with pytest.warns(symjvp.BatchLengthWarning, match="batch axis on both sides"):
        J = compiled["rows"].jacobian(x)
    assert J.shape == (4, 4, 3)
    np.testing.assert_allclose(J, symjvp.jacobian(rows, x), rtol=1e-14)


def test_vmapped_per_point_jacobians_run_at_every_length():
    shapes = [(None, 11), (None, 3), (None,), (None, 2)]
    k = symjvp.compile(symjvp.vmap(reprojection), *[Spec(s) for s in shapes], wrt=(0, 1))
    for n in (3, 20):
        cam = rng.standard_normal((n, 11))
        cam[:, 6] = 500.0
        xs = (cam, rng.standard_normal((n, 3)) + [0, 0, 5], rng.random(n), rng.standard_normal((n, 2)))
        J = k.jacobian(xs)
        fixed = symjvp.compile(symjvp.vmap(reprojection), *xs, wrt=(0, 1)).jacobian(xs)
        for a, b in zip(J, fixed):
            np.testing.assert_allclose(a, b, rtol=1e-14)


def test_formulas_need_a_fixed_length(compiled):
    with pytest.raises(symjvp.ArgumentError, match=r"Spec\(\(2, 3\)\)"):
        compiled["rows"].jacobian_expr()


SECOND_PROCESS = textwrap.dedent(
    """
    import sys
    import numpy as np
    import symjvp

    def rows(x):
        return np.sin(x).sum(axis=1) * x[:, 0]

    k = symjvp.compile(rows, symjvp.Spec((None, 3)))
    for n in (int(a) for a in sys.argv[1:]):
        k.jvp(np.ones((n, 3)), np.ones((n, 3)))
    print("sympy" in sys.modules)
    """
)


def test_the_disk_cache_holds_one_entry_for_every_length(tmp_path):
    script, cache = tmp_path / "rows.py", tmp_path / "cache"
    script.write_text(SECOND_PROCESS)

    def run(*lengths):
        env = dict(os.environ, SYMJVP_CACHE_DIR=str(cache))
        result = subprocess.run([sys.executable, str(script), *map(str, lengths)], capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip() == "True"

    assert run(10)
    entries = sorted(p.name for p in cache.glob("*/*"))
    assert not run(7, 123, 4096), "a new length in a new process must need no trace (no SymPy)"
    assert sorted(p.name for p in cache.glob("*/*")) == entries


def test_the_cuda_target_runs_one_kernel_for_every_batch_length():
    pytest.importorskip("numba.cuda")
    k = symjvp.compile(layer, Spec((None, 2)), Spec((2,)), wrt=1, target="cuda")
    cpu = symjvp.compile(layer, Spec((None, 2)), Spec((2,)), wrt=1)
    for n in (5, 2000):
        X, w, u = rng.standard_normal((n, 2)), rng.standard_normal(2), rng.standard_normal(n)
        np.testing.assert_allclose(k.vjp((X, w), u)[1], cpu.vjp((X, w), u)[1], rtol=1e-12)
    assert len(k._default._programs) == 1 and not k._per_length
    assert "sj_chunks = max(1, min((n_batch) // 1024" in k.source("vjp", complete=False)


def test_a_vmapped_function_compiled_from_examples_runs_every_number_of_points():
    def robertson(y):
        return np.array([-0.04 * y[0] + 1e4 * y[1] * y[2], 3e7 * y[1] ** 2, y[0] * y[2]])

    k = symjvp.compile(symjvp.vmap(robertson), np.ones((50, 3)))
    k.jacobian(np.ones((50, 3)))
    programs = dict(compiled_module._PROGRAMS)
    points = [rng.uniform(0.5, 1.5, (n, 3)) for n in (3, 200)]
    jacobians = [k.jacobian(Y) for Y in points]
    assert compiled_module._PROGRAMS == programs
    for Y, J in zip(points, jacobians):
        np.testing.assert_allclose(J[1], symjvp.jacobian(robertson, Y[1]), rtol=1e-14)
    assert k.jvp_expr().shape == (50, 3), "formulas are read at the example's shapes"
    assert k(np.ones((4, 3, 2)).sum(axis=2)).shape == (4, 3)
