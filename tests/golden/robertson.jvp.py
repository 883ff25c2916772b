"""symjvp kernels of robertson(y: (3,) float64), standalone: NumPy and Numba only.

jvp(y, v_y) -> ((3,) float64, (3,) float64): the outputs, then J·v for each output
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


# symjvp jvp kernel of robertson(y: (3,) float64)
@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jvp_kernel_core(y, v_y, out0, out1):
    # unrolled
    t0 = 0.04*y[0]
    t1 = 10000*y[2]
    t2 = t1*y[1]
    t3 = t1*v_y[1] - 0.04*v_y[0] + 10000*v_y[2]*y[1]
    t4 = 30000000*y[1]**2
    t5 = 30000000*(2*v_y[1]*y[1])
    out0[0] = -t0 + t2
    out1[0] = t3
    out0[1] = t0 - t2 - t4
    out1[1] = -t3 - t5
    out0[2] = t4
    out1[2] = t5


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jvp_kernel(y, v_y):
    out0 = np.empty(3, dtype=np.float64)
    out1 = np.empty(3, dtype=np.float64)
    jvp_kernel_core(y, v_y, out0, out1)
    return (out0, out1)

_JVP_CONSTANTS = ()
_JVP_BUFFERS = ()
_JVP_SPECS = (((3,), 'float64'), ((3,), 'float64'))
_JVP_PRESENT, _JVP_COPIES = (True, True), (False, False)


def jvp(y, v_y):
    """((3,) float64, (3,) float64): the outputs, then J·v for each output."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _JVP_BUFFERS]
    sj_computed = jvp_kernel(np.ascontiguousarray(y, dtype=np.float64), np.ascontiguousarray(v_y, dtype=np.float64), *_JVP_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _JVP_SPECS, _JVP_PRESENT, _JVP_COPIES)
