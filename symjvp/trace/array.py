"""The traced array: what the user's function receives instead of numbers.

It speaks NumPy (operators, ``__array_ufunc__``, ``__array_function__``,
array methods) and the torch spellings of the seeds (``x.exp()``,
``x.sum(dim=1, keepdim=True)``, ``x.pow(2)``, ``x.view(-1)``), and records
every operation as a graph node.  Anything that would need a concrete value
(``if x > 0:``, ``float(x)``, in-place assignment) raises ``TraceError``
naming the user's line and the way out.
"""

import sys

import numpy as np

from ..errors import TraceError, UnsupportedOperationError
from ..runtime.batch import PLACEHOLDERS as BATCH_PLACEHOLDERS
from ..graph import elementwise as E
from . import functions as F
from . import linalg
from .indexing import getitem, setitem

#: np.<function> -> traced implementation, for ``__array_function__``.
IMPLEMENTATIONS = {**F.FUNCTIONS, **linalg.FUNCTIONS}


def _needs_value(what, advice):
    return TraceError(
        f"{what} needs a concrete value, but symjvp traces the function once with symbolic arrays. "
        f"{advice}{F._where()}"
    )


_CONTROL_FLOW = (
    "Python control flow on array values cannot be traced; use np.where(condition, a, b), "
    "np.maximum/np.minimum or np.clip instead of if/else."
)


_TAKE_ADVICE = (
    "A NumPy array indexed by traced integers is written np.take(array, indices, axis=...) "
    "(or traced_array[indices], which also traces)."
)


def _binary(name, reflected=False):
    def method(self, other):
        if reflected:
            return F.elementwise(name, other, self)
        return F.elementwise(name, self, other)

    return method


def _method(function):
    """An array method that is the NumPy function applied to the array."""

    def method(self, *args, **kwargs):
        return function(self, *args, **kwargs)

    method.__name__ = function.__name__.rstrip("_")
    return method


def _ufunc_spelling(ufunc):
    """How the user wrote the ufunc: ``np.ldexp``, or ``scipy.special.ndtri`` for SciPy's."""
    if getattr(np, ufunc.__name__, None) is ufunc:
        return f"np.{ufunc.__name__}"
    special = sys.modules.get("scipy.special")
    if special is not None and getattr(special, ufunc.__name__, None) is ufunc:
        return f"scipy.special.{ufunc.__name__}"
    return f"the ufunc {ufunc.__name__}"


class TracedArray:
    __slots__ = ("node", "deps", "owned")
    __array_priority__ = 1000

    def __init__(self, node, deps=frozenset(), owned=False):
        self.node = node
        #: The positions of the function's inputs this value was computed from.
        self.deps = deps
        #: Made by the function itself (``np.zeros_like``, ``x.copy()``, ...): in-place assignment into it
        #: is traced as a new value.  An input, or a view of one, stays immutable.
        self.owned = owned

    # ------------------------------------------------------------ attributes

    @property
    def shape(self):
        return self.node.shape

    @property
    def dtype(self):
        return self.node.dtype

    @property
    def ndim(self):
        return self.node.ndim

    @property
    def size(self):
        return self.node.size

    @property
    def T(self):
        return F.transpose(self)

    @property
    def mT(self):
        return F.swapaxes(self, -1, -2)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        if self.shape[0] in BATCH_PLACEHOLDERS:
            raise UnsupportedOperationError(
                "a Python loop over the batch axis (a None length in a Spec) has no fixed count"
            )
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self):
        return f"TracedArray(shape={self.shape}, dtype={self.dtype})"

    # ------------------------------------------------------------ things that need values

    def __bool__(self):
        raise _needs_value("Using a traced array as a truth value (if/while/and/or)", _CONTROL_FLOW)

    def __float__(self):
        raise _needs_value("float(x)", "Keep x as an array: use it directly in NumPy expressions.")

    def __int__(self):
        raise _needs_value("int(x)", "Shapes are static: use x.shape or len(x) for sizes.")

    def __index__(self):
        raise _needs_value("Using a traced array as an index of a NumPy array or list", _TAKE_ADVICE)

    def __complex__(self):
        raise _needs_value("complex(x)", "Complex numbers are not supported.")

    def item(self, *args):
        raise _needs_value("x.item()", "Keep x as an array: use it directly in NumPy expressions.")

    def tolist(self):
        raise _needs_value("x.tolist()", "Keep x as an array.")

    #: ``np.array([...])`` of traced values is supported up to this many elements.
    OBJECT_ARRAY_LIMIT = 4096

    def __array__(self, dtype=None, copy=None):
        """An object array of this value's elements, so that ``np.array([a, b, c])`` traces.

        The elements are traced scalars; symjvp turns such arrays back into a
        single node wherever they meet a traced operation or are returned.
        """
        if self.dtype.kind in "iu" and self.ndim:
            raise _needs_value("Converting traced integers to a NumPy array (indexing a NumPy array with them)", _TAKE_ADVICE)
        if (dtype is not None and np.dtype(dtype) != object) or self.size > self.OBJECT_ARRAY_LIMIT:
            raise _needs_value(
                "Converting a traced array to a NumPy array (np.asarray, np.array with a dtype, a non-NumPy library)",
                "Use NumPy functions on the traced array directly; np.stack or np.concatenate build arrays from parts.",
            )
        out = np.empty(self.shape, dtype=object)
        for index in np.ndindex(*self.shape):
            out[index] = self[index] if self.shape else self
        return out

    def __setitem__(self, key, value):
        """``x[key] = value`` on an array the function made: ``x`` becomes the updated value.

        The graph stays functional (the update is a new node); the Python
        object is rebound, so every name for it sees the change, as in NumPy.
        A view (``v = x[1:]``) is a new array here, so assigning into one is
        refused rather than silently leaving ``x`` unchanged.
        """
        if not self.owned:
            raise TraceError(
                "In-place assignment (x[...] = value) into an input of the function or into a view (a slice, "
                "a reshape) cannot be traced. Assign into an array the function creates -- y = x.copy(), "
                "np.zeros_like(x), np.empty_like(x), np.full_like(x, v) -- or build the value with np.where(mask, "
                f"value, x) or np.concatenate{F._where()}"
            )
        self.node = setitem(self.node, key, value)
        self.deps = self.deps | frozenset(F._dependence_of([value]))

    # ------------------------------------------------------------ NumPy protocols

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if kwargs.get("out") is not None:
            F._no_out(kwargs, f"np.{ufunc.__name__}")
        kwargs.pop("out", None)
        if method == "reduce":
            reducer = {"add": F.sum_, "multiply": F.prod, "maximum": F.amax, "minimum": F.amin}.get(ufunc.__name__)
            if reducer is None:
                raise F.unsupported(f"np.{ufunc.__name__}.reduce")
            return reducer(*inputs, **kwargs)
        if method != "__call__":
            raise F.unsupported(f"np.{ufunc.__name__}.{method}")
        if kwargs.get("where", True) is not True:
            raise F.unsupported(f"np.{ufunc.__name__}(..., where=...)", "Use np.where on the result.")
        if ufunc.__name__ in F.UFUNC_FUNCTIONS:
            return F.UFUNC_FUNCTIONS[ufunc.__name__](*inputs)
        if E.lookup(ufunc.__name__) is None:
            raise F.unsupported(_ufunc_spelling(ufunc))
        result = F.elementwise(ufunc.__name__, *inputs, ufunc=ufunc)
        dtype = kwargs.get("dtype")
        return F.astype(result, dtype) if dtype is not None else result

    def __array_function__(self, func, types, args, kwargs):
        implementation = IMPLEMENTATIONS.get(func)
        if implementation is None:
            module = getattr(func, "__module__", "numpy") or "numpy"
            module = "np" if module in ("numpy", "numpy.core.multiarray", "numpy._core.multiarray") else module
            module = module.replace("numpy.", "np.")
            raise F.unsupported(f"{module}.{func.__name__}")
        return implementation(*args, **kwargs)

    # ------------------------------------------------------------ operators

    __add__ = _binary("add")
    __radd__ = _binary("add", True)
    __sub__ = _binary("subtract")
    __rsub__ = _binary("subtract", True)
    __mul__ = _binary("multiply")
    __rmul__ = _binary("multiply", True)
    __truediv__ = _binary("divide")
    __rtruediv__ = _binary("divide", True)
    __floordiv__ = _binary("floor_divide")
    __rfloordiv__ = _binary("floor_divide", True)
    __mod__ = _binary("remainder")
    __rmod__ = _binary("remainder", True)
    __pow__ = _binary("power")
    __rpow__ = _binary("power", True)
    __gt__ = _binary("greater")
    __ge__ = _binary("greater_equal")
    __lt__ = _binary("less")
    __le__ = _binary("less_equal")
    __and__ = _binary("logical_and")
    __rand__ = _binary("logical_and", True)
    __or__ = _binary("logical_or")
    __ror__ = _binary("logical_or", True)
    __xor__ = _binary("logical_xor")
    __rxor__ = _binary("logical_xor", True)

    def __eq__(self, other):
        return F.elementwise("equal", self, other)

    def __ne__(self, other):
        return F.elementwise("not_equal", self, other)

    __hash__ = object.__hash__

    def __neg__(self):
        return F.elementwise("negative", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return F.elementwise("absolute", self)

    def __invert__(self):
        if self.dtype != np.bool_:
            raise F.unsupported("bitwise not (~) of a non-boolean array")
        return F.elementwise("logical_not", self)

    def __matmul__(self, other):
        return F.matmul(self, other)

    def __rmatmul__(self, other):
        return F.matmul(other, self)

    def __getitem__(self, key):
        return F.tracked(getitem)(self, key)

    # ------------------------------------------------------------ methods (NumPy and torch spellings)

    sum = _method(F.sum_)
    mean = _method(F.mean)
    var = _method(F.var)
    std = _method(F.std)
    prod = _method(F.prod)
    max = amax = _method(F.amax)
    min = amin = _method(F.amin)

    def reshape(self, *shape, **kwargs):
        return F.reshape(self, *shape, **kwargs)

    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
            raise F.unsupported("view(dtype)")
        return F.reshape(self, *shape)

    def ravel(self, order="C"):
        return F.ravel(self, order)

    flatten = ravel

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return F.transpose(self, axes or None)

    def swapaxes(self, axis1, axis2):
        return F.swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None, **kwargs):
        return F.squeeze(self, axis, **kwargs)

    def unsqueeze(self, dim):
        return F.expand_dims(self, dim)

    def dot(self, other):
        return F.dot(self, other)

    def matmul(self, other):
        return F.matmul(self, other)

    mm = matmul

    def clip(self, min=None, max=None, **kwargs):
        return F.clip(self, min, max, **kwargs)

    clamp = clip

    def pow(self, exponent):
        return F.elementwise("power", self, exponent)

    def astype(self, dtype, **kwargs):
        return F.astype(self, dtype, **kwargs)

    def copy(self, *args, **kwargs):
        return F.copy(self)

    cumsum = _method(F.cumsum)
    diagonal = _method(F.diagonal)
    trace = _method(F.trace_)
    repeat = _method(F.FUNCTIONS[np.repeat])
    take = _method(F.FUNCTIONS[np.take])

    def __getattr__(self, name):
        found = E.lookup(name)
        if found is not None:
            arity = found[1]
            if arity == 1:
                return lambda: F.elementwise(name, self)
            return lambda other: F.elementwise(name, self, other)
        raise AttributeError(
            f"traced arrays have no attribute {name!r} (symjvp supports the NumPy array methods "
            f"and the torch spellings of its seeds){F._where()}"
        )
