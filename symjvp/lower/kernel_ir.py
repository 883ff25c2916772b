"""Kernel IR: loop nests around CSE'd scalar SymPy assignments.

This is what the printers turn into source; it has no Numba in it, so the
CPU and CUDA printers share it.
"""

import functools
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .. import tuning


def _memoized(eval_function):
    """SymPy's own cache of function constructions is small; index arithmetic repeats far more than it holds."""
    return classmethod(functools.lru_cache(maxsize=1 << 16)(eval_function))


class floordiv(sp.Function):
    """Integer division of loop indices (unravelling a flat index)."""

    nargs = 2
    is_integer = True

    def _evaluated(cls, a, b):
        if b == 1:
            return a
        if a.is_Integer and b.is_Integer:
            return sp.Integer(int(a) // int(b))
        quotient = sp.floor(a / b)
        return None if quotient.has(sp.floor) else quotient

    eval = _memoized(_evaluated)


class opaque(sp.Function):
    """A value SymPy must not combine with an equal one: ``opaque(x, 0) - opaque(x, 1)`` stays a subtraction.

    SymPy would cancel ``x - x`` to 0 and ``x/x`` to 1, which IEEE arithmetic
    does not do for inf and NaN; the tag tells the two apart. Printed as the value,
    which is a real number (SymPy must not expand it to find out: see ``_read`` in lowering.py).
    """

    nargs = 2
    is_real = True


class imod(sp.Function):
    """Non-negative remainder of loop indices."""

    nargs = 2
    is_integer = True

    def _evaluated(cls, a, b):
        if b == 1:
            return sp.S.Zero
        if a.is_Integer and b.is_Integer:
            return sp.Integer(int(a) % int(b))
        remainder = sp.Mod(a, b)
        return None if remainder.has(sp.Mod) else remainder

    eval = _memoized(_evaluated)


class index_equal(sp.logic.boolalg.BooleanFunction):
    """``a == b`` for integer indices, left alone by SymPy.

    SymPy's ``Eq`` canonicalises (``Eq(3*i + 1, j)`` into ``Eq(i, j/3 - 1/3)``),
    which would bring floating-point fractions into integer index tests.
    """

    nargs = 2

    @classmethod
    def eval(cls, a, b):
        difference = a - b
        if difference.is_Integer:
            return sp.true if difference == 0 else sp.false
        return None


def distinct_subexpressions(expressions):
    """Each compound subexpression once (not walking into indices): linear in the size of the DAG."""
    seen, stack = set(), [e for e in expressions if isinstance(e, sp.Basic)]
    while stack:
        expression = stack.pop()
        if expression.is_Atom or isinstance(expression, sp.Indexed) or expression in seen:
            continue
        seen.add(expression)
        stack.extend(expression.args)
        yield expression


def operation_count(expressions):
    """The arithmetic operations of ``expressions``, each distinct subexpression once.

    SymPy's ``count_ops`` costs far more (it was a sixth of lowering an
    integrator's vjp) and counts a reused value at every use.
    """
    return sum(max(len(e.args) - 1, 1) for e in distinct_subexpressions(expressions))


def loop_variable(name):
    return sp.Symbol(name, integer=True, nonnegative=True)


def loop_trips(extent):
    first, stop = loop_bounds(extent)
    return stop - first


def at_least(trips, minimum):
    """``trips >= minimum``, where a count that grows with a symbolic batch length (lower/batch_axis.py) is long."""
    return bool(getattr(trips, "free_symbols", None)) or trips >= minimum


def _trips(loops):
    return int(np.prod([loop_trips(n) for _, n in loops], dtype=np.int64))


def loop_bounds(extent):
    """(first, stop) of a loop's extent: a count or, for a split loop, a range (or batch_axis.Span)."""
    return (extent.start, extent.stop) if hasattr(extent, "stop") else (0, extent)


@dataclass
class Buffer:
    """A flat array the kernel reads or writes."""

    name: str
    size: int
    dtype: np.dtype
    role: str  # "argument", "temporary" or "output"
    zero_init: bool = False
    #: Allocated by the caller (NumPy) and passed in: see tuning.CALLER_ALLOCATES_BYTES.
    passed_in: bool = False
    #: The array's own shape for inputs and outputs, which the kernel takes and returns
    #: as they are (no reshaping around a call); None for a flat constant or temporary.
    shape: tuple = None

    @property
    def symbol(self):
        return sp.IndexedBase(self.name)


@dataclass
class Nest:
    """``for outer: [for inner: update accumulators]; store``.

    A loop is ``(variable, extent)``: ``extent`` is a trip count, or a
    ``range`` when the loop covers only part of its axis (boundaries.py).

    ``inner_assignments``, ``updates`` and ``inner_stores`` run in the innermost loop,
    ``assignments`` and ``stores`` once per outer iteration (after the inner
    loop).  An accumulator is ``(symbol, kind)`` with kind ``sum``, ``max``
    or ``min``.  A store is ``(buffer name, index, value, accumulate)``.
    """

    outer: list
    inner: list = field(default_factory=list)
    accumulators: list = field(default_factory=list)
    inner_assignments: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    inner_stores: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    stores: list = field(default_factory=list)
    #: ``(view, buffer, start, length)``: ``view = buffer[start:start + length]``, taken at the
    #: loop level its start depends on (codegen/hoisting.py).
    views: list = field(default_factory=list)
    parallel: bool = False
    comment: str = ""

    @property
    def trip_count(self):
        return _trips(self.outer + self.inner)

    def operations(self):
        """Roughly how many operations the whole nest performs (each expression once per trip)."""

        def count(assignments, stores):
            return operation_count([e for _, e in assignments] + [s[2] for s in stores]) + 1

        inner = _trips(self.inner) * count(self.inner_assignments + self.updates, self.inner_stores)
        return _trips(self.outer) * (inner + count(self.assignments, self.stores))

    def worth_parallel(self):
        """Long or heavy enough that splitting its first loop over threads pays for waking them."""
        if not self.outer or loop_trips(self.outer[0][1]) < 2:
            return False
        return self.trip_count >= tuning.PARALLEL_MIN_TRIPS or self.operations() >= tuning.PARALLEL_MIN_OPERATIONS


@dataclass
class Kernel:
    name: str
    arguments: list  # Buffer, in call order
    temporaries: list  # Buffer, allocated inside the kernel
    outputs: list  # names of the buffers returned, in order
    nests: list
    header: str = ""
    #: ``(argument name, axis)`` the batch length ``n_batch`` is read from at run time (lower/batch_axis.py).
    batch_length: tuple = None

    @property
    def parallel(self):
        return any(n.parallel for n in self.nests)

    @property
    def parameters(self):
        """The kernel's parameters: its arguments, then the buffers its caller allocates."""
        return self.arguments + [b for b in self.temporaries if b.passed_in]
