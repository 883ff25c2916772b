"""The op registry: every array-level operation, declared once.

Each op says what shape and dtype it produces, how NumPy evaluates it (the
reference the tests and the inspection use), and how it is differentiated:

* ``jvp(node, tangents)`` -- the tangent of the node given the tangents of
  its inputs (``None`` is an exact zero).  Elementwise ops differentiate
  their SymPy formula with ``sympy.diff``; linear ops apply themselves to
  the tangent.
* ``transpose(node, cotangent, k)`` -- for ops linear in input ``k``: the
  cotangent of that input.  This is all reverse mode needs.

Batching (``derivatives.batching``) and lowering (``lower``) read the same
parameters; they live beside the transforms that use them.
"""

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from . import build
from . import elementwise as E
from ..errors import UnsupportedOperationError


class ConstArray:
    """An array held in an op's parameters, compared and hashed by content."""

    __slots__ = ("array", "key")

    def __init__(self, array):
        array = np.array(array, copy=True, order="C")
        array.setflags(write=False)
        self.array = array
        digest = hashlib.blake2b(array.tobytes(), digest_size=16).hexdigest()
        self.key = (array.shape, array.dtype.str, digest)

    def __eq__(self, other):
        return isinstance(other, ConstArray) and other.key == self.key

    def __hash__(self):
        return hash(self.key)

    def __repr__(self):
        return f"ConstArray{self.array.shape}"


class Op:
    #: Linear in each of its array inputs (so reverse mode can transpose it).
    linear = False

    def dtype(self, *dtypes):
        return np.result_type(*dtypes)

    def jvp(self, node, tangents):
        if not self.linear:
            raise NotImplementedError(type(self).__name__)
        (t,) = tangents
        return None if t is None else build.apply(self, t)

    def transpose(self, node, cotangent, k):
        raise NotImplementedError(f"{type(self).__name__} is not linear")


# ---------------------------------------------------------------- leaves


@dataclass(frozen=True)
class Input(Op):
    """A kernel argument: a function input, a tangent or a cotangent.

    Identified by ``role`` and ``position``, never by ``name`` alone: two
    inputs of one name (a parameter ``a1`` beside ``*a``) stay two inputs.
    """

    name: str
    out_shape: tuple
    out_dtype: np.dtype
    role: str = "primal"
    position: int = 0

    def shape(self):
        return self.out_shape

    def dtype(self):
        return self.out_dtype

    def evaluate(self):
        raise RuntimeError("inputs are bound by the caller")


@dataclass(frozen=True)
class Constant(Op):
    """A captured array; passed to the kernels as an argument, never printed."""

    value: ConstArray

    def shape(self):
        return self.value.array.shape

    def dtype(self):
        return self.value.array.dtype

    def evaluate(self):
        return self.value.array

    def jvp(self, node, tangents):
        return None


@dataclass(frozen=True)
class Fill(Op):
    """An array of one value (zeros for symbolic zeros): folded into formulas."""

    value: object
    out_shape: tuple
    out_dtype: np.dtype

    def shape(self):
        return self.out_shape

    def dtype(self):
        return self.out_dtype

    def evaluate(self):
        return np.full(self.out_shape, self.value, dtype=self.out_dtype)

    def jvp(self, node, tangents):
        return None


@dataclass(frozen=True)
class Eye(Op):
    """The identity basis: shape ``(size,) + inner``, element (b, i) = [b == flat(i)].

    Seeding a batched jvp (or vjp) with it yields a whole Jacobian in one kernel.
    """

    inner: tuple
    out_dtype: np.dtype

    def shape(self):
        return (int(np.prod(self.inner, dtype=np.int64)),) + self.inner

    def dtype(self):
        return self.out_dtype

    def evaluate(self):
        n = int(np.prod(self.inner, dtype=np.int64))
        return np.eye(n, dtype=self.out_dtype).reshape((n,) + self.inner)

    def jvp(self, node, tangents):
        return None


# ---------------------------------------------------------------- elementwise


def partial_derivative(formula, symbol):
    """sympy.diff, with the distributions of kinks and steps set to zero.

    ``diff(Max(a, b), a)`` is ``Heaviside(a - b)`` (1/2 at a tie, as torch);
    its own derivative is a DiracDelta, whose value away from the tie is 0 --
    the value torch and JAX use everywhere.
    """
    d = sp.diff(formula, symbol)
    d = d.replace(sp.DiracDelta, lambda *args: sp.S.Zero)
    d = d.replace(
        lambda e: isinstance(e, sp.Derivative) and isinstance(e.expr, (sp.floor, sp.ceiling, sp.sign)),
        lambda e: sp.S.Zero,
    )
    d = d.replace(lambda e: isinstance(e, sp.Subs), lambda e: e.doit())
    if d.has(sp.Derivative):
        raise UnsupportedOperationError(f"cannot differentiate {formula}: SymPy gave {d}")
    return d


@dataclass(frozen=True)
class Elementwise(Op):
    """``formula`` of placeholders ``a0, a1, ...`` (``c0, ...`` for conditions), broadcast."""

    formula: sp.Basic
    out_dtype: np.dtype

    def shape(self, *shapes):
        return np.broadcast_shapes(*shapes)

    def dtype(self, *dtypes):
        return self.out_dtype

    def placeholders(self, n):
        free = self.formula.free_symbols
        return [E.C[k] if E.C[k] in free else E.A[k] for k in range(n)]

    @cached_property
    def _numpy(self):
        n = 1 + max((E.placeholder_index(s) for s in self.formula.free_symbols), default=-1)
        return n, sp.lambdify(self.placeholders(n), self.formula, modules=[E.NUMPY_FUNCTIONS, "numpy"])

    def evaluate(self, *arrays):
        n, fn = self._numpy
        with np.errstate(all="ignore"):
            out = fn(*arrays[:n]) if n else self.formula
        shape = np.broadcast_shapes(*[np.shape(a) for a in arrays])
        return np.broadcast_to(np.asarray(out, dtype=self.out_dtype), shape).copy()

    def jvp(self, node, tangents):
        if E.is_condition(self.formula):
            return None
        n = len(node.inputs)
        terms, extra = [], []
        for k, t in enumerate(tangents):
            if t is None:
                continue
            d = partial_derivative(self.formula, E.A[k])
            if d != 0:
                terms.append(d * E.A[n + len(extra)])
                extra.append(t)
        if not terms:
            return None
        return build.ew(_selected(sp.Add(*terms)), *node.inputs, *extra, dtype=node.dtype, shape=node.shape)

    def transpose(self, node, cotangent, k):
        n = len(node.inputs)
        coefficient = partial_derivative(self.formula, E.A[k])
        if coefficient == 0:
            return None
        x = node.inputs[k]
        full = build.ew(_selected(coefficient * E.A[n]), *node.inputs, cotangent, dtype=x.dtype, shape=node.shape)
        return build.sum_to_shape(full, x.shape)


def _selected(derivative):
    """``where``'s derivative selects the tangent of the branch taken instead of multiplying by 0 or 1.

    ``Piecewise((1, c), (0, True)) * t`` is NaN where the other branch's
    tangent ``t`` is (``where(x > 0, sqrt(x), 0)`` at x < 0); the selection
    ``Piecewise((t, c), (0, True))`` is 0 there, as in torch and JAX.
    """
    return sp.piecewise_fold(derivative) if derivative.has(sp.Piecewise) else derivative


# ---------------------------------------------------------------- linear ops


@dataclass(frozen=True)
class Contract(Op):
    """Generalised einsum: multiply operands, sum the letters missing from ``out``.

    A letter of ``out`` that no operand has broadcasts.  This one op is sum,
    transpose, broadcast_to, matmul, dot, tensordot, outer and einsum.
    """

    specs: tuple
    out: str
    sizes: tuple  # ((letter, size), ...) sorted

    linear = True

    @property
    def size_of(self):
        return dict(self.sizes)

    def shape(self, *shapes):
        return tuple(self.size_of[c] for c in self.out)

    @property
    def summed(self):
        """The contracted letters, in order of first appearance."""
        seen = []
        for spec in self.specs:
            for c in spec:
                if c not in self.out and c not in seen:
                    seen.append(c)
        return tuple(seen)

    def evaluate(self, *arrays):
        present = "".join(c for c in self.out if any(c in s for s in self.specs))
        if self.specs:
            r = np.einsum(",".join(self.specs) + "->" + present, *arrays)
        else:
            r = np.ones(())
        shape = tuple(self.size_of[c] if c in present else 1 for c in self.out)
        return np.broadcast_to(np.reshape(r, shape), self.shape()).copy()

    def jvp(self, node, tangents):
        terms = []
        for k, t in enumerate(tangents):
            if t is not None:
                operands = list(node.inputs)
                operands[k] = t
                terms.append(build.contract(self.specs, self.out, self.sizes, *operands))
        return build.add(*terms)

    def transpose(self, node, cotangent, k):
        others = [x for j, x in enumerate(node.inputs) if j != k]
        specs = (self.out,) + tuple(s for j, s in enumerate(self.specs) if j != k)
        return build.contract(specs, self.specs[k], self.sizes, cotangent, *others)


@dataclass(frozen=True)
class Reshape(Op):
    new_shape: tuple
    linear = True

    def shape(self, shape):
        return self.new_shape

    def evaluate(self, x):
        return np.reshape(x, self.new_shape)

    def transpose(self, node, cotangent, k):
        return build.reshape(cotangent, node.inputs[0].shape)


def _axis_indices(starts, steps, lengths):
    return np.ix_(*[s + st * np.arange(n) for s, st, n in zip(starts, steps, lengths)])


@dataclass(frozen=True)
class Slice(Op):
    """Element ``i`` of axis ``d`` is element ``starts[d] + steps[d] * i`` of the input."""

    starts: tuple
    steps: tuple
    lengths: tuple
    linear = True

    def shape(self, shape):
        return self.lengths

    def evaluate(self, x):
        return x[_axis_indices(self.starts, self.steps, self.lengths)]

    def transpose(self, node, cotangent, k):
        return build.embed(cotangent, self.starts, self.steps, node.inputs[0].shape)


@dataclass(frozen=True)
class Embed(Op):
    """The transpose of ``Slice``: place the input at those positions, zeros elsewhere."""

    starts: tuple
    steps: tuple
    out_shape: tuple
    linear = True

    def shape(self, shape):
        return self.out_shape

    def evaluate(self, x):
        out = np.zeros(self.out_shape, dtype=x.dtype)
        out[_axis_indices(self.starts, self.steps, x.shape)] = x
        return out

    def transpose(self, node, cotangent, k):
        return build.slice_(cotangent, self.starts, self.steps, node.inputs[0].shape)


@dataclass(frozen=True)
class Roll(Op):
    shift: int  # normalised to 0 <= shift < length
    axis: int
    linear = True

    def shape(self, shape):
        return shape

    def evaluate(self, x):
        return np.roll(x, self.shift, axis=self.axis)

    def transpose(self, node, cotangent, k):
        return build.roll(cotangent, -self.shift, self.axis)


@dataclass(frozen=True)
class Concat(Op):
    axis: int
    linear = True

    def shape(self, *shapes):
        first = list(shapes[0])
        first[self.axis] = sum(s[self.axis] for s in shapes)
        return tuple(first)

    def evaluate(self, *arrays):
        return np.concatenate(arrays, axis=self.axis)

    def jvp(self, node, tangents):
        if all(t is None for t in tangents):
            return None
        parts = [t if t is not None else build.zeros(x.shape, node.dtype) for x, t in zip(node.inputs, tangents)]
        return build.concat(parts, self.axis)

    def transpose(self, node, cotangent, k):
        offset = sum(x.shape[self.axis] for x in node.inputs[:k])
        x = node.inputs[k]
        starts = tuple(offset if d == self.axis else 0 for d in range(x.ndim))
        return build.slice_(cotangent, starts, (1,) * x.ndim, x.shape)


@dataclass(frozen=True)
class Gather(Op):
    """``np.take(x, table, axis)`` with a constant integer table (advanced indexing)."""

    axis: int
    table: ConstArray
    linear = True

    def shape(self, shape):
        return shape[: self.axis] + self.table.array.shape + shape[self.axis + 1 :]

    def evaluate(self, x):
        return np.take(x, self.table.array, axis=self.axis)

    def transpose(self, node, cotangent, k):
        return build.scatter_add(cotangent, self.axis, self.table, node.inputs[0].shape[self.axis])


@dataclass(frozen=True)
class ScatterAdd(Op):
    """The transpose of ``Gather``: add each element into the position the table names."""

    axis: int
    table: ConstArray
    length: int
    linear = True

    def shape(self, shape):
        return shape[: self.axis] + (self.length,) + shape[self.axis + self.table.array.ndim :]

    def evaluate(self, x):
        out = np.zeros(self.shape(x.shape), dtype=x.dtype)
        np.add.at(out, (slice(None),) * self.axis + (self.table.array,), x)
        return out

    def transpose(self, node, cotangent, k):
        return build.gather(cotangent, self.axis, self.table)


@dataclass(frozen=True)
class Take(Op):
    """``x`` indexed along ``axis`` by integers known only at run time (an input, an argmax).

    ``batch`` leading axes (then ``axis == batch``) are shared by ``x`` and
    the indices, as ``np.take_along_axis``; with ``batch == 0`` this is
    ``np.take(x, indices, axis)``.  Linear in ``x``; the indices have no
    derivative.  Negative indices count from the end; every index is in
    range, which ``index_range`` proves at trace time or the call checks.
    """

    axis: int
    batch: int = 0

    def shape(self, shape, index_shape):
        return shape[: self.axis] + index_shape[self.batch :] + shape[self.axis + 1 :]

    def dtype(self, dtype, index_dtype):
        return dtype

    def evaluate(self, x, indices):
        if not self.batch:
            return np.take(x, indices, axis=self.axis)
        rows = x.reshape((-1,) + x.shape[self.axis :])
        picks = np.asarray(indices).reshape((rows.shape[0], -1))
        out = np.stack([np.take(row, pick, axis=0) for row, pick in zip(rows, picks)])
        return out.reshape(self.shape(x.shape, np.shape(indices)))

    def jvp(self, node, tangents):
        t = tangents[0]
        return None if t is None else build.take(t, node.inputs[1], self.axis, self.batch)

    def transpose(self, node, cotangent, k):
        x, indices = node.inputs
        return build.put_add(cotangent, indices, self.axis, x.shape[self.axis], self.batch)


@dataclass(frozen=True)
class PutAdd(Op):
    """The transpose of ``Take``: add each element into the position its run-time index names."""

    axis: int
    length: int
    batch: int = 0

    def shape(self, shape, index_shape):
        return shape[: self.axis] + (self.length,) + shape[self.axis + len(index_shape) - self.batch :]

    def dtype(self, dtype, index_dtype):
        return dtype

    def evaluate(self, x, indices):
        indices = np.asarray(indices)
        out = np.zeros(self.shape(x.shape, indices.shape), dtype=x.dtype)
        if not self.batch:
            np.add.at(out, (slice(None),) * self.axis + (indices,), x)
            return out
        rows = out.reshape((-1,) + out.shape[self.axis :])
        values = x.reshape((rows.shape[0], -1) + out.shape[self.axis + 1 :])
        for row, pick, value in zip(rows, indices.reshape((rows.shape[0], -1)), values):
            np.add.at(row, pick, value)
        return out

    def jvp(self, node, tangents):
        t = tangents[0]
        return None if t is None else build.put_add(t, node.inputs[1], self.axis, self.length, self.batch)

    def transpose(self, node, cotangent, k):
        return build.take(cotangent, node.inputs[1], self.axis, self.batch)


def index_range(node):
    """(lowest, highest, integer inputs to check at call time) of the values of an index node, or None.

    Proven structurally: constants and fills by value, inputs by a check at
    each call, and what only selects among such values (a reshape, a slice,
    a ``where``, a min or max -- an argmax is a min over positions) by the
    union of theirs.  Arithmetic on indices is not followed: its range is unknown.
    """
    op = node.op
    if node.dtype.kind not in "iu":
        return None
    if isinstance(op, Input):
        return None, None, frozenset({node})
    if isinstance(op, (Constant, Fill)):
        values = op.evaluate()
        return (int(values.min()), int(values.max()), frozenset()) if values.size else (0, 0, frozenset())
    if isinstance(op, Elementwise):
        parts = _selected_ranges(op.formula, node.inputs)
    elif isinstance(op, Concat):
        parts = [index_range(x) for x in node.inputs]
    elif isinstance(op, (Reshape, Slice, Gather, Roll, Extremum, Take)) or (
        isinstance(op, Contract) and not op.summed and len(node.inputs) == 1
    ):
        parts = [index_range(node.inputs[0])]
    else:
        return None
    if any(p is None for p in parts):
        return None
    known = [p for p in parts if p[0] is not None]
    return (
        min((p[0] for p in known), default=None),
        max((p[1] for p in known), default=None),
        frozenset().union(*(p[2] for p in parts)),
    )


def _selected_ranges(formula, inputs):
    """The ranges of the values an elementwise formula selects among: an operand, or a where of operands and integers."""
    if formula in E.A:
        return [index_range(inputs[E.placeholder_index(formula)])]
    if not isinstance(formula, sp.Piecewise):
        return [None]
    parts = []
    for value, _ in formula.args:
        if value.is_Integer:
            parts.append((int(value), int(value), frozenset()))
        elif value in E.A:
            parts.append(index_range(inputs[E.placeholder_index(value)]))
        else:
            return [None]
    return parts


# ---------------------------------------------------------------- reductions


@dataclass(frozen=True)
class Extremum(Op):
    """``max`` or ``min`` over ``axes``; ties share the derivative equally (as torch.amax)."""

    kind: str
    axes: tuple

    def shape(self, shape):
        return tuple(d for i, d in enumerate(shape) if i not in self.axes)

    def evaluate(self, x):
        return (np.max if self.kind == "max" else np.min)(x, axis=self.axes)

    def jvp(self, node, tangents):
        (t,) = tangents
        if t is None:
            return None
        (x,) = node.inputs
        kept = tuple(1 if i in self.axes else d for i, d in enumerate(x.shape))
        extremum = build.reshape(node, kept)
        is_extremum = build.ew(E.as_number(sp.Eq(E.A[0], E.A[1])), x, extremum, dtype=x.dtype)
        share = build.reduce_sum(build.ew(E.A[0] * E.A[1], is_extremum, t, dtype=node.dtype), self.axes)
        count = build.reduce_sum(is_extremum, self.axes)
        return build.ew(E.A[0] / E.A[1], share, count, dtype=node.dtype)
