"""The functional API's cache key: a function's code and every value it captures.

Two functions with the same code, defaults, closure values and referenced
globals trace to the same graph, so a lambda re-created in a loop hits the
cache; a captured array whose contents changed gets a new key, so it is
never used stale.  Values that cannot be fingerprinted make the function
uncacheable (traced on every call) rather than risk a stale result.
"""

import functools
import hashlib
import numbers
import types

import numpy as np


class Uncacheable(Exception):
    pass


_MAX_DEPTH = 4


def _array_key(array):
    array = np.ascontiguousarray(array)
    return ("array", array.shape, array.dtype.str, hashlib.blake2b(array.tobytes(), digest_size=16).digest())


def value_key(value, depth=0):
    if depth > _MAX_DEPTH:
        raise Uncacheable
    if value is None or isinstance(value, (bool, str, bytes, numbers.Number)) and not isinstance(value, np.generic):
        return (type(value).__name__, value)
    if isinstance(value, np.ndarray):
        return _array_key(value)
    if isinstance(value, np.generic):
        return ("scalar", value.dtype.str, value.item())
    if isinstance(value, types.ModuleType):
        return ("module", value.__name__)
    if isinstance(value, (types.FunctionType, functools.partial)) or hasattr(type(value), "fingerprint_parts"):
        return function_key(value, depth + 1)
    if isinstance(value, np.dtype):
        return ("dtype", value.str)
    if isinstance(value, (types.BuiltinFunctionType, type, np.ufunc)):
        return ("object", getattr(value, "__module__", None) or "", getattr(value, "__qualname__", value.__name__))
    if isinstance(value, (tuple, list)):
        return (type(value).__name__,) + tuple(value_key(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return ("dict",) + tuple((repr(k), value_key(v, depth + 1)) for k, v in value.items())
    if callable(getattr(value, "__array__", None)):
        return _array_key(np.asarray(value))
    if isinstance(value, types.MethodType):
        return ("method", function_key(value.__func__, depth + 1), value_key(value.__self__, depth + 1))
    if hasattr(value, "__dict__") and not callable(value):
        kind = type(value)
        return ("instance", kind.__module__, kind.__qualname__, value_key(vars(value), depth + 1))
    raise Uncacheable


def _referenced_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _referenced_names(const)
    return names


def function_key(func, depth=0):
    parts = getattr(type(func), "fingerprint_parts", None)
    if parts is not None:
        return value_key(parts(func), depth + 1)
    if isinstance(func, types.MethodType):
        return value_key(func, depth)
    if isinstance(func, functools.partial):
        return (
            "partial",
            function_key(func.func, depth + 1),
            value_key(func.args, depth + 1),
            value_key(func.keywords, depth + 1),
        )
    code = getattr(func, "__code__", None)
    if code is None or depth > _MAX_DEPTH:
        raise Uncacheable
    closure = tuple(value_key(cell.cell_contents, depth + 1) for cell in (func.__closure__ or ()))
    scope = func.__globals__
    referenced = tuple(
        (name, value_key(scope[name], depth + 1)) for name in sorted(_referenced_names(code)) if name in scope
    )
    return (
        code,
        value_key(func.__defaults__, depth + 1),
        value_key(func.__kwdefaults__, depth + 1),
        closure,
        referenced,
    )


def fingerprint(func):
    """A hashable key for ``func``, or None when it cannot be made safely."""
    try:
        key = function_key(func)
        hash(key)
        return key
    except (Uncacheable, TypeError, ValueError):
        return None
