"""dask.array inputs: the compiled kernels run as Dask tasks, one per chunk of the batch axis.

A function compiled with a batch axis (a ``None`` length in a Spec, or a
vmapped function's point axis) whose rows are computed apart
(lower/batch_axis.rows_independent) runs chunk by chunk: each task calls the
batch-length kernel on its chunk (uneven chunks share it), results with the
batch axis are the chunks' results side by side, and a result without it (a
vjp with respect to parameters, summed over every observation) is the sum of
the chunks' results, which Dask adds as a tree.  The compiled function
travels to the workers as its kernels' source and cache key (``Compiled``
pickles small); Dask's scheduler -- threads, processes or ``dask.distributed``
-- does the rest.
"""

import numpy as np

from ..errors import ArgumentError, ShapeError, format_shape
from . import batch, validate

#: How many chunk results Dask adds per task of a tree sum.
SPLIT_EVERY = 8


def is_dask(x):
    return type(x).__module__.startswith("dask.array") and hasattr(x, "chunks")


def involves_dask(*structures):
    return any(is_dask(x) for s in structures for x in (s if isinstance(s, tuple) else (s,)))


def _block(compiled, kind, n_inputs, *arrays):
    """One chunk: the kernel's flat results (outputs, then products or Jacobian blocks)."""
    from .compiled import _contiguous

    arrays = [np.asarray(a) for a in arrays]
    spec, inputs = compiled._inputs(tuple(arrays[:n_inputs]))
    return tuple(spec.program(kind)(_contiguous(inputs + arrays[n_inputs:])))


def _declared(compiled, values, dtypes):
    """(declared signature, batched specialization, batch length) for these inputs.

    A function compiled with a batch axis uses it; otherwise the axis the dask
    inputs are cut along is the batch axis, and a batched specialization is made
    for it (kept apart, so that NumPy calls keep their fixed shapes).
    """
    signature = tuple((tuple(np.shape(x)), np.dtype(d)) for x, d in zip(values, dtypes))
    found = compiled._declared_for(signature, compiled._specializations, compiled._for_dask)
    if found is not None:
        return found
    declared = _chunked_axes(values, signature)
    if declared is None or compiled.func is None:
        raise ArgumentError(
            f"dask arrays run chunk by chunk on a kernel made for every batch length: cut the inputs of "
            f"{compiled.__name__} ({compiled._describe_signature(signature)}) along one batch axis of the same length, "
            "or compile with the batch axis as None, e.g. symjvp.compile(f, symjvp.Spec((None, 3)))"
        )
    spec = compiled._specialize(declared, compiled._for_dask)
    return declared, spec, batch.length_in(declared, signature)


def _chunked_axes(values, signature):
    """The signature with the axis each dask input is cut along as None; None unless there is one such length."""
    declared, lengths = [], set()
    for x, (shape, dtype) in zip(values, signature):
        cut = [d for d, c in enumerate(getattr(x, "chunks", ())) if len(c) > 1] if is_dask(x) else []
        if len(cut) > 1:
            return None
        lengths.update(shape[d] for d in cut)
        declared.append((tuple(None if d in cut else n for d, n in enumerate(shape)), dtype))
    return tuple(declared) if len(lengths) == 1 else None


def _as_dask(x, axis, chunks):
    """``x`` as a dask array chunked like the batch along ``axis`` and whole along the others."""
    import dask.array as da

    x = x if is_dask(x) else da.from_array(np.asarray(x), chunks=-1)
    if axis is None:
        return x.rechunk(-1)
    return x.rechunk({d: (chunks if d == axis else -1) for d in range(x.ndim)})


def run(compiled, kind, inputs, vectors=None, strict=False, single=None):
    """``kind`` ("primal", "jvp", "vjp", "jacobian") of ``compiled`` on inputs among which are dask arrays."""
    import dask
    import dask.array as da

    values, _ = validate.as_tuple(inputs)
    single = compiled._wrt_single if single is None else single
    if len(values) != compiled.n_inputs:
        raise ArgumentError(f"{compiled.__name__} was compiled for {compiled.n_inputs} input(s); got {len(values)}")
    dtypes = [validate.kernel_dtype(np.dtype(x.dtype)) if hasattr(x, "dtype") else np.float64 for x in values]
    declared, spec, n_batch = _declared(compiled, values, dtypes)
    if spec.per_length_reason is not None or not spec.rows_independent:
        why = spec.per_length_reason or "it sums, shifts, slices or reshapes across the batch axis"
        raise ArgumentError(f"{spec.label} cannot run chunk by chunk: {why}; compute it on one machine (NumPy inputs)")
    if kind == "jacobian" and spec._jacobian_graph is None:
        raise ArgumentError(
            f"the Jacobian of {spec.label} has the batch axis on both sides; per-point Jacobians of a vmapped "
            "function run chunk by chunk, or take jvp/vjp"
        )
    program = spec.program(kind)  # lowered here, once: the workers get its source
    axes = [shape.index(None) if None in shape else None for shape, _ in declared]
    cut = next(((x, a) for x, a in zip(values, axes) if is_dask(x) and a is not None), None)
    if cut is None:
        raise ArgumentError("dask inputs must be chunked along the batch axis (a None length of the Spec)")
    chunks = cut[0].chunks[cut[1]]
    arrays = [_as_dask(x, a, chunks).astype(d) for x, a, d in zip(values, axes, dtypes)]

    out_axes = [batch_axis(shape) for shape, _ in spec.out_specs]
    products = _vectors(compiled, spec, kind, vectors, n_batch, single, arrays, axes, out_axes, chunks)
    if strict:
        (compiled._check_strict_pairs if kind == "jacobian" else compiled._check_strict_any)(spec, kind)
    operands = arrays + products
    operand_axes = axes + [axes[k] for k in compiled.wrt] * (kind == "jvp") + out_axes * (kind == "vjp")
    pieces = [
        x.to_delayed().reshape(-1) if a is not None else [x.to_delayed().reshape(-1)[0]] * len(chunks)
        for x, a in zip(operands, operand_axes)
    ]
    shipped = dask.delayed(compiled, traverse=False)
    parts = [
        dask.delayed(_block, nout=len(program.specs), pure=True)(shipped, kind, compiled.n_inputs, *[p[i] for p in pieces])
        for i in range(len(chunks))
    ]
    results = []
    for j, (shape, dtype) in enumerate(program.specs):
        axis = batch_axis(shape)
        blocks = [da.from_delayed(part[j], batch.resolve_shape(shape, n), dtype=dtype) for part, n in zip(parts, chunks)]
        if axis is None:  # summed over the batch (a vjp with respect to parameters): a tree of sums
            results.append(da.stack(blocks).sum(axis=0, split_every=SPLIT_EVERY))
        else:
            results.append(da.concatenate(blocks, axis=axis))
    return _structured(compiled, spec, kind, results, single)


def batch_axis(shape):
    """The position of the batch axis in a shape of the metadata (``"n_batch"``), or None."""
    return next((d for d, n in enumerate(shape) if n == batch.BATCH_LENGTH), None)


def _vectors(compiled, spec, kind, vectors, n_batch, single, arrays, axes, out_axes, chunks):
    """The tangents (jvp) or cotangents (vjp) as dask arrays chunked like the batch; checked against their shapes."""
    if kind not in ("jvp", "vjp"):
        return []
    if kind == "jvp":
        expected = [(arrays[k].shape, arrays[k].dtype) for k in compiled.wrt]
        names, vector_axes = [compiled.names[k] for k in compiled.wrt], [axes[k] for k in compiled.wrt]
        one = single
    else:
        expected = [(batch.resolve_shape(s, n_batch), d) for s, d in spec.out_specs]
        names, vector_axes, one = [f"output {j}" for j in range(len(expected))], out_axes, not spec.is_tuple_output
    if vectors is None:
        raise ShapeError(f"{kind} of dask arrays needs v explicitly")
    given = (vectors,) if one else vectors
    if not isinstance(given, tuple) or len(given) != len(expected):
        raise ShapeError(f"{kind}: v must be {'one array' if one else f'a tuple of {len(expected)} arrays'}")
    checked = []
    for v, (shape, dtype), name, axis in zip(given, expected, names, vector_axes):
        if tuple(np.shape(v)) != tuple(shape):
            raise ShapeError(f"{kind}: v for {name} has shape {format_shape(np.shape(v))}; expected {format_shape(shape)}")
        checked.append(_as_dask(v, axis, chunks).astype(dtype))
    return checked


def _structured(compiled, spec, kind, results, single):
    """The flat results in the structure the NumPy call returns."""
    n = len(spec.out_specs)
    if kind == "primal":
        return compiled._outputs(spec, results)
    if kind == "jvp":
        return compiled._outputs(spec, results[:n]), compiled._outputs(spec, results[n:])
    if kind == "vjp":
        return compiled._outputs(spec, results[:n]), compiled._per_wrt(results[n:], single)
    return compiled._blocks(spec, results, single, spec.is_tuple_output)
