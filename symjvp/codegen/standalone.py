"""Kernels as a module that runs without symjvp: NumPy and Numba only (``k.source``, ``k.export``).

The helpers a kernel calls (``fast_exp``, ..., ``fast_digamma``) are copied
from codegen/fastmath.py and codegen/special.py together with every
module-level definition they use, found by reading those files' syntax
trees, and compiled with the same options: the module computes what the
kernel computes inside symjvp, bit for bit.
"""

import ast
import base64
import functools
import inspect
import re

import numpy as np

from ..runtime.batch import BATCH_LENGTH
from . import fastmath, special
from .numba_cpu import FASTMATH, comment_text

_IMPORTS = """import base64
import math

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic
"""

_ASSEMBLE = '''

def sj_results(computed, specs, present, copies):
    """The kernel's outputs in their shapes; an output no kernel computes is zeros, a repeated one a copy."""
    computed = iter(computed if isinstance(computed, tuple) else (computed,))
    results = []
    for (shape, dtype), is_computed, copy in zip(specs, present, copies):
        array = next(computed).reshape(shape) if is_computed else np.zeros(shape, dtype)
        results.append(array.copy() if copy else array)
    return tuple(results)


def sj_constant(text, dtype, shape):
    return np.frombuffer(base64.b64decode(text), dtype=dtype).reshape(shape)
'''


@functools.lru_cache(maxsize=None)
def _definitions(module):
    """{name: (order, source text, names it uses)} of the module-level functions and assignments of ``module``."""
    source = inspect.getsource(module)
    lines = source.splitlines()
    found = {}
    for order, node in enumerate(ast.parse(source).body):
        if isinstance(node, ast.FunctionDef):
            names = [node.name]
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
        elif isinstance(node, ast.Assign):
            names = [n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name)]
            first = node.lineno
        else:
            continue
        text = "\n".join(lines[first - 1 : node.end_lineno])
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        used |= {f"special.{n.attr}" for n in ast.walk(node) if isinstance(n, ast.Attribute) and getattr(n.value, "id", None) == "special"}
        for name in names:
            found[name] = (order, text, frozenset(used - set(names)))
    return found


def _helpers(names):
    """Source of the helpers ``names`` and everything they use, special.py's first, each file in its own order."""
    wanted, stack = set(), [(fastmath, n) for n in names]
    while stack:
        module, name = stack.pop()
        if name.startswith("special."):
            module, name = special, name[len("special.") :]
        definition = _definitions(module).get(name)
        if definition is None or (module, name) in wanted:
            continue
        wanted.add((module, name))
        stack.extend((module, used) for used in definition[2])
    out = []
    for module in (special, fastmath):
        for _, text in sorted({_definitions(module)[n][:2] for m, n in wanted if m is module}):
            statement = not text.startswith(("def ", "@"))
            if out:
                out.append("\n" if statement and out[-1][1] else "\n\n\n")
            out.append((text.replace("special.", ""), statement))
    return "".join(t if isinstance(t, str) else t[0] for t in out)


def _decorated(source, parallel):
    """The kernel's functions with the ``njit`` decorators symjvp compiles them with."""
    options = f'fastmath={set(FASTMATH) or False}, error_model="numpy", nogil=True'

    def decorate(match):
        core = match.group(1).endswith("_core")
        return f"@njit(parallel={parallel and core}, {options})\ndef {match.group(1)}("

    return re.sub(r"^def (\w+)\(", decorate, source, flags=re.M)


def _literal(array):
    array = np.ascontiguousarray(array)
    encoded = base64.b64encode(array.tobytes()).decode()
    return f'sj_constant("{encoded}", "{array.dtype.str}", {tuple(array.shape)})'


def _input_names(program):
    """The kernel's input parameters (its wrapper's, before the constants and buffers)."""
    parameters = re.search(rf"^def {program.name}\((.*)\):", program.source, re.M).group(1)
    names = [n.strip() for n in parameters.split(",") if n.strip()]
    return names[: len(program.layout["arguments"]) - len(program.constants)]


def module(programs, label):
    """The module text for {kind: KernelProgram}: for each kind a function ``<kind>(*inputs)`` returning a tuple."""
    input_names = {kind: _input_names(program) for kind, program in programs.items()}
    sources = "\n".join(p.source for p in programs.values())
    used = sorted(set(re.findall(r"\b(fast_\w+|reassociable_add)\(", sources)))
    out = [f'"""symjvp kernels of {comment_text(label)}, standalone: NumPy and Numba only.', ""]
    for kind, program in programs.items():
        out.append(f"{kind}({', '.join(input_names[kind])}) -> {_describe(kind, program)}")
    out += ['"""', "", _IMPORTS]
    if used:
        inline = [name for name in used if name in fastmath.INLINE]
        out += ["", _helpers(used + (["_inline_into_callers"] if inline else [])), ""]
        if inline:
            out += ["", f"for _function in ({', '.join(inline)},):", "    _inline_into_callers(_function)", ""]
    out.append(_ASSEMBLE)
    for kind, program in programs.items():
        out += ["", _decorated(program.source, program.parallel).rstrip(), ""]
        out += _public_function(kind, program, input_names[kind])
    return "\n".join(out).rstrip() + "\n"


def _describe(kind, program):
    shapes = ", ".join(f"({', '.join(map(str, shape))}{',' * (len(shape) == 1)}) {np.dtype(dtype).name}" for shape, dtype in program.specs)
    what = {
        "primal": "the outputs",
        "jvp": "the outputs, then J·v for each output",
        "vjp": "the outputs, then vᵀ·J for each differentiated input",
        "jacobian": "J, one block per (output, differentiated input), each of shape out.shape + in.shape",
    }[kind]
    return f"({shapes}): {what}"


def _public_function(kind, program, names):
    layout = program.layout
    n_inputs = len(layout["arguments"]) - len(program.constants)
    dtypes = [np.dtype(a[1]).name for a in layout["arguments"][:n_inputs]]
    prefix = f"_{kind.upper()}"
    lines = [f"{prefix}_CONSTANTS = ({''.join(_literal(c) + ', ' for c in program.constants)})"]
    lines.append(f"{prefix}_PRESENT, {prefix}_COPIES = {tuple(program.present)!r}, {tuple(program.copies)!r}")
    lines += ["", "", f"def {kind}({', '.join(names)}):", f'    """{_describe(kind, program)}."""']
    if program.batch_length:
        # Sizes and shapes are expressions in the batch length, which the call's input gives.
        position, axis = program.batch_length
        lines.append(f"    {BATCH_LENGTH} = np.shape({names[position]})[{axis}]")
    buffers = [f"np.{'zeros' if t[2] else 'empty'}({t[0]}, np.{np.dtype(t[1]).name})" for t in layout["temporaries"] if t[3]]
    specs = ", ".join(f"(({''.join(f'{n}, ' for n in shape)}), np.{np.dtype(d).name})" for shape, d in program.specs)
    converted = ", ".join(f"np.ascontiguousarray({n}, dtype=np.{d})" for n, d in zip(names, dtypes))
    lines.append(f"    sj_buffers = [{', '.join(buffers)}]")
    call = f"{program.name}({converted}{', ' if converted else ''}*{prefix}_CONSTANTS, *sj_buffers)"
    lines.append(f"    sj_computed = {call}" if any(program.present) else "    sj_computed = ()")
    lines.append(f"    return sj_results(sj_computed, ({specs}{',' if len(program.specs) == 1 else ''}), {prefix}_PRESENT, {prefix}_COPIES)")
    lines.append("")
    return lines
