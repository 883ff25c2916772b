"""symjvp kernels of lorenz96(u: (100,) float64), standalone: NumPy and Numba only.

primal(u) -> ((100,) float64): the outputs
"""

import base64
import math

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic



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


# symjvp primal kernel of lorenz96(u: (100,) float64)
@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def primal_kernel_core(u, out0):
    # boundary iterations
    for i0 in range(3):
        out0[np.uintp(i0)] = (u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8
    # interior iterations: index tests decided
    for i0 in range(3, 99):
        out0[np.uintp(i0)] = (u[np.uintp(i0 + 1)] - u[np.uintp(i0 - 2)])*u[np.uintp(i0 - 1)] - u[np.uintp(i0)] + 8
    # boundary iterations
    for i0 in range(99, 100):
        out0[np.uintp(i0)] = (u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def primal_kernel(u):
    out0 = np.empty(100, dtype=np.float64)
    primal_kernel_core(u, out0)
    return out0

_PRIMAL_CONSTANTS = ()
_PRIMAL_BUFFERS = ()
_PRIMAL_SPECS = (((100,), 'float64'),)
_PRIMAL_PRESENT, _PRIMAL_COPIES = (True,), (False,)


def primal(u):
    """((100,) float64): the outputs."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _PRIMAL_BUFFERS]
    sj_computed = primal_kernel(np.ascontiguousarray(u, dtype=np.float64), *_PRIMAL_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _PRIMAL_SPECS, _PRIMAL_PRESENT, _PRIMAL_COPIES)
