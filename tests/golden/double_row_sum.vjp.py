"""symjvp kernels of double_row_sum(x: (3, 2) float64), standalone: NumPy and Numba only.

vjp(x, u) -> ((3,) float64, (3, 2) float64): the outputs, then vᵀ·J for each differentiated input
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


# symjvp vjp kernel of double_row_sum(x: (3, 2) float64)
@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def vjp_kernel_core(x, u, out0, out1):
    # unrolled
    out0[0] = 2*x[0] + 2*x[1]
    out0[1] = 2*x[2] + 2*x[3]
    out0[2] = 2*x[4] + 2*x[5]
    for i0 in range(3):
        t0 = 2*u[np.uintp(i0)]
        t1 = 2*i0
        out1[np.uintp(t1)] = t0
        out1[np.uintp(t1 + 1)] = t0


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def vjp_kernel(x, u):
    out0 = np.empty(3, dtype=np.float64)
    out1 = np.empty(6, dtype=np.float64)
    vjp_kernel_core(x.reshape(-1), u, out0, out1)
    return (out0, out1.reshape((3, 2)))

_VJP_CONSTANTS = ()
_VJP_BUFFERS = ()
_VJP_SPECS = (((3,), 'float64'), ((3, 2), 'float64'))
_VJP_PRESENT, _VJP_COPIES = (True, True), (False, False)


def vjp(x, u):
    """((3,) float64, (3, 2) float64): the outputs, then vᵀ·J for each differentiated input."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _VJP_BUFFERS]
    sj_computed = vjp_kernel(np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(u, dtype=np.float64), *_VJP_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _VJP_SPECS, _VJP_PRESENT, _VJP_COPIES)
