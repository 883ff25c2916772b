"""NumPy functions on traced arrays: each records graph nodes.

Arguments may be traced arrays, captured NumPy arrays (they become constant
nodes) or Python/NumPy scalars (they become numbers in the formula).  Result
dtypes are NumPy's own, found by running NumPy on one-element dummies.
"""

import difflib
import functools
import numbers
import re
import warnings

import numpy as np
import sympy as sp

from ..errors import AxisError, ShapeError, TraceError, UnsupportedOperationError, format_shape
from ..graph import build
from ..graph import elementwise as E
from ..graph.node import Node
from .location import describe


def _where():
    location = describe()
    return f"\n  at {location}" if location else ""


def unsupported(what, hint=""):
    """The error for ``what`` (spelled as the user wrote it), with what to write instead and where."""
    hint = hint or instead(what)
    return UnsupportedOperationError(f"{what} is not supported by symjvp. {hint}{_where()}")


_DATA_DEPENDENT_SHAPE = (
    "Its result's shape depends on the data, which a kernel compiled once cannot have. Instead, keep the shape: "
    "np.where(mask, x, 0), or a sum over where=mask."
)
_FACTORIZATION = (
    "It has no closed form that symjvp can write out. Instead, compute it outside the traced function and pass "
    "the result in as an input; small systems trace with np.linalg.solve, inv, det and cholesky."
)

#: What to write instead of a function that does not trace, by its name.
INSTEAD = {
    **dict.fromkeys(["eig", "eigh", "eigvals", "eigvalsh", "svd", "svdvals", "qr", "pinv", "lstsq", "expm",
                     "matrix_rank", "lu", "schur"], _FACTORIZATION),
    **dict.fromkeys(["nonzero", "flatnonzero", "argwhere", "unique", "extract", "compress", "unique_values",
                     "unique_counts", "histogram", "bincount", "delete", "trim_zeros"], _DATA_DEPENDENT_SHAPE),
    "matrix_power": "Instead, multiply: a @ a @ a.",
    **dict.fromkeys(["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "invert", "left_shift",
                     "right_shift"], "Bit operations have no derivative. Instead, use np.logical_and, "
                     "np.logical_or, np.logical_xor or ~ on boolean arrays."),
    "cumulative_prod": "Instead, use np.cumprod(x, axis=...).",
    "cumulative_sum": "Instead, use np.cumsum(x, axis=...).",
    **dict.fromkeys(["round", "around", "rint"], "It has no derivative (zero almost everywhere). Instead, use "
                    "np.floor(x + 0.5) where a rounded value is needed."),
    **dict.fromkeys(["convolve", "correlate"], "Instead, write the sum of shifted slices: "
                    "sum(w[k] * x[k:len(x) - len(w) + 1 + k] for k in range(len(w)))."),
    **dict.fromkeys(["percentile", "quantile"], "Instead, sort with np.sort and index the sorted array "
                    "(np.median traces)."),
}

_GENERIC = (
    "Instead, write it with the NumPy functions that trace (ufuncs, reductions, np.einsum and @, slicing, np.where), "
    "or compute it outside the traced function and pass the result in as an input."
)


def instead(what):
    """What to write instead of ``what``: advice for its name, else the supported functions of similar names."""
    name = re.match(r"(?:\w+\.)*(\w+)", what)
    name = name.group(1) if name else what
    if name in INSTEAD:
        return INSTEAD[name]
    if name.startswith("fft") or ".fft." in what:
        return "Fourier transforms do not trace. " + _GENERIC
    similar = difflib.get_close_matches(name, supported_names(), n=3, cutoff=0.75)
    if similar:
        return f"Instead, perhaps: {', '.join(similar)} (these trace)."
    return _GENERIC


def supported_names():
    """The spellings of every function that traces, as a user would write them."""
    from .array import IMPLEMENTATIONS

    names = {f"np.linalg.{f.__name__}" if "linalg" in (f.__module__ or "") else f"np.{f.__name__}" for f in IMPLEMENTATIONS}
    names.update(f"np.{n}" for n in (*E.UNARY, *E.BINARY, *E.LOGICAL, *E.ALIASES) if hasattr(np, n))
    return sorted(names)


#: Input positions each traced call depends on: a stack, one entry per call in progress.
_DEPENDENCE = []


def _dependence_of(values):
    found = set()
    for value in values:
        if is_traced(value):
            found |= value.deps
        elif isinstance(value, np.ndarray) and value.dtype == object:
            found |= _dependence_of(value.ravel().tolist())
        elif isinstance(value, (list, tuple)):
            found |= _dependence_of(value)
        elif isinstance(value, dict):
            found |= _dependence_of(value.values())
    return found


def tracked(fn):
    """Give the traced arrays ``fn`` creates the dependence of its traced arguments.

    Dependence is structural, as traced: ``0 * y`` depends on ``y`` even
    though the graph simplifies it to an exact zero.
    """

    @functools.wraps(fn)
    def call(*args, **kwargs):
        _DEPENDENCE.append(frozenset(_dependence_of(args) | _dependence_of(kwargs.values())))
        try:
            return fn(*args, **kwargs)
        finally:
            _DEPENDENCE.pop()

    return call


def wrap(node):
    from .array import TracedArray

    return TracedArray(node, _DEPENDENCE[-1] if _DEPENDENCE else frozenset())


def is_traced(value):
    from .array import TracedArray

    return isinstance(value, TracedArray)


def as_node(value):
    """A graph node for any array-like operand (captured values become constants)."""
    if is_traced(value):
        return value.node
    if isinstance(value, Node):
        return value
    if isinstance(value, (list, tuple)) and _contains_traced(value):
        value = _object_array(value)
    array = np.asarray(value)
    if array.dtype == object:
        return _from_objects(array, value)
    if np.iscomplexobj(array):
        raise unsupported(f"complex dtype {array.dtype}")
    if array.dtype.kind in "SUVMm":
        raise unsupported(f"dtype {array.dtype}")
    return build.constant(array)


def _contains_traced(values):
    return any(is_traced(v) or (isinstance(v, (list, tuple)) and _contains_traced(v)) for v in values)


def _object_array(values):
    array = np.empty(len(values), dtype=object)
    array[:] = [np.asarray(v, dtype=object) if isinstance(v, (list, tuple)) else v for v in values]
    return np.array(array.tolist(), dtype=object)


def _from_objects(array, original):
    """One node from an object array of traced scalars and numbers (``np.array([a, b])``)."""
    if array.size == 0:
        raise TraceError(f"cannot use an empty object array as an array{_where()}")
    nodes = []
    for element in array.ravel():
        if is_traced(element):
            if element.shape != ():
                raise TraceError(f"np.array of traced arrays of different shapes cannot be traced{_where()}")
            nodes.append(element.node)
        elif isinstance(element, (numbers.Number, np.generic)) and not isinstance(element, complex):
            nodes.append(build.constant(np.asarray(element)))
        else:
            raise TraceError(f"cannot use a value of type {type(original).__name__} as an array{_where()}")
    dtype = np.result_type(*[n.dtype for n in nodes])
    parts = [build.reshape(n if n.dtype == dtype else build.ew(E.A[0], n, dtype=dtype), (1,)) for n in nodes]
    return build.reshape(build.concat(parts, 0), array.shape)


def _is_scalar(value):
    return isinstance(value, (numbers.Number, np.generic)) and not is_traced(value)


def _scalar_literal(value):
    if isinstance(value, (bool, np.bool_)):
        return sp.true if value else sp.false
    if isinstance(value, (complex, np.complexfloating)):
        raise unsupported("complex numbers")
    if isinstance(value, (numbers.Integral, np.integer)):
        return sp.Integer(int(value))
    value = float(value)
    if value.is_integer() and abs(value) < 2**53:
        return sp.Integer(int(value))
    return sp.Float(value, 17) if np.isfinite(value) else sp.sympify(value)


def _dummy(value):
    if is_traced(value):
        return np.ones(1, dtype=value.dtype)
    if isinstance(value, np.ndarray) and value.dtype == object:
        return np.ones(1, dtype=as_node(value).dtype)
    if _is_scalar(value):
        return value
    return np.ones(1, dtype=np.asarray(value).dtype)


def result_dtype(numpy_fn, *operands):
    """The dtype NumPy gives ``numpy_fn`` on these operands (NEP 50 promotion)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return np.asarray(numpy_fn(*[_dummy(v) for v in operands])).dtype


def _broadcast_error(operands, exc):
    shapes = " ".join(format_shape(np.shape(v) if not is_traced(v) else v.shape) for v in operands)
    return ShapeError(f"operands could not be broadcast together with shapes {shapes}{_where()}")


def elementwise_formula(formula_fn, operands, dtype, conditions=()):
    """Apply ``formula_fn`` of placeholders to operands; scalars become literals.

    ``conditions``: the operand positions that are truth values (``where``'s
    first operand, the operands of logical functions).  A zero, infinite or
    NaN scalar is an operand instead (a fill), so that ``build.ew`` folds it
    only where that is exact: SymPy's ``x*0`` is 0 even where x is inf.
    """
    nodes, args, traced = [], [], False
    for position, value in enumerate(operands):
        is_condition = position in conditions
        if _is_scalar(value):
            literal = _scalar_literal(value)
            if is_condition and literal not in (sp.true, sp.false):
                literal = sp.true if literal != 0 else sp.false
            elif not is_condition and literal in (sp.true, sp.false):
                literal = sp.Integer(int(bool(literal)))
            if is_condition or literal.is_finite and literal != 0:
                args.append(literal)
                continue
            node = build.fill(float(value), (), np.float64)
        else:
            node = as_node(value)
            traced = True
        args.append(E.placeholder(len(nodes), is_condition))
        nodes.append(node)
    formula = formula_fn(*args)
    if not traced:
        return None
    try:
        shape = np.broadcast_shapes(*[n.shape for n in nodes])
    except ValueError as exc:
        raise _broadcast_error(operands, exc) from None
    return wrap(build.ew(formula, *nodes, dtype=dtype, shape=shape))


def _check_float(dtype, name):
    if np.dtype(dtype).kind == "c":
        raise unsupported(f"complex dtype in {name}")


@tracked
def elementwise(name, *operands, ufunc=None):
    """``name`` (an entry of graph/elementwise.py) on the operands; ``ufunc`` the one called, for its dtype rule."""
    found = E.lookup(name)
    if found is None:
        raise unsupported(f"np.{name}")
    canonical, arity, fn, logical = found
    if len(operands) != arity:
        raise TypeError(f"{name} takes {arity} operand(s), {len(operands)} given")
    ufunc = ufunc or getattr(np, canonical, None) or np.exp  # SciPy's special functions: NumPy's float rule
    if canonical == "sigmoid":
        dtype = result_dtype(np.exp, *operands)
    elif canonical == "relu":
        dtype = result_dtype(lambda a: np.maximum(a, 0), *operands)
    else:
        dtype = result_dtype(ufunc, *operands)
    _check_float(dtype, name)
    result = elementwise_formula(fn, operands, dtype, conditions=range(arity) if logical else ())
    if result is None:
        return ufunc(*operands)
    return result


# ---------------------------------------------------------------- axes and shapes


def normalize_axis(axis, ndim, what="axis"):
    if not isinstance(axis, (numbers.Integral, np.integer)):
        raise TypeError(f"{what} must be an integer, got {axis!r}")
    axis = int(axis)
    if not -ndim <= axis < max(ndim, 1):
        raise AxisError(f"{what} {axis} is out of bounds for an array of dimension {ndim}{_where()}")
    return axis % ndim if ndim else 0


def _node_along(x, axis):
    """The node of ``x`` and its normalized ``axis``; ``axis=None`` means along the flattened array, as NumPy."""
    node = as_node(x)
    if axis is None:
        node, axis = build.reshape(node, (node.size,)), 0
    return node, normalize_axis(axis, node.ndim)


def normalize_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(normalize_axis(a, ndim) for a in axis)
    else:
        axes = (normalize_axis(axis, ndim),)
    if len(set(axes)) != len(axes):
        raise ValueError(f"duplicate value in 'axis': {axis!r}")
    return axes


def _keep(x, axes, result, keepdims):
    if keepdims:
        shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
        return build.reshape(result, shape)
    return result


def _no_out(kwargs, name):
    if kwargs.get("out") is not None:
        raise TraceError(
            f"{name}(..., out=...) writes into an array in place, which a traced function cannot do; "
            f"use the returned value instead{_where()}"
        )


def _reduction_arguments(name, x, axis, out, keepdims, kwargs):
    """(node, axes, keepdims) of a reduction; torch's ``dim=``/``keepdim=`` are accepted too."""
    _no_out({"out": out}, name)
    axis = kwargs.pop("dim", axis)
    keepdims = bool(keepdims or kwargs.pop("keepdim", False))
    if kwargs:
        raise TypeError(f"{name}() got unexpected keyword argument(s) {', '.join(kwargs)}")
    node = as_node(x)
    return node, normalize_axes(axis, node.ndim), keepdims


def _as_float_node(x):
    node = as_node(x)
    if node.dtype.kind in "biu":
        return build.ew(E.A[0], node, dtype=np.float64 if node.dtype != np.bool_ else np.int64)
    return node


@tracked
def sum_(x, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None, **kwargs):
    if where is not None and where is not True:
        x = _zero_outside(where, x)
    node, axes, keepdims = _reduction_arguments("sum", x, axis, out, keepdims, kwargs)
    if initial is not None:
        return elementwise("add", sum_(wrap(node), axes, dtype, keepdims=keepdims), initial)
    if node.dtype.kind in "bui":
        node = build.ew(E.A[0], node, dtype=np.int64)
    result = _keep(node, axes, build.reduce_sum(node, axes), keepdims)
    if dtype is not None:
        result = build.ew(E.A[0], result, dtype=dtype)
    return wrap(result)


@tracked
def mean(x, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    node, axes, keepdims = _reduction_arguments("mean", x, axis, out, keepdims, kwargs)
    count = int(np.prod([node.shape[a] for a in axes], dtype=np.int64))
    total = sum_(wrap(node), axis=axes, keepdims=keepdims)
    out_dtype = dtype or result_dtype(lambda a: np.mean(a), wrap(node))
    return elementwise_formula(lambda a: a / count, [total], out_dtype)


@tracked
def var(x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
    node, axes, keepdims = _reduction_arguments("var", x, axis, out, keepdims, kwargs)
    count = int(np.prod([node.shape[a] for a in axes], dtype=np.int64))
    centred = wrap(node) - mean(wrap(node), axis=axes, keepdims=True)
    total = sum_(centred * centred, axis=axes, keepdims=keepdims)
    return total / (count - ddof)


@tracked
def std(x, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
    return elementwise("sqrt", var(x, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, **kwargs))


#: Products over longer axes are refused: they are unrolled into multiplications.
PROD_MAX_LENGTH = 256


def _check_unrolled_product(name, n, log_form):
    """Refuse a product over more than PROD_MAX_LENGTH factors, saying how to write it with logarithms."""
    if n > PROD_MAX_LENGTH:
        raise unsupported(
            f"np.{name} over an axis of length {n}",
            f"Products are unrolled, up to {PROD_MAX_LENGTH} factors; for more, use {log_form}",
        )


@tracked
def prod(x, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    node, axes, keepdims = _reduction_arguments("prod", x, axis, out, keepdims, kwargs)
    result = node
    for a in sorted(axes, reverse=True):
        n = result.shape[a]
        _check_unrolled_product("prod", n, "np.exp(np.sum(np.log(x)))")
        factors = []
        for i in range(n):
            starts = tuple(i if d == a else 0 for d in range(result.ndim))
            lengths = tuple(1 if d == a else s for d, s in enumerate(result.shape))
            factors.append(build.slice_(result, starts, (1,) * result.ndim, lengths))
        while len(factors) > 1:
            paired = [build.ew(E.A[0] * E.A[1], p, q) for p, q in zip(factors[::2], factors[1::2])]
            factors = paired + ([factors[-1]] if len(factors) % 2 else [])
        kept = tuple(s for d, s in enumerate(result.shape) if d != a)
        result = build.reshape(factors[0], kept) if factors else build.fill(1, kept, node.dtype)
    return wrap(_keep(node, axes, result, keepdims))


def _extremum(kind):
    def reduce(x, axis=None, out=None, keepdims=False, initial=None, where=None, **kwargs):
        if initial is not None or where is not None:
            raise unsupported(f"{kind}(..., initial=/where=)")
        node, axes, keepdims = _reduction_arguments(kind, x, axis, out, keepdims, kwargs)
        if any(node.shape[a] == 0 for a in axes):
            raise ValueError(f"zero-size array to reduction operation {kind} which has no identity")
        return wrap(_keep(node, axes, build.extremum(node, kind, axes), keepdims))

    reduce.__name__ = kind
    return reduce


amax = tracked(_extremum("max"))
amin = tracked(_extremum("min"))


# ---------------------------------------------------------------- contractions


def einsum_nodes(subscripts, nodes):
    """``np.einsum`` on nodes (explicit or implicit output, ``...`` allowed)."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, out = subscripts.split("->")
    else:
        lhs, out = subscripts, None
    specs = lhs.split(",")
    if len(specs) != len(nodes):
        raise ValueError(f"einsum: {len(specs)} operand subscripts for {len(nodes)} operands")
    used = set("".join(specs).replace(".", ""))
    spare = [c for c in build.LETTERS if c not in used]
    ellipsis_len = max((n.ndim - len(s.replace("...", "")) for s, n in zip(specs, nodes) if "..." in s), default=0)
    ell = "".join(spare[:ellipsis_len])
    expanded = []
    for spec, node in zip(specs, nodes):
        if "..." in spec:
            k = node.ndim - len(spec.replace("...", ""))
            spec = spec.replace("...", ell[ellipsis_len - k :])
        if len(spec) != node.ndim:
            raise ShapeError(
                f"einsum: subscripts {spec!r} have {len(spec)} letters for an operand of shape "
                f"{format_shape(node.shape)}{_where()}"
            )
        if len(set(spec)) != len(spec):
            raise unsupported(f"einsum with a repeated index within one operand ({spec!r}, a diagonal)")
        expanded.append(spec)
    if out is None:
        counts = {}
        for c in "".join(expanded):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    sizes = {}
    for spec, node in zip(expanded, nodes):
        for c, n in zip(spec, node.shape):
            if n != 1:
                if sizes.get(c, n) != n:
                    raise ShapeError(
                        f"einsum: index {c!r} has sizes {sizes[c]} and {n} in different operands{_where()}"
                    )
                sizes[c] = n
    operands, final_specs = [], []
    for spec, node in zip(expanded, nodes):
        drop = [i for i, c in enumerate(spec) if node.shape[i] == 1 and sizes.get(c, 1) != 1]
        if drop:
            node = build.reshape(node, [d for i, d in enumerate(node.shape) if i not in drop])
            spec = "".join(c for i, c in enumerate(spec) if i not in drop)
        operands.append(node)
        final_specs.append(spec)
    for c in "".join(expanded) + out:
        sizes.setdefault(c, 1)
    return build.contract(tuple(final_specs), out, sizes.items(), *operands)


@tracked
def einsum(subscripts, *operands, **kwargs):
    _no_out(kwargs, "einsum")
    if not isinstance(subscripts, str):
        raise unsupported("einsum in the interleaved (operand, sublist) form")
    nodes = [as_node(x) for x in operands]
    dtype = np.result_type(*[n.dtype for n in nodes])
    result = einsum_nodes(subscripts, nodes)
    if result.dtype != dtype:
        result = build.ew(E.A[0], result, dtype=dtype)
    return wrap(result)


def _shape_mismatch(name, a, b):
    return ShapeError(
        f"{name}: shapes {format_shape(a.shape)} and {format_shape(b.shape)} are not aligned{_where()}"
    )


@tracked
def matmul(a, b, **kwargs):
    _no_out(kwargs, "matmul")
    a, b = as_node(a), as_node(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (use * for scalars)")
    if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
        raise _shape_mismatch("matmul", a, b)
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise _shape_mismatch("matmul", a, b) from None
    letters = build.letters(len(batch) + 3)
    bt, i, k, j = letters[: len(batch)], letters[-3], letters[-2], letters[-1]
    if a.ndim > 1:
        a = build.broadcast_to(a, batch + a.shape[-2:])
    if b.ndim > 1:
        b = build.broadcast_to(b, batch + b.shape[-2:])
    spec_a = (bt + i + k) if a.ndim > 1 else k
    spec_b = (bt + k + j) if b.ndim > 1 else k
    out = (bt if a.ndim > 1 or b.ndim > 1 else "") + (i if a.ndim > 1 else "") + (j if b.ndim > 1 else "")
    if a.ndim == 1 and b.ndim > 1:
        out = bt + j
    return wrap(einsum_nodes(f"{spec_a},{spec_b}->{out}", [a, b]))


@tracked
def dot(a, b, out=None):
    _no_out({"out": out}, "dot")
    an, bn = as_node(a), as_node(b)
    if an.ndim == 0 or bn.ndim == 0:
        return elementwise("multiply", a, b)
    if bn.ndim == 1:
        if an.shape[-1] != bn.shape[0]:
            raise _shape_mismatch("dot", an, bn)
        la = build.letters(an.ndim)
        return wrap(einsum_nodes(f"{la},{la[-1]}->{la[:-1]}", [an, bn]))
    if an.shape[-1] != bn.shape[-2]:
        raise _shape_mismatch("dot", an, bn)
    letters = build.letters(an.ndim + bn.ndim - 1)
    la = letters[: an.ndim]
    rest = letters[an.ndim :]
    lb = rest[: bn.ndim - 2] + la[-1] + rest[bn.ndim - 2 :]
    return wrap(einsum_nodes(f"{la},{lb}->{la[:-1]}{rest}", [an, bn]))


@tracked
def inner(a, b):
    an, bn = as_node(a), as_node(b)
    if an.ndim == 0 or bn.ndim == 0:
        return elementwise("multiply", a, b)
    if an.shape[-1] != bn.shape[-1]:
        raise _shape_mismatch("inner", an, bn)
    letters = build.letters(an.ndim + bn.ndim - 1)
    la, lb = letters[: an.ndim], letters[an.ndim :] + letters[an.ndim - 1]
    return wrap(einsum_nodes(f"{la},{lb}->{la[:-1]}{lb[:-1]}", [an, bn]))


@tracked
def outer(a, b, out=None):
    _no_out({"out": out}, "outer")
    an, bn = as_node(a), as_node(b)
    an, bn = build.reshape(an, (an.size,)), build.reshape(bn, (bn.size,))
    return wrap(einsum_nodes("i,j->ij", [an, bn]))


@tracked
def vdot(a, b):
    an, bn = as_node(a), as_node(b)
    return wrap(einsum_nodes("i,i->", [build.reshape(an, (an.size,)), build.reshape(bn, (bn.size,))]))


@tracked
def tensordot(a, b, axes=2):
    an, bn = as_node(a), as_node(b)
    if isinstance(axes, (numbers.Integral, np.integer)):
        axes_a = list(range(an.ndim - axes, an.ndim))
        axes_b = list(range(axes))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, (numbers.Integral, np.integer)) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, (numbers.Integral, np.integer)) else list(axes_b)
    axes_a = [normalize_axis(x, an.ndim) for x in axes_a]
    axes_b = [normalize_axis(x, bn.ndim) for x in axes_b]
    letters = build.letters(an.ndim + bn.ndim)
    la = list(letters[: an.ndim])
    lb = list(letters[an.ndim :])
    for i, j in zip(axes_a, axes_b):
        if an.shape[i] != bn.shape[j]:
            raise _shape_mismatch("tensordot", an, bn)
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in axes_a] + [c for j, c in enumerate(lb) if j not in axes_b]
    return wrap(einsum_nodes(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", [an, bn]))


# ---------------------------------------------------------------- structure


@tracked
def reshape(x, *shape, order="C", **kwargs):
    if "newshape" in kwargs:
        shape = (kwargs.pop("newshape"),)
    if "shape" in kwargs:
        shape = (kwargs.pop("shape"),)
    if order != "C":
        raise unsupported(f"reshape with order={order!r}", "Only C order is supported.")
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    node = as_node(x)
    shape = [int(d) for d in shape]
    if shape.count(-1) > 1:
        raise ValueError("can only specify one unknown dimension")
    if -1 in shape:
        known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
        if known == 0 or node.size % known:
            raise ShapeError(f"cannot reshape array of size {node.size} into shape {tuple(shape)}{_where()}")
        shape[shape.index(-1)] = node.size // known
    if int(np.prod(shape, dtype=np.int64)) != node.size:
        raise ShapeError(
            f"cannot reshape array of shape {format_shape(node.shape)} (size {node.size}) "
            f"into shape {format_shape(shape)}{_where()}"
        )
    return wrap(build.reshape(node, shape))


@tracked
def ravel(x, order="C"):
    return reshape(x, -1, order=order)


@tracked
def transpose(x, axes=None, *more):
    node = as_node(x)
    if more:
        axes = (axes,) + more
    if axes is None:
        axes = tuple(reversed(range(node.ndim)))
    axes = tuple(normalize_axis(a, node.ndim) for a in axes)
    if sorted(axes) != list(range(node.ndim)):
        raise ValueError(f"axes {axes} don't match array of {node.ndim} dimensions")
    return wrap(build.transpose(node, axes))


@tracked
def swapaxes(x, axis1, axis2):
    node = as_node(x)
    a, b = normalize_axis(axis1, node.ndim), normalize_axis(axis2, node.ndim)
    perm = list(range(node.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return wrap(build.transpose(node, perm))


@tracked
def moveaxis(x, source, destination):
    node = as_node(x)
    src = normalize_axes(source, node.ndim)
    dst = normalize_axes(destination, node.ndim)
    order = [n for n in range(node.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return wrap(build.transpose(node, order))


@tracked
def expand_dims(x, axis):
    node = as_node(x)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    ndim = node.ndim + len(axes)
    axes = normalize_axes(tuple(axes), ndim)
    it = iter(node.shape)
    return wrap(build.reshape(node, [1 if d in axes else next(it) for d in range(ndim)]))


@tracked
def squeeze(x, axis=None, **kwargs):
    if "dim" in kwargs:
        axis = kwargs.pop("dim")
    node = as_node(x)
    if axis is None:
        axes = tuple(i for i, d in enumerate(node.shape) if d == 1)
    else:
        axes = normalize_axes(axis, node.ndim)
        if any(node.shape[a] != 1 for a in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return wrap(build.reshape(node, [d for i, d in enumerate(node.shape) if i not in axes]))


@tracked
def broadcast_to(x, shape, subok=False):
    node = as_node(x)
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    try:
        if np.broadcast_shapes(node.shape, shape) != tuple(shape):
            raise ValueError
    except ValueError:
        raise ShapeError(
            f"cannot broadcast an array of shape {format_shape(node.shape)} to shape {format_shape(shape)}{_where()}"
        ) from None
    return wrap(build.broadcast_to(node, shape))


def _sequence(arrays, name):
    if is_traced(arrays) or isinstance(arrays, np.ndarray):
        return [arrays[i] for i in range(len(arrays))]
    if not isinstance(arrays, (list, tuple)):
        raise TypeError(f"{name} takes a sequence of arrays")
    return list(arrays)


@tracked
def concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    _no_out({"out": out}, "concatenate")
    nodes = [as_node(a) for a in _sequence(arrays, "concatenate")]
    if axis is None:
        nodes = [build.reshape(n, (n.size,)) for n in nodes]
        axis = 0
    if any(n.ndim == 0 for n in nodes):
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis(axis, nodes[0].ndim)
    for n in nodes[1:]:
        if n.ndim != nodes[0].ndim or any(
            a != b for i, (a, b) in enumerate(zip(n.shape, nodes[0].shape)) if i != axis
        ):
            shapes = ", ".join(format_shape(m.shape) for m in nodes)
            raise ShapeError(f"concatenate: shapes {shapes} differ outside axis {axis}{_where()}")
    dtype = np.result_type(*[n.dtype for n in nodes]) if dtype is None else np.dtype(dtype)
    nodes = [n if n.dtype == dtype else build.ew(E.A[0], n, dtype=dtype) for n in nodes]
    return wrap(build.concat(nodes, axis))


@tracked
def stack(arrays, axis=0, out=None, **kwargs):
    _no_out({"out": out}, "stack")
    if "dim" in kwargs:
        axis = kwargs.pop("dim")
    nodes = [as_node(a) for a in _sequence(arrays, "stack")]
    if len({n.shape for n in nodes}) != 1:
        shapes = ", ".join(format_shape(m.shape) for m in nodes)
        raise ShapeError(f"stack: all input arrays must have the same shape, got {shapes}{_where()}")
    axis = normalize_axis(axis, nodes[0].ndim + 1)
    expanded = [expand_dims(wrap(n), axis) for n in nodes]
    return concatenate(expanded, axis=axis)


def atleast_1d_node(n):
    return build.reshape(n, (1,)) if n.ndim == 0 else n


@tracked
def hstack(arrays, **kwargs):
    nodes = [atleast_1d_node(as_node(a)) for a in _sequence(arrays, "hstack")]
    return concatenate([wrap(n) for n in nodes], axis=0 if nodes[0].ndim == 1 else 1)


@tracked
def vstack(arrays, **kwargs):
    nodes = []
    for a in _sequence(arrays, "vstack"):
        n = atleast_1d_node(as_node(a))
        nodes.append(build.reshape(n, (1,) + n.shape) if n.ndim == 1 else n)
    return concatenate([wrap(n) for n in nodes], axis=0)


@tracked
def roll(x, shift, axis=None):
    node = as_node(x)
    if axis is None:
        flat = build.reshape(node, (node.size,))
        return wrap(build.reshape(build.roll(flat, int(shift), 0), node.shape))
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    if len(axes) == 1:
        axes = axes * len(shifts)
    for s, a in zip(shifts, axes):
        node = build.roll(node, int(s), normalize_axis(a, node.ndim))
    return wrap(node)


@tracked
def diff(x, n=1, axis=-1, prepend=None, append=None):
    if prepend is not None or append is not None:
        raise unsupported("np.diff(..., prepend=/append=)", "Concatenate the values first.")
    node = as_node(x)
    axis = normalize_axis(axis, node.ndim)
    for _ in range(n):
        length = node.shape[axis] - 1
        if length < 0:
            break
        lengths = tuple(length if d == axis else s for d, s in enumerate(node.shape))
        hi = build.slice_(node, tuple(1 if d == axis else 0 for d in range(node.ndim)), (1,) * node.ndim, lengths)
        lo = build.slice_(node, (0,) * node.ndim, (1,) * node.ndim, lengths)
        node = build.ew(E.A[0] - E.A[1], hi, lo)
    return wrap(node)


@tracked
def where(condition, x=None, y=None):
    if x is None or y is None:
        raise unsupported("np.where with one argument", "Its result shape depends on the data.")
    dtype = result_dtype(lambda c, a, b: np.where(c, a, b), condition, x, y)
    return elementwise_formula(lambda c, a, b: sp.Piecewise((a, c), (b, True)), [condition, x, y], dtype, {0})


def _zero_outside(mask, x):
    """``x`` where ``mask`` holds and 0 elsewhere: what a sum over ``where=mask`` adds."""
    return where(mask, x, 0)


@tracked
def clip(x, a_min=None, a_max=None, out=None, **kwargs):
    _no_out({"out": out}, "clip")
    a_min = kwargs.pop("min", a_min)
    a_max = kwargs.pop("max", a_max)
    if a_min is None and a_max is None:
        raise ValueError("One of max or min must be given")
    operands = [x] + [v for v in (a_min, a_max) if v is not None]
    dtype = result_dtype(lambda *a: np.clip(a[0], *(list(a[1:]) + [None] * (3 - len(a)))), *operands)

    def formula(a, *bounds):
        it = iter(bounds)
        lo = next(it) if a_min is not None else None
        hi = next(it) if a_max is not None else None
        pieces = []
        if lo is not None:
            pieces.append((lo, a < lo))
        if hi is not None:
            pieces.append((hi, a > hi))
        return sp.Piecewise(*pieces, (a, True))

    return elementwise_formula(formula, operands, dtype)


@tracked
def norm(x, ord=None, axis=None, keepdims=False):
    node = as_node(x)
    axes = normalize_axes(axis, node.ndim)
    vector = len(axes) == 1 or (axis is None and node.ndim == 1)
    t = wrap(node)
    if ord is None or (ord == "fro" and not vector) or (ord == 2 and vector):
        return elementwise("sqrt", sum_(t * t, axis=axes, keepdims=keepdims))
    if vector and ord == 1:
        return sum_(elementwise("absolute", t), axis=axes, keepdims=keepdims)
    if vector and ord in (np.inf, float("inf")):
        return amax(elementwise("absolute", t), axis=axes, keepdims=keepdims)
    if vector and ord in (-np.inf, float("-inf")):
        return amin(elementwise("absolute", t), axis=axes, keepdims=keepdims)
    if vector and isinstance(ord, (numbers.Real,)) and ord > 0:
        return sum_(elementwise("absolute", t) ** ord, axis=axes, keepdims=keepdims) ** (1.0 / ord)
    if not vector and len(axes) == 2 and ord in (1, -1, np.inf, -np.inf):
        # ord 1: the largest column sum of |x|; inf: the largest row sum; negative: the smallest.
        rows, columns = axes
        summed = sum_(elementwise("absolute", t), axis=rows if abs(ord) == 1 else columns, keepdims=True)
        return (amax if ord > 0 else amin)(summed, axis=axes, keepdims=keepdims)
    raise unsupported(
        f"np.linalg.norm with ord={ord!r} over axes {axes}",
        "Instead, for a matrix's 2-norm or nuclear norm (singular values), compute the SVD outside the traced "
        "function; ord=None/'fro', 1, -1, inf and -inf trace.",
    )


@tracked
def astype(x, dtype, copy=True, **kwargs):
    node = as_node(x)
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise unsupported(f"astype({dtype})", "Only floating dtypes can be traced (an integer cast has no derivative).")
    return wrap(build.ew(E.A[0], node, dtype=dtype))


@tracked
def polyval(p, x):
    """Horner's rule, as NumPy evaluates it: ``p[0]`` is the highest power's coefficient."""
    p = p if is_traced(p) else np.asarray(p)
    result = p[0]
    for k in range(1, len(p)):
        result = result * x + p[k]
    return wrap(build.broadcast_to(as_node(result), np.broadcast_shapes(np.shape(p[0]), np.shape(x))))


@tracked
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The trapezoidal rule along ``axis``, with sample points ``x`` (1-D or shaped like ``y``) or spacing ``dx``."""
    ndim = as_node(y).ndim
    axis = normalize_axis(axis, ndim)
    y = moveaxis(y, axis, -1)
    if x is None:
        width = dx
    else:
        x_node = as_node(x)
        x = x if x_node.ndim == 1 else moveaxis(x, axis, -1)
        width = x[..., 1:] - x[..., :-1]
    return sum_((y[..., 1:] + y[..., :-1]) * width / 2.0, axis=-1)


@tracked
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors along the last axis."""
    if axis is not None or (axisa, axisb, axisc) != (-1, -1, -1):
        raise unsupported("np.cross with axis arguments", "Move the vector axis last with np.moveaxis.")
    if as_node(a).shape[-1:] != (3,) or as_node(b).shape[-1:] != (3,):
        raise unsupported("np.cross of vectors that are not 3-vectors along the last axis")
    a0, a1, a2 = (a[..., k] for k in range(3))
    b0, b1, b2 = (b[..., k] for k in range(3))
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


@tracked
def diag(v, k=0):
    """A 1-D array on the ``k``-th diagonal of a square matrix (exact zeros elsewhere), or the diagonal of a 2-D one."""
    node = as_node(v)
    if node.ndim == 2:
        return diagonal(v, k)
    if node.ndim != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = node.shape[0] + abs(k)
    rows = np.arange(node.shape[0]) + max(-k, 0)
    columns = np.arange(node.shape[0]) + max(k, 0)
    placed = np.zeros((n, n), dtype=np.int64)
    placed[rows, columns] = np.arange(node.shape[0])
    mask = np.zeros((n, n), dtype=bool)
    mask[rows, columns] = True
    return where(mask, v[placed], 0.0)


@tracked
def kron(a, b):
    """The Kronecker product: an outer product whose axes are interleaved, then merged pairwise."""
    an, bn = as_node(a), as_node(b)
    ndim = max(an.ndim, bn.ndim)
    an = build.reshape(an, (1,) * (ndim - an.ndim) + an.shape)
    bn = build.reshape(bn, (1,) * (ndim - bn.ndim) + bn.shape)
    letters = build.letters(2 * ndim)
    la, lb = letters[:ndim], letters[ndim:]
    interleaved = "".join(p + q for p, q in zip(la, lb))
    product = einsum_nodes(f"{la},{lb}->{interleaved}", [an, bn])
    dtype = np.result_type(an.dtype, bn.dtype)
    merged = build.reshape(product, tuple(p * q for p, q in zip(an.shape, bn.shape)))
    return wrap(merged if merged.dtype == dtype else build.ew(E.A[0], merged, dtype=dtype))


@tracked
def cumprod(x, axis=None, dtype=None, out=None):
    """Running products, one multiplication per element along the axis (unrolled, as ``prod``)."""
    _no_out({"out": out}, "cumprod")
    node, axis = _node_along(x, axis)
    n = node.shape[axis]
    _check_unrolled_product("cumprod", n, "np.exp(np.cumsum(np.log(x)))")
    t = moveaxis(wrap(node), axis, 0)
    running = [t[0]]
    for k in range(1, n):
        running.append(running[-1] * t[k])
    result = moveaxis(stack(running), 0, axis) if running else wrap(node)
    return result if dtype is None else astype(result, dtype)


#: Sorting compares every pair along the axis: quadratic in its length.
SORT_MAX_LENGTH = 1024


@tracked
def sort(x, axis=-1, kind=None, order=None, **kwargs):
    """Each element placed at its rank (ties by position, as a stable sort).

    The rank is piecewise constant, so the derivative is the tangent carried
    along by the same permutation, as in torch and JAX.
    """
    node, axis = _node_along(x, axis)
    n = node.shape[axis]
    if n > SORT_MAX_LENGTH:
        raise unsupported(f"np.sort over an axis of length {n}", f"Sorting is traced up to length {SORT_MAX_LENGTH}.")
    t = moveaxis(wrap(node), axis, -1)
    ranks = _ranks(t)
    positions = np.arange(n)
    placed = where(ranks[..., :, None] == positions, t[..., :, None], 0)
    return moveaxis(sum_(placed, axis=-2), -1, axis)


def _ranks(t):
    """The position each element of the last axis takes in a stable ascending sort."""
    n = t.shape[-1]
    earlier = np.tril(np.ones((n, n), dtype=bool), -1)
    before = (t[..., None, :] < t[..., :, None]) | ((t[..., None, :] == t[..., :, None]) & earlier)
    return sum_(before, axis=-1)


@tracked
def argsort(x, axis=-1, kind=None, order=None, **kwargs):
    """The positions that sort ``x`` (stable): an integer array, not differentiated."""
    node, axis = _node_along(x, axis)
    n = node.shape[axis]
    if n > SORT_MAX_LENGTH:
        raise unsupported(f"np.argsort over an axis of length {n}", f"Sorting is traced up to length {SORT_MAX_LENGTH}.")
    t = moveaxis(wrap(node), axis, -1)
    ranks = _ranks(t)
    positions = np.arange(n)
    sources = where(ranks[..., :, None] == positions, positions[:, None], 0)
    return moveaxis(amax(sources, axis=-2), -1, axis)


@tracked
def searchsorted(a, v, side="left", sorter=None):
    """Where each ``v`` would be inserted into the sorted ``a``: an integer array, not differentiated."""
    if sorter is not None:
        raise unsupported("np.searchsorted(..., sorter=...)", "Instead, sort a first with np.sort.")
    a_node = as_node(a)
    if a_node.ndim != 1:
        raise ValueError("object too deep for desired array: np.searchsorted needs a 1-D a")
    a = a if is_traced(a) else np.asarray(a)
    v_values = v if is_traced(v) else np.asarray(v)
    before = (a < v_values[..., None]) if side == "left" else (a <= v_values[..., None])
    return amax(where(before, np.arange(1, a_node.shape[0] + 1), 0), axis=-1)


def _logical_reduction(kind):
    @tracked
    def reduce(x, axis=None, out=None, keepdims=False, **kwargs):
        _no_out({"out": out}, f"np.{kind}")
        t = wrap(as_node(x))
        failing = (t == 0) if kind == "all" else (t != 0)
        count = sum_(failing, axis=axis, keepdims=keepdims)
        return (count == 0) if kind == "all" else (count > 0)

    reduce.__name__ = kind
    return reduce


def _nan_reduction(name, reduction, neutral):
    @tracked
    def reduce(x, axis=None, *args, keepdims=False, **kwargs):
        t = wrap(as_node(x))
        return reduction(where(elementwise("isnan", t), neutral, t), axis, *args, keepdims=keepdims, **kwargs)

    reduce.__name__ = name
    return reduce


@tracked
def nanmean(x, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    _no_out({"out": out}, "nanmean")
    t = wrap(as_node(x))
    present = ~elementwise("isnan", t)
    total = sum_(where(present, t, 0.0), axis=axis, keepdims=keepdims)
    return total / sum_(present, axis=axis, keepdims=keepdims)


@tracked
def median(x, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The middle of the sorted values (the mean of the two middle ones for an even count)."""
    _no_out({"out": out}, "median")
    node, axis = _node_along(x, axis)
    n = node.shape[axis]
    ordered = moveaxis(sort(wrap(node), axis=axis), axis, -1)
    middle = ordered[..., (n - 1) // 2 : n // 2 + 1]
    result = mean(middle, axis=-1)
    if keepdims:
        result = expand_dims(result, axis)
    return result


def _arg_extremum(kind):
    @tracked
    def select(x, axis=None, out=None, keepdims=False):
        """The first position of the extremum (or of a NaN, as NumPy): an integer array, not differentiated."""
        _no_out({"out": out}, f"arg{kind}")
        node, axis = _node_along(x, axis)
        t = wrap(node)
        extremum = (amax if kind == "max" else amin)(t, axis=axis, keepdims=True)
        shape = [1] * node.ndim
        shape[axis] = node.shape[axis]
        positions = np.arange(node.shape[axis]).reshape(shape)
        first = (t == extremum) | elementwise("isnan", t)
        return amin(where(first, positions, node.shape[axis] - 1), axis=axis, keepdims=keepdims)

    select.__name__ = f"arg{kind}"
    return select


argmax = _arg_extremum("max")
argmin = _arg_extremum("min")


@tracked
def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation at increasing constant points ``xp``; ``x`` and ``fp`` may be traced.

    Written as ``fp[0] + sum_k slope_k * clip(x - xp[k], 0, width_k)``: the
    derivative in ``x`` is the slope of the segment ``x`` lies in, and the
    result is linear in ``fp``.
    """
    if is_traced(xp):
        raise unsupported("np.interp with traced sample points xp", "Interpolate at constant (captured) xp.")
    if period is not None:
        raise unsupported("np.interp(..., period=...)", "Wrap x into one period with np.mod first.")
    xp = np.asarray(xp, dtype=np.float64)
    if xp.ndim != 1 or xp.size < 1 or np.any(np.diff(xp) <= 0):
        raise ValueError("np.interp needs strictly increasing 1-D sample points xp")
    if as_node(fp).shape != xp.shape:
        raise ShapeError(f"np.interp: fp has shape {format_shape(as_node(fp).shape)}, xp {format_shape(xp.shape)}")
    fp = fp if is_traced(fp) else np.asarray(fp, dtype=np.float64)
    x = x if is_traced(x) else np.asarray(x, dtype=np.float64)
    widths = np.diff(xp)
    slopes = (fp[1:] - fp[:-1]) / widths
    covered = clip(x[..., None] - xp[:-1], 0.0, widths) if xp.size > 1 else None
    result = fp[0] + (sum_(covered * slopes, axis=-1) if covered is not None else 0.0 * x)
    if left is not None:
        result = where(x < xp[0], left, result)
    if right is not None:
        result = where(x > xp[-1], right, result)
    return result


@tracked
def asarray(a, dtype=None, order=None, **kwargs):
    """A traced array is already an array: the same value, cast to ``dtype`` when one is asked for."""
    if dtype is None or np.dtype(dtype) == a.dtype:
        return a
    return astype(a, dtype)


@tracked
def array(a, dtype=None, copy=True, **kwargs):
    """``np.array`` of a traced array: a copy the function owns (so it may be assigned into), or ``a`` itself."""
    result = asarray(a, dtype)
    return owned(wrap(result.node)) if copy or result is not a else a


def _log_sum_exp(a, axis, b):
    """(log of the sum of ``b * exp(a)`` with the dimensions kept, the largest ``a``): stable, as SciPy's."""
    largest = amax(a, axis=axis, keepdims=True)
    largest = where(elementwise("isfinite", largest), largest, 0.0)
    shifted = elementwise("exp", a - largest)
    if b is not None:
        shifted = shifted * b
    return elementwise("log", sum_(shifted, axis=axis, keepdims=True)) + largest


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """``scipy.special.logsumexp`` (without ``return_sign``)."""
    if return_sign:
        raise unsupported("scipy.special.logsumexp(..., return_sign=True)", "Take np.sign of the weighted sum.")
    a = a if is_traced(a) else wrap(as_node(a))
    result = _log_sum_exp(a, axis, b)
    return result if keepdims else squeeze(result, axis=axis)


def softmax(x, axis=None):
    """``scipy.special.softmax``."""
    x = x if is_traced(x) else wrap(as_node(x))
    largest = amax(x, axis=axis, keepdims=True)
    shifted = elementwise("exp", x - where(elementwise("isfinite", largest), largest, 0.0))
    return shifted / sum_(shifted, axis=axis, keepdims=True)


def log_softmax(x, axis=None):
    """``scipy.special.log_softmax``."""
    x = x if is_traced(x) else wrap(as_node(x))
    return x - _log_sum_exp(x, axis, None)


def owned(traced):
    """``traced`` as an array the function made, so that it may be assigned into."""
    traced.owned = True
    return traced


@tracked
def full_like(x, fill_value, dtype=None, **kwargs):
    node = as_node(x)
    if kwargs.get("shape") is not None:
        raise unsupported("full_like(..., shape=...)", "Use np.full_like of an array of that shape.")
    if is_traced(fill_value):
        return owned(wrap(build.broadcast_to(as_node(fill_value), node.shape)))
    return owned(wrap(build.fill(fill_value, node.shape, dtype or node.dtype)))


@tracked
def zeros_like(x, dtype=None, **kwargs):
    return full_like(x, 0, dtype)


@tracked
def empty_like(x, dtype=None, **kwargs):
    """Zeros: what is read before it is written is unspecified in NumPy, and 0 here."""
    return full_like(x, 0, dtype)


@tracked
def ones_like(x, dtype=None, **kwargs):
    return full_like(x, 1, dtype)


@tracked
def copy(x, *args, **kwargs):
    return owned(wrap(as_node(x)))


def shape(x):
    return as_node(x).shape


def ndim(x):
    return as_node(x).ndim


def size(x, axis=None):
    node = as_node(x)
    return node.size if axis is None else node.shape[axis]


# ---------------------------------------------------------------- element selections


def _selection(numpy_fn):
    """A NumPy function that only selects or repeats elements, traced as one gather.

    NumPy runs it on the array of flat positions, which gives the constant
    table of where each result element comes from.
    """

    @tracked
    def select(x, *args, **kwargs):
        node = as_node(x)
        positions = np.arange(node.size, dtype=np.int64).reshape(node.shape)
        table = np.asarray(numpy_fn(positions, *args, **kwargs))
        flat = build.reshape(node, (node.size,))
        return wrap(build.gather(flat, 0, table))

    select.__name__ = numpy_fn.__name__
    return select


_take_constant = _selection(np.take)
_take_along_constant = _selection(np.take_along_axis)


@tracked
def take(x, indices, axis=None, out=None, mode="raise"):
    """``np.take``: constant indices select at trace time; traced integer indices at run time."""
    _no_out({"out": out}, "take")
    if not is_traced(indices):
        return _take_constant(x, indices, axis=axis, mode=mode)
    if mode != "raise":
        raise unsupported(f"np.take(..., mode={mode!r}) with traced indices", "Clip the indices before they are used.")
    from .indexing import checked_indices

    node, axis = _node_along(x, axis)
    return wrap(build.take(node, checked_indices(indices, node.shape[axis]), axis))


@tracked
def take_along_axis(x, indices, axis):
    """``np.take_along_axis``; with traced indices (an ``argmax(..., keepdims=True)``) a batched ``Take``."""
    if not is_traced(indices):
        return _take_along_constant(x, indices, axis)
    from .indexing import checked_indices

    node, axis = _node_along(x, axis)
    index_node = as_node(indices)
    if index_node.ndim != node.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    shape = list(np.broadcast_shapes(node.shape[:axis] + (1,) + node.shape[axis + 1 :], index_node.shape))
    x_moved = moveaxis(broadcast_to(wrap(node), shape[:axis] + [node.shape[axis]] + shape[axis + 1 :]), axis, -1)
    i_moved = moveaxis(broadcast_to(indices, shape), axis, -1)
    last = node.ndim - 1
    taken = build.take(x_moved.node, checked_indices(i_moved, node.shape[axis]), last, last)
    return moveaxis(wrap(taken), -1, axis)


def _triangle(numpy_fn):
    @tracked
    def mask(x, k=0):
        node = as_node(x)
        keep = numpy_fn(np.ones(node.shape[-2:], dtype=bool), k)
        return elementwise("multiply", wrap(node), keep.astype(node.dtype))

    mask.__name__ = numpy_fn.__name__
    return mask


#: Cumulative sums are a product with a triangular matrix: quadratic in the axis length.
CUMSUM_MAX_LENGTH = 4096


@tracked
def cumsum(x, axis=None, dtype=None, out=None):
    _no_out({"out": out}, "cumsum")
    node, axis = _node_along(x, axis)
    n = node.shape[axis]
    if n > CUMSUM_MAX_LENGTH:
        raise unsupported(f"np.cumsum over an axis of length {n}", f"The limit is {CUMSUM_MAX_LENGTH}.")
    lower = np.tril(np.ones((n, n), dtype=node.dtype))
    letters = build.letters(node.ndim + 1)
    spec = letters[: node.ndim]
    summed, fresh = spec[axis], letters[node.ndim]
    out_spec = spec[:axis] + fresh + spec[axis + 1 :]
    result = einsum_nodes(f"{spec},{fresh}{summed}->{out_spec}", [node, build.constant(lower)])
    return wrap(result) if dtype is None else astype(wrap(result), dtype)


@tracked
def trace_(x, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _no_out({"out": out}, "trace")
    return sum_(diagonal(x, offset, axis1, axis2), axis=-1)


#: np.pad modes that only repeat elements of the array: NumPy pads the array of positions to find which.
_SELECTING_PAD_MODES = ("edge", "reflect", "symmetric", "wrap")


@tracked
def pad(x, pad_width, mode="constant", **kwargs):
    node = as_node(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (node.ndim, 2))
    if mode in _SELECTING_PAD_MODES:
        positions = np.arange(node.size, dtype=np.int64).reshape(node.shape)
        table = np.pad(positions, widths, mode=mode, **kwargs)
        return wrap(build.gather(build.reshape(node, (node.size,)), 0, table))
    if mode != "constant":
        raise unsupported(
            f"np.pad with mode={mode!r}",
            f"The modes that trace are 'constant' and {', '.join(map(repr, _SELECTING_PAD_MODES))}.",
        )
    constant_values = kwargs.pop("constant_values", 0)
    if kwargs:
        raise TypeError(f"np.pad(mode='constant') got unexpected keyword argument(s) {', '.join(kwargs)}")
    shape = tuple(int(b + n + a) for (b, a), n in zip(widths, node.shape))
    placed = build.embed(node, tuple(int(b) for b, _ in widths), (1,) * node.ndim, shape)
    if not np.any(np.asarray(constant_values) != 0):
        return wrap(placed)
    inside = np.pad(np.ones(node.shape, dtype=bool), widths)
    border = np.pad(np.zeros(node.shape, dtype=node.dtype), widths, constant_values=constant_values)
    return where(inside, wrap(placed), border)


def _atleast(ndim):
    @tracked
    def atleast(*arrays):
        results = []
        for a in arrays:
            node = as_node(a)
            if node.ndim < ndim:
                shape = {0: (1,) * ndim, 1: (1, node.size) if ndim >= 2 else node.shape}.get(node.ndim, node.shape)
                if ndim == 3 and node.ndim == 2:
                    shape = node.shape + (1,)
                if ndim == 3 and node.ndim == 1:
                    shape = (1, node.size, 1)
                node = build.reshape(node, shape)
            results.append(wrap(node))
        return results[0] if len(results) == 1 else results

    return atleast


flip = _selection(np.flip)
diagonal = _selection(np.diagonal)


#: np.<function> -> implementation, for ``__array_function__``.
FUNCTIONS = {
    np.sum: sum_,
    np.mean: mean,
    np.var: var,
    np.std: std,
    np.prod: prod,
    np.max: amax,
    np.min: amin,
    np.amax: amax,
    np.amin: amin,
    np.dot: dot,
    np.matmul: matmul,
    np.inner: inner,
    np.outer: outer,
    np.vdot: vdot,
    np.tensordot: tensordot,
    np.einsum: einsum,
    np.reshape: reshape,
    np.ravel: ravel,
    np.transpose: transpose,
    np.swapaxes: swapaxes,
    np.moveaxis: moveaxis,
    np.expand_dims: expand_dims,
    np.squeeze: squeeze,
    np.broadcast_to: broadcast_to,
    np.concatenate: concatenate,
    np.stack: stack,
    np.hstack: hstack,
    np.vstack: vstack,
    np.roll: roll,
    np.diff: diff,
    np.where: where,
    np.clip: clip,
    np.linalg.norm: norm,
    np.zeros_like: zeros_like,
    np.empty_like: empty_like,
    np.ones_like: ones_like,
    np.full_like: full_like,
    np.copy: copy,
    np.polyval: polyval,
    np.trapezoid: trapezoid,
    np.cross: cross,
    np.diag: diag,
    np.flip: flip,
    np.fliplr: _selection(np.fliplr),
    np.flipud: _selection(np.flipud),
    np.diagonal: diagonal,
    np.take: take,
    np.take_along_axis: take_along_axis,
    np.tile: _selection(np.tile),
    np.repeat: _selection(np.repeat),
    np.rot90: _selection(np.rot90),
    np.tril: _triangle(np.tril),
    np.triu: _triangle(np.triu),
    np.cumsum: cumsum,
    np.cumprod: cumprod,
    np.kron: kron,
    np.sort: sort,
    np.argmax: argmax,
    np.argsort: argsort,
    np.searchsorted: searchsorted,
    np.any: _logical_reduction("any"),
    np.all: _logical_reduction("all"),
    np.nansum: _nan_reduction("nansum", lambda x, axis, *a, **k: sum_(x, axis, *a, **k), 0.0),
    np.nanmax: _nan_reduction("nanmax", lambda x, axis, *a, **k: amax(x, axis, *a, **k), -np.inf),
    np.nanmin: _nan_reduction("nanmin", lambda x, axis, *a, **k: amin(x, axis, *a, **k), np.inf),
    np.nanmean: nanmean,
    np.median: median,
    np.argmin: argmin,
    np.interp: interp,
    np.trace: trace_,
    np.pad: pad,
    np.atleast_1d: _atleast(1),
    np.atleast_2d: _atleast(2),
    np.atleast_3d: _atleast(3),
    np.shape: shape,
    np.ndim: ndim,
    np.size: size,
}


#: Ufuncs that are not elementwise (``np.matmul`` is a ufunc in NumPy 2).
UFUNC_FUNCTIONS = {"matmul": matmul, "vecdot": tracked(lambda a, b: einsum("...i,...i->...", a, b))}
