"""Checking what the user passes, with messages that say what was expected."""

import inspect
import numbers

import numpy as np

from ..errors import ArgumentError, DtypeError, ShapeError, format_shape


def as_tuple(value):
    """A tuple means several arrays; anything else is one array."""
    return (value, False) if isinstance(value, tuple) else ((value,), True)


def is_device_array(value):
    """A GPU array: anything with ``__cuda_array_interface__`` (CuPy, torch CUDA, Numba), or a Numba device array.

    (The CUDA simulator's device arrays have only the latter mark.)
    """
    if isinstance(value, np.ndarray):
        return False
    return hasattr(value, "__cuda_array_interface__") or getattr(value, "__cuda_ndarray__", False) is True


def to_array(value, what):
    """``value`` as a NumPy array, or, for a device array, a Numba view of it (never copied to the host)."""
    if isinstance(value, np.ndarray) and value.dtype.isnative:
        return value
    if is_device_array(value):
        from .device import as_device_array

        return as_device_array(value, what)
    if isinstance(value, (bool, numbers.Number)) and not isinstance(value, np.generic):
        if isinstance(value, complex):
            raise DtypeError(f"{what} is complex; symjvp needs real floating values")
        return np.asarray(value, dtype=np.float64 if not isinstance(value, bool) else np.bool_)
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ArgumentError(f"{what} could not be converted to an array: {exc}") from None
    if array.dtype == object:
        raise ArgumentError(f"{what} is not an array of numbers (got {type(value).__name__})")
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    return array


def check_dtype(array, what, differentiated):
    kind = array.dtype.kind
    if kind == "c":
        raise DtypeError(f"{what} has complex dtype {array.dtype}; symjvp supports real floating inputs only")
    if differentiated and kind != "f":
        raise DtypeError(
            f"{what} has dtype {array.dtype}, but only floating inputs (float32 or float64) can be differentiated; "
            "convert it with .astype(float)"
        )
    if differentiated and array.dtype not in (np.float32, np.float64):
        raise DtypeError(f"{what} has dtype {array.dtype}; use float32 or float64 (.astype(np.float64))")
    if kind not in "biuf":
        raise DtypeError(f"{what} has unsupported dtype {array.dtype}")
    if kind == "f" and array.dtype.itemsize > 8:
        raise DtypeError(
            f"{what} has dtype {array.dtype}, which the kernels cannot compute in; "
            "convert it with .astype(np.float64) if its extra precision may be dropped"
        )


def kernel_dtype(dtype):
    """The dtype an input is computed in: float16 as float32 (exact; the kernels have no float16)."""
    dtype = np.dtype(dtype)
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def prepare_inputs(values, names, wrt):
    arrays = []
    for k, (value, name) in enumerate(zip(values, names)):
        array = to_array(value, f"input {k} ({name})")
        check_dtype(array, f"input {k} ({name})", k in wrt)
        arrays.append(_in_dtype(array, kernel_dtype(array.dtype), f"input {k} ({name})"))
    return arrays


def _shapes(arrays):
    return ", ".join(format_shape(a.shape) for a in arrays)


def prepare_vectors(v, expected, names, *, kind, single, other_side, other_kind, call=None):
    """Check ``v`` against the expected (shape, dtype) list; cast each to its pair's dtype.

    ``kind`` is "jvp" or "vjp", ``single`` whether one array (not a tuple) is
    expected, ``other_side`` the shapes the other product would take, so a
    ``v`` of those shapes gets "did you mean ...?".
    """
    what = "v" if kind == "jvp" else "v (the cotangent)"
    side = "input" if kind == "jvp" else "output"
    expected_shapes = [tuple(s) for s, _ in expected]
    if single:
        if isinstance(v, tuple):
            if len(v) == 1:
                v = v[0]
            else:
                raise ShapeError(
                    f"{kind}: expected one array for v, shaped like the {side} {format_shape(expected_shapes[0])}; "
                    f"got a tuple of {len(v)} arrays"
                )
        vs = (v,)
    else:
        if not isinstance(v, tuple):
            raise ShapeError(
                f"{kind}: expected v as a tuple of {len(expected)} arrays shaped like the {side}s "
                f"({_shapes_of(expected_shapes)}); got a single array"
            )
        vs = v
        if len(vs) != len(expected):
            raise ShapeError(
                f"{kind}: expected v as a tuple of {len(expected)} arrays shaped like the {side}s "
                f"({_shapes_of(expected_shapes)}); got {len(vs)}"
            )
    arrays = []
    for k, (value, (shape, dtype), name) in enumerate(zip(vs, expected, names)):
        array = to_array(value, f"{what}[{k}]" if not single else what)
        if array.dtype.kind == "c":
            raise DtypeError(f"{kind}: v has complex dtype {array.dtype}; only real values are supported")
        if array.shape != tuple(shape):
            raise ShapeError(_mismatch_message(kind, array.shape, shape, name, other_side, other_kind, single, k, call))
        arrays.append(_in_dtype(array, dtype, f"{what}[{k}]" if not single else what))
    return arrays


def _in_dtype(array, dtype, what):
    """``array`` in ``dtype``: NumPy converts; a device array must have it already (converting would copy it)."""
    if isinstance(array, np.ndarray):
        return array.astype(dtype, copy=False)
    if array.dtype != dtype:
        raise DtypeError(f"{what} is a device array of dtype {array.dtype}; expected {np.dtype(dtype)}: convert it on the device")
    return array


def _shapes_of(shapes):
    return ", ".join(format_shape(s) for s in shapes)


def _mismatch_message(kind, given, expected, name, other_side, other_kind, single, k, call):
    position = "" if single else f"[{k}]"
    if kind == "jvp":
        message = (
            f"jvp: v{position} has shape {format_shape(given)}, but J·v needs v shaped like the input {name} "
            f"{format_shape(expected)}: J has one column per element of the input (flattened in C order), "
            f"and J·v has the shape of the output."
        )
    else:
        message = (
            f"vjp: v{position} has shape {format_shape(given)}, but vᵀ·J needs v shaped like the output "
            f"{format_shape(expected)}: J has one row per element of the output (flattened in C order), "
            f"and vᵀ·J has the shape of the input."
        )
    matches_other = [tuple(s) for s in other_side if tuple(s) == tuple(given)]
    if matches_other:
        fix = f" Call {call.format(other_kind)} instead." if call else ""
        if other_kind == "vjp":
            message += f" Your v has the shape of the output: did you mean vjp (vᵀ·J)?{fix}"
        else:
            message += (
                " Your v has the shape of the input: did you mean jvp (J·v)? J·v multiplies J by a v with one "
                "entry per input element and gives one value per output element -- what you get when you "
                f"differentiate along a direction v of the inputs.{fix}"
            )
    return message


def normalize_wrt(wrt, count):
    """(tuple of input positions, whether one array rather than a tuple is meant)."""
    if wrt is None:
        return tuple(range(count)), count == 1
    single = not isinstance(wrt, (tuple, list))
    positions = (wrt,) if single else tuple(wrt)
    normalized = []
    for p in positions:
        if not isinstance(p, (numbers.Integral, np.integer)) or isinstance(p, bool):
            raise ArgumentError(f"wrt must be an int or a tuple of ints, got {p!r}")
        if not -count <= p < count:
            raise ArgumentError(f"wrt={p} is out of range for a function of {count} input(s)")
        normalized.append(int(p) % count)
    if len(set(normalized)) != len(normalized):
        raise ArgumentError(f"wrt names an input twice: {wrt!r}")
    if not normalized:
        raise ArgumentError("wrt is empty: name at least one input to differentiate")
    return tuple(normalized), single


def check_arity(func, count, given=None):
    """``func`` can be called with ``count`` positional arrays, or an ``ArgumentError`` that shows the call to make."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*range(count))
    except TypeError:
        positional = [
            p.name
            for p in signature.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
        ]
        name = getattr(func, "__name__", "the function")
        expected = f"({', '.join(positional)}{',' if len(positional) == 1 else ''})"
        hint = " (a list is one array: pass several inputs as a tuple)" if isinstance(given, list) else ""
        raise ArgumentError(
            f"{name}{signature} cannot be called with {count} input(s){hint}; pass inputs as the tuple {expected}"
        ) from None


def parameter_names(func, count):
    """Distinct names for the first ``count`` positional arguments (``*args`` are numbered).

    Inputs are told apart by position everywhere; the names only label them
    (symbols, messages), so a generated name never repeats a real one.
    """
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    taken = {p.name for p in parameters}
    names = []

    def fresh(name):
        while name in taken:
            name += "_"
        taken.add(name)
        return name

    for p in parameters:
        if len(names) == count:
            break
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind == p.VAR_POSITIONAL:
            names += [fresh(f"{p.name}{k}") for k in range(count - len(names))]
    names += [fresh(f"x{k}") for k in range(len(names), count)]
    return names


def check_indices(arrays, checks, names):
    """Every integer input that indexes an axis of length n holds values in [-n, n), as NumPy requires.

    The kernels read memory at these indices without a bounds check of their own.
    """
    for position, length in checks:
        values = arrays[position]
        if not isinstance(values, np.ndarray):
            values = values.copy_to_host()
        if values.size == 0:
            continue
        lowest, highest = int(values.min()), int(values.max())
        if lowest < -length or highest >= length:
            bad = lowest if lowest < -length else highest
            raise IndexError(
                f"input {names[position]!r} holds the index {bad}, out of bounds for an axis of length {length} "
                f"(indices must be in [-{length}, {length}))"
            )
