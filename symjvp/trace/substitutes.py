"""Library functions that never reach a traced array's protocols, stood in for while a function is traced.

``np.asarray(x)`` does not dispatch through ``__array_function__``: NumPy
calls ``__array__``, which must return a NumPy array, so the traced array
would become an object array of traced scalars (code per element); ``np.take``
dispatches on its first argument only, not on traced indices.  SciPy's
``logsumexp`` and ``softmax`` are Python code that tests values.  While a
trace runs, these names give the traced implementations for traced
arguments and the library's own function for anything else, so a thread
that is not tracing sees no difference.

NumPy's functions are replaced as attributes of the ``numpy`` module (the
spelling ``np.asarray``); SciPy's Python functions have their code replaced,
so that ``from scipy.special import logsumexp`` reaches the substitute too.
"""

import sys
import threading
import types
from contextlib import contextmanager

from . import functions as F

_LOCK = threading.Lock()
_DEPTH = 0
_UNDO = []

#: numpy attribute -> traced implementation.  ``np.take`` dispatches on its array only, not on traced indices.
NUMPY = {
    "asarray": F.asarray,
    "asanyarray": F.asarray,
    "ascontiguousarray": F.asarray,
    "array": F.array,
    "take": F.take,
}

#: (module, function) of SciPy -> traced implementation.
SCIPY = {
    ("scipy.special", "logsumexp"): F.logsumexp,
    ("scipy.special", "softmax"): F.softmax,
    ("scipy.special", "log_softmax"): F.log_softmax,
}

#: id of a SciPy function whose code is replaced -> (traced implementation, a copy of the original).
_DISPATCH = {}


def dispatch(key, args, kwargs):
    """Called by a replaced SciPy function: the traced implementation if any argument is traced."""
    traced, original = _DISPATCH[key]
    if F._contains_traced(list(args) + list(kwargs.values())):
        return traced(*args, **kwargs)
    return original(*args, **kwargs)


def _numpy_substitute(original, traced):
    def substitute(*args, **kwargs):
        if any(map(F.is_traced, args)) or any(map(F.is_traced, kwargs.values())):
            return traced(*args, **kwargs)
        return original(*args, **kwargs)

    substitute.__name__ = substitute.__qualname__ = original.__name__
    substitute.__doc__ = original.__doc__
    return substitute


def _trampoline(function, key):
    source = (
        "def trampoline(*args, **kwargs):\n"
        "    from symjvp.trace.substitutes import dispatch\n"
        f"    return dispatch({key!r}, args, kwargs)\n"
    )
    namespace = {}
    exec(source, namespace)
    return namespace["trampoline"].__code__.replace(co_name=function.__code__.co_name)


def _install():
    import numpy as np

    for name, traced in NUMPY.items():
        original = getattr(np, name)
        setattr(np, name, _numpy_substitute(original, traced))
        _UNDO.append(lambda name=name, original=original: setattr(np, name, original))
    for (module_name, name), traced in SCIPY.items():
        module = sys.modules.get(module_name)
        function = getattr(module, name, None)
        if not isinstance(function, types.FunctionType) or function.__code__.co_freevars:
            continue
        copy = types.FunctionType(function.__code__, function.__globals__, name, function.__defaults__)
        copy.__kwdefaults__ = function.__kwdefaults__
        _DISPATCH[id(function)] = (traced, copy)
        saved = (function.__code__, function.__defaults__, function.__kwdefaults__)
        function.__code__ = _trampoline(function, id(function))
        function.__defaults__ = function.__kwdefaults__ = None

        def restore(function=function, saved=saved):
            function.__code__, function.__defaults__, function.__kwdefaults__ = saved
            _DISPATCH.pop(id(function), None)

        _UNDO.append(restore)


@contextmanager
def substituted():
    """While tracing: the library functions above dispatch traced arguments to symjvp (reentrant, thread-safe)."""
    global _DEPTH
    with _LOCK:
        if _DEPTH == 0:
            _install()
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0:
                while _UNDO:
                    _UNDO.pop()()
