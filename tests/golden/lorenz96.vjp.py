"""symjvp kernels of lorenz96(u: (100,) float64), standalone: NumPy and Numba only.

vjp(u, u_out) -> ((100,) float64, (100,) float64): the outputs, then vᵀ·J for each differentiated input
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


# symjvp vjp kernel of lorenz96(u: (100,) float64)
@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def vjp_kernel_core(u, u_out, out0, out1):
    # boundary iterations
    for i0 in range(3):
        out0[np.uintp(i0)] = (u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = (u[np.uintp(((i0 + 2) if (i0 < 98) else (i0 - 98)))] - u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))])*u_out[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))]*u_out[np.uintp(((i0 + 2) if (i0 < 98) else (i0 - 98)))] + u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]*u_out[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u_out[np.uintp(i0)]
    # interior iterations: index tests decided
    for i0 in range(3, 98):
        out0[np.uintp(i0)] = (u[np.uintp(i0 + 1)] - u[np.uintp(i0 - 2)])*u[np.uintp(i0 - 1)] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = (u[np.uintp(i0 + 2)] - u[np.uintp(i0 - 1)])*u_out[np.uintp(i0 + 1)] - u[np.uintp(i0 + 1)]*u_out[np.uintp(i0 + 2)] + u[np.uintp(i0 - 2)]*u_out[np.uintp(i0 - 1)] - u_out[np.uintp(i0)]
    # boundary iterations
    for i0 in range(98, 100):
        out0[np.uintp(i0)] = (u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = (u[np.uintp(((i0 + 2) if (i0 < 98) else (i0 - 98)))] - u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))])*u_out[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))]*u_out[np.uintp(((i0 + 2) if (i0 < 98) else (i0 - 98)))] + u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]*u_out[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u_out[np.uintp(i0)]


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def vjp_kernel(u, u_out):
    out0 = np.empty(100, dtype=np.float64)
    out1 = np.empty(100, dtype=np.float64)
    vjp_kernel_core(u, u_out, out0, out1)
    return (out0, out1)

_VJP_CONSTANTS = ()
_VJP_BUFFERS = ()
_VJP_SPECS = (((100,), 'float64'), ((100,), 'float64'))
_VJP_PRESENT, _VJP_COPIES = (True, True), (False, False)


def vjp(u, u_out):
    """((100,) float64, (100,) float64): the outputs, then vᵀ·J for each differentiated input."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _VJP_BUFFERS]
    sj_computed = vjp_kernel(np.ascontiguousarray(u, dtype=np.float64), np.ascontiguousarray(u_out, dtype=np.float64), *_VJP_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _VJP_SPECS, _VJP_PRESENT, _VJP_COPIES)
