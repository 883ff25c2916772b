"""Loop-invariant code motion for one nest, on its SymPy expressions.

Every assignment runs at the outermost loop level whose variables it uses,
and every larger piece of an expression that does not vary in the loop
around it is named and computed outside that loop.  LLVM cannot do this
itself: as far as it knows a store to an output may change an input, so it
reloads and recomputes everything per iteration -- the rotation of a
bundle-adjustment point once for each of its two residuals (3-4x slower),
``sin(row_sum[i])`` once for every element of the row.
"""

import itertools
import math

import sympy as sp

from .. import tuning
from ..lower.kernel_ir import at_least, loop_bounds

#: Lifted pieces are named PREFIX + a number, a name lowering never gives an input (lower/lowering.py).
PREFIX = "inv"


class Schedule:
    """Where each statement of ``nest`` runs.

    ``levels[k]`` holds what runs just inside the first ``k`` outer loops
    (level 0: before all of them), as
    ``("view", view, buffer, start, length)`` or ``("assign", symbol, expr)``;
    ``inner_assignments``, ``updates``, ``inner_stores``, ``assignments``
    and ``stores`` are what stays in its place, with invariant pieces
    replaced by their names.  ``bounds`` names, for a loop whose rows go
    through views, one of those views: the loop runs to its length.
    """

    def __init__(self, nest, names, views=True):
        self._names = names
        self._make_views = views
        outer = len(nest.outer)
        self.levels = [[] for _ in range(outer + 1)]
        self._depth = {str(var): k + 1 for k, (var, _) in enumerate(nest.outer)}
        self._depth.update({str(var): outer + 1 for var, _ in nest.inner})
        self._loop_variables = set(self._depth)
        # Accumulators change in the inner loops; a buffer this nest writes may change at any store.
        unmovable = [acc for acc, _ in nest.accumulators] + [store[0] for store in nest.stores + nest.inner_stores]
        self._depth.update({str(name): math.inf for name in unmovable})
        self._written = {str(name) for name in unmovable}
        self._views = {}
        self.bounds = {}
        #: Assignments that are loop-index arithmetic, so that ``x[t0]`` is seen as ``x[200*i0 + i1]``.
        self._indices = {}

        for view, buffer, start, length in nest.views:
            level = self._level(start)
            self._depth[view] = level
            self.levels[level].append(("view", view, buffer, start, length))
        inner = outer + 1
        # The innermost loop reads and writes rows through views (see _view).
        rows = nest.inner[-1] if nest.inner else None
        self.inner_assignments = self._place_or_keep(nest.inner_assignments, inner, inner, rows)
        self.updates = [(acc, self._lift(self._through_views(term, rows), inner)) for acc, term in nest.updates]
        self.inner_stores = [self._lifted_store(store, inner, rows) for store in nest.inner_stores]
        # After the inner loops, only what does not need their results may move up.
        after_inner = outer + 1 if nest.inner else math.inf
        rows = nest.outer[-1] if outer >= 2 and not nest.inner else None
        self.assignments = self._place_or_keep(nest.assignments, outer, after_inner, rows)
        self.stores = [self._lifted_store(store, outer, rows) for store in nest.stores]

    def _level(self, expr):
        return max([self._depth.get(name, 0) for name in _free_names(expr)], default=0)

    def _view(self, buffer, index, rows):
        """``(view, index in it)`` for ``buffer[index]`` when index is (outside part) + the ``rows`` loop's variable.

        ``buffer[start + i]`` for a flat buffer computes its address afresh in
        every iteration; ``view[i]`` of a view taken outside the loop is the
        plain unit-stride walk of a two-dimensional array, which LLVM turns
        into tighter vector code (the seed's jvp: 2.2 -> 1.85 ms).  The loop
        then runs to the view's length (``bounds``), which LLVM cannot fold
        to a constant: with a constant trip count it unrolled the seed jvp's
        row loop so far that it spilled vector registers to the stack inside
        the loop, 10-60 % slower than hand-written code depending on the process.
        """
        if rows is None or not self._make_views:
            return None
        variable, extent = rows
        first, stop = loop_bounds(extent)
        if not at_least(stop - first, tuning.VIEW_MIN_TRIPS):
            return None
        start = sp.expand(index.xreplace(self._indices) - variable)
        if start == 0 or variable in start.free_symbols or self._level(start) >= self._depth[str(variable)]:
            return None
        key = (buffer, start, first)
        if key not in self._views:
            name = f"{PREFIX}{next(self._names)}"
            level = self._level(start)
            self.levels[level].append(("view", name, buffer, start + first, stop - first))
            self._depth[name] = math.inf if buffer in self._written else level
            self._views[key] = name
            self.bounds.setdefault(str(variable), name)
        return self._views[key], variable - first

    def _through_views(self, expr, rows):
        if rows is None or not isinstance(expr, sp.Basic):
            return expr
        replaced = {}
        for load in expr.atoms(sp.Indexed):
            view = self._view(str(load.base.label), load.indices[0], rows)
            if view is not None:
                replaced[load] = sp.IndexedBase(view[0])[view[1]]
        return expr.xreplace(replaced) if replaced else expr

    def _place_or_keep(self, assignments, runs_at, movable_below, rows):
        kept = []
        for symbol, expr in assignments:
            if isinstance(expr, sp.Basic) and _free_names(expr) <= self._loop_variables:
                self._indices[symbol] = expr.xreplace(self._indices)
            expr = self._through_views(expr, rows)
            level = self._level(expr)
            if level < movable_below and level <= runs_at:
                expr = self._lift(expr, level)
                self.levels[level].append(("assign", symbol, expr))
            else:
                kept.append((symbol, self._lift(expr, runs_at)))
                level = max(level, runs_at)
            self._depth[str(symbol)] = level
        return kept

    def _lifted_store(self, store, runs_at, rows):
        buffer, index, value, accumulate = store
        value = self._lift(self._through_views(value, rows), runs_at)
        view = self._view(str(buffer), index, rows)
        return (buffer, index, value, accumulate) if view is None else (view[0], view[1], value, accumulate)

    def _lift(self, expr, runs_at):
        """``expr`` with each largest piece that varies only outside level ``runs_at`` named and placed there."""
        if not isinstance(expr, sp.Expr) or (expr.is_Atom and not isinstance(expr, sp.Indexed)):  # a load is worth it
            return expr
        if self._liftable(expr, runs_at):
            return self._named(expr)
        if isinstance(expr, sp.Indexed) or not all(isinstance(arg, sp.Expr) for arg in expr.args):
            return expr
        args = expr.args
        if isinstance(expr, (sp.Add, sp.Mul)):
            # The invariant terms or factors of a sum or product together form one piece.
            invariant = [arg for arg in args if self._level(arg) < runs_at]
            if len(invariant) > 1 and self._liftable(expr.func(*invariant), runs_at):
                args = [self._named(expr.func(*invariant))] + [arg for arg in args if self._level(arg) >= runs_at]
        return expr.func(*[self._lift(arg, runs_at) for arg in args])

    def _liftable(self, expr, runs_at):
        """Computed outside level ``runs_at``, and more than loop-index arithmetic (LLVM hoists that itself)."""
        return self._level(expr) < runs_at and not _free_names(expr) <= self._loop_variables

    def _named(self, expr):
        # An integer stays known as one (the printer picks integer max/min and powers by it).
        name = sp.Symbol(f"{PREFIX}{next(self._names)}", **({"integer": True} if expr.is_integer else {}))
        level = self._level(expr)
        self._depth[str(name)] = level
        self.levels[level].append(("assign", name, expr))
        return name


def _free_names(expr):
    return {str(symbol) for symbol in getattr(expr, "free_symbols", ())}


def schedules(kernel, views=True):
    """One Schedule per nest of ``kernel``, its lifted names numbered across the kernel (every printer shares them).

    ``views=False``: rows are read through flat indices (a GPU thread walks no row, so a view gains nothing).
    """
    names = itertools.count()
    return [Schedule(nest, names, views) for nest in kernel.nests]
