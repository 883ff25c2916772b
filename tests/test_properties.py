"""Property tests over random compositions of the supported operations.

A random program is a list of steps on (3, 4) arrays (elementwise functions,
broadcast reductions, rolls, reversals, gathers, matmuls, concatenation,
where).  For every program: jvp equals a central finite difference of the
function run by NumPy itself; vjp satisfies ⟨u, J v⟩ = ⟨Jᵀ u, v⟩; the
Hessian-vector product is symmetric.  The transforms are checked on the
NumPy reference evaluation of their graphs (cheap, many examples); the
compiled kernels on fewer examples (each compiles).
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import symjvp
from oracles import assert_close, central_difference_jvp, inner
from symjvp.derivatives import gradient_graph, jvp_graph, vjp_graph
from symjvp.graph import evaluate
from symjvp.trace import trace

SHAPE = (3, 4)
GATHER = np.array([2, 0, 1, 1])

UNARY = {
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "exp_tanh": lambda x: np.exp(np.tanh(x)),
    "log_1_x2": lambda x: np.log(1 + x * x),
    "sqrt_1_x2": lambda x: np.sqrt(1 + x * x),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "square": np.square,
    "abs_shift": lambda x: np.abs(x - 0.31),
    "reverse_rows": lambda x: x[::-1],
    "reverse_cols": lambda x: x[:, ::-1],
    "roll_rows": lambda x: np.roll(x, 1, axis=0),
    "roll_cols": lambda x: np.roll(x, -2, axis=1),
    "permute": lambda x: x.reshape(12)[::-1].reshape(SHAPE),
    "gather_rows": lambda x: x[GATHER[:3]],
    "sum_rows": lambda x: x.sum(axis=0, keepdims=True) + x,
    "mean_cols": lambda x: x * x.mean(axis=1, keepdims=True),
    "max_cols": lambda x: x - x.max(axis=1, keepdims=True),
    "diff_pad": lambda x: np.concatenate([np.diff(x, axis=1), x[:, :1]], axis=1),
}

BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - 2.5 * y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (1 + y * y),
    "maximum": np.maximum,
    "minimum": np.minimum,
    "where": lambda x, y: np.where(x > y, x * y, y - x),
    "matmul": lambda x, y: (x @ y.T) @ y / 4,
    "splice": lambda x, y: np.concatenate([x[:, :2], y[:, 2:]], axis=1),
    "einsum_rows": lambda x, y: np.einsum("ij,ij->i", x, y)[:, None] * x,
}


@st.composite
def programs(draw, n_inputs=2):
    steps = []
    count = n_inputs
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            steps.append(("u", draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, count - 1))))
        else:
            a, b = draw(st.integers(0, count - 1)), draw(st.integers(0, count - 1))
            steps.append(("b", draw(st.sampled_from(sorted(BINARY))), a, b))
        count += 1
    reduce = draw(st.booleans())
    return steps, reduce


def make_function(program):
    steps, reduce = program

    def f(x, y):
        values = [x, y]
        for step in steps:
            if step[0] == "u":
                values.append(UNARY[step[1]](values[step[2]]))
            else:
                values.append(BINARY[step[1]](values[step[2]], values[step[3]]))
        last = values[-1]
        return (last * last).sum() if reduce else last

    return f


def points(seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, SHAPE) for _ in range(2)], [rng.uniform(-1, 1, SHAPE) for _ in range(2)]


def traced(f):
    graph, _, _ = trace(f, [(SHAPE, np.float64)] * 2)
    return graph


@given(programs(), st.integers(0, 2**16))
@settings(max_examples=120)
def test_jvp_graph_matches_central_difference(program, seed):
    f = make_function(program)
    xs, vs = points(seed)
    graph = traced(f)
    result = evaluate(jvp_graph(graph, (0, 1)), xs + vs)
    assert_close(result[0], f(*xs), rtol=1e-12, atol=1e-12)
    assert_close(result[1], central_difference_jvp(f, xs, vs), rtol=1e-5, atol=1e-6)


@given(programs(), st.integers(0, 2**16))
@settings(max_examples=120)
def test_vjp_graph_satisfies_the_adjoint_identity(program, seed):
    f = make_function(program)
    xs, vs = points(seed)
    graph = traced(f)
    _, jv = evaluate(jvp_graph(graph, (0, 1)), xs + vs)
    u = np.random.default_rng(seed + 1).standard_normal(np.shape(jv))
    _, gx, gy = evaluate(vjp_graph(graph, (0, 1)), xs + [u])
    assert np.isclose(inner(u, jv), inner((gx, gy), tuple(vs)), rtol=1e-10, atol=1e-12)


@given(programs(), st.integers(0, 2**16))
@settings(max_examples=60)
def test_hessian_vector_products_are_symmetric(program, seed):
    steps, _ = program
    f = make_function((steps, True))
    xs, vs = points(seed)
    ws = points(seed + 7)[1]
    grad = gradient_graph(traced(f), (0, 1))
    hv = evaluate(jvp_graph(grad, (0, 1)), xs + vs)[2:]
    hw = evaluate(jvp_graph(grad, (0, 1)), xs + ws)[2:]
    assert np.isclose(inner(tuple(ws), tuple(hv)), inner(tuple(vs), tuple(hw)), rtol=1e-9, atol=1e-10)


@given(programs(), st.integers(0, 2**16))
@settings(max_examples=12)
def test_compiled_kernels_match_numpy_and_finite_differences(program, seed):
    f = make_function(program)
    xs, vs = points(seed)
    out, jv = symjvp.jvp(f, tuple(xs), tuple(vs))
    assert_close(out, f(*xs), rtol=1e-12, atol=1e-12)
    assert_close(jv, central_difference_jvp(f, xs, vs), rtol=1e-5, atol=1e-6)
    u = np.random.default_rng(seed).standard_normal(np.shape(out))
    _, vj = symjvp.vjp(f, tuple(xs), u)
    assert np.isclose(inner(u, jv), inner(vj, tuple(vs)), rtol=1e-10, atol=1e-12)
