"""Device functions the CUDA kernels call that ``math`` does not give on both the GPU and the simulator.

On a GPU, libdevice's floor, ceil and cbrt (a float, where ``math.floor`` is
an integer); on the simulator, which runs the kernels as Python, NumPy's.
The special functions are the CPU kernels' own definitions (codegen/special.py).
"""

import numpy as np
from numba import cuda

from ..runtime.device import simulated
from . import special

if simulated():
    sj_floor, sj_ceil, sj_cbrt = np.floor, np.ceil, np.cbrt
else:
    from numba.cuda import libdevice

    sj_floor, sj_ceil, sj_cbrt = libdevice.floor, libdevice.ceil, libdevice.cbrt

sj_digamma = cuda.jit(device=True)(special.digamma)
sj_trigamma = cuda.jit(device=True)(special.trigamma)
