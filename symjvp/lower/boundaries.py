"""Index-set splitting: peel the boundary iterations off a loop.

Rolls, concatenations, pads and one-hot rows make indices like
``(i0 + 1) if i0 < n - 1 else 0`` or ``min(max(i0 - 3, 0), n - 1)``.  Per
element they cost little, but they turn contiguous loads into gathers, so
LLVM will not vectorize the loop.  Every such test compares a loop index
with a constant, so its outcome changes only at a few breakpoints: the
largest stretch between breakpoints (the interior) gets a copy of the body
with every test decided, and the few iterations outside it keep the general
body.  Only outer (independent) loops are split, so iteration order does
not matter.
"""

import sympy as sp

from .. import tuning
from .kernel_ir import index_equal, loop_bounds

_RELATIONS = (sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan, sp.GreaterThan)


def split_boundaries(nest):
    """``nest`` as a list of nests over disjoint ranges of its outer loops, the interior specialised."""
    for position, (variable, extent) in enumerate(nest.outer):
        start, stop = loop_bounds(extent)
        if stop - start < tuning.SPLIT_MIN_TRIPS:
            continue
        interior = _interior(_expressions(nest), variable, start, stop)
        if interior is None:
            continue
        low, high = interior
        pieces = []
        for segment_start, segment_stop, body in (
            (start, low, None),
            (low, high, lambda e: _decide(e, variable, low, high)),
            (high, stop, None),
        ):
            if segment_stop <= segment_start:
                continue
            piece = _restricted(nest, position, segment_start, segment_stop, body)
            piece.parallel = piece.worth_parallel()
            if body is None:
                piece.comment = "boundary iterations"
                pieces.append(piece)
            else:
                piece.comment = "interior iterations: index tests decided"
                pieces.extend(split_boundaries(piece))
        return pieces
    return [nest]


def _expressions(nest):
    yield from (e for _, e in nest.assignments + nest.inner_assignments + nest.updates)
    for _, index, value, _ in nest.stores + nest.inner_stores:
        yield index
        yield value


def _affine(difference, variable):
    """(a, b) with ``difference == a*variable + b`` for numbers a, b; None otherwise."""
    if difference.free_symbols - {variable}:
        return None
    a = difference.coeff(variable)
    b = difference.subs(variable, 0)
    if not (a.is_Number and b.is_Number) or sp.expand(difference - a * variable - b) != 0:
        return None
    return a, b


def _tests(expr, variable):
    """Affine ``a*variable + b`` whose sign some index test or clamp of ``expr`` depends on."""
    for atom in expr.atoms(*_RELATIONS, index_equal):
        found = _affine(atom.args[0] - atom.args[1], variable)
        if found:
            yield found
    for atom in expr.atoms(sp.Min, sp.Max):
        for k, first in enumerate(atom.args):
            for second in atom.args[k + 1 :]:
                found = _affine(first - second, variable)
                if found:
                    yield found


def _interior(expressions, variable, start, stop):
    """The longest ``[low, high)`` in which no test changes its outcome, if it is a strict, large part."""
    points = {start, stop}
    for a, b in {t for e in expressions for t in _tests(e, variable)}:
        if a != 0:
            crossing = int(sp.floor(-b / a))
            points.update(p for p in (crossing, crossing + 1) if start < p < stop)
    if len(points) == 2:
        return None
    edges = sorted(points)
    low, high = max(zip(edges, edges[1:]), key=lambda segment: segment[1] - segment[0])
    return (low, high) if 2 * (high - low) >= stop - start else None


def _sign_range(affine, low, high):
    a, b = affine
    ends = (a * low + b, a * (high - 1) + b)
    return min(ends), max(ends)


def _decide(expr, variable, low, high):
    """``expr`` with every test and clamp that is constant on ``[low, high)`` resolved."""
    for _ in range(8):
        replacements = {}
        for atom in expr.atoms(*_RELATIONS, index_equal):
            affine = _affine(atom.args[0] - atom.args[1], variable)
            if affine is None:
                continue
            smallest, largest = _sign_range(affine, low, high)
            outcome = _relation_outcome(atom, smallest, largest)
            if outcome is not None:
                replacements[atom] = sp.true if outcome else sp.false
        for atom in expr.atoms(sp.Min, sp.Max):
            kept = _dominant(atom, variable, low, high)
            if len(kept) < len(atom.args):
                replacements[atom] = atom.func(*kept)
        if not replacements:
            return expr
        expr = expr.xreplace(replacements)
    return expr


def _relation_outcome(atom, smallest, largest):
    """True/False if ``atom`` (of ``lhs - rhs`` in [smallest, largest]) always is or is not; else None."""
    if isinstance(atom, index_equal):
        if smallest == largest == 0:
            return True
        return False if smallest > 0 or largest < 0 else None
    holds_at = {
        sp.StrictLessThan: lambda d: d < 0,
        sp.LessThan: lambda d: d <= 0,
        sp.StrictGreaterThan: lambda d: d > 0,
        sp.GreaterThan: lambda d: d >= 0,
    }[type(atom)]
    at_small, at_large = bool(holds_at(smallest)), bool(holds_at(largest))
    return at_small if at_small == at_large else None


def _dominant(extremum, variable, low, high):
    """The arguments of a Min/Max that can be the result somewhere on ``[low, high)``."""
    pick_smaller = isinstance(extremum, sp.Min)
    kept = list(extremum.args)
    for candidate in extremum.args:
        for other in kept:
            if other is candidate:
                continue
            affine = _affine(candidate - other, variable)
            if affine is None:
                continue
            smallest, largest = _sign_range(affine, low, high)
            if (pick_smaller and smallest >= 0) or (not pick_smaller and largest <= 0):
                kept.remove(candidate)
                break
    return kept


def _restricted(nest, position, start, stop, rewrite):
    """A copy of ``nest`` whose loop at ``position`` runs over ``range(start, stop)``.

    ``rewrite`` (if any) is applied to every expression; CSE temporaries it
    turns into constants are substituted into their uses and dropped.
    """
    from dataclasses import replace

    outer = list(nest.outer)
    outer[position] = (outer[position][0], range(start, stop))
    known = {}

    def rewritten(expr):
        expr = expr.xreplace(known) if known else expr
        return rewrite(expr) if rewrite else expr

    def assignments(items):
        kept = []
        for symbol, expr in items:
            value = rewritten(expr)
            if rewrite and (value.is_Number or isinstance(value, sp.logic.boolalg.BooleanAtom)):
                known[symbol] = value
            else:
                kept.append((symbol, value))
        return kept

    def stores(items):
        return [(b, rewritten(i), rewritten(v), acc) for b, i, v, acc in items]

    inner_assignments = assignments(nest.inner_assignments)
    return replace(
        nest,
        outer=outer,
        inner_assignments=inner_assignments,
        updates=[(acc, rewritten(term)) for acc, term in nest.updates],
        inner_stores=stores(nest.inner_stores),
        assignments=assignments(nest.assignments),
        stores=stores(nest.stores),
    )
