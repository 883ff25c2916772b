"""symjvp kernels of double_row_sum(x: (3, 2) float64), standalone: NumPy and Numba only.

primal(x) -> ((3,) float64): the outputs
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


# symjvp primal kernel of double_row_sum(x: (3, 2) float64)
@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def primal_kernel_core(x, out0):
    # unrolled
    out0[0] = 2*x[0] + 2*x[1]
    out0[1] = 2*x[2] + 2*x[3]
    out0[2] = 2*x[4] + 2*x[5]


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def primal_kernel(x):
    out0 = np.empty(3, dtype=np.float64)
    primal_kernel_core(x.reshape(-1), out0)
    return out0

_PRIMAL_CONSTANTS = ()
_PRIMAL_BUFFERS = ()
_PRIMAL_SPECS = (((3,), 'float64'),)
_PRIMAL_PRESENT, _PRIMAL_COPIES = (True,), (False,)


def primal(x):
    """((3,) float64): the outputs."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _PRIMAL_BUFFERS]
    sj_computed = primal_kernel(np.ascontiguousarray(x, dtype=np.float64), *_PRIMAL_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _PRIMAL_SPECS, _PRIMAL_PRESENT, _PRIMAL_COPIES)
