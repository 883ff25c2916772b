"""One kernel, ready to call: its source, what it returns, its constant arguments.

A program is made from a graph (lowering and printing it, which needs
SymPy) or read back from the disk cache (which needs neither SymPy nor a
trace).  On first call it runs the cache entry's native library for this
machine when there is one (no Numba import at all), or builds it, or else
JIT-compiles with Numba.
"""

import contextlib
import logging
import os
import threading

import numpy as np

from . import batch, progress

_log = logging.getLogger("symjvp")
_reported = set()
#: Numba's workqueue threading layer aborts the process when two threads run parallel kernels at once.
_WORKQUEUE = threading.Lock()


def report_once(message):
    """Log a fault that only costs speed, once per process (never silently, never as an exception)."""
    if message not in _reported:
        _reported.add(message)
        _log.warning("symjvp: %s", message)


def _threading_layer():
    try:
        import numba

        return numba.threading_layer()
    except (ImportError, ValueError):
        return None


def _serialized(kernel):
    def one_at_a_time(*arguments):
        with _WORKQUEUE:
            return kernel(*arguments)

    return one_at_a_time


def output_structure(graph, placeholder=None):
    """(specs, present, copies) of a graph's outputs: their shapes and dtypes, which are computed, which repeat one.

    With ``placeholder`` (the graph's batch length), lengths that depend on it are written in n_batch.
    """
    first, copies = {}, []
    for k, out in enumerate(graph.outputs):
        copies.append(out is not None and id(out) in first)
        if out is not None:
            first.setdefault(id(out), k)
    specs = [graph.output_spec(k) for k in range(len(graph.outputs))]
    if placeholder is not None:
        from ..lower.batch_axis import symbolic_shape

        specs = [(symbolic_shape(shape, placeholder), dtype) for shape, dtype in specs]
    present = [out is not None for out in graph.outputs]
    return specs, present, copies


def lowered(graph, name, header, placeholder=None):
    """(Kernel IR, constants, layout) of ``graph``; with ``placeholder`` (its batch length), made for every batch length.

    The layout (codegen/native.layout) also says from which batch length the kernel holds.
    """
    from ..codegen import native
    from ..lower.batch_axis import generalize, least_batch_length
    from ..lower.lowering import lower

    ir, constants = lower(graph, name, header)
    least = 0
    if placeholder is not None:
        generalize(ir, placeholder)
        least = least_batch_length(graph, ir, placeholder)
    return ir, constants, dict(native.layout(ir), least_batch_length=least)


class KernelProgram:
    def __init__(self, name, source, parallel, specs, present, copies, constants, layout, c_source=None):
        self.name = name
        self.source = source
        #: The core as C (codegen/c_cpu.py), which the native library is built from; None: Numba builds it.
        self.c_source = c_source
        self.parallel = parallel
        #: (shape, dtype) of every output, including exact zeros no kernel computes.
        self.specs = [(tuple(shape), np.dtype(dtype)) for shape, dtype in specs]
        self.present = list(present)
        self.copies = list(copies)
        self.constants = list(constants)
        #: The kernel's arrays, as codegen/native.layout describes them.
        self.layout = layout
        #: (size, dtype, zeroed, returned) of the large buffers the kernel takes after the constants
        #: (a size in n_batch as text for a kernel made for every batch length: runtime/batch.py).
        returned = set(layout["returns"])
        self.buffers = [(t[0], np.dtype(t[1]), bool(t[2]), k in returned) for k, t in enumerate(layout["temporaries"]) if t[3]]
        #: (input position, axis) whose length is n_batch; None for a kernel of fixed shapes.
        self.batch_length = layout.get("batch_length")
        #: Shorter batches need a kernel of their own length (lower/batch_axis.least_batch_length).
        self.least_batch_length = layout.get("least_batch_length", 0)
        #: Scratch buffers of finished calls, for the next ones (``run``).
        self._scratch = []
        #: Where the program lives in the disk cache (its kernel.py, and that file's verified bytes) and the cache.
        self.module_path = None
        self.module_source = None
        self.disk = None
        self._fn = None
        self._numba = None
        #: Whether ``fn`` is the native library (known once ``fn`` has been asked for).
        self.native = False

    @classmethod
    def from_graph(cls, graph, name, header, placeholder=None):
        """Lowered and printed; with ``placeholder``, the graph's batch length, made for every batch length."""
        from ..codegen import c_cpu, native
        from ..codegen.hoisting import schedules
        from ..codegen.numba_cpu import kernel_source

        ir, constants, layout = lowered(graph, name, header, placeholder)
        nest_schedules = schedules(ir)
        source = kernel_source(ir, nest_schedules)
        c_source = None
        specs, present, copies = output_structure(graph, placeholder)
        if ir.batch_length is None and c_cpu.worth_it(source, ir):
            try:
                c_source = c_cpu.core_source(ir, native.ENTRY, nest_schedules)
            except NotImplementedError:
                pass
        return cls(name, source, ir.parallel, specs, present, copies, constants, layout, c_source)

    def module_text(self):
        """The kernel's source as a module of its own (what the disk cache stores as kernel.py)."""
        from ..codegen.numba_cpu import module_header

        return module_header(self.source) + self.source

    def __str__(self):
        """What the kernel computes, from its header: ``jvp kernel of f(x: (3,) float64)``."""
        first = self.source.split("\n", 1)[0]
        return first[len("# symjvp ") :] if first.startswith("# symjvp ") else self.name

    def metadata(self):
        return {
            "name": self.name,
            "parallel": self.parallel,
            "specs": [[list(shape), dtype.str] for shape, dtype in self.specs],
            "present": self.present,
            "copies": self.copies,
            "layout": self.layout,
            "c_source": self.c_source,
        }

    @property
    def fn(self):
        """The kernel: takes the inputs and ``after_inputs()``, returns the computed outputs."""
        if self._fn is None:
            native = self._native()
            self.native = native is not None
            self._fn = native or self._first_numba_call
        return self._fn

    def _numba_kernels(self, in_memory=False):
        """(core, kernel) as Numba dispatchers, cached beside the entry's kernel.py unless ``in_memory``."""
        if self._numba is None or in_memory:
            from ..codegen.numba_cpu import compile_file, compile_source

            self._numba = None
            if self.module_path is not None and not in_memory:
                try:
                    self._numba = compile_file(self.module_path, self.module_source, self.name, self.parallel)
                except (OSError, RuntimeError) as error:
                    report_once(f"the cached kernel {self.name} could not be loaded ({error}); compiling it in memory")
            if self._numba is None:
                self._numba = compile_source(self.source, self.name, self.parallel)
        return self._numba

    def _first_numba_call(self, *arguments):
        """The first call compiles (or loads Numba's cache); then ``fn`` is the kernel itself.

        A cache Numba cannot write (disk full) or read (the entry was removed
        meanwhile) costs a compile in memory, with one warning.  Under Numba's
        workqueue threading layer, which aborts the process when two threads
        run parallel kernels at once, parallel kernels run one at a time.
        """
        try:
            with _WORKQUEUE if self.parallel else contextlib.nullcontext(), progress.stage(f"compiling the {self}"):
                result = self._numba_kernels()[1](*arguments)
        except OSError as error:
            report_once(f"Numba could not use its cache for {self.name} ({error}); compiling it in memory")
            result = self._numba_kernels(in_memory=True)[1](*arguments)
        kernel = self._numba[1]
        if self.parallel and _threading_layer() == "workqueue":
            kernel = _serialized(kernel)
        self._fn = kernel
        if self.disk is not None and self.module_path is not None:
            self.disk.record(os.path.dirname(self.module_path))
        return result

    def _native(self):
        """The cache entry's native library for this host, built first if missing; None where there can be none."""
        from ..codegen import native

        # A parallel core runs on Numba's threading runtime, unless it is C (OpenMP's threads).
        if self.disk is None or self.module_path is None or self.parallel and self.c_source is None:
            return None
        tag = native.host_tag() if native.loadable() else None
        if tag is None or not native.supported(self.layout):
            return None
        entry, name = os.path.dirname(self.module_path), native.library_name(tag)
        # A library that cannot be built or loaded only costs speed (Numba runs the kernel): reported, not raised.
        if self.disk.trusted(entry, name) is None:
            # A core that cannot be native is marked once, so later processes do not retry.
            if not native.buildable() or self.disk.trusted(entry, name + ".none") is not None:
                return None
            try:
                what = "compiling the C core" if self.c_source is not None else "building the native library"
                with progress.stage(f"{what} of the {self}"):
                    data = self._built_library(entry)
            except Exception as error:
                report_once(f"no native library for {self.name}: {type(error).__name__}: {error}")
                data = None
            if data is None:
                self.disk.attach(entry, name + ".none", b"")
                return None
            if self.disk.attach(entry, name, data) is None:
                return None
        try:
            return native.load(entry, tag)
        except Exception as error:
            report_once(f"the native library of {self.name} could not be loaded: {type(error).__name__}: {error}")
            return None

    def _built_library(self, entry):
        """The native library's bytes (None: the core cannot be native), from the helper process if there is one."""
        from ..codegen import builder, native, numba_cpu

        if self.c_source is not None:
            try:
                return native.build(None, self.layout, entry, c_source=self.c_source)
            except RuntimeError as error:
                report_once(f"{self.name}: {error}; building its core with Numba instead")
                if self.parallel:
                    return None  # Numba's parallel core needs its threading runtime: it runs as Numba's kernel
        try:
            return builder.build(self.module_path, self.module_source, self.name, self.layout, numba_cpu.FASTMATH)
        except RuntimeError:
            # Compiled afresh, not from Numba's cache: a core loaded from there has no LLVM module to link.
            core, _ = numba_cpu.compile_file(self.module_path, self.module_source, self.name, False, cache=False)
            return native.build(core, self.layout, entry)

    def after_inputs(self, scratch=None, n_batch=None):
        """What the kernel takes after the inputs: constants, then its buffers.

        The ones it returns are new; the others are ``scratch`` (reused, zeroed
        again where they must start at zero) or new ones.  ``n_batch``: the
        batch length of this call, for a kernel made for every batch length.
        """
        if not self.buffers:
            return self.constants
        scratch = iter(scratch or ())
        arguments = list(self.constants)
        for size, dtype, zeroed, returned in self.buffers:
            size = batch.resolve(size, n_batch)
            reused = None if returned else next(scratch, None)
            if reused is not None and reused.size != size:
                reused = None
            if reused is None:
                arguments.append((np.zeros if zeroed else np.empty)(size, dtype))
            else:
                arguments.append(reused)
                if zeroed:
                    reused.fill(0)
        return arguments

    def run(self, *inputs):
        """``fn`` on the inputs, its scratch buffers taken over from an earlier call.

        Fresh memory costs more than some kernels: seed 003's vjp spends 2-3 ms
        of its 4-5 ms faulting in new pages for an 8 MB temporary, 1.6 ms in all
        when the memory is reused.  A list's pop and append are atomic, so
        concurrent calls never share a buffer.
        """
        if not self.buffers:
            return self.fn(*inputs, *self.constants)
        try:
            scratch = self._scratch.pop()
        except IndexError:
            scratch = None
        n_batch = batch.batch_length_of(inputs, self.batch_length) if self.batch_length else None
        arguments = self.after_inputs(scratch, n_batch)
        try:
            return self.fn(*inputs, *arguments)
        finally:
            buffers = arguments[len(self.constants) :]
            kept = [array for array, (*_, returned) in zip(buffers, self.buffers) if not returned]
            if kept:
                self._scratch.append(kept)

    def __call__(self, inputs):
        computed = self.run(*inputs) if any(self.present) else ()
        computed = iter((computed,) if sum(self.present) == 1 else computed)
        results = []
        n_batch = batch.batch_length_of(inputs, self.batch_length) if self.batch_length else None
        for (shape, dtype), present, copy in zip(self.specs, self.present, self.copies):
            shape = batch.resolve_shape(shape, n_batch)
            if not present:
                results.append(np.zeros(shape, dtype))
            else:
                array = next(computed).reshape(shape)
                results.append(array.copy() if copy else array)
        return results
