"""Compiled functions: trace once per input signature, lower and JIT once per kind.

``Compiled`` is what ``symjvp.compile`` returns and what the functional API
caches.  For each input signature (shapes and dtypes) it keeps a
``Specialization``: the traced graph and, made on first use, one kernel per
kind -- primal, jvp, vjp, jacobian -- and the gradient specialization that
Hessians are made from.
"""

import functools
import math
import numbers
import os
import warnings
from collections import OrderedDict

import numpy as np

from ..errors import (
    ArgumentError,
    BatchLengthWarning,
    DtypeError,
    IndependentInputError,
    ResultTooLargeError,
    ShapeError,
    format_shape,
)
from . import batch, dask_arrays, progress, validate
from .diskcache import DiskCache, digest
from .fingerprint import fingerprint
from .program import KernelProgram

#: Kernels of this process by what they compute (graph digest, wrt, kind, variant), shared by every
#: compiled function whose trace gives the same graph; the least recently used are dropped first.
PROGRAM_CACHE_SIZE = 512
_PROGRAMS = OrderedDict()
#: Digests of the graphs this process has traced (see Specialization).
_DESCRIBED = set()


def depends_on(outputs, inputs):
    from ..graph.node import depends_on as reach

    return reach(outputs, inputs)

KINDS = ("primal", "jvp", "vjp", "jacobian")
_WARNED = set()


def warn_once(message, category):
    if message not in _WARNED:
        _WARNED.add(message)
        warnings.warn(message, category, stacklevel=4)


class Spec:
    """The shape and dtype of an example input, for ``symjvp.compile`` without data.

    A length of ``None`` is the batch axis: one kernel runs for every length of it
    (every ``None`` of one compiled function is the same length at each call).
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype="float64"):
        dims = (shape,) if np.isscalar(shape) or shape is None else tuple(shape)
        for d in dims:
            if d is not None and (isinstance(d, (bool, np.bool_)) or not isinstance(d, (numbers.Integral, np.integer)) or d < 0):
                raise ArgumentError(
                    f"Spec shape {dims!r}: every size must be a non-negative integer, or None for the batch axis "
                    f"(one kernel for every length); got {d!r}"
                )
        self.shape = tuple(None if d is None else int(d) for d in dims)
        if int(np.prod([d or 1 for d in self.shape], dtype=object)) >= 2**62:
            raise ArgumentError(f"Spec shape {format_shape(self.shape)} has more elements than an array can hold")
        try:
            self.dtype = np.dtype(dtype)
        except TypeError as exc:
            raise DtypeError(f"Spec dtype {dtype!r} is not a NumPy dtype: {exc}") from None

    def __repr__(self):
        return f"Spec({self.shape}, dtype={self.dtype.name!r})"


class Specialization:
    """One input signature of a compiled function.

    Its metadata (output shapes, tuple structure, dependence) and its kernels
    come from the disk cache when they are there; the function is traced
    only when something needs the graph.
    """

    def __init__(
        self,
        wrt,
        label,
        *,
        trace_graph,
        signature,
        variant,
        disk=None,
        disk_key=None,
        jacobian=None,
        placeholder=None,
        twin=None,
        meta=None,
    ):
        self.wrt = wrt
        #: For a signature with a batch axis (a ``None`` length): the length it is traced at, and a
        #: function giving the same specialization traced at the other placeholder (lower/batch_axis.py).
        self.placeholder = placeholder
        self._twin_factory = twin
        self._twin = None
        #: kind -> why its kernel cannot be made for every batch length.
        self._per_length = {}
        #: What else decides the kernels besides the graph: target, code-generation configuration, Jacobian kind.
        self.variant = variant
        self._jacobian_graph = jacobian
        self.label = label
        self.signature = signature
        self._trace_graph = trace_graph
        self._graph = None
        self._programs = {}
        self._graphs = {}
        self._gradient = None
        self.disk = disk
        self.disk_key = disk_key
        #: kind -> (program key, metadata, source, constants) of a specialization unpickled without its function.
        self._portable = {}
        meta = meta or self._load_meta()
        if meta is None:
            meta = self._describe()
            # A graph this process already described under another key comes from a function whose key
            # changes with state the graph does not read (a captured call counter): one entry is enough.
            if disk is not None and meta["digest"] not in _DESCRIBED:
                disk.store(self._key("meta"), "", meta, [])
            _DESCRIBED.add(meta["digest"])
        self._meta = meta
        self.out_specs = [(tuple(shape), np.dtype(dtype)) for shape, dtype in meta["out_specs"]]
        self.is_tuple_output = meta["is_tuple"]
        #: For each output, the positions of the inputs it depends on.
        self.dependence = [frozenset(d) for d in meta["dependence"]]
        #: What the traced graph computes (graph.node.graph_digest): the kernels' key, below the fingerprint.
        self.digest = meta["digest"]
        #: (input position, axis length): integer inputs that index at run time, checked at each call.
        self.index_checks = [tuple(check) for check in meta.get("index_checks", ())]
        #: A batched signature: why it has no kernels for every length (None: it has), and the least
        #: length its slices and fixed indices along the batch axis mean the same from.
        self.per_length_reason = meta.get("per_length")
        self.least_batch_length = meta.get("least_batch_length", 0)
        #: Whether the batch may be cut into chunks computed apart (runtime/dask_arrays.py).
        self.rows_independent = meta.get("rows_independent", False)

    def _key(self, kind):
        return self.disk.key(self.disk_key, kind)

    @property
    def _program_class(self):
        if self.variant[0] == "cuda":
            from .cuda_program import CudaProgram

            return CudaProgram
        return KernelProgram

    def _program_key(self, kind):
        return ("program", self.digest, self.wrt, kind, self.variant, self.label)

    def _load_meta(self):
        if self.disk is None:
            return None
        found = self.disk.load(self._key("meta"))
        return found[0] if found else None

    def _describe(self):
        if self._twin_factory is None:
            return self._description()
        from ..errors import ShapeError, UnsupportedOperationError
        from ..lower.batch_axis import least_batch_length, rows_independent

        try:
            meta = self._description()
            self._twin = self._twin_factory()
            same = {k: v for k, v in self._twin._description().items() if k != "digest"}
        except (ShapeError, UnsupportedOperationError) as error:
            # Traced at a placeholder length, the function hit a limit that its real lengths may not.
            return {"out_specs": [], "is_tuple": False, "dependence": [], "digest": "", "per_length": str(error)}
        if same != {k: v for k, v in meta.items() if k != "digest"}:
            meta["per_length"] = "its output shapes depend on the batch length in a way a symbolic length cannot express"
        meta["least_batch_length"] = least_batch_length(self.graph, None, self.placeholder)
        # A vmapped function's points are apart by construction; otherwise the graph says.
        meta["rows_independent"] = self._jacobian_graph is not None or rows_independent(self.graph, self.placeholder)
        return meta

    def _description(self):
        from ..graph.node import graph_digest

        graph, is_tuple, dependence = self._traced()
        if dependence is None:
            reached = depends_on(graph.outputs, graph.inputs)
            positions = {id(x): k for k, x in enumerate(graph.inputs)}
            dependence = [frozenset(positions[i] for i in ids) for ids in reached]
        out_specs = [graph.output_spec(k) for k in range(len(graph.outputs))]
        index_checks = sorted(run_time_index_checks(graph))
        if self.placeholder is not None:
            from ..lower.batch_axis import symbolic_shape

            out_specs = [(symbolic_shape(shape, self.placeholder), dtype) for shape, dtype in out_specs]
            index_checks = [(p, symbolic_shape((n,), self.placeholder)[0]) for p, n in index_checks]
        return {
            "out_specs": [[list(shape), np.dtype(dtype).str] for shape, dtype in out_specs],
            "is_tuple": bool(is_tuple),
            "dependence": [sorted(d) for d in dependence],
            "digest": graph_digest(graph),
            "index_checks": index_checks,
        }

    def _traced(self):
        if self._graph is None:
            if self.disk is not None:
                from ..codegen import builder

                builder.start()  # Numba loads in a helper process while this one traces (codegen/builder.py)
            with progress.stage(f"tracing {self.label}"):
                self._graph, self._is_tuple, self._dependence = self._trace_graph()
        return self._graph, self._is_tuple, self._dependence

    @property
    def graph(self):
        return self._traced()[0]

    def graph_for(self, kind):
        """The graph each kind of kernel evaluates (built once)."""
        from ..derivatives import jacobian_graph, jvp_graph, vjp_graph
        from ..lower.per_point import one_point_if_small

        graph = self._graphs.get(kind)
        if graph is None:
            if kind == "jacobian":
                self.check_dense_jacobian(allocating=False)
            graph = self._graphs[kind] = {
                "primal": lambda: self.graph,
                "jvp": lambda: jvp_graph(self.graph, self.wrt),
                "vjp": lambda: vjp_graph(self.graph, self.wrt),
                "jacobian": lambda: one_point_if_small((self._jacobian_graph or jacobian_graph)(self.graph, self.wrt)),
            }[kind]()
        return graph

    def check_dense_jacobian(self, allocating):
        """A dense Jacobian too large to build (more elements than an index holds), or, to compute, to fit in memory."""
        if self._jacobian_graph is not None:  # one small Jacobian per point (vmap)
            return
        in_sizes = [math.prod(self.signature[k][0]) for k in self.wrt]
        out_sizes = [math.prod(shape) for shape, _ in self.out_specs]
        elements = sum(o * i for o in out_sizes for i in in_sizes)
        needed = elements * max(np.dtype(d).itemsize for _, d in self.out_specs)
        if elements >= 2**62 or allocating and needed > _physical_memory():
            raise ResultTooLargeError(
                f"the dense Jacobian of {self.label} has {elements:,} elements ({needed / 2**30:,.1f} GiB), more than "
                f"this machine's memory: take J·v with jvp or vᵀ·J with vjp, which never form J, "
                "or look at its structure with k.sparsity()"
            )

    def program(self, kind):
        if self.placeholder is not None:
            self._check_every_length(kind)
        if kind == "jacobian" and kind not in self._programs:
            self.check_dense_jacobian(allocating=True)
        program = self._programs.get(kind)
        if program is None:
            key = self._program_key(kind)
            shared = digest(*key)
            program = _PROGRAMS.get(shared)
            if program is None:
                program = self._cached_program(key) or self._new_program(kind, key)
                _PROGRAMS[shared] = program
                if len(_PROGRAMS) > PROGRAM_CACHE_SIZE:
                    _PROGRAMS.popitem(last=False)
            self._programs[kind] = program
        return program

    def _cached_program(self, key):
        if self.disk is None:
            return None
        found = self.disk.load(self.disk.key(*key))
        if found is None:
            return None
        meta, constants, path, source = found
        program = self._program_from(meta, constants)
        program.module_path, program.module_source, program.disk = path, source, self.disk
        return program

    def _program_from(self, meta, constants):
        return self._program_class(
            meta["name"],
            meta["source"],
            meta["parallel"],
            meta["specs"],
            meta["present"],
            meta["copies"],
            constants,
            meta["layout"],
            meta.get("c_source"),
        )

    def _stored(self, program, key):
        """``program`` written to the disk cache under ``key``, so that Numba caches its machine code beside it."""
        if self.disk is not None:
            meta = dict(program.metadata(), source=program.source)
            source = program.module_text()
            program.module_path = self.disk.store(self.disk.key(*key), source, meta, program.constants)
            program.module_source, program.disk = source.encode(), self.disk
        return program

    def portable(self):
        """This specialization as plain data, with the kernels built so far as source (see Compiled.__getstate__)."""
        programs = {}
        for kind, program in self._programs.items():
            programs[kind] = (self._program_key(kind), dict(program.metadata(), source=program.source), program.constants)
        return {
            "wrt": self.wrt,
            "label": self.label,
            "signature": self.signature,
            "variant": self.variant,
            "placeholder": self.placeholder,
            "per_point": self._jacobian_graph is not None,
            "per_length": dict(self._per_length),
            "meta": self._meta,
            "programs": {**self._portable, **programs},
        }

    @classmethod
    def from_portable(cls, state, disk):
        def untraceable():
            raise ArgumentError(
                f"{state['label']} was unpickled without its function: only the kernels built before pickling "
                f"({', '.join(sorted(state['programs'])) or 'none'}) run here"
            )

        spec = cls(
            state["wrt"],
            state["label"],
            trace_graph=untraceable,
            signature=state["signature"],
            variant=state["variant"],
            disk=disk,
            jacobian=(lambda graph, wrt: None) if state["per_point"] else None,
            placeholder=state["placeholder"],
            meta=state["meta"],
        )
        spec._per_length.update(state["per_length"])
        spec._portable = state["programs"]
        return spec

    def _check_every_length(self, kind):
        """Raise BatchLengthDependent when ``kind`` has no kernel for every batch length."""
        if kind not in self._per_length:
            if kind == "jacobian" and self._jacobian_graph is None:
                self._per_length[kind] = "a dense Jacobian has the batch axis on both sides"
        if self._per_length.get(kind):
            raise batch.BatchLengthDependent(self._per_length[kind])
        self._per_length[kind] = None

    def _new_program(self, kind, key):
        if kind in self._portable:
            _, meta, constants = self._portable[kind]
            return self._stored(self._program_from(meta, constants), key)
        header = f"symjvp {kind} kernel of {self.label}"
        with progress.stage(f"deriving the {kind} graph of {self.label}"):
            graph = self.graph_for(kind)
        with progress.stage(f"lowering and printing the {kind} kernel of {self.label}"):
            try:
                program = self._program_class.from_graph(graph, f"{kind}_kernel", header, placeholder=self.placeholder)
                if self.placeholder is not None:
                    self._check_same_at_other_length(kind, program, header)
            except batch.BatchLengthDependent as why:
                self._per_length[kind] = str(why)
                raise
        return self._stored(program, key)

    def _check_same_at_other_length(self, kind, program, header):
        """The kernel made at the other placeholder must be the same kernel (lower/batch_axis.py)."""
        if self._twin is None:
            self._twin = self._twin_factory()
        twin = self._twin
        other = self._program_class.from_graph(twin.graph_for(kind), f"{kind}_kernel", header, placeholder=twin.placeholder)
        same_constants = len(program.constants) == len(other.constants) and all(
            a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
            for a, b in zip(program.constants, other.constants)
        )
        if program.source != other.source or program.metadata() != other.metadata() or not same_constants:
            why = (
                "it depends on the batch length in a way a symbolic length cannot express "
                "(a constant array as long as the batch, a shape or value computed from len(x))"
            )
            raise batch.BatchLengthDependent(why)

    def gradient(self):
        if self._gradient is None:

            def trace_gradient():
                from ..derivatives import gradient_graph

                return gradient_graph(self.graph, self.wrt), True, None

            self._gradient = Specialization(
                self.wrt,
                f"the gradient of {self.label}",
                trace_graph=trace_gradient,
                signature=self.signature,
                variant=self.variant,
                disk=self.disk,
                disk_key=None if self.disk_key is None else (self.disk_key, "gradient"),
            )
        return self._gradient

    def sparse_plan(self, arrays=()):
        """The coloured sparsity pattern of the Jacobian (runtime/sparse.py), made once.

        With integer inputs that index (``params[cam_idx]``), the pattern is the one of
        these index values: made again when they change (the last one is kept).
        """
        from ..symbolic.sparsity import sparsity_pattern
        from .sparse import SparsePlan

        key = tuple((p, digest(arrays[p].tobytes(), arrays[p].dtype.str, arrays[p].shape)) for p, _ in self.index_checks)
        plan = getattr(self, "_sparse_plan", None)
        if plan is None or plan[0] != key:
            with progress.stage(f"colouring the sparsity pattern of {self.label}"):
                pattern = sparsity_pattern(self.graph, self.wrt, arrays if key else None)
                self._sparse_plan = plan = (key, SparsePlan(pattern))
        return plan[1]

    def independent(self, output, position):
        return position not in self.dependence[output]


class BoundSpecialization:
    """A specialization made for every batch length, at the batch length of one call.

    Shapes come out at this length; the kernels are the batched specialization's, except
    for a kind it cannot make for every length, which comes from ``fixed()``, the
    specialization of this call's shapes (made on first need, with a warning once).
    """

    def __init__(self, batched, n_batch, fixed):
        self.batched = batched
        self.n_batch = n_batch
        self._fixed = fixed
        self.out_specs = [(batch.resolve_shape(shape, n_batch), dtype) for shape, dtype in batched.out_specs]
        self.is_tuple_output = batched.is_tuple_output
        self.dependence = batched.dependence
        self.index_checks = [(p, batch.resolve(length, n_batch)) for p, length in batched.index_checks]
        self.placeholder = None

    def independent(self, output, position):
        return self.batched.independent(output, position)

    def program(self, kind):
        label = self.batched.label
        try:
            program = self.batched.program(kind)
        except batch.BatchLengthDependent as error:
            why = f"the {kind} kernel of {label} is compiled for each batch length: {error}"
        else:
            if self.n_batch > batch.LENGTH_MAX:
                why = (
                    f"batches longer than {batch.LENGTH_MAX:,} get a kernel of their own length; "
                    f"compiling the {kind} kernel of {label} for length {self.n_batch:,}"
                )
            elif self.n_batch < program.least_batch_length:
                why = (
                    f"the {kind} kernel of {label} holds from a batch length of {program.least_batch_length} "
                    f"(its slices, rolls or fixed indices along the batch axis); compiling one for length {self.n_batch}"
                )
            else:
                return program
        warn_once(f"symjvp: {why}", BatchLengthWarning)
        return self._fixed().program(kind)

    def __getattr__(self, name):
        # The graph, gradient (Hessians), sparsity plan: of this call's fixed shapes.
        return getattr(self._fixed(), name)


def run_time_index_checks(graph):
    """{(input position, axis length)} for every integer input that a ``Take`` or ``PutAdd`` indexes with."""
    from ..graph import ops

    checks = set()
    for node in graph.nodes():
        if isinstance(node.op, (ops.Take, ops.PutAdd)):
            x, indices = node.inputs
            length = x.shape[node.op.axis] if isinstance(node.op, ops.Take) else node.op.length
            _, _, inputs = ops.index_range(indices)
            checks.update((i.op.position, length) for i in inputs if i.op.role == "primal")
    return checks


def _contiguous(arrays):
    """C-contiguous and aligned, shapes kept (``np.ascontiguousarray`` would make a 0-d array 1-d); device arrays as they are."""
    return [
        a if not isinstance(a, np.ndarray) or a.flags.c_contiguous and a.flags.aligned else np.array(a, order="C")
        for a in arrays
    ]


class Compiled:
    """``func`` compiled for its inputs: call it, and take jvp, vjp, jacobian, hessian."""

    def __init__(self, func, *example_inputs, wrt=None, target="cpu", disk_cache=True, _fingerprint=None):
        if target not in ("cpu", "cuda"):
            raise ArgumentError(f"target must be 'cpu' or 'cuda'; got {target!r}")
        if not example_inputs:
            raise ArgumentError("compile needs one example input (an array or a symjvp.Spec) per argument of func")
        validate.check_arity(func, len(example_inputs))
        self.func = func
        self.target = target
        self.n_inputs = len(example_inputs)
        self.wrt, self._wrt_single = validate.normalize_wrt(wrt, self.n_inputs)
        self.names = validate.parameter_names(func, self.n_inputs)
        self.__name__ = getattr(func, "__name__", "function")
        self._specializations = {}
        #: Fixed-shape specializations for the kinds a batched one cannot make for every length.
        self._per_length = {}
        #: Batched specializations made for dask inputs cut along an axis (runtime/dask_arrays.py).
        self._for_dask = {}
        #: kind -> the thin path for repeated calls with one array (see _remember).
        self._thin = {}
        self._fingerprint = _fingerprint if _fingerprint is not None else fingerprint(func)
        self._disk = _disk_cache() if disk_cache and self._fingerprint is not None else None
        specs = []
        for k, example in enumerate(example_inputs):
            if isinstance(example, Spec):
                validate.check_dtype(np.empty(0, example.dtype), f"input {k} ({self.names[k]})", k in self.wrt)
                specs.append((example.shape, validate.kernel_dtype(example.dtype)))
            else:
                what = f"input {k} ({self.names[k]})"
                array = validate.to_array(example, what)
                validate.check_dtype(array, what, k in self.wrt)
                specs.append((array.shape, validate.kernel_dtype(array.dtype)))
        #: Whether the caller declared a batch axis (a None in a Spec): other shapes are then a ShapeError.
        self._declared_batch = any(d is None for shape, _ in specs for d in shape)
        #: The example shapes, where formulas are read when the compiled signature has a batch axis.
        self._examples = None if self._declared_batch else tuple(specs)
        mapped = getattr(func, "batch_axes", None)
        if mapped is not None and not self._declared_batch:
            # A vmapped function's point axis: one kernel for every number of points.
            axes = mapped([len(s) for s, _ in specs])
            specs = [(tuple(None if d == a else n for d, n in enumerate(s)), t) for (s, t), a in zip(specs, axes)]
        self._specialize(tuple(specs))

    # ------------------------------------------------------------ pickling

    def __getstate__(self):
        """Small: each specialization's shapes and its built kernels' source and cache key; never func or machine code.

        A process that unpickles it (a Dask worker) finds each kernel in its own
        disk cache, or compiles the source once, and runs the kinds built here.
        """
        specializations = {
            signature: spec.portable() for signature, spec in {**self._specializations, **self._for_dask}.items()
        }
        names = ("n_inputs", "wrt", "_wrt_single", "names", "__name__", "target")
        return {"fields": {name: getattr(self, name) for name in names}, "specializations": specializations}

    def __setstate__(self, state):
        self.__dict__.update(state["fields"])
        self.func, self._fingerprint, self._per_length, self._for_dask, self._thin = None, None, {}, {}, {}
        self._declared_batch, self._examples = True, None
        self._disk = _disk_cache()
        self._specializations = {
            signature: Specialization.from_portable(spec, self._disk) for signature, spec in state["specializations"].items()
        }

    # ------------------------------------------------------------ specializations

    def _describe_signature(self, signature):
        return ", ".join(f"{n}: {format_shape(s)} {np.dtype(d).name}" for n, (s, d) in zip(self.names, signature))

    def _specialize(self, signature, store=None):
        """The specialization of ``signature`` (made and kept in ``store``, by default the compiled ones)."""
        store = self._specializations if store is None else store
        spec = store.get(signature)
        if spec is None and self.func is None:
            raise ArgumentError(
                f"{self.__name__} was unpickled without its function and has no kernels for "
                f"{self._describe_signature(signature)}: compile it with a batch axis (a None length in a Spec)"
            )
        if spec is None:
            shapes = self._describe_signature(signature)
            batched = any(d is None for shape, _ in signature for d in shape)

            def trace_graph(placeholder=batch.PLACEHOLDERS[0] if batched else None):
                from ..trace import trace

                at = [(tuple(placeholder if d is None else d for d in shape), dtype) for shape, dtype in signature]
                return trace(self.func, at, self.names)

            from .. import tuning
            from ..codegen import native, numba_cpu

            per_point = hasattr(type(self.func), "jacobian_graph")
            variant = (self.target, numba_cpu.configuration(), native.C_CORE, tuning.configuration(), per_point)
            disk, disk_key = self._disk, None
            if disk is not None:
                plain = tuple((tuple(s), np.dtype(d).str) for s, d in signature)
                disk_key = (self._fingerprint, plain, self.wrt, tuple(self.names), variant)
                try:
                    disk.key(disk_key)
                except TypeError:
                    disk, disk_key = None, None
            common = dict(signature=signature, variant=variant, jacobian=self._per_point_jacobian() if per_point else None)
            label = f"{self.__name__}({shapes})"

            def twin():
                other = functools.partial(trace_graph, batch.PLACEHOLDERS[1])
                return Specialization(self.wrt, label, trace_graph=other, placeholder=batch.PLACEHOLDERS[1], **common)

            spec = Specialization(
                self.wrt,
                label,
                trace_graph=trace_graph,
                disk=disk,
                disk_key=disk_key,
                placeholder=batch.PLACEHOLDERS[0] if batched else None,
                twin=twin if batched else None,
                **common,
            )
            store[signature] = spec
        return spec

    def _declared_for(self, signature, *stores):
        """(declared signature, batched specialization, batch length) of the first batched one ``signature`` matches."""
        for store in stores or (self._specializations,):
            for declared, spec in store.items():
                if spec.placeholder is not None:
                    n_batch = batch.length_in(declared, signature)
                    if n_batch is not None:
                        return declared, spec, n_batch
        return None

    def _batched(self, signature):
        """A specialization made for every batch length, at the batch length of ``signature``; None if none matches."""
        found = self._declared_for(signature)
        if found is None:
            return None
        _, spec, n_batch = found
        fixed = functools.partial(self._specialize, signature, self._per_length)
        if spec.per_length_reason is not None:
            why = f"{spec.label} is compiled for each batch length: {spec.per_length_reason}"
        elif n_batch < spec.least_batch_length:
            why = (
                f"{spec.label} means the same for every batch length from {spec.least_batch_length} on "
                f"(its slices or fixed indices along the batch axis); compiling it for length {n_batch}"
            )
        else:
            return BoundSpecialization(spec, n_batch, fixed)
        warn_once(f"symjvp: {why}", BatchLengthWarning)
        return fixed()

    def _per_point_jacobian(self):
        """A vmapped function's Jacobian: one per point (the full one is block diagonal)."""

        def build(graph, wrt):
            return self.func.jacobian_graph(graph.inputs, wrt)

        return build

    def _inputs(self, inputs):
        values, _ = validate.as_tuple(inputs)
        if len(values) != self.n_inputs:
            raise ArgumentError(
                f"{self.__name__} was compiled for {self.n_inputs} input(s) ({', '.join(self.names)}); "
                f"got {len(values)}. Pass several inputs as a tuple."
            )
        arrays = validate.prepare_inputs(values, self.names, self.wrt)
        if self.target == "cpu" and any(not isinstance(a, np.ndarray) for a in arrays):
            raise ArgumentError(
                f"{self.__name__} was compiled for target='cpu' and got a device array: compile it with "
                "target='cuda' for device arrays (the functional API chooses the GPU for them itself)"
            )
        signature = tuple((a.shape, a.dtype) for a in arrays)
        spec = self._specializations.get(signature) or self._batched(signature)
        if spec is None:
            declared = [s for s, spec in self._specializations.items() if spec.placeholder is not None]
            if declared and self._declared_batch:
                raise ShapeError(
                    f"{self.__name__} was compiled for {self._describe_signature(declared[0])} (None: any length, the "
                    f"same for every None); got {self._describe_signature(signature)}"
                )
            spec = self._specialize(signature)
        validate.check_indices(arrays, spec.index_checks, self.names)
        return spec, arrays

    @property
    def _default(self):
        return next(iter(self._specializations.values()))

    # ------------------------------------------------------------ structure helpers

    @staticmethod
    def _outputs(spec, arrays):
        return tuple(arrays) if spec.is_tuple_output else arrays[0]

    def _per_wrt(self, arrays, single):
        return arrays[0] if single else tuple(arrays)

    @staticmethod
    def _output_specs(spec):
        return spec.out_specs

    # ------------------------------------------------------------ evaluation

    def _remember(self, kind, spec, arrays, single_output):
        """Keep a thin path for ``kind``: one C-contiguous array like this one in, one computed output.

        It skips re-validation, whose cost would dominate a small kernel, and
        returns None for anything else, which then takes the full path.
        """
        if self.n_inputs != 1 or self.target != "cpu" or not arrays[0].flags.c_contiguous or spec.index_checks:
            return
        program = spec.program(kind)
        if program.present != [True] or not single_output:
            return
        fn, run, constants = program.fn, program.run, program.constants
        shape, dtype, fresh_buffers = arrays[0].shape, arrays[0].dtype, bool(program.buffers)

        def thin(x):
            if type(x) is np.ndarray and x.shape == shape and x.dtype is dtype and x.flags.c_contiguous and x.flags.aligned:
                return run(x) if fresh_buffers else fn(x, *constants)
            return None

        def thin_native(x):
            # The native library checks shape, dtype, contiguity and alignment itself, in C.
            if type(x) is np.ndarray:
                try:
                    return fn(x, *constants)
                except TypeError:
                    return None
            return None

        self._thin[kind] = thin_native if program.native and not fresh_buffers else thin

    def __call__(self, *inputs):
        thin = self._thin.get("primal")
        if thin is not None and len(inputs) == 1:
            result = thin(inputs[0])  # None for anything but a NumPy array like the last one
            if result is not None:
                return result
        if dask_arrays.involves_dask(inputs):
            return dask_arrays.run(self, "primal", inputs if len(inputs) != 1 else inputs[0])
        spec, arrays = self._inputs(inputs if len(inputs) != 1 else inputs[0])
        result = self._outputs(spec, spec.program("primal")(_contiguous(arrays)))
        self._remember("primal", spec, arrays, not spec.is_tuple_output)
        return result

    def _jvp(self, inputs, v, strict, _single):
        spec, arrays = self._inputs(inputs)
        single = self._wrt_single if _single is None else _single
        expected = [(arrays[k].shape, arrays[k].dtype) for k in self.wrt]
        if v is None:
            v = self._default_vector(expected, "jvp", single)
        tangents = validate.prepare_vectors(
            v,
            expected,
            [self.names[k] for k in self.wrt],
            kind="jvp",
            single=single,
            other_side=[s for s, _ in self._output_specs(spec)],
            other_kind="vjp",
            call=self._call_hint(_single),
        )
        if strict:
            self._check_strict_any(spec, "jvp")
        results = spec.program("jvp")(_contiguous(arrays + tangents))
        n = len(spec.out_specs)
        return self._outputs(spec, results[:n]), self._outputs(spec, results[n:])

    def _vjp(self, inputs, v, strict, _single):
        spec, arrays = self._inputs(inputs)
        single = self._wrt_single if _single is None else _single
        expected = self._output_specs(spec)
        if v is None:
            v = self._default_vector(expected, "vjp", not spec.is_tuple_output)
        cotangents = validate.prepare_vectors(
            v,
            expected,
            ["out" if len(expected) == 1 else f"out{k}" for k in range(len(expected))],
            kind="vjp",
            single=not spec.is_tuple_output,
            other_side=[arrays[k].shape for k in self.wrt],
            other_kind="jvp",
            call=self._call_hint(_single),
        )
        if strict:
            self._check_strict_any(spec, "vjp")
        results = spec.program("vjp")(_contiguous(arrays + cotangents))
        n = len(spec.out_specs)
        return self._outputs(spec, results[:n]), self._per_wrt(results[n:], single)

    def _jacobian(self, inputs, strict, _single):
        thin = self._thin.get("jacobian")
        if thin is not None and not strict and _single is None:
            result = thin(inputs)
            if result is not None:
                return result
        spec, arrays = self._inputs(inputs)
        single = self._wrt_single if _single is None else _single
        if strict:
            self._check_strict_pairs(spec, "jacobian")
        blocks = spec.program("jacobian")(_contiguous(arrays))
        if _single is None and single:
            self._remember("jacobian", spec, arrays, not spec.is_tuple_output)
        return self._blocks(spec, blocks, single, spec.is_tuple_output)

    def sparse_jacobian(self, inputs):
        """J as a ``scipy.sparse.csr_matrix`` of shape (output size, differentiated input size): its structural non-zeros.

        Rows are the outputs flattened (and stacked, for tuple outputs), columns the
        differentiated inputs flattened and concatenated, as ``k.sparsity()``.  The
        pattern is found and coloured on the first call; each call then takes one
        jvp per group of columns that share no row (3 for a tridiagonal Jacobian,
        whatever its size), or one vjp per group of rows when rows group into fewer,
        and fills only the data array: its ``indices`` and ``indptr`` are the
        pattern's, shared by every result and read-only.  Integer inputs that index
        (``params[cam_idx]``) give the pattern of their values, found again when they
        change.  Needs SciPy.
        """
        try:
            import scipy.sparse  # noqa: F401
        except ImportError as exc:
            raise ImportError("sparse_jacobian needs scipy: pip install 'symjvp[scipy]'") from exc
        from .sparse import flat, split

        spec, arrays = self._inputs(inputs)
        plan = spec.sparse_plan(arrays)
        dtype = np.result_type(*[d for _, d in spec.out_specs]) if spec.out_specs else np.float64
        products = np.empty((plan.colours, plan.shape[0] if plan.direction == "forward" else plan.shape[1]))
        values = tuple(arrays)
        # Seeds are cut into the arrays the products take: the wrt inputs (forward) or the outputs (reverse).
        sides = [arrays[k].shape for k in self.wrt] if plan.direction == "forward" else [s for s, _ in spec.out_specs]
        dtypes = [arrays[k].dtype for k in self.wrt] if plan.direction == "forward" else [d for _, d in spec.out_specs]
        for colour in range(plan.colours):
            seeds = tuple(s.astype(d) for s, d in zip(split(plan.seeds(colour, np.float64), sides), dtypes))
            if plan.direction == "forward":
                products[colour] = flat(self._jvp(values, seeds, False, False)[1])
            else:
                products[colour] = flat(self._vjp(values, seeds if spec.is_tuple_output else seeds[0], False, False)[1])
        return plan.matrix(products, dtype)

    def _blocks(self, spec, blocks, single_in, tuple_out):
        m = len(self.wrt)
        rows = [self._per_wrt(blocks[o * m : (o + 1) * m], single_in) for o in range(len(blocks) // m)]
        return tuple(rows) if tuple_out else rows[0]

    # ------------------------------------------------------------ second order

    def _hessian(self, inputs, strict, _single):
        spec, arrays = self._inputs(inputs)
        single = self._wrt_single if _single is None else _single
        gradient = spec.gradient()
        if strict:
            self._check_strict_pairs(gradient, "hessian", of="the gradient of ")
        blocks = gradient.program("jacobian")(_contiguous(arrays))
        return self._blocks(gradient, blocks, single, not single)

    def _hvp(self, inputs, v, strict, _single, _kind="hvp"):
        spec, arrays = self._inputs(inputs)
        single = self._wrt_single if _single is None else _single
        gradient = spec.gradient()
        expected = [(arrays[k].shape, arrays[k].dtype) for k in self.wrt]
        if v is None:
            v = self._default_vector(expected, _kind, single)
        vectors = validate.prepare_vectors(
            v, expected, [self.names[k] for k in self.wrt], kind="jvp", single=single, other_side=[], other_kind=""
        )
        if strict:
            self._check_strict_any(spec, _kind)
            self._check_strict_any(gradient, _kind, of="the gradient of ")
        value = spec.program("primal")(_contiguous(arrays))
        program = gradient.program("jvp" if _kind == "hvp" else "vjp")
        results = program(_contiguous(arrays + vectors))
        n = len(gradient.out_specs)
        return self._outputs(spec, value), self._per_wrt(results[n:], single)

    def _vhp(self, inputs, v, strict, _single):
        return self._hvp(inputs, v, strict, _single, _kind="vhp")

    # ------------------------------------------------------------ the public products
    # ``_single`` above is the functional API's structure (None: called on this object, use ``wrt``).

    def jvp(self, inputs, v=None, *, strict=False):
        """``(func(*inputs), J·v)``: the output and its directional derivative along ``v``.

        ``inputs``: one array, or a tuple with one array per argument of func.
        ``v``: shaped like the differentiated inputs -- one array when ``wrt``
        is None with one input or an int, else a tuple.  J·v comes back shaped
        like the output (a tuple for tuple outputs).  Flattened, J has shape
        (output size, input size) and J·v is ``J @ v.ravel()``.  ``strict``:
        raise ``IndependentInputError`` if an input affects no output (else zeros).
        """
        if dask_arrays.involves_dask(inputs, v):
            return dask_arrays.run(self, "jvp", inputs, v, strict)
        return self._jvp(inputs, v, strict, None)

    def vjp(self, inputs, v=None, *, strict=False):
        """``(func(*inputs), vᵀ·J)``: the output and the cotangent ``v`` pulled back to the inputs.

        ``v``: shaped like the output (a tuple for tuple outputs); the result is
        shaped like the differentiated inputs.  Flattened, it is ``v.ravel() @ J``:
        the gradient of ``sum(v * func(*inputs))``.
        """
        if dask_arrays.involves_dask(inputs, v):
            return dask_arrays.run(self, "vjp", inputs, v, strict)
        return self._vjp(inputs, v, strict, None)

    def jacobian(self, inputs, *, strict=False):
        """J, of shape ``out.shape + in.shape`` (tuples over outputs, then over differentiated inputs).

        ``strict``: raise ``IndependentInputError`` for an (output, input) pair that does not depend.
        """
        if dask_arrays.involves_dask(inputs):
            return dask_arrays.run(self, "jacobian", inputs, strict=strict)
        return self._jacobian(inputs, strict, None)

    def hessian(self, inputs, *, strict=False):
        """The Hessian of a function with one output element: shape ``in.shape + in.shape``."""
        return self._hessian(inputs, strict, None)

    def hvp(self, inputs, v=None, *, strict=False):
        """``(func(*inputs), H·v)`` for a function with one output element; ``v`` shaped like the inputs."""
        return self._hvp(inputs, v, strict, None)

    def vhp(self, inputs, v=None, *, strict=False):
        """``(func(*inputs), vᵀ·H)`` for a function with one output element; ``v`` shaped like the inputs."""
        return self._vhp(inputs, v, strict, None)

    # ------------------------------------------------------------ checks

    @staticmethod
    def _call_hint(functional):
        """How the user would make the other call (functional API or compiled object)."""
        return "symjvp.{}(func, inputs, v)" if functional is not None else "k.{}(inputs, v)"

    def _default_vector(self, expected, kind, single):
        if single and len(expected) == 1 and int(np.prod(expected[0][0], dtype=np.int64)) == 1:
            return np.ones(expected[0][0], expected[0][1])
        side = "output of the user-provided function" if kind == "vjp" else "input to the user-provided function"
        shapes = ", ".join(format_shape(s) for s, _ in expected)
        raise ShapeError(
            f"{kind}: v can only be None if the {side} is a single array with a single element; "
            f"here it has shape(s) {shapes}. Pass v explicitly."
        )

    def _check_strict_any(self, spec, kind, of=""):
        for k in self.wrt:
            if all(spec.independent(o, k) for o in range(len(spec.out_specs))):
                raise IndependentInputError(
                    f"{kind} with strict=True: every output of {of}{self.__name__} is independent of input {k} "
                    f"({self.names[k]}). Use strict=False to get zeros for it."
                )

    def _check_strict_pairs(self, spec, kind, of=""):
        for o in range(len(spec.out_specs)):
            for k in self.wrt:
                if spec.independent(o, k):
                    raise IndependentInputError(
                        f"{kind} with strict=True: output {o} of {of}{self.__name__} is independent of input {k} "
                        f"({self.names[k]}). Use strict=False to get zeros for it."
                    )

    # ------------------------------------------------------------ inspection

    def _readable(self, what):
        """The specialization whose formulas inspection reads: one of fixed shapes (a batch axis has no formula of finite size)."""
        spec = self._default
        if spec.placeholder is not None and self._examples is not None:
            return self._specialize(self._examples, self._per_length)
        if spec.placeholder is not None:
            raise ArgumentError(
                f"{what} reads the formulas of fixed shapes, and {self.__name__} was compiled with a batch axis "
                f"({self._describe_signature(spec.signature)}): compile it with a fixed length, "
                "e.g. symjvp.Spec((2, 3)) for symjvp.Spec((None, 3)), to read them"
            )
        return spec

    def _program_to_read(self, kind):
        try:
            return self._default.program(kind)
        except batch.BatchLengthDependent as why:
            if self._examples is not None:
                return self._specialize(self._examples, self._per_length).program(kind)
            raise ArgumentError(
                f"the {kind} kernel of {self.__name__} is made per batch length ({why}); "
                "compile with a fixed length to read or export it"
            ) from None

    def _sizes(self, spec):
        out_sizes = [int(np.prod(s, dtype=np.int64)) for s, _ in spec.out_specs]
        in_sizes = [int(np.prod(spec.signature[k][0], dtype=np.int64)) for k in self.wrt]
        return out_sizes, in_sizes

    def jacobian_expr(self, limit=None):
        """The Jacobian as a ``sympy.Matrix`` (out.size x wrt-in.size, flattened C order).

        Above ``limit`` (default ``symjvp.symbolic.SCALAR_LIMIT``) SymPy expressions,
        the indexed form ``Eq(J[i, j, k], ...)`` instead.
        """
        from ..symbolic import expressions

        from ..derivatives import jacobian_graph

        spec = self._readable("jacobian_expr")
        out_sizes, in_sizes = self._sizes(spec)
        # A vmapped function's kernel computes one Jacobian per point; the matrix is the whole (block-diagonal) one.
        graph = spec.graph_for("jacobian") if spec._jacobian_graph is None else jacobian_graph(spec.graph, self.wrt)
        return expressions.matrix_expr(graph, out_sizes, in_sizes, limit, "jacobian_expr")

    def jvp_expr(self, limit=None):
        """J·v as SymPy expressions shaped like the output, in the tangent symbols ``v_<input>``."""
        from ..symbolic import expressions

        spec = self._readable("jvp_expr")
        graph = spec.graph_for("jvp")
        n = len(spec.graph.outputs)
        return expressions.product_expr(graph, n, spec.is_tuple_output, "jvp", limit, "jvp_expr")

    def vjp_expr(self, limit=None):
        """uᵀ·J as SymPy expressions shaped like the wrt inputs, in the cotangent symbols ``u``."""
        from ..symbolic import expressions

        spec = self._readable("vjp_expr")
        graph = spec.graph_for("vjp")
        n = len(spec.graph.outputs)
        return expressions.product_expr(graph, n, not self._wrt_single, "vjp", limit, "vjp_expr")

    def hessian_expr(self, limit=None):
        """The Hessian of a one-element output as a ``sympy.Matrix`` over the flattened wrt inputs."""
        from ..symbolic import expressions

        spec = self._readable("hessian_expr")
        gradient = spec.gradient()
        in_sizes = self._sizes(spec)[1]
        return expressions.matrix_expr(gradient.graph_for("jacobian"), in_sizes, in_sizes, limit, "hessian_expr", "H")

    @property
    def symbols(self):
        """{name: element symbols} for the inputs, tangents (``v_x``) and cotangents (``u``)."""
        from ..symbolic import expressions

        spec = self._readable("symbols")
        found = {}
        for kind in ("jvp", "vjp"):
            found.update(expressions.symbols_of(spec.graph_for(kind)))
        return found

    def sparsity(self, inputs=None):
        """The structural non-zero pattern of the Jacobian as a boolean ``scipy.sparse.csr_matrix``.

        Integer inputs that index (``params[cam_idx]``) may point anywhere: without ``inputs`` every
        element they may read counts; with ``inputs``, the elements their values read.
        """
        try:
            from ..symbolic.sparsity import sparsity_pattern
        except ImportError as exc:
            raise ImportError("sparsity() needs scipy: pip install 'symjvp[scipy]'") from exc
        if inputs is None:
            return sparsity_pattern(self._readable("sparsity").graph, self.wrt)
        spec, arrays = self._inputs(inputs)
        return sparsity_pattern(spec.graph, self.wrt, arrays)

    def source(self, kind="jvp", language="python", *, complete=True):
        """The generated kernel source for ``kind``: "primal", "jvp", "vjp" or "jacobian".

        ``language="python"``: a complete module that runs without symjvp (NumPy and Numba only: the
        imports, the ``njit`` decorators with symjvp's options, the helper functions the kernel calls,
        and ``<kind>(*inputs)``, as ``k.export`` writes it); for ``target="cuda"``, the CUDA kernels,
        one per loop nest, and the function that launches them.  ``complete=False``: the kernel's own
        functions only, for reading.  ``"c"``: the core as the C the native library is compiled from, for
        serial CPU kernels (None where the core has no C form).
        """
        if kind not in KINDS:
            raise ArgumentError(f"source kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
        if language not in ("python", "c"):
            raise ArgumentError(f"source language must be 'python' or 'c'; got {language!r}")
        spec = self._default
        program = self._program_to_read(kind)
        if language == "c":
            return program.c_source
        if not complete:
            return program.source
        if self.target == "cuda":
            return program.module_text()
        from ..codegen.standalone import module

        return module({kind: program}, spec.label)

    def export(self, path, kinds=("primal", "jvp", "vjp")):
        """Write the kernels of ``kinds`` as one module that needs only NumPy and Numba (returns ``path``).

        The module has a function per kind taking the inputs (``jvp(x, v_x)``) and
        returning a tuple: the outputs, then the products (or the Jacobian's blocks), as
        its docstring says; it computes exactly what this object's kernels compute.
        """
        from ..codegen.standalone import module

        kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        for kind in kinds:
            if kind not in KINDS:
                raise ArgumentError(f"export kinds must be among {', '.join(map(repr, KINDS))}; got {kind!r}")
        if self.target != "cpu":
            raise ArgumentError("export writes CPU kernels; compile with target='cpu' (k.source shows CUDA kernels)")
        spec = self._default
        text = module({kind: self._program_to_read(kind) for kind in kinds}, spec.label)
        with open(path, "w") as f:
            f.write(text)
        return path

    def ptx(self, kind="jvp", cc=(9, 0)):
        """The PTX of the CUDA kernels of ``kind`` for compute capability ``cc``, on any machine (no GPU needed).

        One PTX module per CUDA kernel, in launch order, each starting with a line
        ``// symjvp: CUDA kernel <name>`` (ptxas assembles one module at a time).
        Needs ``target="cuda"`` and Numba's CUDA compiler (``pip install 'symjvp[cuda]'``).
        """
        if kind not in KINDS:
            raise ArgumentError(f"ptx kind must be one of {', '.join(map(repr, KINDS))}; got {kind!r}")
        if self.target != "cuda":
            raise ArgumentError(f"ptx needs a function compiled with target='cuda'; this one is target={self.target!r}")
        if not (isinstance(cc, tuple) and len(cc) == 2 and all(isinstance(c, int) for c in cc)):
            raise ArgumentError(f"cc must be a compute capability (major, minor), such as (9, 0); got {cc!r}")
        return self._program_to_read(kind).ptx(cc)

    def __repr__(self):
        """The function, its parameters, each compiled signature and the kinds of kernel built for it."""
        signatures = "; ".join(
            f"{spec.label} built: {', '.join(sorted(spec._programs)) or 'nothing yet'}"
            for spec in self._specializations.values()
        )
        return f"<symjvp.Compiled {signatures}, wrt={self.wrt}, target={self.target!r}>"


_DISK = []


def _physical_memory():
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**62


def _disk_cache():
    """The process's disk cache (opened once; None when disabled or unusable)."""
    if not _DISK:
        _DISK.append(DiskCache.open())
    return _DISK[0]


def reset_disk_cache():
    """Re-read ``SYMJVP_CACHE_DIR`` on next use (for tests and long-running sessions)."""
    _DISK.clear()
