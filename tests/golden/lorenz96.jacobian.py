"""symjvp kernels of lorenz96(u: (100,) float64), standalone: NumPy and Numba only.

jacobian(u) -> ((100, 100) float64): J, one block per (output, differentiated input), each of shape out.shape + in.shape
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


# symjvp jacobian kernel of lorenz96(u: (100,) float64)
@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jacobian_kernel_core(u, out0):
    # boundary iterations
    for i0 in range(3):
        inv0 = u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]
        inv1 = u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))]
        inv2 = out0[100*i0:100*i0 + 100]
        for i1 in range(inv2.shape[0]):
            inv2[np.uintp(i1)] = inv0*((1) if (((i1 == i0 + 99)) if (i0 < 1) else ((i1 == i0 - 1))) else (0)) + inv1*(-((1) if (((i1 == i0 + 98)) if (i0 < 2) else ((i1 == i0 - 2))) else (0)) + ((1) if (((i1 == i0 + 1)) if (i0 < 99) else ((i1 == i0 - 99))) else (0))) - ((1) if (i1 == i0) else (0))
    # interior iterations: index tests decided
    for i0 in range(3, 99):
        inv3 = u[np.uintp(i0 + 1)] - u[np.uintp(i0 - 2)]
        inv4 = u[np.uintp(i0 - 1)]
        inv5 = out0[100*i0:100*i0 + 100]
        for i1 in range(inv5.shape[0]):
            inv5[np.uintp(i1)] = inv3*((1) if (i1 == i0 - 1) else (0)) + inv4*(-((1) if (i1 == i0 - 2) else (0)) + ((1) if (i1 == i0 + 1) else (0))) - ((1) if (i1 == i0) else (0))
    # boundary iterations
    for i0 in range(99, 100):
        inv6 = u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]
        inv7 = u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))]
        inv8 = out0[100*i0:100*i0 + 100]
        for i1 in range(inv8.shape[0]):
            inv8[np.uintp(i1)] = inv6*((1) if (((i1 == i0 + 99)) if (i0 < 1) else ((i1 == i0 - 1))) else (0)) + inv7*(-((1) if (((i1 == i0 + 98)) if (i0 < 2) else ((i1 == i0 - 2))) else (0)) + ((1) if (((i1 == i0 + 1)) if (i0 < 99) else ((i1 == i0 - 99))) else (0))) - ((1) if (i1 == i0) else (0))


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jacobian_kernel(u):
    out0 = np.empty(10000, dtype=np.float64)
    jacobian_kernel_core(u, out0)
    return out0.reshape((100, 100))

_JACOBIAN_CONSTANTS = ()
_JACOBIAN_BUFFERS = ()
_JACOBIAN_SPECS = (((100, 100), 'float64'),)
_JACOBIAN_PRESENT, _JACOBIAN_COPIES = (True,), (False,)


def jacobian(u):
    """((100, 100) float64): J, one block per (output, differentiated input), each of shape out.shape + in.shape."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _JACOBIAN_BUFFERS]
    sj_computed = jacobian_kernel(np.ascontiguousarray(u, dtype=np.float64), *_JACOBIAN_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _JACOBIAN_SPECS, _JACOBIAN_PRESENT, _JACOBIAN_COPIES)
