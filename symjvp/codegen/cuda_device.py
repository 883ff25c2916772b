"""Device functions the CUDA kernels call that ``math`` does not give on both the GPU and the simulator.

On a GPU, libdevice's floor, ceil and cbrt (a float, where ``math.floor`` is
an integer); on the simulator, which runs the kernels as Python, NumPy's.
The special functions are the CPU kernels' own definitions (codegen/special.py).
"""

import numpy as np
from numba.extending import register_jitable

from ..runtime.device import simulated
from . import special

if simulated():
    sj_floor, sj_ceil, sj_cbrt = np.floor, np.ceil, np.cbrt
else:
    from numba.cuda import libdevice

    sj_floor, sj_ceil, sj_cbrt = libdevice.floor, libdevice.ceil, libdevice.cbrt

# Compiled into each kernel for its own compute capability (a separate device function would need a
# GPU to pick one, so k.ptx could not compile it on a machine without one).
sj_digamma = register_jitable(special.digamma)
sj_trigamma = register_jitable(special.trigamma)
