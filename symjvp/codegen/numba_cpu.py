"""Kernel IR -> Python source for ``numba.njit`` -> a compiled CPU kernel."""

import linecache
import math
import os
import re
import sys
import types

import numpy as np

from ..runtime.batch import BATCH_LENGTH, LENGTH_MAX

#: "inline" (vectorizable fast_exp, fast_log, ..., see codegen/fastmath.py) or "libm" (math.exp calls).
TRANSCENDENTALS = os.environ.get("SYMJVP_TRANSCENDENTALS", "inline")
#: IEEE arithmetic by default: no reassociation or fused multiply-adds outside reductions, so
#: ``x*M + M`` overflows and ``(x + x) - x`` is NaN at inf exactly as in NumPy.  A reduction's
#: running sum alone may be reassociated (``reassociable_add``), so it vectorizes like NumPy's
#: pairwise sums; SYMJVP_STRICT_IEEE=1 adds in order.  SYMJVP_FASTMATH=1 lets LLVM reassociate
#: and contract everything (never nnan/ninf).
FASTMATH = {"reassoc", "contract"} if os.environ.get("SYMJVP_FASTMATH") == "1" else set()
REASSOCIATE_SUMS = os.environ.get("SYMJVP_STRICT_IEEE") != "1"


def module_header(source):
    """Prepended to a kernel written to a file, so that the file is a module on its own."""
    header = "import math\n\nimport numpy as np\nfrom numba import prange\n\n"
    used = sorted(set(re.findall(r"\b(fast_\w+|reassociable_add)\(", source)))
    return header + (f"from symjvp.codegen.fastmath import {', '.join(used)}\n\n" if used else "")


def configuration():
    """What changes the generated code or its compilation (part of the disk cache key)."""
    return (TRANSCENDENTALS, tuple(sorted(FASTMATH)), REASSOCIATE_SUMS)

_INIT = {"sum": "0.0", "max": "-math.inf", "min": "math.inf"}
_BETTER = {"max": ">", "min": "<"}


def dtype_literal(dtype):
    dtype = np.dtype(dtype)
    return "np.bool_" if dtype == np.bool_ else f"np.{dtype.name}"


def _emit_nest(nest, schedule, out, indent):
    """The nest's loops, each statement at the level codegen/hoisting.py gives it."""
    from functools import partial

    from ..lower.kernel_ir import loop_bounds
    from .printer import print_expression

    print_expression = partial(print_expression, inline=TRANSCENDENTALS == "inline")

    def emit_level(level, pad):
        for kind, name, *rest in schedule.levels[level]:
            if kind == "view":
                buffer, start, length = rest
                begin = print_expression(start)
                out.append(f"{pad}{name} = {buffer}[{begin}:{begin} + {length}]")
            else:
                out.append(f"{pad}{name} = {print_expression(rest[0])}")

    def bounds(var, extent):
        first, stop = loop_bounds(extent)
        view = schedule.bounds.get(str(var))
        if view is not None:
            return f"{view}.shape[0]" if first == 0 else f"{first}, {first} + {view}.shape[0]"
        return f"{first}, {stop}" if first else str(stop)

    pad = "    " * indent
    if nest.comment:
        out.append(f"{pad}# {nest.comment}")
    for k, (var, extent) in enumerate(nest.outer):
        emit_level(k, pad)
        loop = "prange" if k == 0 and nest.parallel else "range"
        out.append(f"{pad}for {var} in {loop}({bounds(var, extent)}):")
        indent += 1
        pad = "    " * indent
    emit_level(len(nest.outer), pad)
    if nest.inner:
        for acc, kind in nest.accumulators:
            out.append(f"{pad}{acc} = {_INIT[kind]}")
        inner_pad = pad
        for var, extent in nest.inner:
            out.append(f"{inner_pad}for {var} in range({bounds(var, extent)}):")
            inner_pad += "    "
        for symbol, expr in schedule.inner_assignments:
            out.append(f"{inner_pad}{symbol} = {print_expression(expr)}")
        for (acc, kind), (_, term) in zip(nest.accumulators, schedule.updates):
            value = print_expression(term)
            if kind == "sum":
                out.append(f"{inner_pad}{acc} = reassociable_add({acc}, {value})" if REASSOCIATE_SUMS else f"{inner_pad}{acc} += {value}")
            else:
                out.append(f"{inner_pad}if {value} {_BETTER[kind]} {acc} or {value} != {value}:")
                out.append(f"{inner_pad}    {acc} = {value}")
        _emit_stores(schedule.inner_stores, out, inner_pad, print_expression)
    for symbol, expr in schedule.assignments:
        out.append(f"{pad}{symbol} = {print_expression(expr)}")
    _emit_stores(schedule.stores, out, pad, print_expression)


def _emit_stores(stores, out, pad, print_expression):
    import sympy as sp

    for buffer, index, value, accumulate in stores:
        op = "+=" if accumulate else "="
        target = print_expression(sp.IndexedBase(buffer)[index])
        out.append(f"{pad}{target} {op} {print_expression(value)}")


def comment_text(text):
    """``text`` as it may stand in a comment: control characters (a NUL, a newline in a name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def core_name(name):
    return f"{name}_core"


def kernel_source(kernel, nest_schedules=None):
    """The Python source of ``kernel``: a core and the function around it.

    The core does all the work on flat arrays it is given, outputs and
    temporaries included, so it allocates nothing and raises nothing: the
    same machine code runs under Numba and, linked on its own, as a native
    library (codegen/native.py).  The function around it reshapes the
    inputs, allocates the buffers and returns the outputs in their shapes.
    """
    out = [f"# {comment_text(line)}" for line in kernel.header.splitlines()]
    buffers = [b.name for b in kernel.arguments + kernel.temporaries]
    batch = [BATCH_LENGTH] if kernel.batch_length else []
    out.append(f"def {core_name(kernel.name)}({', '.join(buffers + batch)}):")
    from .hoisting import schedules

    body = len(out)
    for nest, schedule in zip(kernel.nests, nest_schedules or schedules(kernel)):
        _emit_nest(nest, schedule, out, 1)
    if all(line.lstrip().startswith("#") for line in out[body:]):
        out.append("    return")  # nothing to compute: every array is empty
    out.append("")
    out.append("")
    out.append(f"def {kernel.name}({', '.join(b.name for b in kernel.parameters)}):")
    if kernel.batch_length:
        name, axis = kernel.batch_length
        out.append(f"    {BATCH_LENGTH} = {name}.shape[{axis}]")
        out.append(f"    if {BATCH_LENGTH} > {LENGTH_MAX}:")
        out.append(f"        raise ValueError('this kernel takes batches of up to {LENGTH_MAX} rows')")
    for buffer in kernel.temporaries:
        if not buffer.passed_in:
            alloc = "np.zeros" if buffer.zero_init else "np.empty"
            out.append(f"    {buffer.name} = {alloc}({buffer.size}, dtype={dtype_literal(buffer.dtype)})")
    flat = [b.name if b.shape is None or len(b.shape) == 1 else f"{b.name}.reshape(-1)" for b in kernel.arguments]
    # The core counts in int32: LLVM then proves that index arithmetic does not wrap and vectorizes
    # strided reductions over the batch as it does with a constant count (seed 003's gradient: 29 -> 16 ms).
    count = [f"np.int32({BATCH_LENGTH})"] if kernel.batch_length else []
    out.append(f"    {core_name(kernel.name)}({', '.join(flat + [b.name for b in kernel.temporaries] + count)})")
    shapes = {b.name: b.shape for b in kernel.temporaries}
    returned = [name if len(shapes[name]) == 1 else f"{name}.reshape({tuple(shapes[name])})" for name in kernel.outputs]
    # One output is returned bare: boxing a tuple around it costs a Python call measurably.
    out.append(f"    return {returned[0]}" if len(returned) == 1 else f"    return ({', '.join(returned)})")
    return "\n".join(out) + "\n"


def _jit(function, parallel, cache):
    import numba

    fastmath = set(FASTMATH) or False
    return numba.njit(parallel=parallel, fastmath=fastmath, error_model="numpy", nogil=True, cache=cache)(function)


def _jit_both(namespace, name, parallel, cache):
    """JIT the core (in the namespace, where the kernel finds it) and the kernel; returns both."""
    core = namespace[core_name(name)] = _jit(namespace[core_name(name)], parallel, cache)
    return core, _jit(namespace[name], False, cache)


def compile_file(path, source, name, parallel, cache=True):
    """JIT-compile a kernel module of the disk cache from its verified bytes ``source``. Returns (core, kernel).

    The bytes are compiled as they are, never imported: a ``.pyc`` beside the
    file is never consulted.  With ``cache``, Numba caches the machine code
    beside the file (the disk cache verifies those files too).
    """
    module_name = "symjvp_kernel_" + os.path.basename(os.path.dirname(path))
    module = types.ModuleType(module_name)
    module.__file__ = path
    exec(compile(source, path, "exec"), vars(module))
    sys.modules[module_name] = module
    return _jit_both(vars(module), name, parallel, cache=cache)


def compile_source(source, name, parallel):
    """JIT-compile generated source; its lines show in tracebacks and profilers. Returns (core, kernel)."""
    import numba

    filename = f"<symjvp:{name}:{abs(hash(source)):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    from . import fastmath

    namespace = {"np": np, "math": math, "prange": numba.prange}
    namespace.update({name: getattr(fastmath, name) for name in fastmath.INLINE + fastmath.CALLED})
    exec(compile(source, filename, "exec"), namespace)
    return _jit_both(namespace, name, parallel, cache=False)
