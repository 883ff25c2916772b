"""The formulas behind ``jacobian_expr``, ``jvp_expr``, ``vjp_expr`` and ``hessian_expr``.

Small problems are scalarized: every element a SymPy expression, the
Jacobian a ``sympy.Matrix``.  Above ``SCALAR_LIMIT`` (an estimate of the
number of SymPy expressions scalarizing would build) the formulas come in
indexed form instead -- ``Eq(jvp[i], Sum(...))`` -- whose cost does not grow
with the arrays.
"""

import numpy as np
import sympy as sp

from ..errors import SymJvpError
from .indexed import NoIndexedForm, indexed_outputs
from .scalarize import element_symbols, scalar_cost, scalarize

#: Scalarize when it builds at most this many SymPy expressions; pass ``limit=`` to override.
SCALAR_LIMIT = 20_000


class TooLargeError(SymJvpError, ValueError):
    """Too large to scalarize, and without an indexed form."""


def input_symbols(graph):
    return [element_symbols(x.op.name, x.shape) for x in graph.inputs]


def symbols_of(graph):
    """{name: SymPy Array of the element symbols (or a Symbol for a 0-d input)}."""
    result = {}
    for x, array in zip(graph.inputs, input_symbols(graph)):
        result[x.op.name] = array[()] if array.shape == () else sp.Array(array.tolist(), array.shape)
    return result


def _limit(limit):
    return SCALAR_LIMIT if limit is None else int(limit)


def _scalarizable(graph, limit):
    return scalar_cost(graph) <= _limit(limit)


def _indexed(graph, names, shapes, limit, what):
    try:
        return indexed_outputs(graph, names, shapes)
    except NoIndexedForm as exc:
        raise TooLargeError(
            f"{what}: scalarizing would build about {scalar_cost(graph):,} SymPy expressions, more than the limit "
            f"of {_limit(limit):,}, and {exc}. Raise the limit with {what}(limit=...) or "
            f"symjvp.symbolic.SCALAR_LIMIT, or inspect a smaller size."
        ) from None


def _array(values):
    return values[()] if values.shape == () else sp.Array(values.tolist(), values.shape)


def _shape_structure(items, is_tuple):
    return tuple(items) if is_tuple else items[0]


def product_expr(graph, first_output, is_tuple, name, limit, what):
    """Outputs ``first_output:`` of a jvp/vjp graph as SymPy Arrays (or indexed equations)."""
    count = len(graph.outputs) - first_output
    if _scalarizable(graph, limit):
        values = scalarize(graph, input_symbols(graph))[first_output:]
        return _shape_structure([_array(v) for v in values], is_tuple)
    names = [name] if count == 1 else [f"{name}{k}" for k in range(count)]
    all_shapes = [graph.output_spec(k)[0] for k in range(len(graph.outputs))]
    equations = _indexed(graph, ["_"] * first_output + names, all_shapes, limit, what)[first_output:]
    return _shape_structure(equations, is_tuple)


def matrix_expr(graph, out_sizes, in_sizes, limit, what, name="J"):
    """A Jacobian graph's blocks as one ``sympy.Matrix``: outputs stacked, inputs side by side."""
    specs = [graph.output_spec(k) for k in range(len(graph.outputs))]
    if _scalarizable(graph, limit):
        blocks = scalarize(graph, input_symbols(graph))
        m = len(in_sizes)
        rows = [
            np.hstack([blocks[o * m + k].reshape(out_size, in_sizes[k]) for k in range(m)])
            for o, out_size in enumerate(out_sizes)
        ]
        return sp.Matrix(np.vstack(rows).tolist())
    names = [name if len(specs) == 1 else f"{name}_{o}_{k}" for o in range(len(out_sizes)) for k in range(len(in_sizes))]
    equations = _indexed(graph, names, [s for s, _ in specs], limit, what)
    return equations[0] if len(equations) == 1 else tuple(equations)
