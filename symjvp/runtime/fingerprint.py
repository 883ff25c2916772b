"""The functional API's cache key: what a trace of a function can read.

Two functions with the same code, defaults, closure values and referenced
globals trace to the same graph, so a lambda re-created in a loop hits the
cache; a captured array whose contents changed gets a new key, so it is
never used stale.

A trace reads more than the function's own globals: ``cfg.scale`` reads an
attribute of a module, ``helpers.act(x)`` runs the code of another user
function, ``model.w`` reads an instance and its class.  So a user module is
keyed by the values of the attributes the code names (every name in its
bytecode and every string constant, an over-approximation of what it can
read), a user class by all its own attributes (its methods read them through
``self``), and a user function by its code and, transitively, what it reads.
Library modules, classes and functions (the standard library, installed
packages) are keyed by name: their code changes only with a new version,
which the disk cache's key covers for the packages symjvp runs on.

Values that cannot be fingerprinted make the function uncacheable (traced on
every call) rather than risk a stale result.
"""

import functools
import hashlib
import numbers
import os
import sys
import sysconfig
import types

import numpy as np


class Uncacheable(Exception):
    pass


_MAX_DEPTH = 12


def _library_roots():
    paths = sysconfig.get_paths()
    roots = {paths.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    return tuple(sorted(os.path.realpath(r) + os.sep for r in roots if r))


_LIBRARY_ROOTS = _library_roots()
_SYMJVP_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__))) + os.sep


@functools.lru_cache(maxsize=4096)
def _is_library_module(name):
    """Installed code (standard library, site-packages, symjvp itself), not the user's."""
    if not name:
        return False
    root = name.partition(".")[0]
    if root in sys.builtin_module_names or root in getattr(sys, "stdlib_module_names", ()):
        return True
    module = sys.modules.get(name) or sys.modules.get(root)
    path = getattr(module, "__file__", None)
    if path is None:
        return module is not None and not hasattr(module, "__path__")  # built-in extension module
    path = os.path.realpath(path)
    return path.startswith(_SYMJVP_ROOT) or path.startswith(_LIBRARY_ROOTS)


def _array_key(array):
    array = np.ascontiguousarray(array)
    return ("array", array.shape, array.dtype.str, hashlib.blake2b(array.tobytes(), digest_size=16).digest())


def _read_names(code):
    """Every name and string constant in ``code`` and its nested code: what it may look up."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _read_names(const)
        elif isinstance(const, str):
            names.add(const)
    return names


class _Keyer:
    """One fingerprint computation; ``active`` breaks cycles (a recursive function, modules importing each other)."""

    def __init__(self):
        self.active = set()

    def value(self, value, names, depth):
        if depth > _MAX_DEPTH:
            raise Uncacheable
        if value is None or isinstance(value, (bool, str, bytes, numbers.Number)) and not isinstance(value, np.generic):
            return (type(value).__name__, value)
        if isinstance(value, np.ndarray):
            return _array_key(value)
        if isinstance(value, np.generic):
            return ("scalar", value.dtype.str, value.item())
        if isinstance(value, np.dtype):
            return ("dtype", value.str)
        if isinstance(value, types.ModuleType):
            return self._guarded(value, ("module", value.__name__), lambda: self._module(value, names, depth))
        if isinstance(value, type):
            return self._guarded(value, ("class", value.__module__, value.__qualname__), lambda: self._class(value, names, depth))
        if isinstance(value, (types.FunctionType, functools.partial)) or hasattr(type(value), "fingerprint_parts"):
            return self._guarded(value, ("function", getattr(value, "__qualname__", "")), lambda: self.function(value, depth + 1))
        if isinstance(value, (types.BuiltinFunctionType, np.ufunc)):
            return ("object", getattr(value, "__module__", None) or "", getattr(value, "__qualname__", value.__name__))
        if isinstance(value, (tuple, list)):
            return (type(value).__name__,) + tuple(self.value(v, names, depth + 1) for v in value)
        if isinstance(value, dict):
            return ("dict",) + tuple((repr(k), self.value(v, names, depth + 1)) for k, v in value.items())
        if isinstance(value, (staticmethod, classmethod)):
            return (type(value).__name__, self.value(value.__func__, names, depth + 1))
        if isinstance(value, property):
            return ("property", self.value(value.fget, names, depth + 1))
        if callable(getattr(value, "__array__", None)):
            return _array_key(np.asarray(value))
        if isinstance(value, types.MethodType):
            return ("method", self.function(value.__func__, depth + 1), self.value(value.__self__, names, depth + 1))
        if hasattr(value, "__dict__") and not callable(value):
            kind = type(value)
            return ("instance", self.value(kind, names, depth + 1), self.value(vars(value), names, depth + 1))
        raise Uncacheable

    def _guarded(self, obj, reference, compute):
        """``compute()``, or ``reference`` when ``obj`` is already being keyed further up."""
        if id(obj) in self.active:
            return ("cycle",) + reference
        self.active.add(id(obj))
        try:
            return compute()
        finally:
            self.active.discard(id(obj))

    def _attributes(self, namespace, names, depth):
        return tuple(
            (name, self.value(namespace[name], names, depth + 1)) for name in sorted(names) if name in namespace
        )

    def _module(self, module, names, depth):
        if _is_library_module(module.__name__):
            return ("module", module.__name__)
        return ("module", module.__name__, self._attributes(vars(module), names, depth))

    def _class(self, cls, names, depth):
        if _is_library_module(cls.__module__):
            return ("class", cls.__module__, cls.__qualname__)
        layers = tuple(
            (klass.__qualname__, self._attributes(vars(klass), _class_names(klass), depth))
            for klass in cls.__mro__
            if not _is_library_module(klass.__module__)
        )
        return ("class", cls.__module__, cls.__qualname__, layers)

    def function(self, func, depth):
        if depth > _MAX_DEPTH:
            raise Uncacheable
        parts = getattr(type(func), "fingerprint_parts", None)
        if parts is not None:
            return self.value(parts(func), frozenset(), depth + 1)
        if isinstance(func, types.MethodType):
            return self.value(func, frozenset(), depth)
        if isinstance(func, functools.partial):
            return (
                "partial",
                self.function(func.func, depth + 1),
                self.value(func.args, frozenset(), depth + 1),
                self.value(func.keywords, frozenset(), depth + 1),
            )
        code = getattr(func, "__code__", None)
        if code is None:
            raise Uncacheable
        module = getattr(func, "__module__", None)
        if module and _is_library_module(module) and module != "__main__":
            return ("library function", module, func.__qualname__)
        names = frozenset(_read_names(code))
        closure = tuple(self.value(cell.cell_contents, names, depth + 1) for cell in (func.__closure__ or ()))
        scope = func.__globals__
        referenced = tuple(
            (name, self.value(scope[name], names, depth + 1))
            for name in sorted(names)
            if name in scope
        )
        return (
            code,
            self.value(func.__defaults__, names, depth + 1),
            self.value(func.__kwdefaults__, names, depth + 1),
            closure,
            referenced,
        )


def _class_names(cls):
    """A user class's own attributes: its methods read any of them through ``self``."""
    return [
        name
        for name, value in vars(cls).items()
        if not (name.startswith("__") and name.endswith("__"))
        or isinstance(value, (types.FunctionType, staticmethod, classmethod, property))
    ]


def fingerprint(func):
    """A hashable key for ``func``, or None when it cannot be made safely."""
    try:
        key = _Keyer().function(func, 0)
        hash(key)
        return key
    except (Uncacheable, TypeError, ValueError, RecursionError):
        return None
