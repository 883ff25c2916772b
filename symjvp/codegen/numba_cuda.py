"""Kernel IR -> Numba CUDA source: one ``@cuda.jit`` kernel per nest, launched in order by a host function.

The same Kernel IR and loop-invariant schedule as the CPU printers; what
changes is how a nest's iterations map onto the GPU:

* a nest without inner loops: one thread per iteration of its outer loops
  (flattened, the innermost fastest, so neighbouring threads touch
  neighbouring addresses), in a grid-stride loop;
* a reduction over a short inner range: one thread per output;
* a longer one: a block per output, its threads striding over the inner range,
  then a tree reduction in shared memory;
* a long reduction into fewer outputs than fill the GPU: each output's range
  split over several blocks (partial results), then one block per output
  combines them -- seed 003's vjp sums 10^6 rows into 2 numbers on the whole GPU.

A store that accumulates (a scatter-add's ``+=``) is an atomic add, since two
threads may hit one element.  Kernel boundaries are the only synchronisation
between nests, as the nests' order is the only dependence between them.
Transcendentals are CUDA's own (libdevice through ``math``).
"""

import numpy as np
import sympy as sp

from .. import tuning
from ..lower.kernel_ir import loop_bounds, loop_trips
from ..runtime.batch import BATCH_LENGTH
from .numba_cpu import comment_text
from .printer import NumbaPrinter

_INIT = {"sum": "0.0", "max": "-math.inf", "min": "math.inf"}


class CudaPrinter(NumbaPrinter):
    """NumbaPrinter with what CUDA device code lacks replaced (NumPy's floor, ceil, cbrt, sign ufuncs)."""

    def _print_sign(self, expr):
        x = self._print(expr.args[0])
        return f"(1.0 if {x} > 0 else (-1.0 if {x} < 0 else {x}))"

    def _print_floor(self, expr):
        return f"sj_floor({self._print(expr.args[0])})"

    def _print_ceiling(self, expr):
        return f"sj_ceil({self._print(expr.args[0])})"

    def _print_Cbrt(self, expr):
        return f"sj_cbrt({self._print(expr.args[0])})"

    def _print_polygamma(self, expr):
        return "sj_" + super()._print_polygamma(expr)[len("fast_") :]


_PRINTER = CudaPrinter()


def print_expression(expr):
    return _PRINTER.doprint(expr)


def _combine(kind, a, b):
    """Two partial results of a reduction as one (NaN wins a max or min, as in NumPy and the CPU kernels)."""
    if kind == "sum":
        return f"{a} + {b}"
    better = ">" if kind == "max" else "<"
    return f"{b} if ({b} {better} {a} or {b} != {b}) else {a}"


def _update(kind, acc, value):
    if kind == "sum":
        return [f"{acc} += {value}"]
    better = ">" if kind == "max" else "<"
    return [f"if {value} {better} {acc} or {value} != {value}:", f"    {acc} = {value}"]


def _trips(loops):
    """The iterations of ``loops``: an int, or an expression in the batch length (lower/batch_axis.py)."""
    trips = sp.Mul(*[sp.sympify(loop_trips(n)) for _, n in loops])
    return int(trips) if trips.is_Integer else trips


def _estimate(trips):
    """A count to choose a launch style by: a batch length counts as a long batch (the placeholder's)."""
    from ..lower.batch_axis import BATCH
    from ..runtime.batch import PLACEHOLDERS

    return int(sp.sympify(trips).subs(BATCH, PLACEHOLDERS[0]))


def _times(*factors):
    """The product as source: a number when every factor is one, else the factors multiplied in the kernel."""
    number = int(np.prod([f for f in factors if isinstance(f, int)], dtype=np.int64))
    others = [f"({f})" for f in factors if not isinstance(f, int)]
    return " * ".join(([str(number)] if number != 1 or not others else []) + others)


def launch_style(nest):
    """(style, chunks) for ``nest`` on a GPU, from its trip counts alone (so the source does not depend on the device).

    Styles: "elementwise", "thread_reduce" (a thread per output), "block_reduce" (a block per
    output), "split_reduce" (``chunks`` blocks per output, then a block per output combines them).
    A kernel made for every batch length chooses as for a long batch; blocks of a split
    reduction with nothing to add for a shorter one contribute the reduction's identity.
    """
    outer = _estimate(_trips(nest.outer))
    if not nest.inner:
        return "elementwise", 1
    inner = _estimate(_trips(nest.inner))
    if inner < tuning.CUDA_BLOCK_REDUCTION_MIN_TERMS or outer == 0:
        return "thread_reduce", 1
    per_block = tuning.CUDA_REDUCTION_THREADS * tuning.CUDA_TERMS_PER_THREAD
    chunks = min(inner // per_block, -(-tuning.CUDA_BLOCKS_TO_FILL // outer))
    return ("split_reduce", chunks) if chunks > 1 else ("block_reduce", 1)


class _NestWriter:
    """Writes the CUDA kernel(s) of one nest into ``out`` and the lines that launch them."""

    def __init__(self, nest, schedule, kernel_name, parameters, out):
        self.nest, self.schedule, self.out = nest, schedule, out
        self.parameters = parameters
        self.style, self.chunks = launch_style(nest)
        self.outer_trips, self.inner_trips = _trips(nest.outer), _trips(nest.inner)
        #: A split reduction over a batch-length range takes its chunk count from the launcher, which
        #: splits only as far as the call's length needs (``chunks`` is the most it splits into).
        self.runtime_chunks = self.style == "split_reduce" and not isinstance(self.inner_trips, int)
        self.chunk_count = "sj_chunks" if self.runtime_chunks else self.chunks
        self.name = kernel_name

    def line(self, pad, text):
        self.out.append("    " * pad + text)

    def decode(self, pad, flat, loops):
        """The loop variables of ``loops`` from one flat iteration number (the last loop varies fastest)."""
        if not loops:
            return
        if len(loops) == 1:
            var, extent = loops[0]
            first, _ = loop_bounds(extent)
            self.line(pad, f"{var} = {flat} + {first}" if first else f"{var} = {flat}")
            return
        self.line(pad, f"sj_rest = {flat}")
        for k, (var, extent) in enumerate(reversed(loops)):
            first, _ = loop_bounds(extent)
            trips = loop_trips(extent)
            offset = f" + {first}" if first else ""
            if k == len(loops) - 1:
                self.line(pad, f"{var} = sj_rest{offset}")
            else:
                self.line(pad, f"{var} = sj_rest % {trips}{offset}")
                self.line(pad, f"sj_rest //= {trips}")

    def levels(self, pad):
        for level in self.schedule.levels:
            for kind, name, *rest in level:
                if kind == "view":
                    buffer, start, length = rest
                    begin = print_expression(start)
                    self.line(pad, f"{name} = {buffer}[{begin}:{begin} + {length}]")
                else:
                    self.line(pad, f"{name} = {print_expression(rest[0])}")

    def stores(self, pad, stores, atomic):
        for buffer, index, value, accumulate in stores:
            target = print_expression(sp.IndexedBase(buffer)[index])
            if accumulate and atomic:
                self.line(pad, f"cuda.atomic.add({buffer}, {print_expression(index)}, {print_expression(value)})")
            else:
                self.line(pad, f"{target} {'+=' if accumulate else '='} {print_expression(value)}")

    def inner_body(self, pad):
        """One inner iteration: its assignments, the accumulators' updates, its stores."""
        for symbol, expr in self.schedule.inner_assignments:
            self.line(pad, f"{symbol} = {print_expression(expr)}")
        for (acc, kind), (_, term) in zip(self.nest.accumulators, self.schedule.updates):
            for text in _update(kind, acc, print_expression(term)):
                self.line(pad, text)
        self.stores(pad, self.schedule.inner_stores, atomic=True)

    def after_inner(self, pad):
        for symbol, expr in self.schedule.assignments:
            self.line(pad, f"{symbol} = {print_expression(expr)}")
        self.stores(pad, self.schedule.stores, atomic=_estimate(self.outer_trips) > 1)

    def block_tree(self, pad, kind, acc):
        """Reduce ``acc`` over the block, back into ``acc`` (every thread of the block takes part)."""
        self.line(pad, f"sj_shared[sj_thread] = {acc}")
        self.line(pad, "cuda.syncthreads()")
        self.line(pad, f"sj_half = {tuning.CUDA_REDUCTION_THREADS // 2}")
        self.line(pad, "while sj_half > 0:")
        self.line(pad + 1, "if sj_thread < sj_half:")
        self.line(pad + 2, "sj_a = sj_shared[sj_thread]")
        self.line(pad + 2, "sj_b = sj_shared[sj_thread + sj_half]")
        self.line(pad + 2, f"sj_shared[sj_thread] = {_combine(kind, 'sj_a', 'sj_b')}")
        self.line(pad + 1, "cuda.syncthreads()")
        self.line(pad + 1, "sj_half //= 2")
        self.line(pad, f"{acc} = sj_shared[0]")
        self.line(pad, "cuda.syncthreads()")

    def write(self):
        nest = self.nest
        signature = ", ".join(self.parameters)
        if nest.comment:
            self.line(0, f"# {comment_text(nest.comment)}")
        self.line(0, "@cuda.jit(**JIT)")
        if self.style == "split_reduce":
            split = "sj_partials, sj_chunks" if self.runtime_chunks else "sj_partials"
            self.line(0, f"def {self.name}_partial({signature}, {split}):")
            self.write_split_partial()
            self.out.append("")
            self.out.append("")
            self.line(0, "@cuda.jit(**JIT)")
            self.line(0, f"def {self.name}({signature}, {split}):")
            self.write_split_combine()
        else:
            self.line(0, f"def {self.name}({signature}):")
            {"elementwise": self.write_elementwise, "thread_reduce": self.write_thread_reduce}.get(
                self.style, self.write_block_reduce
            )()
        self.out.append("")
        self.out.append("")

    def write_elementwise(self):
        self.line(1, "sj_flat = cuda.grid(1)")
        self.line(1, f"while sj_flat < {self.outer_trips}:")
        self.decode(2, "sj_flat", self.nest.outer)
        self.levels(2)
        self.after_inner(2)
        self.line(2, "sj_flat += cuda.gridsize(1)")

    def write_thread_reduce(self):
        self.line(1, "sj_flat = cuda.grid(1)")
        self.line(1, f"while sj_flat < {self.outer_trips}:")
        self.decode(2, "sj_flat", self.nest.outer)
        self.levels(2)
        for acc, kind in self.nest.accumulators:
            self.line(2, f"{acc} = {_INIT[kind]}")
        self.line(2, f"for sj_term in range({self.inner_trips}):")
        self.decode(3, "sj_term", self.nest.inner)
        self.inner_body(3)
        self.after_inner(2)
        self.line(2, "sj_flat += cuda.gridsize(1)")

    def reduce_over_block(self, pad, first, stride):
        """Each thread's share of the inner range (from ``first`` by ``stride``), then the block's tree per accumulator."""
        for acc, kind in self.nest.accumulators:
            self.line(pad, f"{acc} = {_INIT[kind]}")
        self.line(pad, f"sj_term = {first}")
        self.line(pad, f"while sj_term < {self.inner_trips}:")
        self.decode(pad + 1, "sj_term", self.nest.inner)
        self.inner_body(pad + 1)
        self.line(pad + 1, f"sj_term += {stride}")
        for acc, kind in self.nest.accumulators:
            self.block_tree(pad, kind, acc)

    def shared_prelude(self):
        self.line(1, f"sj_shared = cuda.shared.array({tuning.CUDA_REDUCTION_THREADS}, float64)")
        self.line(1, "sj_thread = cuda.threadIdx.x")

    def block_per_output(self, reduce):
        """Blocks stride over the outputs; ``reduce`` (at indent 2) leaves each accumulator reduced; thread 0 stores."""
        self.shared_prelude()
        self.line(1, "sj_output = cuda.blockIdx.x")
        self.line(1, f"while sj_output < {self.outer_trips}:")
        self.decode(2, "sj_output", self.nest.outer)
        self.levels(2)
        reduce()
        self.line(2, "if sj_thread == 0:")
        self.after_inner(3)
        self.line(2, "sj_output += cuda.gridDim.x")

    def write_block_reduce(self):
        self.block_per_output(lambda: self.reduce_over_block(2, "sj_thread", tuning.CUDA_REDUCTION_THREADS))

    def write_split_partial(self):
        """Block b reduces chunk ``b % chunks`` of output ``b // chunks`` into ``sj_partials``."""
        chunks, threads = self.chunk_count, tuning.CUDA_REDUCTION_THREADS
        self.shared_prelude()
        self.line(1, "sj_block = cuda.blockIdx.x")
        self.line(1, f"sj_output = sj_block // {chunks}")
        self.decode(1, "sj_output", self.nest.outer)
        self.levels(1)
        self.reduce_over_block(1, f"(sj_block % {chunks}) * {threads} + sj_thread", _times(chunks, threads))
        self.line(1, "if sj_thread == 0:")
        for k, (acc, _) in enumerate(self.nest.accumulators):
            self.line(2, f"sj_partials[{_times(k, self.outer_trips, chunks)} + sj_block] = {acc}")

    def write_split_combine(self):
        """One block per output combines its chunks' partial results, then stores as the serial nest would."""
        chunks, threads = self.chunk_count, tuning.CUDA_REDUCTION_THREADS

        def combine():
            for k, (acc, kind) in enumerate(self.nest.accumulators):
                self.line(2, f"{acc} = {_INIT[kind]}")
                self.line(2, "sj_chunk = sj_thread")
                self.line(2, f"while sj_chunk < {chunks}:")
                value = f"sj_partials[{_times(k, self.outer_trips, chunks)} + sj_output * {chunks} + sj_chunk]"
                self.line(3, f"sj_value = {value}")
                for text in _update(kind, acc, "sj_value"):
                    self.line(3, text)
                self.line(3, f"sj_chunk += {threads}")
                self.block_tree(2, kind, acc)

        self.block_per_output(combine)

    def launches(self):
        """The launcher's lines for this nest."""
        args = ", ".join(self.parameters)
        if self.style == "elementwise" or self.style == "thread_reduce":
            return [
                f"sj_blocks, sj_threads = grid({self.outer_trips})",
                f"{self.name}[sj_blocks, sj_threads, stream]({args})",
            ]
        threads = tuning.CUDA_REDUCTION_THREADS
        if self.style == "block_reduce":
            return [f"{self.name}[blocks({self.outer_trips}, {threads}), {threads}, stream]({args})"]
        chunks, split = self.chunk_count, "sj_partials"
        lines = []
        if self.runtime_chunks:
            per_block = tuning.CUDA_REDUCTION_THREADS * tuning.CUDA_TERMS_PER_THREAD
            lines.append(f"sj_chunks = max(1, min(({self.inner_trips}) // {per_block}, {self.chunks}))")
            split = "sj_partials, sj_chunks"
        partials = _times(len(self.nest.accumulators), self.outer_trips, chunks)
        return lines + [
            f"sj_partials = cuda.device_array({partials}, np.float64, stream=stream)",
            f"{self.name}_partial[{_times(self.outer_trips, chunks)}, {threads}, stream]({args}, {split})",
            f"{self.name}[blocks({self.outer_trips}, {threads}), {threads}, stream]({args}, {split})",
        ]


def kernel_source(kernel, nest_schedules):
    """The module of ``kernel`` for the GPU: one CUDA kernel per nest and ``<name>(...)``, which launches them.

    ``<name>`` takes the flat device arrays (inputs, constants, then every
    buffer, outputs included) and a stream; ``grid`` (blocks and threads for a
    grid-stride loop) and ``blocks`` (for a block per output) give the launch
    sizes for this device (runtime/device.py).
    """
    out = [f"# {comment_text(line)}" for line in kernel.header.splitlines()]
    parameters = [b.name for b in kernel.arguments + kernel.temporaries]
    if kernel.batch_length:
        parameters.append(BATCH_LENGTH)  # the kernels' loops run to it; the launcher sizes the grid by it
    writers = []
    for k, (nest, schedule) in enumerate(zip(kernel.nests, nest_schedules)):
        writer = _NestWriter(nest, schedule, f"{kernel.name}_nest{k}", parameters, out)
        writer.write()
        writers.append(writer)
    out.append(f"def {kernel.name}({', '.join(parameters)}, stream, grid, blocks):")
    body = [text for writer in writers for text in writer.launches()]
    out.extend("    " + text for text in body or ["return"])
    return "\n".join(out) + "\n"


def module_header(source):
    """What makes a kernel's source a module of its own (imports and the device helpers it calls)."""
    used = sorted(set(name for name in ("sj_floor", "sj_ceil", "sj_cbrt", "sj_digamma", "sj_trigamma") if name + "(" in source))
    helpers = f"from symjvp.codegen.cuda_device import {', '.join(used)}\n" if used else ""
    return (
        "import math\n\nimport numpy as np\nfrom numba import cuda, float64\n\n"
        + helpers
        + "\n#: IEEE arithmetic, as the CPU kernels (no flush to zero, exact division and square root); a module\n"
        + "#: read from a file (the disk cache's) keeps its compiled kernels beside it, per compute capability.\n"
        + 'JIT = dict(fastmath=False, cache="__file__" in globals())\n\n\n'
    )


def parameter_types(layout):
    """Numba types of the kernel's parameters (flat C-contiguous arrays, then a batch length), for compiling ahead of a call."""
    from numba import from_dtype, int64

    dtypes = [a[1] for a in layout["arguments"]] + [t[1] for t in layout["temporaries"]]
    return [from_dtype(np.dtype(d))[::1] for d in dtypes] + ([int64] if layout.get("batch_length") else [])


def nest_kernels(namespace, kernel_name):
    """(name, dispatcher) of every CUDA kernel of a module, in the order they are defined."""
    prefix = f"{kernel_name}_nest"
    return [(name, value) for name, value in namespace.items() if name.startswith(prefix)]


def assemble(ptx, cc):
    """Assemble one PTX module with NVIDIA's ``ptxas`` for ``sm_<cc>``: {kernel: (registers, spill store bytes, spill load bytes)}.

    ptxas comes with ``pip install "numba-cuda[cu12]"`` (no GPU needed); a
    failure to assemble raises RuntimeError with its message.
    """
    import re
    import subprocess
    import tempfile

    from cuda.pathfinder import find_nvidia_binary_utility

    ptxas = find_nvidia_binary_utility("ptxas")
    if ptxas is None:
        raise RuntimeError("ptxas was not found: pip install 'numba-cuda[cu12]'")
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/kernel.ptx"
        with open(path, "w") as file:
            file.write(ptx)
        done = subprocess.run(
            [ptxas, f"-arch=sm_{cc[0]}{cc[1]}", "-v", path, "-o", f"{folder}/kernel.cubin"], capture_output=True, text=True
        )
    if done.returncode != 0:
        raise RuntimeError(f"ptxas failed for sm_{cc[0]}{cc[1]}: {done.stderr.strip()}")
    report, entry, spills = {}, None, (0, 0)
    for line in done.stderr.splitlines():
        found = re.search(r"Compiling entry function '(\w+)'", line)
        if found:
            entry = found.group(1)
        found = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if found:
            spills = (int(found.group(1)), int(found.group(2)))
        found = re.search(r"Used (\d+) registers", line)
        if found and entry is not None:
            report[entry] = (int(found.group(1)),) + spills
            entry, spills = None, (0, 0)
    return report


__all__ = ["assemble", "kernel_source", "launch_style", "module_header", "nest_kernels", "parameter_types", "print_expression"]
