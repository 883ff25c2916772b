"""The indexed form: one formula per output, at a symbolic index, for any size.

``jvp[i] = Sum(exp(x[i, j])*v_x[i, j], (j, 0, 1999))``: the lowering's
element rules (the same ones the kernels are generated from) evaluated at
symbolic indices, with reductions kept as SymPy ``Sum``s instead of loops.
Its cost depends on the function, not on the array sizes.
"""

import numpy as np
import sympy as sp

from ..errors import UnsupportedOperationError
from ..graph import ops
from ..lower.kernel_ir import floordiv, imod, index_equal
from ..lower.lowering import Index, _Lowering

_NAMES = "ijklmnpqrs"


class NoIndexedForm(UnsupportedOperationError):
    """This graph has an operation with no closed indexed form (a max over an axis, a scatter)."""


def index_symbol(name):
    return sp.Symbol(name, integer=True, nonnegative=True)


class _IndexedForm(_Lowering):
    def __init__(self, graph):
        super().__init__(graph)
        self._names = iter([c for c in _NAMES] + [f"i{k}" for k in range(100)])

    def fresh(self):
        return index_symbol(next(self._names))

    @staticmethod
    def _read(name, node, index):
        multi = index.multi()
        value = sp.IndexedBase(name, real=True)[multi] if multi else sp.Symbol(name, real=True)
        return sp.Ne(value, 0) if node.dtype == np.bool_ else value

    def compute(self, node, index):
        op = node.op
        if isinstance(op, ops.Contract) and op.summed:
            letter = dict(zip(op.out, index.multi()))
            dummies = {c: self.fresh() for c in op.summed}
            letter.update(dummies)
            limits = [(dummies[c], 0, op.size_of[c] - 1) for c in op.summed]
            return sp.Sum(self._product(node, letter), *limits)
        if isinstance(op, ops.Eye):
            multi = index.multi()
            return sp.KroneckerDelta(multi[0], Index(op.inner, multi=multi[1:]).flat())
        if isinstance(op, ops.Roll):
            multi = list(index.multi())
            multi[op.axis] = sp.Mod(multi[op.axis] - op.shift, node.shape[op.axis])
            return self.element(node.inputs[0], Index(node.shape, multi=multi))
        if isinstance(op, (ops.Extremum, ops.ScatterAdd)):
            what = "a max/min over an axis" if isinstance(op, ops.Extremum) else "a scatter-add"
            raise NoIndexedForm(f"{what} has no closed indexed form")
        return super().compute(node, index)

    def output(self, k, indices):
        node = self.graph.outputs[k]
        if node is None:
            return sp.S.Zero
        return self.element(node, Index(node.shape, multi=indices))


def _readable(expr):
    expr = expr.replace(index_equal, lambda a, b: sp.Eq(a, b))
    expr = expr.replace(floordiv, lambda a, b: sp.floor(a / b))
    expr = expr.replace(imod, lambda a, b: sp.Mod(a, b))
    if expr.has(sp.KroneckerDelta) and expr.has(sp.Sum):
        expr = expr.doit()
    return expr


def indexed_outputs(graph, names, shapes, split=None):
    """``Eq(name[i, j], formula)`` for each output of ``graph``.

    ``split``: for Jacobian blocks, how many leading indices belong to the
    output (the rest to the input); only used to name the indices.
    """
    form = _IndexedForm(graph)
    equations = []
    for k, (name, shape) in enumerate(zip(names, shapes)):
        indices = [form.fresh() for _ in shape]
        lhs = sp.IndexedBase(name)[tuple(indices)] if indices else sp.Symbol(name)
        equations.append(sp.Eq(lhs, _readable(form.output(k, indices)), evaluate=False))
        form._names = iter([c for c in _NAMES] + [f"i{k}" for k in range(100)])
        form.memo.clear()
    return equations
