"""The exceptions a user can see.

Each one also derives from the builtin exception a Python user would expect
(``ValueError`` for a bad shape, ``TypeError`` for a bad trace or dtype, ...)
so existing ``except`` clauses keep working.
"""


class SymJvpError(Exception):
    """Base class of every error symjvp raises on purpose."""


class ShapeError(SymJvpError, ValueError):
    """A tangent/cotangent (or an input) has the wrong structure or shape."""


class AxisError(ShapeError, IndexError):
    """An axis out of range for the array it names (NumPy's ``AxisError`` is a ValueError and an IndexError too)."""


class TraceError(SymJvpError, TypeError):
    """The traced function did something that cannot be recorded as a graph."""


class UnsupportedOperationError(SymJvpError, NotImplementedError):
    """A NumPy function, method or dtype that symjvp does not support."""


class IndependentInputError(SymJvpError, RuntimeError):
    """``strict=True`` and an output does not depend on an input."""


class ResultTooLargeError(SymJvpError, MemoryError):
    """A dense result (a Jacobian, a Hessian) larger than this machine's memory."""


class DtypeError(SymJvpError, TypeError):
    """An input to differentiate is not floating point."""


class ArgumentError(SymJvpError, ValueError):
    """A bad argument to a symjvp function (``wrt`` out of range, ...)."""


class CudaUnavailableError(SymJvpError, RuntimeError):
    """``target="cuda"`` (or a device array) where no GPU, simulator or CUDA compiler can run the kernels."""


class BatchLengthWarning(UserWarning):
    """A kernel of a function compiled with a batch axis is compiled for each batch length instead."""


def format_shape(shape):
    """Shapes in messages are written as Python tuples: ``(3, 2)`` (``None`` for a batch axis)."""
    return str(tuple(None if d is None else int(d) for d in shape))
