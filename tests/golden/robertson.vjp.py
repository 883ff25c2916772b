"""symjvp kernels of robertson(y: (3,) float64), standalone: NumPy and Numba only.

vjp(y, u) -> ((3,) float64, (3,) float64): the outputs, then vᵀ·J for each differentiated input
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


# symjvp vjp kernel of robertson(y: (3,) float64)
@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def vjp_kernel_core(y, u, out0, out1):
    # unrolled
    t0 = 0.04*y[0]
    t1 = 10000*y[2]
    t2 = t1*y[1]
    t3 = 30000000*y[1]**2
    t4 = u[0] - u[1]
    out0[0] = -t0 + t2
    out1[0] = -0.04*u[0] + 0.04*u[1]
    out0[1] = t0 - t2 - t3
    out1[1] = t1*t4 + 2*(-30000000*u[1] + 30000000*u[2])*y[1]
    out0[2] = t3
    out1[2] = 10000*t4*y[1]


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def vjp_kernel(y, u):
    out0 = np.empty(3, dtype=np.float64)
    out1 = np.empty(3, dtype=np.float64)
    vjp_kernel_core(y, u, out0, out1)
    return (out0, out1)

_VJP_CONSTANTS = ()
_VJP_BUFFERS = ()
_VJP_SPECS = (((3,), 'float64'), ((3,), 'float64'))
_VJP_PRESENT, _VJP_COPIES = (True, True), (False, False)


def vjp(y, u):
    """((3,) float64, (3,) float64): the outputs, then vᵀ·J for each differentiated input."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _VJP_BUFFERS]
    sj_computed = vjp_kernel(np.ascontiguousarray(y, dtype=np.float64), np.ascontiguousarray(u, dtype=np.float64), *_VJP_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _VJP_SPECS, _VJP_PRESENT, _VJP_COPIES)
