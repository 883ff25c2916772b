"""Functions written once for both NumPy and torch (``xp`` is the module).

They use the spellings the two share (and that symjvp's traced arrays
accept): ``xp.sin``, ``x.sum(dim=...)``, ``x.pow``, ``x.sigmoid()``, ``@``...
Each entry: name -> (factory(xp) -> function, input shapes).
"""

import numpy as np

A_CONST = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
IDX = np.array([2, 0, 1, 2])
#: 8 x 10 with 14 non-zeros: multiplied through its non-zeros only (graph/build.py).
SPARSE_CONST = np.zeros((8, 10))
SPARSE_CONST[[0, 0, 1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 7, 2], [0, 9, 1, 2, 3, 5, 4, 5, 7, 6, 7, 8, 0, 9]] = np.arange(1.0, 15.0) / 7


def _const(xp, array):
    if xp is np:
        return array
    import torch

    return torch.as_tensor(array)


CORPUS = {
    "seed_double_sum": (lambda xp: lambda x: 2 * x.sum(dim=1), [(3, 2)]),
    "seed_exp_reducer": (lambda xp: lambda x: x.exp().sum(dim=1), [(4, 4)]),
    "seed_adder": (lambda xp: lambda x, y: 2 * x + 3 * y, [(2,), (2,)]),
    "seed_003_logistic": (lambda xp: lambda X, w: (X @ w).sigmoid(), [(6, 2), (2,)]),
    "polynomial": (lambda xp: lambda x: (x.pow(3) - 2 * x * x + 0.5 / (1 + x * x)).sum(), [(5,)]),
    "transcendental_mix": (
        lambda xp: lambda x: xp.sin(x) * xp.cos(2 * x) + xp.tanh(x) * xp.exp(-x * x) + xp.log1p(x * x),
        [(2, 3)],
    ),
    "sqrt_log_div": (lambda xp: lambda x, y: xp.sqrt(x * x + 1) / (y * y + 2) + xp.log(x * x + y * y + 1), [(4,), (4,)]),
    "broadcast_rows_cols": (lambda xp: lambda x, y: x.reshape(3, 1) * y.reshape(1, 4) + x.reshape(3, 1).exp(), [(3,), (4,)]),
    "matmul_matrix_vector": (lambda xp: lambda A, x: xp.tanh(A @ x), [(3, 4), (4,)]),
    "matmul_batched": (lambda xp: lambda A, B: (A @ B).sin(), [(2, 3, 4), (2, 4, 2)]),
    "matmul_constant": (lambda xp: lambda x: _const(xp, A_CONST) @ xp.sin(x), [(4,)]),
    "matmul_sparse_constant": (
        lambda xp: lambda x, y: _const(xp, SPARSE_CONST) @ xp.sin(x) + (y @ _const(xp, SPARSE_CONST).T).sum(dim=0),
        [(10,), (3, 10)],
    ),
    "einsum_bilinear": (lambda xp: lambda x, y: xp.einsum("ij,jk,ik->i", x, y, x @ y), [(2, 3), (3, 2)]),
    "transpose_and_mean": (lambda xp: lambda x: (x.T * x.T).mean(dim=0), [(3, 4)]),
    "keepdim_softmax": (
        lambda xp: lambda x: x.exp() / x.exp().sum(dim=1, keepdim=True),
        [(3, 4)],
    ),
    "logsumexp_stable": (
        lambda xp: lambda x: xp.log((x - xp.amax(x, 1).reshape(-1, 1)).exp().sum(dim=1)) + xp.amax(x, 1),
        [(3, 4)],
    ),
    "max_min_reduce": (lambda xp: lambda x: xp.amax(x * x, 0) - xp.amin(xp.sin(x), 1).sum(), [(3, 4)]),
    "maximum_minimum": (lambda xp: lambda x, y: xp.maximum(x, y) * xp.minimum(x * 2, y + 1), [(5,), (5,)]),
    "where_branches": (lambda xp: lambda x: xp.where(x > 0.1, x * x, xp.sin(x) - 1), [(6,)]),
    "abs_and_clip": (lambda xp: lambda x: xp.abs(x - 0.2) + xp.clip(x, -0.5, 0.5) * x, [(6,)]),
    "slicing_steps": (lambda xp: lambda x: x[1:, ::2] * x[:-1, 1::2] + x[0, :2].sum(), [(3, 4)]),
    "integer_index_array": (lambda xp: lambda x: x[_const(xp, IDX)] * x[1] + x[_const(xp, IDX)].exp(), [(3,)]),
    "roll_lorenz96": (
        lambda xp: lambda u: (xp.roll(u, -1, 0) - xp.roll(u, 2, 0)) * xp.roll(u, 1, 0) - u + 8.0,
        [(7,)],
    ),
    "concatenate_stack": (
        lambda xp: lambda x, y: xp.concatenate([x * 2, y.sin(), x * y], 0).sum() + xp.stack([x, y], 1).prod(dim=1),
        [(3,), (3,)],
    ),
    "diff_and_norm": (lambda xp: lambda x: xp.diff(x, 1, -1).pow(2).sum() * xp.linalg.norm(x), [(6,)]),
    "prod_reduce": (lambda xp: lambda x: x.prod(dim=1) + (x * x + 1).prod(), [(2, 3)]),
    "tuple_outputs": (lambda xp: lambda x, y: (x * y, (x + y).sum(), xp.sin(x)), [(3,), (3,)]),
    "zero_dim_input": (lambda xp: lambda s, x: s * x.exp() + s.pow(2), [(), (3,)]),
    "reshape_view": (lambda xp: lambda x: x.view(-1).pow(2).reshape(2, 3).sum(dim=0), [(3, 2)]),
    "sigmoid_chain": (lambda xp: lambda x: (x.sigmoid() * x).tanh().sum(dim=0), [(4, 2)]),
    "rosenbrock": (
        lambda xp: lambda x: (100 * (x[1:] - x[:-1] * x[:-1]).pow(2) + (1 - x[:-1]).pow(2)).sum(),
        [(5,)],
    ),
    "power_of_inputs": (lambda xp: lambda x, y: (x * x + 1).pow(y) + (x * x + 2).pow(0.5), [(4,), (4,)]),
    "max_min_scalar": (lambda xp: lambda x: xp.amax(x * x, 0).sum() - xp.amin(xp.sin(x), 1).sum() * x.sum(), [(3, 4)]),
    "atan2_hypot": (lambda xp: lambda x, y: xp.arctan2(x, y + 3) + xp.hypot(x, y), [(4,), (4,)]),
}


def shapes(name):
    return CORPUS[name][1]


def function(name, xp):
    return CORPUS[name][0](xp)
