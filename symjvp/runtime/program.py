"""One kernel, ready to call: its source, what it returns, its constant arguments.

A program is made from a graph (lowering and printing it, which needs
SymPy) or read back from the disk cache (which needs neither SymPy nor a
trace).  Either way it JIT-compiles on first call.
"""

import numpy as np


class KernelProgram:
    def __init__(self, name, source, parallel, specs, present, copies, constants, buffers=()):
        self.name = name
        self.source = source
        self.parallel = parallel
        #: (shape, dtype) of every output, including exact zeros no kernel computes.
        self.specs = [(tuple(shape), np.dtype(dtype)) for shape, dtype in specs]
        self.present = list(present)
        self.copies = list(copies)
        self.constants = list(constants)
        #: (size, dtype, zeroed) of the large buffers the kernel takes after the constants.
        self.buffers = [(int(size), np.dtype(dtype), bool(zeroed)) for size, dtype, zeroed in buffers]
        self.module_path = None
        self._fn = None

    @classmethod
    def from_graph(cls, graph, name, header):
        from ..codegen.numba_cpu import kernel_source
        from ..lower.lowering import lower

        ir, constants = lower(graph, name, header)
        first, copies = {}, []
        for k, out in enumerate(graph.outputs):
            copies.append(out is not None and id(out) in first)
            if out is not None:
                first.setdefault(id(out), k)
        specs = [graph.output_spec(k) for k in range(len(graph.outputs))]
        present = [out is not None for out in graph.outputs]
        buffers = [(b.size, b.dtype, b.zero_init) for b in ir.temporaries if b.passed_in]
        return cls(name, kernel_source(ir), ir.parallel, specs, present, copies, constants, buffers)

    def metadata(self):
        return {
            "name": self.name,
            "parallel": self.parallel,
            "specs": [[list(shape), dtype.str] for shape, dtype in self.specs],
            "present": self.present,
            "copies": self.copies,
            "buffers": [[size, dtype.str, zeroed] for size, dtype, zeroed in self.buffers],
        }

    @property
    def fn(self):
        if self._fn is None:
            from ..codegen.numba_cpu import compile_file, compile_source

            if self.module_path is not None:
                self._fn = compile_file(self.module_path, self.name, self.parallel)
            else:
                self._fn = compile_source(self.source, self.name, self.parallel)
        return self._fn

    def after_inputs(self):
        """What the kernel takes after the inputs: constants, then fresh buffers."""
        if not self.buffers:
            return self.constants
        return self.constants + [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in self.buffers]

    def __call__(self, inputs):
        computed = self.fn(*inputs, *self.after_inputs()) if any(self.present) else ()
        computed = iter((computed,) if sum(self.present) == 1 else computed)
        results = []
        for (shape, dtype), present, copy in zip(self.specs, self.present, self.copies):
            if not present:
                results.append(np.zeros(shape, dtype))
            else:
                array = next(computed).reshape(shape)
                results.append(array.copy() if copy else array)
        return results
