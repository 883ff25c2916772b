"""A symbolic batch length: one kernel for every length of the axes a ``Spec`` leaves as ``None``.

Shapes are integers from the tracer to the printers, so a function with a
batch axis is traced and lowered at a placeholder length (a large prime,
``PLACEHOLDERS``) and its Kernel IR is then rewritten in the symbol
``n_batch``: an integer ``a·P + b`` (a stride, a loop's extent, ``P - 1`` at
a boundary) becomes ``a·n_batch + b``, a float ``p/P`` (a mean's factor)
becomes ``p/n_batch``.  Which numbers came from the placeholder is a guess,
so it is checked: the kernel is made at two placeholders and the two
rewritten kernels must print the same.  Where they do not (a constant array
as long as the batch, an integer constant near the placeholder), the kernel
depends on the length in a way this cannot say, and ``BatchLengthDependent``
tells the caller to specialize per length instead.
"""

import dataclasses

import sympy as sp

from ..runtime.batch import BatchLengthDependent
from .kernel_ir import loop_bounds

BATCH = sp.Symbol("n_batch", integer=True, positive=True)
#: Coefficients (and offsets) of n_batch above this are not believed to come from the placeholder.
_SMALL = 1 << 16


@dataclasses.dataclass(frozen=True)
class Span:
    """A loop over ``start <= i < stop`` where either end may depend on ``n_batch`` (a ``range`` cannot hold a symbol)."""

    start: object
    stop: object


def _integer(value, placeholder):
    """``value`` in balanced base ``placeholder``, as a polynomial in n_batch (``value`` itself when small)."""
    if abs(value) < placeholder // 2:
        return sp.Integer(value)
    digits, rest = [], value
    while rest:
        digit = (rest + placeholder // 2) % placeholder - placeholder // 2
        digits.append(digit)
        rest = (rest - digit) // placeholder
    if any(abs(d) > _SMALL for d in digits):
        return sp.Integer(value)
    return sum((sp.Integer(d) * BATCH**k for k, d in enumerate(digits)), sp.S.Zero)


def _float(value, placeholder):
    """``p/placeholder`` -> ``p/n_batch`` and ``p·placeholder`` -> ``p·n_batch`` for a small integer p; else ``value``."""
    for scaled, rewrite in ((value * placeholder, lambda p: sp.Float(p) / BATCH), (value / placeholder, lambda p: sp.Float(p) * BATCH)):
        p = round(scaled)
        if 1 <= abs(p) <= _SMALL and abs(scaled - p) <= 1e-9 * abs(p):
            return rewrite(p)
    return sp.Float(value)


def rewrite_number(number, placeholder):
    if isinstance(number, sp.Integer):
        return _integer(int(number), placeholder)
    if isinstance(number, sp.Rational):
        return _integer(int(number.p), placeholder) / _integer(int(number.q), placeholder)
    if isinstance(number, sp.Float):
        return _float(float(number), placeholder)
    return number


def rewrite(expression, placeholder):
    """``expression`` with the placeholder's multiples (and fractions) written in n_batch."""
    if isinstance(expression, int) and not isinstance(expression, bool):
        rewritten = _integer(expression, placeholder)
        return expression if rewritten.is_Integer else rewritten
    if not isinstance(expression, sp.Basic):
        return expression
    numbers = {n: rewrite_number(n, placeholder) for n in expression.atoms(sp.Number)}
    changed = {n: r for n, r in numbers.items() if r != n}
    return expression.xreplace(changed) if changed else expression


def _extent(extent, placeholder):
    first, stop = loop_bounds(extent)
    first, stop = rewrite(first, placeholder), rewrite(stop, placeholder)
    symbolic = isinstance(first, sp.Basic) and first.free_symbols or isinstance(stop, sp.Basic) and stop.free_symbols
    if not symbolic:
        return extent
    return stop if first == 0 else Span(first, stop)


def generalize(kernel, placeholder):
    """Rewrite ``kernel`` (Kernel IR, in place) in n_batch, and say where it reads n_batch from.

    Raises BatchLengthDependent when something depends on the length but no argument carries it.
    """
    r = lambda e: rewrite(e, placeholder)  # noqa: E731

    def pairs(items):
        return [(a, r(e)) for a, e in items]

    for buffer in kernel.arguments + kernel.temporaries:
        buffer.size = r(buffer.size)
        if buffer.shape is not None:
            buffer.shape = tuple(r(d) for d in buffer.shape)
    for nest in kernel.nests:
        nest.outer = [(v, _extent(n, placeholder)) for v, n in nest.outer]
        nest.inner = [(v, _extent(n, placeholder)) for v, n in nest.inner]
        nest.inner_assignments = pairs(nest.inner_assignments)
        nest.assignments = pairs(nest.assignments)
        nest.updates = pairs(nest.updates)
        nest.inner_stores = [(b, r(i), r(v), a) for b, i, v, a in nest.inner_stores]
        nest.stores = [(b, r(i), r(v), a) for b, i, v, a in nest.stores]
        nest.views = [(v, b, r(s), r(n)) for v, b, s, n in nest.views]
    kernel.batch_length = _batch_source(kernel)
    if kernel.batch_length is None and any(depends_on_batch(b.size) for b in kernel.temporaries):
        raise BatchLengthDependent(f"{kernel.name} allocates by the batch length but takes no batched input")
    return kernel


def depends_on_batch(value):
    return isinstance(value, sp.Basic) and BATCH in value.free_symbols


def _batch_source(kernel):
    for buffer in kernel.arguments:
        for axis, length in enumerate(buffer.shape or ()):
            if length == BATCH:
                return buffer.name, axis
    return None


def length_text(length):
    """A rewritten length as plain data: an int, or its expression in n_batch as text (runtime/batch.py reads it)."""
    return str(length) if isinstance(length, sp.Basic) and length.free_symbols else int(length)


def symbolic_shape(shape, placeholder):
    """A traced shape with its batch-dependent lengths as text in n_batch."""
    return tuple(length_text(rewrite(int(d), placeholder)) for d in shape)


def _slice_conditions(starts, steps, lengths, whole, placeholder):
    """For each axis of the whole array, ``0 <= first`` and ``last <= whole - 1`` of the positions a slice picks."""
    for start, step, length, n in zip(starts, steps, lengths, whole):
        if length == 0 or not depends_on_batch(rewrite(int(n), placeholder)) or (start, step, length) == (0, 1, n):
            continue
        first, n = rewrite(int(start), placeholder), rewrite(int(n), placeholder)
        last = first + (rewrite(int(length), placeholder) - 1) * int(step)
        yield from (first, last, n - 1 - first, n - 1 - last, rewrite(int(length), placeholder))


def _graph_conditions(graph, placeholder):
    """Expressions in n_batch that must be >= 0 for the graph to mean at length n_batch what it means at the placeholder."""
    from ..graph import ops

    for node in graph.nodes():
        op = node.op
        if isinstance(op, ops.Slice):
            yield from _slice_conditions(op.starts, op.steps, op.lengths, node.inputs[0].shape, placeholder)
        elif isinstance(op, ops.Embed):
            yield from _slice_conditions(op.starts, op.steps, node.inputs[0].shape, op.out_shape, placeholder)
        elif isinstance(op, ops.Roll):
            n = rewrite(int(node.shape[op.axis]), placeholder)
            yield from (rewrite(op.shift, placeholder), n - rewrite(op.shift, placeholder))
        elif isinstance(op, (ops.Gather, ops.ScatterAdd)) and op.table.array.size:
            n = node.inputs[0].shape[op.axis] if isinstance(op, ops.Gather) else op.length
            yield rewrite(int(n), placeholder) - 1 - int(op.table.array.max())


def _kernel_conditions(kernel):
    for nest in kernel.nests:
        for _, extent in nest.outer + nest.inner:
            first, stop = loop_bounds(extent)
            yield sp.sympify(stop) - sp.sympify(first)


def least_batch_length(graph, kernel, placeholder):
    """The least batch length the kernel computes right (``kernel`` generalized from ``graph`` at ``placeholder``).

    Slices, rolls and fixed indices along the batch axis mean what they meant at
    the placeholder only from some length on (``x[:2]`` needs two rows), and
    the lowering splits off boundary iterations (``range(2)``, ``range(2,
    n_batch - 2)``) that overlap or overrun below it; shorter batches get a
    kernel of their own length.
    """
    least = 0
    kernel_conditions = list(_kernel_conditions(kernel)) if kernel is not None else []
    for condition in list(_graph_conditions(graph, placeholder)) + kernel_conditions:
        condition = sp.expand(condition)
        if not condition.has(BATCH):
            continue
        polynomial = sp.Poly(condition, BATCH)
        roots = [r for r in polynomial.real_roots()]
        n = max(0, int(sp.ceiling(max(roots)))) if roots else 0
        while polynomial.eval(n) < 0:
            n += 1
        least = max(least, n)
    return least


def rows_independent(graph, placeholder):
    """Whether every output's row along the batch axis comes from the same row of the batched inputs alone.

    Then a batch may be cut into chunks that run apart (Dask): nothing sums,
    shifts, slices, gathers or reshapes across the batch axis, and every array
    has the axis at most once (and every output exactly once).
    """
    from math import prod

    from ..graph import ops

    def batched(d):
        return d == placeholder

    for node in graph.nodes():
        op, shape = node.op, node.shape
        if sum(map(batched, shape)) > 1 or any(depends_on_batch(rewrite(int(d), placeholder)) and not batched(d) for d in shape):
            return False
        x = node.inputs[0].shape if node.inputs else ()
        if isinstance(op, ops.Contract) and any(batched(op.size_of[c]) for c in op.summed):
            return False
        if isinstance(op, ops.Extremum) and any(batched(x[a]) for a in op.axes):
            return False
        if isinstance(op, (ops.Slice, ops.Embed)):
            whole = x if isinstance(op, ops.Slice) else op.out_shape
            if any(batched(n) and (s, st) != (0, 1) for n, s, st in zip(whole, op.starts, op.steps)):
                return False
        if isinstance(op, ops.Roll) and batched(shape[op.axis]):
            return False
        if isinstance(op, (ops.Gather, ops.ScatterAdd, ops.Take, ops.PutAdd)) and (
            batched(x[op.axis]) or op.axis < len(shape) and batched(shape[op.axis])
        ):
            return False
        if isinstance(op, ops.Reshape) and any(map(batched, x)):
            if not any(map(batched, shape)):
                return False
            before = prod(x[: list(map(batched, x)).index(True)])
            if before != prod(shape[: list(map(batched, shape)).index(True)]):
                return False
        if isinstance(op, ops.Eye) and any(map(batched, op.inner)):
            return False
    return all(out is None or sum(map(batched, out.shape)) == 1 for out in graph.outputs)
