"""Inspection: symbolic Jacobians and products, indexed forms, sparsity, explain and the CLI."""

import os
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import symjvp
from symjvp.symbolic import expressions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def double_row_sum(x):
    return 2 * x.sum(dim=1)


def exp_reducer(x):
    return x.exp().sum(dim=1)


def lorenz96(u):
    return (np.roll(u, -1) - np.roll(u, 2)) * np.roll(u, 1) - u + 8.0


x_ = sp.IndexedBase("x", real=True)
v_ = sp.IndexedBase("v_x", real=True)


# ---------------------------------------------------------------- exact small results


def test_seed_000_jacobian_expr_is_2s_and_exact_zeros():
    J = symjvp.compile(double_row_sum, np.ones((3, 2))).jacobian_expr()
    assert J == sp.Matrix([[2, 2, 0, 0, 0, 0], [0, 0, 2, 2, 0, 0], [0, 0, 0, 0, 2, 2]])
    assert all(e is sp.S.Zero or e == 2 for e in J)


def test_seed_000_jvp_expr_is_written_in_the_tangent_symbols():
    jv = symjvp.compile(double_row_sum, np.ones((3, 2))).jvp_expr()
    assert isinstance(jv, sp.Array) and jv.shape == (3,)
    assert list(jv) == [2 * v_[i, 0] + 2 * v_[i, 1] for i in range(3)]


def test_exp_reducer_jacobian_has_exp_in_place_and_zeros_elsewhere():
    J = symjvp.compile(exp_reducer, np.ones((2, 3))).jacobian_expr()
    assert J.shape == (2, 6)
    for i in range(2):
        for j in range(6):
            expected = sp.exp(x_[i, j % 3]) if j // 3 == i else sp.S.Zero
            assert J[i, j] == expected


def test_vjp_expr_is_shaped_like_the_input_in_cotangent_symbols():
    vj = symjvp.compile(double_row_sum, np.ones((3, 2))).vjp_expr()
    u = sp.IndexedBase("u", real=True)
    assert vj.shape == (3, 2)
    assert vj[1, 0] == 2 * u[1] and vj[1, 1] == 2 * u[1]


def test_tuple_outputs_and_several_wrt_inputs_give_tuples_and_stacked_matrices():
    k = symjvp.compile(lambda x, y: (x * y, (x + y).sum()), np.ones(2), np.ones(2))
    assert isinstance(k.jvp_expr(), tuple) and isinstance(k.vjp_expr(), tuple)
    assert k.jacobian_expr().shape == (3, 4)


def test_hessian_expr_of_a_scalar_function():
    H = symjvp.compile(lambda x: (x**3).sum() + x[0] * x[1], np.ones(2)).hessian_expr()
    assert H == sp.Matrix([[6 * x_[0], 1], [1, 6 * x_[1]]])


def test_symbols_are_named_after_parameters_tangents_and_cotangents():
    symbols = symjvp.compile(lambda pos, vel: pos * vel, np.ones(2), np.ones(2)).symbols
    assert set(symbols) == {"pos", "vel", "v_pos", "v_vel", "u"}
    assert str(symbols["v_pos"][1]) == "v_pos[1]"


def test_expressions_print_as_latex():
    assert "e^{{x}_{0,0}}" in sp.latex(symjvp.compile(exp_reducer, np.ones((1, 1))).jacobian_expr())


# ---------------------------------------------------------------- formulas equal the kernels


FUNCTIONS = {
    "exp_reducer": (exp_reducer, [(2, 3)]),
    "logistic": (lambda X, w: (X @ w).sigmoid(), [(3, 2), (2,)]),
    "mixed": (lambda x, y: np.where(x > 0.3, np.sin(x) * y, np.tanh(y)) + np.roll(x, 1) * x.max(), [(4,), (4,)]),
    "softmax": (lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True), [(2, 3)]),
}


def _point(shapes, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, s) for s in shapes]


def _substitute(expr, symbols, values):
    mapping = {}
    for name, array in values.items():
        sym = symbols[name]
        if isinstance(sym, sp.Array):
            for index in np.ndindex(*array.shape):
                mapping[sym[index]] = array[index]
        else:
            mapping[sym] = array[()]
    return np.array(sp.Array(expr).subs(mapping) if not isinstance(expr, sp.Matrix) else expr.subs(mapping), dtype=float)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_substituted_formulas_equal_the_kernels(name):
    func, shapes = FUNCTIONS[name]
    xs = _point(shapes, 0)
    vs = _point(shapes, 1)
    k = symjvp.compile(func, *xs)
    symbols = k.symbols
    values = {n: x for n, x in zip(k.names, xs)}
    values.update({f"v_{n}": v for n, v in zip(k.names, vs)})

    out, jv = k.jvp(tuple(xs), tuple(vs) if len(xs) > 1 else vs[0])
    np.testing.assert_allclose(_substitute(k.jvp_expr(), symbols, values).reshape(jv.shape), jv, rtol=1e-12)

    u = np.random.default_rng(2).standard_normal(out.shape)
    _, vj = k.vjp(tuple(xs), u)
    vj = vj if isinstance(vj, tuple) else (vj,)
    formulas = k.vjp_expr()
    formulas = formulas if isinstance(formulas, tuple) else (formulas,)
    for formula, expected in zip(formulas, vj):
        got = _substitute(formula, symbols, dict(values, u=u)).reshape(expected.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)

    blocks = k.jacobian(tuple(xs))
    blocks = blocks if isinstance(blocks, tuple) else (blocks,)
    J = np.hstack([b.reshape(out.size, -1) for b in blocks])
    np.testing.assert_allclose(_substitute(k.jacobian_expr(), symbols, values), J, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- any size


@pytest.fixture(scope="module")
def large_exp_reducer():
    return symjvp.compile(exp_reducer, symjvp.Spec((2000, 2000)))


def test_large_jvp_expr_is_the_indexed_sum(large_exp_reducer):
    i, j = sp.symbols("i j", integer=True, nonnegative=True)
    expected = sp.Sum(sp.exp(x_[i, j]) * v_[i, j], (j, 0, 1999))
    eq = large_exp_reducer.jvp_expr()
    assert isinstance(eq, sp.Eq) and eq.rhs == expected and str(eq.lhs) == "jvp[i]"


def test_large_vjp_and_jacobian_exprs_are_indexed(large_exp_reducer):
    assert str(large_exp_reducer.vjp_expr().rhs) == "exp(x[i, j])*u[i]"
    assert str(large_exp_reducer.jacobian_expr().rhs) == "exp(x[j, k])*KroneckerDelta(i, j)"


def test_large_hessian_expr_is_indexed():
    eq = symjvp.compile(lambda x: (x * x).sum(), symjvp.Spec((2000, 2000))).hessian_expr()
    assert isinstance(eq, sp.Eq)


def test_large_sparsity_of_exp_reducer(large_exp_reducer):
    pattern = large_exp_reducer.sparsity()
    assert pattern.shape == (2000, 4_000_000) and pattern.nnz == 4_000_000


def test_lorenz96_sparsity_with_a_million_unknowns():
    pattern = symjvp.compile(lorenz96, symjvp.Spec((10**6,))).sparsity()
    assert pattern.shape == (10**6, 10**6) and pattern.nnz == 4 * 10**6
    row = pattern[10].indices
    assert sorted(row) == [8, 9, 10, 11]


def test_limit_is_configurable():
    k = symjvp.compile(double_row_sum, np.ones((3, 2)))
    assert isinstance(k.jvp_expr(limit=0), sp.Eq)
    assert isinstance(k.jvp_expr(limit=10**6), sp.Array)
    assert expressions.SCALAR_LIMIT >= 1000


def test_too_large_without_an_indexed_form_names_the_limit():
    k = symjvp.compile(lambda x: x.max(axis=1), symjvp.Spec((300, 300)))
    with pytest.raises(symjvp.SymJvpError, match=r"limit"):
        k.jacobian_expr()


# ---------------------------------------------------------------- sparsity is exact


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_sparsity_equals_the_non_zeros_of_the_symbolic_jacobian(name):
    func, shapes = FUNCTIONS[name]
    k = symjvp.compile(func, *_point(shapes, 0))
    symbolic = np.array([[e != 0 for e in row] for row in k.jacobian_expr().tolist()])
    np.testing.assert_array_equal(k.sparsity().toarray(), symbolic)


# ---------------------------------------------------------------- explain and the CLI


def test_explain_returns_the_report_without_printing(capsys):
    text = symjvp.explain(double_row_sum, np.ones((3, 2)))
    assert capsys.readouterr().out == ""
    assert "matrix of shape (3, 6)" in text
    assert "jvp[i] = 2*v_x[i, 0] + 2*v_x[i, 1]" in text
    assert "shape of the input: (3, 2)" in text and "shape of the output: (3,)" in text


def test_explain_for_parameters_only_says_which_input_is_differentiated():
    text = symjvp.explain(lambda X, w: (X @ w).sigmoid(), symjvp.Spec((100, 2)), symjvp.Spec((2,)), wrt=1)
    assert "parameter (not differentiated)" in text
    assert "shape of the input: (2,)" in text


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "symjvp", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@pytest.mark.parametrize(
    "target, shapes",
    [
        ("examples/seed_functions.py:double_row_sum", ["3,2"]),
        ("examples/seed_functions.py:exp_reducer", ["4,4"]),
        ("examples/seed_functions.py:adder", ["2", "2"]),
    ],
)
def test_cli_explains_each_seed_function(target, shapes):
    args = [target]
    for s in shapes:
        args += ["--shape", s]
    result = _cli(*args)
    assert result.returncode == 0, result.stderr
    assert "jvp: J·v" in result.stdout and "vjp: vᵀ·J" in result.stdout


def test_cli_with_a_lambda_wrt_latex_and_source():
    result = _cli("lambda X, w: 1 / (1 + np.exp(-(X @ w)))", "--shape", "5,2", "--shape", "2", "--wrt", "1",
                  "--latex", "--source", "jvp")
    assert result.returncode == 0, result.stderr
    assert "LaTeX of J" in result.stdout and "def jvp_kernel(X, w, v_w)" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["nonsense", "--shape", "2"], "cannot read target"),
        (["examples/seed_functions.py:missing", "--shape", "2"], "no function 'missing'"),
        (["lambda x: x", "--shape", "2,a"], "cannot read shape"),
        (["lambda x: x"], "--shape"),
    ],
)
def test_cli_errors_are_one_clear_line(args, message):
    result = _cli(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
