"""``symjvp.explain``: what J, J·v and vᵀ·J are for this function, in plain text.

Written for the people of the seeds: it says how inputs and outputs are
flattened, what shape the Jacobian has, writes J·v and vᵀ·J out for this
function, and says which shape ``v`` needs for each and why.
"""

import sympy as sp

from .errors import format_shape
from .runtime.compiled import Compiled
from .symbolic.expressions import TooLargeError

#: Print J in full when it has at most this many entries.
MATRIX_PRINT_LIMIT = 144
#: Write out at most this many elements of J·v and vᵀ·J.
ROWS_PRINTED = 6
#: Longer formulas are cut, with an ellipsis.
LINE_LIMIT = 160


def _cut(text):
    return text if len(text) <= LINE_LIMIT else text[: LINE_LIMIT - 5] + " ..."


def _elements(expr):
    """(index, formula) pairs of a SymPy Array, a scalar, or an indexed equation."""
    if isinstance(expr, sp.Eq):
        return None
    if isinstance(expr, sp.NDimArray):
        import itertools

        return [(index, expr[index]) for index in itertools.product(*[range(n) for n in expr.shape])]
    return [((), expr)]


def _name(base, index):
    return f"{base}[{', '.join(map(str, index))}]" if index else base


def _written_out(label, expr, lines, general):
    """The general (indexed) formula, then the elements one by one when there are few."""
    parts = expr if isinstance(expr, tuple) else (expr,)
    labels = [f"{label}{k}" for k in range(len(parts))] if isinstance(expr, tuple) else [label]
    if general:
        lines += [f"    {_cut(g)}" for g in general]
    heading = "  element by element:" if general else None
    for name, part in zip(labels, parts):
        elements = _elements(part)
        if elements is None:
            if not general:
                lines.append(f"    {_cut(f'{part.lhs} = {part.rhs}')}")
            continue
        if general and len(elements) > ROWS_PRINTED:
            continue
        if heading:
            lines.append(heading)
            heading = None
        for index, value in elements[:ROWS_PRINTED]:
            lines.append(f"    {_cut(f'{_name(name, index)} = {value}')}")
        if len(elements) > ROWS_PRINTED:
            lines.append(f"    ... ({len(elements) - ROWS_PRINTED} more)")


def _general_form(k, kind):
    """The indexed formula (``jvp[i] = ...``) when it exists, else None."""
    try:
        expr = (k.jvp_expr if kind == "jvp" else k.vjp_expr)(limit=0)
    except (TooLargeError, NotImplementedError):
        return None
    parts = expr if isinstance(expr, tuple) else (expr,)
    return [f"{e.lhs} = {e.rhs.doit() if e.rhs.has(sp.Sum) and _small_sum(e.rhs) else e.rhs}" for e in parts]


def _small_sum(expr):
    return all(int(limit[2]) - int(limit[1]) < 8 for s in expr.atoms(sp.Sum) for limit in s.limits)


def explain(func, *inputs, wrt=None, show=False):
    """A plain-text explanation of J, J·v and vᵀ·J for ``func`` at inputs like ``inputs``.

    ``inputs`` are arrays or ``symjvp.Spec``; only shapes and dtypes matter.
    ``func`` may also be a compiled function (``symjvp.compile``), then no inputs are needed.
    Returns the text; prints it too when ``show=True``.
    """
    k = func if isinstance(func, Compiled) else Compiled(func, *inputs, wrt=wrt)
    spec = k._default
    graph = spec.graph
    names = k.names
    out_specs = k._output_specs(spec)
    out_sizes, in_sizes = k._sizes(spec)
    lines = [f"symjvp.explain: {k.__name__}", ""]

    lines.append("Inputs")
    for position, x in enumerate(graph.inputs):
        role = "differentiated" if position in k.wrt else "parameter (not differentiated)"
        lines.append(f"  {names[position]}: shape {format_shape(x.shape)}, {x.dtype.name}, {x.size} element(s) -- {role}")
    lines.append("Output" + ("s" if len(out_specs) > 1 else ""))
    for o, (shape, dtype) in enumerate(out_specs):
        label = f"  out{o}" if len(out_specs) > 1 else "  out"
        lines.append(f"{label}: shape {format_shape(shape)}, {dtype.name}, {out_sizes[o]} element(s)")

    wrt_names = [names[p] for p in k.wrt]
    total_in, total_out = sum(in_sizes), sum(out_sizes)
    lines += [
        "",
        "The flattened view",
        "  Flatten every input and output in C order (like .ravel()). Then the Jacobian J is an ordinary",
        f"  matrix of shape ({total_out}, {total_in}): one row per output element, one column per element of "
        f"{', '.join(wrt_names)}.",
        "  J[i, j] = d out_flat[i] / d in_flat[j].",
        "  symjvp.jacobian returns it unflattened, with shape out.shape + in.shape.",
    ]
    if total_in * total_out <= MATRIX_PRINT_LIMIT:
        lines.append("")
        lines.append(f"J ({total_out} x {total_in}):")
        for row in sp.Matrix(k.jacobian_expr()).tolist():
            lines.append("  [" + ", ".join(str(e) for e in row) + "]")
    else:
        pattern = None
        try:
            pattern = k.sparsity()
        except ImportError:
            pass
        if pattern is not None:
            lines.append(f"  J has {pattern.nnz} structurally non-zero entries out of {total_in * total_out}.")

    v_shapes = " and ".join(f"{format_shape(spec.graph.inputs[p].shape)} (like {names[p]})" for p in k.wrt)
    out_shapes = " and ".join(format_shape(s) for s, _ in out_specs)
    several = len(k.wrt) > 1
    lines += [
        "",
        "jvp: J·v (forward mode)",
        f"  v has one entry per column of J, so v has the shape of the input: {v_shapes}"
        + (" -- a tuple, one array per input" if several else "")
        + ".",
        f"  J·v has one entry per row of J, so it has the shape of the output: {out_shapes}.",
        "  jvp[i] = sum over j of J[i, j] * v[j]; for this function:",
    ]
    _written_out("jvp", k.jvp_expr(), lines, _general_form(k, "jvp"))

    lines += [
        "",
        "vjp: vᵀ·J (reverse mode, what autograd.grad(..., grad_outputs=v) computes)",
        f"  v has one entry per row of J, so v has the shape of the output: {out_shapes}.",
        f"  vᵀ·J has one entry per column of J, so it has the shape of the input: {v_shapes}.",
        "  vjp[j] = sum over i of v[i] * J[i, j]; for this function (u is the v of vjp):",
    ]
    _written_out("vjp", k.vjp_expr(), lines, _general_form(k, "vjp"))

    in_shape_set = {spec.graph.inputs[p].shape for p in k.wrt}
    out_shape_set = {tuple(s) for s, _ in out_specs}
    if in_shape_set != out_shape_set:
        lines += [
            "",
            "Which v goes where",
            f"  A v shaped like the input ({v_shapes}) is for jvp; a v shaped like the output ({out_shapes}) is "
            "for vjp.",
            "  Handing one to the other raises symjvp.ShapeError, which says which one you meant.",
        ]
    text = "\n".join(lines) + "\n"
    if show:
        print(text, end="")
    return text
