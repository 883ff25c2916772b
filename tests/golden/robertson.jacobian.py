"""symjvp kernels of robertson(y: (3,) float64), standalone: NumPy and Numba only.

jacobian(y) -> ((3, 3) float64): J, one block per (output, differentiated input), each of shape out.shape + in.shape
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


# symjvp jacobian kernel of robertson(y: (3,) float64)
@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jacobian_kernel_core(y, out0):
    # unrolled
    t0 = 10000*y[2]
    t1 = 10000*y[1]
    t2 = 30000000*(2*y[1])
    out0[0] = -0.04
    out0[1] = t0
    out0[2] = t1
    out0[3] = 0.04
    out0[4] = -t0 - t2
    out0[5] = -t1
    out0[6] = 0
    out0[7] = t2
    out0[8] = 0


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jacobian_kernel(y):
    out0 = np.empty(9, dtype=np.float64)
    jacobian_kernel_core(y, out0)
    return out0.reshape((3, 3))

_JACOBIAN_CONSTANTS = ()
_JACOBIAN_BUFFERS = ()
_JACOBIAN_SPECS = (((3, 3), 'float64'),)
_JACOBIAN_PRESENT, _JACOBIAN_COPIES = (True,), (False,)


def jacobian(y):
    """((3, 3) float64): J, one block per (output, differentiated input), each of shape out.shape + in.shape."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _JACOBIAN_BUFFERS]
    sj_computed = jacobian_kernel(np.ascontiguousarray(y, dtype=np.float64), *_JACOBIAN_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _JACOBIAN_SPECS, _JACOBIAN_PRESENT, _JACOBIAN_COPIES)
