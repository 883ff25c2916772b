"""Scalarize: evaluate a graph on arrays of SymPy expressions.

Every element of every output becomes a SymPy expression.  The formulas are
the ones the kernels print -- the same graph, the same per-op rules -- so
the formula you read is the formula that is evaluated.  Ops whose NumPy
reference works on object arrays (contractions, reshapes, slices, gathers,
...) reuse it; elementwise ops substitute into their formula; extrema take
SymPy ``Max``/``Min``.
"""

import numpy as np
import sympy as sp

from ..graph import ops
from ..graph.node import topological_order


def element_symbols(name, shape, real=True):
    """An object array of ``name[i, j]`` (an ``Indexed``), or the symbol ``name`` for a 0-d input."""
    if not shape:
        array = np.empty((), dtype=object)
        array[()] = sp.Symbol(name, real=real)
        return array
    base = sp.IndexedBase(name, real=real)
    array = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        array[index] = base[index]
    return array


def number(value):
    """A NumPy value as an exact SymPy number where it is one (1.0 -> 1, 0.5 -> 1/2)."""
    if isinstance(value, (bool, np.bool_)):
        return sp.true if value else sp.false
    if isinstance(value, sp.Basic):
        return value
    value = float(value) if not isinstance(value, (int, np.integer)) else int(value)
    if isinstance(value, int) or value.is_integer():
        return sp.Integer(int(value))
    return sp.Float(value, 17)


_as_numbers = np.frompyfunc(number, 1, 1)


def _objects(array):
    array = np.asarray(array)
    return _as_numbers(array) if array.dtype != object else array


def _elementwise(op, arrays):
    placeholders = op.placeholders(len(arrays))

    def substitute(*values):
        return op.formula.xreplace(dict(zip(placeholders, values)))

    if not arrays:
        return np.asarray(op.formula, dtype=object)
    return np.asarray(np.frompyfunc(substitute, len(arrays), 1)(*arrays), dtype=object)


def _extremum(op, x):
    combine = np.frompyfunc(sp.Max if op.kind == "max" else sp.Min, 2, 1)
    for axis in sorted(op.axes, reverse=True):
        x = combine.reduce(x, axis=axis)
    return np.asarray(x, dtype=object)


def _is_index(value, k, length):
    return sp.Eq(value, k) | sp.Eq(value, k - length) if not value.is_Integer else sp.true if value % length == k else sp.false


def _selection(values, index, length):
    """The element of ``values`` (along its first axis) that ``index``, a number known at run time, names."""
    return sp.Piecewise(*[(values[k], _is_index(index, k, length)) for k in range(length)], (sp.nan, True))


def _take(op, x, indices, out_shape):
    """``Take`` on symbols: each element a selection by the value of its index (a number only at run time)."""
    out = np.empty(out_shape, dtype=object)
    length = x.shape[op.axis]
    index_ndim = indices.ndim - op.batch
    for position in np.ndindex(*out_shape):
        index = indices[position[: op.batch] + position[op.axis : op.axis + index_ndim]]
        row = x[position[: op.axis] + (slice(None),) + position[op.axis + index_ndim :]]
        out[position] = _selection(list(row), index, length)
    return out


def _put_add(op, x, indices, out_shape):
    out = np.full(out_shape, sp.S.Zero, dtype=object)
    index_ndim = indices.ndim - op.batch
    for position in np.ndindex(*x.shape):
        index = indices[position[: op.batch] + position[op.axis : op.axis + index_ndim]]
        for k in range(op.length):
            target = position[: op.axis] + (k,) + position[op.axis + index_ndim :]
            out[target] += sp.Piecewise((x[position], _is_index(index, k, op.length)), (0, True))
    return out


def scalarize(graph, values):
    """The outputs of ``graph`` as object arrays of SymPy expressions, for input arrays ``values``."""
    env = {id(x): np.asarray(v, dtype=object).reshape(x.shape) for x, v in zip(graph.inputs, values)}
    for node in topological_order(graph.outputs):
        if id(node) in env:
            continue
        op = node.op
        arrays = [env[id(x)] for x in node.inputs]
        if isinstance(op, ops.Elementwise):
            result = _elementwise(op, arrays)
        elif isinstance(op, ops.Extremum):
            result = _extremum(op, arrays[0])
        elif isinstance(op, ops.Take):
            result = _take(op, *arrays, node.shape)
        elif isinstance(op, ops.PutAdd):
            result = _put_add(op, *arrays, node.shape)
        elif isinstance(op, ops.Input):
            raise ValueError(f"no value for input {op.name!r}")
        else:
            result = _objects(op.evaluate(*arrays))
        env[id(node)] = np.broadcast_to(result, node.shape)
    outputs = []
    for k, out in enumerate(graph.outputs):
        if out is None:
            shape, _ = graph.zero_specs[k]
            outputs.append(np.full(shape, sp.S.Zero, dtype=object))
        else:
            outputs.append(np.array(env[id(out)], dtype=object).reshape(out.shape))
    return outputs


def scalar_cost(graph):
    """Roughly how many SymPy expressions scalarizing ``graph`` builds."""
    total = 0
    for node in topological_order(graph.outputs):
        work = node.size
        if isinstance(node.op, ops.Contract):
            size_of = node.op.size_of
            work *= int(np.prod([size_of[c] for c in node.op.summed], dtype=np.int64))
        total += work
    return total
