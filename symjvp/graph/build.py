"""Constructors of nodes that simplify as they build.

Every transform and the tracer build nodes through these, so the same
simplifications apply everywhere: symbolic zeros and constants fold into
formulas, identity reshapes/transposes/slices vanish, unused operands are
dropped.
"""

import string

import numpy as np
import sympy as sp

from .. import tuning
from . import elementwise as E
from . import ops
from .node import make

LETTERS = string.ascii_letters


def apply(op, *inputs):
    """Rebuild ``op`` on new inputs through the simplifying constructor for its type."""
    if isinstance(op, ops.Elementwise):
        return ew(op.formula, *inputs, dtype=op.out_dtype)
    if isinstance(op, ops.Contract):
        return contract(op.specs, op.out, op.sizes, *inputs)
    (x,) = inputs
    if isinstance(op, ops.Reshape):
        return reshape(x, op.new_shape)
    if isinstance(op, ops.Slice):
        return slice_(x, op.starts, op.steps, op.lengths)
    if isinstance(op, ops.Embed):
        return embed(x, op.starts, op.steps, op.out_shape)
    if isinstance(op, ops.Roll):
        return roll(x, op.shift, op.axis)
    return make(op, *inputs)


def fill(value, shape, dtype):
    return make(ops.Fill(value, tuple(shape), np.dtype(dtype)))


def zeros(shape, dtype):
    return fill(0, shape, dtype)


def is_zero(node):
    return isinstance(node.op, ops.Fill) and node.op.value == 0


def constant(array):
    array = np.asarray(array)
    return make(ops.Constant(ops.ConstArray(array)))


def _fill_literal(node):
    value = node.op.value
    if node.dtype == np.bool_:
        return sp.true if value else sp.false
    return sp.Integer(int(value)) if float(value).is_integer() and abs(value) < 2**53 else sp.Float(value, 17)


def _substituted(formula, operands, fold):
    """``formula`` on the operands actually used: (formula in placeholders of ``kept``, kept).

    With ``fold``, fills become literals and an operand passed twice gets one
    placeholder; without, every used operand keeps a placeholder of its own.
    """
    kept, substitution = [], {}
    free = formula.free_symbols
    for k, x in enumerate(operands):
        if E.A[k] not in free and E.C[k] not in free:
            continue
        if fold and isinstance(x.op, ops.Fill):
            literal = _fill_literal(x)
            number = E.as_number(literal) if literal in (sp.true, sp.false) else literal
            condition = literal if literal in (sp.true, sp.false) else sp.sympify(bool(x.op.value))
            substitution[E.A[k]], substitution[E.C[k]] = number, condition
            continue
        j = next((i for i, y in enumerate(kept) if y is x), None) if fold else None
        if j is None:
            j = len(kept)
            kept.append(x)
        if x.dtype == np.bool_:
            substitution[E.A[k]], substitution[E.C[k]] = E.as_number(E.C[j]), E.C[j]
        else:
            substitution[E.A[k]], substitution[E.C[k]] = E.A[j], E.as_condition(E.A[j])
    return formula.xreplace(substitution), kept


def _cancels_an_operand(formula, kept):
    """SymPy dropped an operand (``x - x``, ``x/x``, ``x*0``, ``x*nan``, ``x + oo``): exact only for finite x."""
    free = formula.free_symbols
    return any(E.A[j] not in free and E.C[j] not in free for j in range(len(kept)))


def ew(formula, *operands, dtype=None, shape=None):
    """Elementwise ``formula`` of ``a0, a1, ...`` applied to ``operands`` with broadcasting.

    Fills fold into the formula and repeated operands merge only where that is
    exact in IEEE arithmetic, so NaN and infinities come out as NumPy's.
    """
    formula = sp.sympify(formula)
    full_shape = tuple(shape) if shape is not None else np.broadcast_shapes(*[x.shape for x in operands])
    if dtype is None:
        dtype = np.bool_ if E.is_condition(formula) else np.result_type(*[x.dtype for x in operands])
    dtype = np.dtype(dtype)

    folded, kept = _substituted(formula, operands, fold=True)
    if not kept:  # fills only: NumPy folds them, with its IEEE results (1/0 is inf, not SymPy's zoo)
        scalars = [np.full((), x.op.value if isinstance(x.op, ops.Fill) else 0, x.dtype) for x in operands]
        return fill(ops.Elementwise(formula, dtype).evaluate(*scalars)[()].item(), full_shape, dtype)
    if _cancels_an_operand(folded, kept):
        folded, kept = _substituted(formula, operands, fold=False)
    formula = folded
    if formula == E.A[0] and kept[0].dtype == dtype:
        result = kept[0]
    else:
        result = make(ops.Elementwise(formula, dtype), *kept)
    if result.shape != full_shape:
        result = broadcast_to(result, full_shape)
    return result


def add(*nodes):
    """Sum of nodes; ``None`` (an exact zero) terms are skipped."""
    nodes = [x for x in nodes if x is not None and not is_zero(x)]
    if not nodes:
        return None
    if len(nodes) == 1:
        return nodes[0]
    return ew(sp.Add(*E.A[: len(nodes)]), *nodes)


def contract(specs, out, sizes, *operands):
    specs, sizes = tuple(specs), dict(sizes)
    sparse = _sparse_constant_product(specs, out, sizes, operands)
    if sparse is not None:
        return sparse
    used = set(out).union(*specs)
    sizes = tuple(sorted((c, int(n)) for c, n in sizes.items() if c in used))
    shape = tuple(dict(sizes)[c] for c in out)
    if any(is_zero(x) for x in operands):
        return zeros(shape, np.result_type(*[x.dtype for x in operands]))
    if len(operands) == 1 and specs[0] == out:
        return operands[0]
    if len(operands) == 1 and isinstance(operands[0].op, ops.Fill) and set(specs[0]) <= set(out):
        return fill(operands[0].op.value, shape, operands[0].dtype)
    return make(ops.Contract(specs, out, sizes), *operands)


def _sparse_constant_product(specs, out, sizes, operands):
    """``A @ x`` (or ``x @ A``) for a sparse captured matrix ``A`` as a gather, a scale and a scatter-add.

    Only its non-zeros (row, column, value) are visited, so the products with
    zeros vanish from the kernels; with a dense loop they cost a multiply-add each.
    """
    if len(operands) != 2:
        return None
    for k in (0, 1):
        matrix, x = operands[k], operands[1 - k]
        matrix_spec, x_spec = specs[k], specs[1 - k]
        if not isinstance(matrix.op, ops.Constant) or isinstance(x.op, ops.Constant) or len(matrix_spec) != 2:
            continue
        kept, summed = matrix_spec
        values = matrix.op.value.array
        if summed in out:  # x @ A: the matrix's first axis is the one summed
            kept, summed, values = summed, kept, values.T
        if kept == summed or kept not in out or summed in out or summed not in x_spec or kept in x_spec:
            continue
        if len(set(x_spec)) != len(x_spec) or not set(x_spec) - {summed} <= set(out):
            continue
        if values.size < tuning.SPARSE_MIN_SIZE or np.count_nonzero(values) > tuning.SPARSE_DENSITY * values.size:
            continue
        rows, columns = np.nonzero(values)
        axis = x_spec.index(summed)
        picked = gather(x, axis, columns)
        scale = (1,) * axis + (len(rows),) + (1,) * (x.ndim - axis - 1)
        scaled = ew(E.A[0] * E.A[1], picked, constant(values[rows, columns].reshape(scale)))
        scattered = scatter_add(scaled, axis, ops.ConstArray(rows.astype(np.int64)), values.shape[0])
        scattered_spec = x_spec.replace(summed, kept)
        return contract((scattered_spec,), out, sizes, scattered)
    return None


def letters(n, avoid=""):
    return "".join([c for c in LETTERS if c not in avoid][:n])


def reduce_sum(x, axes):
    axes = tuple(sorted(a % x.ndim for a in axes)) if x.ndim else ()
    spec = letters(x.ndim)
    out = "".join(c for i, c in enumerate(spec) if i not in axes)
    return contract((spec,), out, zip(spec, x.shape), x)


def transpose(x, perm):
    spec = letters(x.ndim)
    return contract((spec,), "".join(spec[p] for p in perm), zip(spec, x.shape), x)


def reshape(x, shape):
    shape = tuple(int(d) for d in shape)
    if x.shape == shape:
        return x
    if isinstance(x.op, ops.Reshape):
        return reshape(x.inputs[0], shape)
    if isinstance(x.op, ops.Fill):
        return fill(x.op.value, shape, x.dtype)
    return make(ops.Reshape(shape), x)


def broadcast_to(x, shape):
    shape = tuple(shape)
    if x.shape == shape:
        return x
    lead = len(shape) - x.ndim
    kept_axes = [i for i, d in enumerate(x.shape) if not (d == 1 and shape[lead + i] != 1)]
    x = reshape(x, [x.shape[i] for i in kept_axes])
    out = letters(len(shape))
    spec = "".join(out[lead + i] for i in kept_axes)
    return contract((spec,), out, zip(out, shape), x)


def sum_to_shape(x, shape):
    """Sum the axes that broadcasting added, so that the result has ``shape``."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = list(range(lead)) + [lead + i for i, d in enumerate(shape) if d == 1 and x.shape[lead + i] != 1]
    return reshape(reduce_sum(x, axes), shape)


def slice_(x, starts, steps, lengths):
    starts, steps, lengths = tuple(map(int, starts)), tuple(map(int, steps)), tuple(map(int, lengths))
    if lengths == x.shape and all(s == 0 for s in starts) and all(st == 1 for st in steps):
        return x
    if isinstance(x.op, ops.Fill):
        return fill(x.op.value, lengths, x.dtype)
    return make(ops.Slice(starts, steps, lengths), x)


def embed(x, starts, steps, shape):
    starts, steps, shape = tuple(map(int, starts)), tuple(map(int, steps)), tuple(map(int, shape))
    if x.shape == shape and all(s == 0 for s in starts) and all(st == 1 for st in steps):
        return x
    if is_zero(x):
        return zeros(shape, x.dtype)
    return make(ops.Embed(starts, steps, shape), x)


def roll(x, shift, axis):
    n = x.shape[axis]
    shift = int(shift) % n if n else 0
    if shift == 0 or isinstance(x.op, ops.Fill):
        return x
    return make(ops.Roll(shift, axis), x)


def concat(nodes, axis):
    nodes = [x for x in nodes if x.shape[axis] > 0] or list(nodes[:1])
    if len(nodes) == 1:
        return nodes[0]
    return make(ops.Concat(axis), *nodes)


def gather(x, axis, table):
    if not isinstance(table, ops.ConstArray):
        table = ops.ConstArray(np.asarray(table, dtype=np.int64))
    return make(ops.Gather(axis, table), x)


def scatter_add(x, axis, table, length):
    if is_zero(x):
        shape = x.shape[:axis] + (length,) + x.shape[axis + table.array.ndim :]
        return zeros(shape, x.dtype)
    return make(ops.ScatterAdd(axis, table, int(length)), x)


def take(x, indices, axis, batch=0):
    return make(ops.Take(axis, batch), x, indices)


def put_add(x, indices, axis, length, batch=0):
    if is_zero(x):
        return zeros(x.shape[:axis] + (length,) + x.shape[axis + indices.ndim - batch :], x.dtype)
    return make(ops.PutAdd(axis, int(length), batch), x, indices)


def extremum(x, kind, axes):
    axes = tuple(sorted(a % x.ndim for a in axes)) if x.ndim else ()
    if not axes:
        return x
    return make(ops.Extremum(kind, axes), x)


def eye(inner, dtype):
    return make(ops.Eye(tuple(inner), np.dtype(dtype)))


def input_node(name, shape, dtype, role="primal", position=0):
    return make(ops.Input(name, tuple(int(d) for d in shape), np.dtype(dtype), role, int(position)))
