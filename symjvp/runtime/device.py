"""The CUDA side of the runtime: is there a GPU (or the simulator), device arrays in and out, launch sizes.

Numba's CUDA support is imported only here and only for ``target="cuda"`` or
device-array inputs, so a CPU user never pays for it.
"""

import functools
import os

import numpy as np

from .. import tuning
from ..errors import ArgumentError, CudaUnavailableError

#: Numba's CUDA simulator runs kernels as Python threads, one per thread of a block: it is slow,
#: so the launch sizes below give it few blocks, and grid-stride loops small blocks (the kernels are the
#: same; small shapes still run on several blocks, a partial last block and more than one stride).
SIMULATOR_BLOCKS = 4
SIMULATOR_THREADS = 32


def simulated():
    return os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"


def importable_cuda():
    """``numba.cuda``, which compiles CUDA kernels (to PTX, no GPU needed) and, with a GPU or the simulator, runs them."""
    try:
        from numba import cuda as module
    except ImportError as error:
        raise CudaUnavailableError(
            f"target='cuda' needs Numba's CUDA support, which does not import here ({error}): "
            "pip install 'symjvp[cuda]'"
        ) from None
    return module


@functools.lru_cache(maxsize=None)
def cuda():
    """``numba.cuda``, once it is known to run kernels here (a GPU, or the simulator)."""
    numba_cuda = importable_cuda()
    if simulated():
        return numba_cuda
    try:
        available = numba_cuda.is_available()
    except Exception as error:  # a broken driver installation raises from inside Numba
        available, reason = False, f"{type(error).__name__}: {error}"
    else:
        reason = "no CUDA driver or no NVIDIA GPU found"
    if not available:
        raise CudaUnavailableError(
            f"target='cuda' needs an NVIDIA GPU with its driver ({reason}). Without one, Numba's CUDA simulator "
            "runs the same kernels slowly in Python: set NUMBA_ENABLE_CUDASIM=1 before the first import of numba. "
            "k.ptx(kind, cc=...) shows the compiled kernels on any machine."
        )
    return numba_cuda


def as_device_array(value, what):
    """A Numba view of a caller's device array (no copy), checked to be C-contiguous."""
    array = value if getattr(value, "__cuda_ndarray__", False) is True else cuda().as_cuda_array(value)
    if not array.is_c_contiguous():
        raise ArgumentError(f"{what} is a device array that is not C-contiguous; make a contiguous copy on the device")
    return array


@functools.lru_cache(maxsize=None)
def resident_blocks(threads):
    """How many blocks of ``threads`` threads the device runs at once (all its multiprocessors, full occupancy)."""
    if simulated():
        return SIMULATOR_BLOCKS
    device = cuda().get_current_device()
    per_sm = max(1, device.MAX_THREADS_PER_MULTI_PROCESSOR // threads)
    return device.MULTIPROCESSOR_COUNT * per_sm


def grid(trips):
    """(blocks, threads) for a grid-stride loop over ``trips`` iterations: enough to fill the device, no more than needed."""
    threads = SIMULATOR_THREADS if simulated() else tuning.CUDA_THREADS
    return max(1, min(-(-trips // threads), resident_blocks(threads))), threads


def blocks(outputs, threads):
    """Blocks for one block per output, striding over the outputs beyond what the device holds at once."""
    return max(1, min(outputs, resident_blocks(threads)))


def to_device(array, stream):
    return cuda().to_device(np.ascontiguousarray(array), stream=stream)


def device_buffer(size, dtype, zeroed, stream):
    array = cuda().device_array(size, dtype, stream=stream)
    return cleared(array, stream) if zeroed else array


def copy(array, stream):
    """A new device array holding ``array``'s values, copied on the device."""
    duplicate = cuda().device_array(array.shape, array.dtype, stream=stream)
    duplicate.copy_to_device(array, stream=stream)
    return duplicate


def cleared(array, stream):
    """``array`` set to zero on the device (the simulator's arrays are NumPy's underneath)."""
    if simulated():
        array.copy_to_device(np.zeros(array.shape, array.dtype), stream=stream)
    elif array.nbytes:
        from numba.cuda.cudadrv import driver

        driver.device_memset(array, 0, array.nbytes, stream=stream)
    return array


def like_caller(array, template):
    """``array`` (a Numba device array) as the caller's kind of device array, without a copy where possible.

    CuPy arrays and torch CUDA tensors come back as such (they take any
    ``__cuda_array_interface__``); other kinds as Numba device arrays.
    """
    module = type(template).__module__.split(".")[0]
    try:
        if module == "cupy":
            import cupy

            return cupy.asarray(array)
        if module == "torch":
            import torch

            return torch.as_tensor(array, device=template.device)
    except Exception:  # a library that cannot take the array leaves it a Numba device array
        return array
    return array
