"""symjvp kernels of double_row_sum(x: (3, 2) float64), standalone: NumPy and Numba only.

jvp(x, v_x) -> ((3,) float64, (3,) float64): the outputs, then J·v for each output
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


# symjvp jvp kernel of double_row_sum(x: (3, 2) float64)
@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jvp_kernel_core(x, v_x, out0, out1):
    # unrolled
    out0[0] = 2*x[0] + 2*x[1]
    out1[0] = 2*v_x[0] + 2*v_x[1]
    out0[1] = 2*x[2] + 2*x[3]
    out1[1] = 2*v_x[2] + 2*v_x[3]
    out0[2] = 2*x[4] + 2*x[5]
    out1[2] = 2*v_x[4] + 2*v_x[5]


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jvp_kernel(x, v_x):
    out0 = np.empty(3, dtype=np.float64)
    out1 = np.empty(3, dtype=np.float64)
    jvp_kernel_core(x.reshape(-1), v_x.reshape(-1), out0, out1)
    return (out0, out1)

_JVP_CONSTANTS = ()
_JVP_BUFFERS = ()
_JVP_SPECS = (((3,), 'float64'), ((3,), 'float64'))
_JVP_PRESENT, _JVP_COPIES = (True, True), (False, False)


def jvp(x, v_x):
    """((3,) float64, (3,) float64): the outputs, then J·v for each output."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _JVP_BUFFERS]
    sj_computed = jvp_kernel(np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(v_x, dtype=np.float64), *_JVP_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _JVP_SPECS, _JVP_PRESENT, _JVP_COPIES)
