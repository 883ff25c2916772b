"""symjvp: a graph-based symbolic differentiation compiler for NumPy functions.

trace -> graph -> derivatives -> lower -> codegen -> runtime; this module is
the thin public layer on top (see API.md).
"""

from .api import clear_cache, compile, hessian, hvp, jacobian, jvp, sparse_jacobian, vhp, vjp, vmap
from .errors import (
    ArgumentError,
    AxisError,
    BatchLengthWarning,
    CudaUnavailableError,
    DtypeError,
    IndependentInputError,
    ShapeError,
    SymJvpError,
    TraceError,
    UnsupportedOperationError,
)
from .runtime import Compiled, Spec

__version__ = "0.1.0"


def __getattr__(name):
    # explain needs SymPy; importing it lazily keeps a cached run free of SymPy.
    if name == "explain":
        from .explanation import explain

        return explain
    raise AttributeError(f"module 'symjvp' has no attribute {name!r}")

__all__ = [
    "ArgumentError",
    "AxisError",
    "BatchLengthWarning",
    "Compiled",
    "CudaUnavailableError",
    "DtypeError",
    "IndependentInputError",
    "ShapeError",
    "Spec",
    "SymJvpError",
    "TraceError",
    "UnsupportedOperationError",
    "clear_cache",
    "compile",
    "explain",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "sparse_jacobian",
    "vhp",
    "vjp",
    "vmap",
]
