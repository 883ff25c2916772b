"""symjvp kernels of lorenz96(u: (100,) float64), standalone: NumPy and Numba only.

jvp(u, v_u) -> ((100,) float64, (100,) float64): the outputs, then J·v for each output
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


# symjvp jvp kernel of lorenz96(u: (100,) float64)
@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jvp_kernel_core(u, v_u, out0, out1):
    # boundary iterations
    for i0 in range(3):
        t0 = u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]
        out0[np.uintp(i0)] = t0*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = t0*v_u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] + (v_u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - v_u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - v_u[np.uintp(i0)]
    # interior iterations: index tests decided
    for i0 in range(3, 99):
        t0 = u[np.uintp(i0 + 1)] - u[np.uintp(i0 - 2)]
        out0[np.uintp(i0)] = t0*u[np.uintp(i0 - 1)] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = t0*v_u[np.uintp(i0 - 1)] + (v_u[np.uintp(i0 + 1)] - v_u[np.uintp(i0 - 2)])*u[np.uintp(i0 - 1)] - v_u[np.uintp(i0)]
    # boundary iterations
    for i0 in range(99, 100):
        t0 = u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]
        out0[np.uintp(i0)] = t0*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = t0*v_u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] + (v_u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - v_u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - v_u[np.uintp(i0)]


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jvp_kernel(u, v_u):
    out0 = np.empty(100, dtype=np.float64)
    out1 = np.empty(100, dtype=np.float64)
    jvp_kernel_core(u, v_u, out0, out1)
    return (out0, out1)

_JVP_CONSTANTS = ()
_JVP_BUFFERS = ()
_JVP_SPECS = (((100,), 'float64'), ((100,), 'float64'))
_JVP_PRESENT, _JVP_COPIES = (True, True), (False, False)


def jvp(u, v_u):
    """((100,) float64, (100,) float64): the outputs, then J·v for each output."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _JVP_BUFFERS]
    sj_computed = jvp_kernel(np.ascontiguousarray(u, dtype=np.float64), np.ascontiguousarray(v_u, dtype=np.float64), *_JVP_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _JVP_SPECS, _JVP_PRESENT, _JVP_COPIES)
