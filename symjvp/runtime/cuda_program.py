"""A kernel for the GPU: its CUDA source, launched on device arrays, results back as the caller's kind of array."""

import contextlib
import hashlib
import math
import os
import types

import numpy as np

from ..errors import CudaUnavailableError
from . import batch, device, progress
from .validate import is_device_array
from .program import KernelProgram, lowered, output_structure

#: Starts each kernel's module in ``ptx``: ptxas assembles one module at a time.
PTX_MODULE_MARKER = "// symjvp: CUDA kernel "


class CudaProgram(KernelProgram):
    """One kind of kernel as CUDA kernels (one per nest of the Kernel IR) and the host function that launches them.

    Compiled by Numba on first use (lazily, for the argument types of the
    call, cached beside the disk cache's module when there is one, keyed
    by Numba by the device's compute capability).
    """

    @classmethod
    def from_graph(cls, graph, name, header, placeholder=None):
        """Lowered and printed; with ``placeholder``, the graph's batch length, made for every batch length."""
        from ..codegen.hoisting import schedules
        from ..codegen.numba_cuda import kernel_source

        ir, constants, layout = lowered(graph, name, header, placeholder)
        source = kernel_source(ir, schedules(ir, views=False))
        return cls(name, source, False, *output_structure(graph, placeholder), constants, layout)

    def module_text(self):
        from ..codegen.numba_cuda import module_header

        return module_header(self.source) + self.source

    def metadata(self):
        return dict(super().metadata(), target="cuda")

    # ------------------------------------------------------------ compiling

    def _module(self):
        """The kernel's module, executed: its CUDA kernels (not yet compiled) and its launcher."""
        if self._numba is None:
            text = self.module_text()
            filename = self.module_path
            if filename is None or self.module_source != text.encode():
                digest = hashlib.sha256(text.encode()).hexdigest()[:16]
                filename = f"<symjvp-cuda:{self.name}:{digest}>"
                import linecache

                linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
            namespace = {"__name__": f"symjvp_cuda_{self.name}"}
            if self.module_path is not None and filename == self.module_path:
                namespace["__file__"] = filename  # lets Numba cache the compiled kernels beside it
            device.importable_cuda()
            exec(compile(text, filename, "exec"), namespace)
            self._numba = namespace
        return self._numba

    def kernels(self):
        """(name, CUDA dispatcher) of each kernel, in launch order."""
        from ..codegen.numba_cuda import nest_kernels

        return nest_kernels(self._module(), self.name)

    def ptx(self, cc):
        """The PTX of every kernel for compute capability ``cc``: one module each, concatenated in launch order."""
        from ..codegen.numba_cuda import parameter_types

        from numba import float64, int64

        cuda = device.importable_cuda()
        if device.simulated():
            raise CudaUnavailableError(
                "PTX comes from NVIDIA's compiler, which Numba's CUDA simulator replaces: "
                "unset NUMBA_ENABLE_CUDASIM (no GPU is needed for PTX)"
            )
        types = parameter_types(self.layout)
        modules = []
        for name, kernel in self.kernels():
            arguments = kernel.py_func.__code__.co_varnames[: kernel.py_func.__code__.co_argcount]
            signature = types + [float64[::1]] * ("sj_partials" in arguments) + [int64] * ("sj_chunks" in arguments)
            with progress.stage(f"compiling {name} of the {self} to PTX"), _device_functions_for(cc):
                text, _ = cuda.compile_ptx(kernel.py_func, tuple(signature), cc=tuple(cc))
            modules.append(f"{PTX_MODULE_MARKER}{name}\n{text}")
        return "\n".join(modules)

    # ------------------------------------------------------------ running

    _launched = False
    _constants_on_device = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: Scratch buffers of finished calls ({temporary position: device array}); list pop and append are atomic.
        self._device_scratch = []

    def _device_constants(self, stream):
        if self._constants_on_device is None:
            self._constants_on_device = [device.to_device(c.reshape(-1), stream) for c in self.constants]
        return self._constants_on_device

    def _buffers(self, stream, n_batch):
        """Device buffers for one call: new ones for what it returns, the scratch of a finished call for the rest.

        Device allocation synchronises and costs more than a small kernel; a
        reused buffer that must start at zero is cleared again.
        """
        returned = set(self.layout["returns"])
        try:
            scratch = self._device_scratch.pop()
        except IndexError:
            scratch = {}
        buffers = []
        for k, (size, dtype, zeroed, *_) in enumerate(self.layout["temporaries"]):
            size = batch.resolve(size, n_batch)
            reused = scratch.get(k)
            if reused is None or reused.size != size:
                buffers.append(device.device_buffer(size, np.dtype(dtype), zeroed, stream))
            else:
                buffers.append(device.cleared(reused, stream) if zeroed else reused)
        kept = {k: b for k, b in enumerate(buffers) if k not in returned}
        return buffers, kept

    def launch(self, flat_inputs, stream, n_batch=None):
        """Run every kernel on flat device arrays; returns the computed outputs (flat device arrays)."""
        module = self._module()
        buffers, kept = self._buffers(stream, n_batch)
        first = not self._launched
        length = [n_batch] if self.batch_length else []
        try:
            with progress.stage(f"compiling the {self} for the GPU") if first else contextlib.nullcontext():
                arrays = [*flat_inputs, *self._device_constants(stream), *buffers]
                module[self.name](*arrays, *length, stream, device.grid, device.blocks)
        finally:
            if kept:
                self._device_scratch.append(kept)
        if first and self.disk is not None and self.module_path is not None:
            self.disk.record(os.path.dirname(self.module_path))  # Numba's cached CUDA kernels, now trusted
        self._launched = True
        return [buffers[k] for k in self.layout["returns"]]

    def __call__(self, inputs):
        """Inputs are NumPy or device arrays; with any device array, the results stay on the device."""
        cuda = device.cuda()
        template = next((x for x in inputs if is_device_array(x)), None)
        stream = cuda.default_stream()
        flat = []
        for x in inputs:
            if is_device_array(x):
                flat.append(device.as_device_array(x, "input").reshape(math.prod(x.shape)))
            else:
                flat.append(device.to_device(np.asarray(x).reshape(-1), stream))
        n_batch = batch.batch_length_of(inputs, self.batch_length) if self.batch_length else None
        computed = iter(self.launch(flat, stream, n_batch) if any(self.present) else ())
        results = []
        for (shape, dtype), present, copy in zip(self.specs, self.present, self.copies):
            shape = batch.resolve_shape(shape, n_batch)
            if template is None:  # each host result is a fresh copy: a repeated output needs no other
                results.append(next(computed).copy_to_host(stream=stream).reshape(shape) if present else np.zeros(shape, dtype))
                continue
            if not present:
                array = device.device_buffer(math.prod(shape), dtype, True, stream)
            else:
                array = next(computed)
                if copy:
                    array = device.copy(array, stream)
            results.append(device.like_caller(array.reshape(shape), template))
        stream.synchronize()
        return results


@contextlib.contextmanager
def _device_functions_for(cc):
    """Device functions a kernel calls (digamma) compiled for ``cc`` where there is no GPU to ask.

    Numba compiles a device function for the current device's compute
    capability even inside ``compile_ptx``, and without a GPU there is none.
    """
    from numba.cuda import dispatcher

    asked = dispatcher.get_current_device

    def device():
        try:
            return asked()
        except Exception:
            return types.SimpleNamespace(compute_capability=tuple(cc))

    dispatcher.get_current_device = device
    try:
        yield
    finally:
        dispatcher.get_current_device = asked

