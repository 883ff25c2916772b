"""Per-point kernels: one loop over the points around straight-line code for one point.

A vmapped function's Jacobian is one small Jacobian per point.  Lowered like
any graph, its per-point structure is lost in loops: one-hot basis tests,
index tables and captured matrices are read at run time, and products with
their zeros cost as much as the rest.  Scalarized for one point instead,
every index is a number, captured values are literals, structural zeros
vanish, and CSE sees the whole point: what one writes by hand.

Each iteration takes views of its point's block of the inputs and outputs
(``view0 = y[20*i0:20*i0 + 20]``) and reads each input element once into a
local, so the body indexes with plain numbers (Numba's compile time grows
with every indexing it lowers).
"""

import numpy as np
import sympy as sp

from .. import tuning
from ..graph import ops
from ..graph.node import PerPoint
from ..symbolic.scalarize import scalar_cost, scalarize
from .kernel_ir import Buffer, Kernel, Nest, loop_variable


def one_point_if_small(jacobian):
    """Mark a small Jacobian that reads captured arrays or index tables to be lowered as one point.

    Scalarized, those values are literals: one-hot tests are decided, zeros
    of captured matrices vanish and structural zeros are not stored, where
    loops would read them at run time.
    """
    captured = (ops.Constant, ops.Gather, ops.ScatterAdd)
    nodes = jacobian.nodes()
    if jacobian.per_point is None and any(isinstance(n.op, captured) for n in nodes) and not _indexes_at_run_time(nodes):
        if scalar_cost(jacobian) <= tuning.SMALL_JACOBIAN_SCALARS:
            jacobian.per_point = PerPoint(jacobian, (None,) * len(jacobian.inputs), 1)
    return jacobian


def _indexes_at_run_time(nodes):
    """Indices known only at run time have no literal value to scalarize with."""
    return any(isinstance(n.op, (ops.Take, ops.PutAdd)) for n in nodes)


def lower_per_point(graph, names, name, header):
    """The Kernel of ``graph`` (which has ``graph.per_point``), or None if one point is too big."""
    point = graph.per_point
    if _indexes_at_run_time(point.graph.nodes()) or scalar_cost(point.graph) > tuning.PER_POINT_SCALAR_LIMIT:
        return None
    p = loop_variable("i0") if point.size > 1 else sp.S.Zero
    views, values, loads = [], [], {}
    for x, inner, axis, label in zip(graph.inputs, point.graph.inputs, point.axes, names):
        if axis == 0:
            view = f"view{len(views)}"
            views.append((view, label, p * inner.size, inner.size))
            elements = np.empty(inner.shape, dtype=object)
            for flat, index in enumerate(np.ndindex(*inner.shape)):
                elements[index] = sp.Symbol(f"{view}_{flat}", real=True)
                loads[elements[index]] = sp.IndexedBase(view)[flat]
            values.append(elements)
        else:
            values.append(_point_elements(x, inner, axis, p, label))
    per_point = scalarize(point.graph, values)
    # Over many points every element is stored, zeros too, into an uninitialized buffer: a zeroed
    # one costs an extra pass over it (calloc clears reused memory; fresh pages fault in zeroed).
    # 10^4 mass-action 20x20 Jacobians: 1.6-2.0 ms zeroed, 1.1-1.2 ms so.
    store_zeros = point.size > 1
    expressions, targets, temporaries = [], [], []
    for out, elements in zip(graph.outputs, per_point):
        if out is None:
            continue
        buffer = f"out{len(temporaries)}"
        size = int(np.prod(out.shape, dtype=np.int64))
        passed_in = size * out.dtype.itemsize >= tuning.CALLER_ALLOCATES_BYTES
        temporaries.append(Buffer(buffer, size, out.dtype, "output", not store_zeros, passed_in, out.shape))
        view = buffer
        if point.size > 1:
            view = f"view{len(views)}"
            views.append((view, buffer, p * elements.size, elements.size))
        for flat, value in enumerate(elements.reshape(-1)):
            value = sp.sympify(value)
            if value != 0 or store_zeros:
                expressions.append(value)
                targets.append((view, flat))
    assignments, reduced = sp.cse(expressions, symbols=sp.numbered_symbols("t"), order="none")
    used = set().union(*[e.free_symbols for _, e in assignments], *[v.free_symbols for v in reduced])
    # Each input element is read once into a local; repeated reads would each be lowered anew.
    reads = [(symbol, load) for symbol, load in loads.items() if symbol in used]
    stores = [(buffer, index, value, False) for (buffer, index), value in zip(targets, reduced)]
    outer = [(p, point.size)] if point.size > 1 else []
    nest = Nest(outer=outer, views=views, assignments=reads + assignments, stores=stores)
    nest.comment = "one point per iteration" if outer else "unrolled, structural zeros not stored"
    nest.parallel = nest.worth_parallel()
    arguments = [Buffer(n, x.size, x.dtype, "argument", shape=x.shape) for x, n in zip(graph.inputs, names)]
    outputs = [b.name for b in temporaries]
    return Kernel(name, arguments, temporaries, outputs, [nest], header)


def _point_elements(x, inner, axis, p, name):
    """Input ``x``'s elements at point ``p``, as an array shaped like the per-point input."""
    strides = np.cumprod((1,) + x.shape[:0:-1])[::-1] if x.ndim else ()
    elements = np.empty(inner.shape, dtype=object)
    for index in np.ndindex(*inner.shape):
        full = index if axis is None else index[:axis] + (p,) + index[axis:]
        elements[index] = sp.IndexedBase(name)[sum(int(s) * i for s, i in zip(strides, full))]
    return elements
