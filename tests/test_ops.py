"""Every supported operation, compiled, against NumPy itself and finite differences.

For each function: the primal kernel equals NumPy on the same code; jvp
equals a central finite difference; vjp satisfies the adjoint identity
⟨u, J v⟩ = ⟨Jᵀ u, v⟩; the Jacobian applied to v equals jvp.
"""

import numpy as np
import pytest

import symjvp
from oracles import assert_close, central_difference_jvp, inner

C = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
#: Sparse enough to be multiplied through its non-zeros only (graph/build.py).
S = np.zeros((8, 10))
S[[0, 0, 1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 7, 2], [0, 9, 1, 2, 3, 5, 4, 5, 7, 6, 7, 8, 0, 9]] = np.arange(1.0, 15.0) / 7
IDX = np.array([[1, 0], [1, 1]])
MASK = np.array([True, False, True])

CASES = {
    # elementwise
    "exp_log": (lambda x: np.log(np.exp(x) + 1.0), [(2, 3)]),
    "trig": (lambda x: np.sin(x) * np.cos(x) + np.tan(0.3 * x), [(2, 3)]),
    "inverse_trig": (lambda x: np.arcsin(0.5 * np.tanh(x)) + np.arctan(x) + np.arccos(0.3 * np.sin(x)), [(3,)]),
    "hyperbolic": (lambda x: np.sinh(x) + np.cosh(0.5 * x) + np.arcsinh(x) + np.arctanh(0.5 * np.tanh(x)), [(3,)]),
    "exp2_log2_log10_expm1_log1p": (
        lambda x: np.exp2(x) + np.log2(x * x + 1) + np.log10(x * x + 2) + np.expm1(x) + np.log1p(x * x),
        [(4,)],
    ),
    "sqrt_cbrt_square_reciprocal": (
        lambda x: np.sqrt(x * x + 1) + np.cbrt(x + 5) + np.square(x) + np.reciprocal(x * x + 1),
        [(4,)],
    ),
    "power_and_division": (lambda x, y: (x * x + 1) ** y / (y * y + 0.5) - 2.0**x, [(3,), (3,)]),
    "arctan2_hypot": (lambda x, y: np.arctan2(x, y * y + 1) * np.hypot(x, y), [(3,), (3,)]),
    "floor_ceil_have_zero_derivative": (lambda x: np.floor(3 * x) + np.ceil(x) + x, [(4,)]),
    "mod_and_floor_divide": (lambda x: np.mod(x, 0.7) + (x // 0.3) * x, [(4,)]),
    "sign_times_x": (lambda x: np.sign(x) * x * x, [(4,)]),
    "comparisons_in_where": (
        lambda x, y: np.where((x > y) & (x <= 1.0) | (y == 2.0), x * y, np.where(x != y, -x, y)),
        [(4,), (4,)],
    ),
    "not_and_xor": (lambda x: np.where(np.logical_not(x > 0) ^ (x < -0.5), x, 2 * x), [(5,)]),
    "where_with_scalars": (lambda x: np.where(x > 0, x, 0.01) * np.where(x < 0.5, 1.0, x), [(5,)]),
    "broadcast_three_ways": (lambda x, y, z: x[:, None, None] * y[None, :, None] + z, [(2,), (3,), (1, 1, 4)]),
    # reductions
    "sum_axes_keepdims": (lambda x: x.sum(axis=(0, 2), keepdims=True) * x.sum(axis=-1)[:, :, None], [(2, 3, 4)]),
    "mean_var_std": (lambda x: x.mean(axis=1) + x.var(axis=0).sum() + np.std(x, axis=1, ddof=1), [(3, 4)]),
    "prod_with_axis": (lambda x: np.prod(x, axis=0) + x.prod(), [(3, 2)]),
    "max_min_keepdims": (lambda x: np.max(x, axis=1, keepdims=True) * x - np.min(x, axis=(0, 1)), [(3, 4)]),
    "norms": (
        lambda x: np.linalg.norm(x) + np.linalg.norm(x, axis=1) + np.linalg.norm(x[0], ord=1)
        + np.linalg.norm(x[1], ord=np.inf) + np.linalg.norm(x[0], 3),
        [(2, 3)],
    ),
    "ufunc_reduce": (lambda x: np.add.reduce(x, axis=0) * np.maximum.reduce(x, axis=1).sum(), [(3, 3)]),
    # contractions
    "dot_variants": (lambda x, y: np.dot(x, y) + np.dot(x[0], y[:, 0]) + np.dot(x, y[:, 1]).sum(), [(2, 3), (3, 2)]),
    "matmul_with_constant_both_sides": (lambda x: C @ x @ C + (x.T @ x).sum(), [(3, 2)]),
    "matmul_vector_matrix": (lambda v, M: v @ M + M.T @ v, [(3,), (3, 2)]),
    "matmul_with_sparse_constant": (lambda x, y: S @ np.sin(x) + (y @ S.T).sum(axis=0) + S @ (S.T @ (S @ x)), [(10,), (3, 10)]),
    "matmul_batch_broadcast": (lambda a, b: np.matmul(a, b), [(1, 2, 3), (4, 3, 2)]),
    "einsum_forms": (
        lambda x, y: np.einsum("ij,jk->ik", x, y) + np.einsum("ij->ji", x @ y).T * 0.5 + np.einsum("...j,...j", x, x)[:, None],
        [(2, 3), (3, 2)],
    ),
    "einsum_broadcast_and_outer": (lambda x, y: np.einsum("i,j,k->ijk", x, y, x), [(2,), (3,)]),
    "inner_outer_vdot_tensordot": (
        lambda x, y: np.inner(x, y) + np.outer(x[0], y[1]).sum() + np.vdot(x, x) + np.tensordot(x, y, axes=([1], [1])).sum(),
        [(2, 3), (2, 3)],
    ),
    # structure
    "reshape_ravel_transpose": (lambda x: x.reshape(3, 4).T.ravel()[::3] * np.transpose(x, (2, 0, 1)).reshape(-1)[:4], [(2, 3, 2)]),
    "swapaxes_moveaxis_expand_squeeze": (
        lambda x: np.swapaxes(x, 0, 2).sum(axis=0) + np.squeeze(np.moveaxis(np.expand_dims(x, 0), 3, 1)[..., :1], -1).sum(axis=(0, 1)),
        [(2, 3, 2)],
    ),
    "broadcast_to": (lambda x: np.broadcast_to(x, (3, 2, 4)) * np.arange(4.0), [(2, 1)]),
    "slices_negative_steps_ellipsis_none": (lambda x: x[::-1, 1:][..., None] * x[None, -1, 1:, None], [(3, 4)]),
    "integer_and_boolean_index_arrays": (lambda x: x[IDX].sum(axis=-1) * 2 + x[MASK].sum() + x[[0, 2], 1:], [(3, 3)]),
    "mixed_advanced_indexing": (lambda x: x[IDX, 0] + x[0, :, IDX].sum(axis=-1), [(2, 3, 2)]),
    "concatenate_stack_hstack_vstack": (
        lambda x, y: np.concatenate([x, y * 2], axis=1).sum(axis=0) + np.stack([x, x], axis=-1).sum(axis=(1, 2))[0]
        + np.hstack([x[0], y[0]]).sum() + np.vstack([x[0], x[1]]).prod(),
        [(2, 2), (2, 3)],
    ),
    "roll_and_diff": (lambda x: np.roll(x, 2) * np.roll(x, (1, -1), axis=(0, 1)) + np.diff(x, n=2, axis=1).sum(), [(3, 4)]),
    "clip_one_sided_and_arrays": (lambda x, lo: np.clip(x, lo, None) + np.clip(x, None, 0.5) + x.clip(-0.2, 0.2), [(4,), (4,)]),
    "iteration_len_and_static_loops": (lambda x: sum(row * (k + 1) for k, row in enumerate(x)) * len(x), [(3, 2)]),
    "captured_constants_and_scalars": (lambda x: C[0] * x + np.float32(2.0) * x.sum() + 3, [(3,)]),
    "torch_spellings": (
        lambda x: x.exp().sum(dim=1, keepdim=True) * x.pow(2).sigmoid() + x.view(-1)[:2].tanh().sum() + x.clamp(-0.1, 0.1),
        [(2, 3)],
    ),
    "zero_dim_inputs": (lambda s, t: s * t + np.sin(s), [(), ()]),
    "selections_flip_diagonal_take_tile_repeat_rot90": (
        lambda x: np.flip(x, 0)[:2] * np.fliplr(x)[1:] + np.diagonal(x)[:2, None] * np.take(x, [0, 2, 1], axis=1)[:2]
        + np.tile(x[0], (2, 1)) + np.repeat(x[1:], 1, axis=0) * np.rot90(x)[:2],
        [(3, 3)],
    ),
    "triangles_trace_cumsum_pad": (
        lambda x: np.tril(x) @ np.triu(x, 1) + np.trace(x) + np.cumsum(x, axis=0) + np.pad(x, 1)[1:-1, :-2],
        [(3, 3)],
    ),
    "logaddexp_deg2rad": (lambda x, y: np.logaddexp(x, 3 * y) + np.deg2rad(x), [(4,), (4,)]),
}

#: numpy's own spellings of the torch methods, for the independent primal check
NUMPY_REFERENCE = {
    "torch_spellings": lambda x: np.exp(x).sum(axis=1, keepdims=True) * (1 / (1 + np.exp(-(x**2))))
    + np.tanh(x.reshape(-1)[:2]).sum()
    + np.clip(x, -0.1, 0.1),
}


def _points(name, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.0, 1.0, s) + (0.05 if s else 0.0) for s in CASES[name][1]]


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    name = request.param
    func = CASES[name][0]
    xs = _points(name, 0)
    return name, func, xs, symjvp.compile(func, *xs)


def test_primal_kernel_equals_numpy(case):
    name, func, xs, k = case
    reference = NUMPY_REFERENCE.get(name, func)(*xs)
    assert_close(k(*xs), reference, rtol=1e-12, atol=1e-12)


def test_jvp_equals_central_difference(case):
    name, func, xs, k = case
    vs = _points(name, 1)
    _, jv = k.jvp(tuple(xs), vs[0] if len(xs) == 1 else tuple(vs))
    reference = NUMPY_REFERENCE.get(name, func)
    assert_close(jv, central_difference_jvp(reference, xs, vs), rtol=1e-6, atol=1e-7)


def test_vjp_satisfies_the_adjoint_identity(case):
    name, func, xs, k = case
    vs = _points(name, 1)
    out, jv = k.jvp(tuple(xs), vs[0] if len(xs) == 1 else tuple(vs))
    rng = np.random.default_rng(2)
    u = rng.standard_normal(np.shape(out))
    _, vj = k.vjp(tuple(xs), u)
    vj = vj if isinstance(vj, tuple) else (vj,)
    assert inner(u, jv) == pytest.approx(inner(vj, tuple(vs)), rel=1e-10, abs=1e-12)


def test_jacobian_applied_to_v_equals_jvp(case):
    name, func, xs, k = case
    vs = _points(name, 1)
    _, jv = k.jvp(tuple(xs), vs[0] if len(xs) == 1 else tuple(vs))
    blocks = k.jacobian(tuple(xs))
    blocks = blocks if isinstance(blocks, tuple) else (blocks,)
    out_size = np.size(jv)
    total = sum(np.reshape(J, (out_size, -1)) @ v.ravel() for J, v in zip(blocks, vs))
    np.testing.assert_allclose(total.reshape(np.shape(jv)), jv, rtol=1e-10, atol=1e-12)
