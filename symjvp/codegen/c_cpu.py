"""Kernel IR -> C: the core of a serial kernel, for the system's C compiler.

Numba's frontend costs tens of microseconds per IR instruction it types and
lowers, whatever LLVM does afterwards: a 10-step RK4 integrator's vjp (2,000
lines, 241 loops) took 55 s to build through Numba and 2.3 s as C at -O2.  The
C core has exactly the Numba core's signature and semantics (flat arrays,
IEEE arithmetic without contraction, a reduction's running sum alone
reassociable), so it links into the same native library (codegen/native.py).

What C cannot express the way the kernels need (a function without a C
equivalent) raises ``NotImplementedError``; the kernel then keeps Numba.
A parallel kernel of many nests splits their first loops over OpenMP's
threads, as Numba's ``prange`` over its own: Numba's frontend took 6-7
minutes on a GMM Hessian's parallel kernel (25 nests).  Short kernels that
call exp, sin, tanh, ... keep Numba: its core inlines them vectorized
(codegen/fastmath.py), libm's from C are scalar (``worth_it``).
"""

import re

import numpy as np
import sympy as sp
from sympy.printing.c import C99CodePrinter

from .. import tuning

from ..lower.kernel_ir import floordiv, imod, index_equal, loop_bounds, opaque
from .hoisting import schedules
from .native import C_CORE
from .numba_cpu import REASSOCIATE_SUMS, comment_text

C_TYPES = {
    "float64": "double",
    "float32": "float",
    "int64": "int64_t",
    "int32": "int32_t",
    "int16": "int16_t",
    "int8": "int8_t",
    "uint64": "uint64_t",
    "uint32": "uint32_t",
    "uint16": "uint16_t",
    "uint8": "uint8_t",
    "bool": "uint8_t",
}

_PRELUDE = r"""#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum, in the operands' own type (an index stays an integer): NaN wins. */
#define sj_max(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a > sj_b || sj_a != sj_a) ? sj_a : sj_b; })
#define sj_min(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a < sj_b || sj_a != sj_a) ? sj_a : sj_b; })
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }
"""


#: Names a buffer (a user's parameter) must not take in C: keywords, the types and functions the core uses.
_RESERVED = set(
    """auto break case char const continue default do double else enum extern float for goto if inline int long
    register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while
    _Bool _Complex _Generic __auto_type int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t
    exp log sin cos tan tanh sinh cosh asin acos atan atan2 asinh acosh atanh sqrt cbrt pow exp2 expm1 log1p log2
    log10 floor ceil fabs erf erfc lgamma isnan isinf isfinite NAN INFINITY sj_max sj_min sj_sign sj_a sj_b
    value""".split()
)


def c_name(name):
    """A buffer's name in C: its own, unless C already means something by it."""
    name = str(name)
    return f"{name}_" if name in _RESERVED else name


class _as_double(sp.Function):
    """A divisor computed in floating point: C's ``/`` of two integers would truncate, Python's does not."""

    nargs = 1


class CPrinter(C99CodePrinter):
    def _print_Indexed(self, expr):
        return f"{c_name(expr.base.label)}[{self._print(expr.indices[0])}]"

    def _print_IndexedBase(self, expr):
        return c_name(expr.label)

    def _print_Integer(self, expr):
        value = int(expr)
        if abs(value) >= 2**63:
            return repr(float(value))
        return f"{value}LL" if abs(value) >= 2**31 else str(value)

    def _print_Float(self, expr):
        value = float(expr)
        if value != value:
            return "NAN"
        if value in (float("inf"), float("-inf")):
            return "INFINITY" if value > 0 else "(-INFINITY)"
        return repr(value)

    def _print_Rational(self, expr):
        return f"({float(expr.p)!r}/{float(expr.q)!r})"

    def _print_Pow(self, expr):
        base, exponent = expr.args
        if exponent.is_Integer and 1 <= int(exponent) <= 4:
            factor = self.parenthesize(base, 1000)
            return "(" + "*".join([factor] * int(exponent)) + ")"
        if exponent == -1:
            return f"(1.0/{self.parenthesize(base, 1000)})"
        if exponent == sp.S.Half:
            return f"sqrt({self._print(base)})"
        return f"pow({self._print(base)}, {self._print(exponent)})"

    def _extremum(self, expr, fn):
        result = self._print(expr.args[0])
        for a in expr.args[1:]:
            result = f"{fn}({result}, {self._print(a)})"
        return result

    def _print_Max(self, expr):
        return self._extremum(expr, "sj_max")

    def _print_Min(self, expr):
        return self._extremum(expr, "sj_min")

    def _print_sign(self, expr):
        return f"sj_sign({self._print(expr.args[0])})"

    def _print_ceiling(self, expr):
        return f"ceil({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        x = self._print(expr.args[0])
        at_zero = float(expr.args[1]) if len(expr.args) > 1 else 0.5
        return f"(({x}) > 0 ? 1.0 : (({x}) == 0 ? {at_zero!r} : 0.0))"

    def _print_sigmoid(self, expr):
        return f"(1.0/(1.0 + exp(-({self._print(expr.args[0])}))))"

    def _print_loggamma(self, expr):
        return f"lgamma({self._print(expr.args[0])})"

    def _print_exp2(self, expr):
        return f"pow(2.0, {self._print(expr.args[0])})"

    def _print_Piecewise(self, expr):
        if expr.args[-1].cond != True:  # noqa: E712 (a SymPy truth value)
            raise NotImplementedError("a Piecewise without a default")
        result = self._print(expr.args[-1].expr)
        for value, condition in reversed(expr.args[:-1]):
            result = f"(({self._print(condition)}) ? ({self._print(value)}) : ({result}))"
        return result

    def _print_Xor(self, expr):
        terms = [f"(!({self._print(a)}))" for a in expr.args]
        return "(" + " != ".join(terms) + ")"

    def _print_index_equal(self, expr):
        a, b = expr.args
        return f"(({self._print(a)}) == ({self._print(b)}))"

    def _print_floordiv(self, expr):
        a, b = expr.args
        return f"(({self._print(a)})/({self._print(b)}))"

    def _print_imod(self, expr):
        a, b = expr.args
        return f"(({self._print(a)}) % ({self._print(b)}))"

    def _print_opaque(self, expr):
        return f"({self._print(expr.args[0])})"

    def _print__as_double(self, expr):
        return f"((double)({self._print(expr.args[0])}))"

    def _print_isnan(self, expr):
        return f"isnan({self._print(expr.args[0])})"

    def _print_isinf(self, expr):
        return f"isinf({self._print(expr.args[0])})"

    def _print_isfinite(self, expr):
        return f"isfinite({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr):
        return "1"

    def _print_BooleanFalse(self, expr):
        return "0"

    def _print_Function(self, expr):
        name = type(expr).__name__
        if name in self.known_functions or hasattr(self, f"_print_{name}"):
            return super()._print_Function(expr)
        raise NotImplementedError(f"{name} has no C form here")

    def _print_polygamma(self, expr):
        raise NotImplementedError("digamma and trigamma are Numba helpers (codegen/special.py)")


_PRINTER = CPrinter({"strict": True})


def _true_divisions(expr):
    """Every ``x**-1`` of a non-number divides in floating point, as Python's ``/`` does."""
    if not isinstance(expr, sp.Basic):
        return expr
    return expr.replace(
        lambda e: e.is_Pow and e.exp == -1 and not e.base.is_Number and not isinstance(e.base, _as_double),
        lambda e: sp.Pow(_as_double(e.base), -1, evaluate=False),
    )


def print_expression(expr):
    return _PRINTER.doprint(_true_divisions(expr))


#: Splits a parallel nest's first loop over OpenMP's threads (the library is then built with -fopenmp).
PARALLEL_PRAGMA = "#pragma omp parallel for schedule(static)"


def _emit_nest(nest, schedule, out, indent):
    """The nest as a C block; each statement at the loop level codegen/hoisting.py gives it."""
    pad = "    " * indent
    if nest.comment:
        out.append(f"{pad}/* {comment_text(nest.comment).replace('*/', '* /')} */")
    out.append(f"{pad}{{")
    closing = [f"{pad}}}"]

    def emit_level(level, pad):
        for kind, name, *rest in schedule.levels[level]:
            if kind == "view":
                buffer, start, _ = rest
                out.append(f"{pad}__auto_type {name} = {c_name(buffer)} + ({print_expression(start)});")
            else:
                out.append(f"{pad}__auto_type {name} = {print_expression(rest[0])};")

    def loop(var, extent, pad, pragma=None):
        first, stop = loop_bounds(extent)
        if pragma:
            out.append(f"{pad}{pragma}")
        out.append(f"{pad}for (int64_t {var} = {first}; {var} < {stop}; {var}++) {{")

    for k, (var, extent) in enumerate(nest.outer):
        pad = "    " * (indent + 1 + k)
        emit_level(k, pad)
        # A parallel nest's first loop writes disjoint elements per iteration (lower/lowering.py), as Numba's prange.
        loop(var, extent, pad, PARALLEL_PRAGMA if k == 0 and nest.parallel else None)
        closing.append(f"{pad}}}")
    pad = "    " * (indent + 1 + len(nest.outer))
    emit_level(len(nest.outer), pad)
    if nest.inner:
        for acc, kind in nest.accumulators:
            out.append(f"{pad}double {acc} = {dict(sum='0.0', max='-INFINITY', min='INFINITY')[kind]};")
        sums = [acc for acc, kind in nest.accumulators if kind == "sum"]
        inner_pad = pad
        for depth, (var, extent) in enumerate(nest.inner):
            innermost = depth == len(nest.inner) - 1
            pragma = f"#pragma omp simd reduction(+:{', '.join(map(str, sums))})" if innermost and sums and REASSOCIATE_SUMS else None
            if pragma and any(kind != "sum" for _, kind in nest.accumulators):
                pragma = None
            loop(var, extent, inner_pad, pragma)
            inner_pad += "    "
        for symbol, expr in schedule.inner_assignments:
            out.append(f"{inner_pad}__auto_type {symbol} = {print_expression(expr)};")
        for (acc, kind), (_, term) in zip(nest.accumulators, schedule.updates):
            value = print_expression(term)
            if kind == "sum":
                out.append(f"{inner_pad}{acc} += {value};")
            else:
                better = ">" if kind == "max" else "<"
                out.append(f"{inner_pad}{{ double value = {value}; if (value {better} {acc} || value != value) {acc} = value; }}")
        _emit_stores(schedule.inner_stores, out, inner_pad)
        for depth in range(len(nest.inner)):
            out.append("    " * (indent + 1 + len(nest.outer) + len(nest.inner) - 1 - depth) + "}")
    for symbol, expr in schedule.assignments:
        out.append(f"{pad}__auto_type {symbol} = {print_expression(expr)};")
    _emit_stores(schedule.stores, out, pad)
    out.extend(reversed(closing))


def _emit_stores(stores, out, pad):
    for buffer, index, value, accumulate in stores:
        op = "+=" if accumulate else "="
        out.append(f"{pad}{c_name(buffer)}[{print_expression(index)}] {op} {print_expression(value)};")


def worth_it(numba_source, kernel):
    """Whether the C core is the better one.

    A serial kernel: always, unless it is short and calls a function that the Numba core inlines
    vectorized (``fast_exp``, ...; see tuning.C_CORE_MIN_LINES_WITH_FUNCTIONS).  A parallel one:
    only when it has many nests (tuning.C_CORE_PARALLEL_MIN_NESTS), where Numba's frontend is
    superlinear; otherwise Numba's threads run it faster than OpenMP's here.
    """
    if kernel.parallel:
        return len(kernel.nests) >= tuning.C_CORE_PARALLEL_MIN_NESTS
    short = numba_source.count("\n") < tuning.C_CORE_MIN_LINES_WITH_FUNCTIONS
    return not (short and re.search(r"\bfast_\w+\(", numba_source))


def core_source(kernel, entry, nest_schedules=None):
    """C source of ``void entry(<flat arrays>)`` for ``kernel``; ``NotImplementedError`` if C cannot have it."""
    if not C_CORE:
        raise NotImplementedError("switched off by SYMJVP_C_CORE=0")
    buffers = kernel.arguments + kernel.temporaries
    for b in buffers:
        if np.dtype(b.dtype).name not in C_TYPES:
            raise NotImplementedError(f"dtype {np.dtype(b.dtype)}")
    parameters = ", ".join(f"{C_TYPES[np.dtype(b.dtype).name]} *restrict {c_name(b.name)}" for b in buffers) or "void"
    arguments = ", ".join(c_name(b.name) for b in buffers)
    out = [f"/* {comment_text(line).replace('*/', '* /')} */" for line in kernel.header.splitlines()]
    out.append(_PRELUDE)
    nests = list(zip(kernel.nests, nest_schedules or schedules(kernel)))
    size = tuning.C_NESTS_PER_FUNCTION
    parts = [nests[k : k + size] for k in range(0, len(nests), size)] if len(nests) > size else []
    for number, part in enumerate(parts):
        out.append(f"__attribute__((noinline)) static void sj_part{number}({parameters}) {{")
        for nest, schedule in part:
            _emit_nest(nest, schedule, out, 1)
        out.append("}")
        out.append("")
    out.append(f"void {entry}({parameters}) {{")
    if parts:
        out.extend(f"    sj_part{number}({arguments});" for number in range(len(parts)))
    else:
        for nest, schedule in nests:
            _emit_nest(nest, schedule, out, 1)
    out.append("}")
    return "\n".join(out) + "\n"
