"""The functional API, with ``torch.autograd.functional`` semantics on NumPy arrays.

Each call looks up a compiled function by the function's fingerprint and the
number of inputs; the compiled function keeps one specialization per input
shape/dtype signature.  A second call with new values of the same shapes
costs a dictionary lookup and the kernel.
"""

from collections import OrderedDict
from typing import Callable, Optional, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike

from .runtime import dask_arrays
from .runtime.compiled import Compiled, Spec
from .runtime.fingerprint import fingerprint
from .runtime.validate import as_tuple, check_arity, is_device_array, parameter_names, prepare_inputs

#: One array, or a tuple of arrays (one per argument of the function).
Arrays = Union[ArrayLike, Tuple[ArrayLike, ...]]
#: What the functions return: one array, or a tuple of arrays (one per output).
Results = Union[np.ndarray, Tuple[np.ndarray, ...]]

#: Compiled functions kept by the functional API (least recently used dropped first).
CACHE_SIZE = 256
_cache = OrderedDict()


def compile(
    func: Callable,
    *example_inputs: Union[ArrayLike, Spec],
    wrt: Union[None, int, Tuple[int, ...]] = None,
    target: str = "cpu",
) -> Compiled:
    """Compile ``func`` for inputs like ``example_inputs`` (arrays or ``symjvp.Spec``)."""
    return Compiled(func, *example_inputs, wrt=wrt, target=target)


def _compiled(func, values, given=None):
    """The compiled function for ``func`` and these inputs: on the GPU if any of them is a device array."""
    target = "cuda" if any(is_device_array(v) for v in values) else "cpu"
    key = fingerprint(func)
    if key is not None:
        key = (key, len(values), target)
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    check_arity(func, len(values), given)
    if dask_arrays.involves_dask(tuple(values)):
        # Compiled from the dask arrays' shapes, never their values (computing them is the tasks' job).
        examples = [Spec(v.shape, v.dtype) if dask_arrays.is_dask(v) else v for v in values]
    else:
        examples = prepare_inputs(values, parameter_names(func, len(values)), range(len(values)))
    compiled = Compiled(func, *examples, target=target, _fingerprint=key[0] if key is not None else None)
    if key is not None:
        _cache[key] = compiled
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def clear_cache():
    """Forget every compiled function the functional API has kept."""
    _cache.clear()


def jvp(
    func: Callable, inputs: Arrays, v: Optional[Arrays] = None, *, strict: bool = False
) -> Tuple[Results, Results]:
    """(func(*inputs), J·v): ``v`` shaped like ``inputs``, the result like the output."""
    values, single = as_tuple(inputs)
    if dask_arrays.involves_dask(tuple(values), v):
        return dask_arrays.run(_compiled(func, values, inputs), "jvp", values, v, strict, single)
    return _compiled(func, values, inputs)._jvp(values, v, strict, single)


def vjp(
    func: Callable, inputs: Arrays, v: Optional[Arrays] = None, *, strict: bool = False
) -> Tuple[Results, Results]:
    """(func(*inputs), vᵀ·J): ``v`` shaped like the output, the result like ``inputs``."""
    values, single = as_tuple(inputs)
    if dask_arrays.involves_dask(tuple(values), v):
        return dask_arrays.run(_compiled(func, values, inputs), "vjp", values, v, strict, single)
    return _compiled(func, values, inputs)._vjp(values, v, strict, single)


def jacobian(func: Callable, inputs: Arrays, *, strict: bool = False) -> Results:
    """J with shape ``out.shape + in.shape`` (tuples over outputs, then over inputs)."""
    values, single = as_tuple(inputs)
    if dask_arrays.involves_dask(tuple(values)):
        return dask_arrays.run(_compiled(func, values, inputs), "jacobian", values, strict=strict, single=single)
    return _compiled(func, values, inputs)._jacobian(values, strict, single)


def sparse_jacobian(func: Callable, inputs: Arrays):
    """J as a ``scipy.sparse.csr_matrix`` (output size x total input size) holding its structural non-zeros."""
    values, _ = as_tuple(inputs)
    return _compiled(func, values, inputs).sparse_jacobian(values if len(values) > 1 else values[0])


def hessian(func: Callable, inputs: Arrays, *, strict: bool = False) -> Results:
    """The Hessian of a function with one output element: ``in.shape + in.shape``."""
    values, single = as_tuple(inputs)
    return _compiled(func, values, inputs)._hessian(values, strict, single)


def hvp(
    func: Callable, inputs: Arrays, v: Optional[Arrays] = None, *, strict: bool = False
) -> Tuple[Results, Results]:
    """(func(*inputs), H·v) for a function with one output element."""
    values, single = as_tuple(inputs)
    return _compiled(func, values, inputs)._hvp(values, v, strict, single)


def vhp(
    func: Callable, inputs: Arrays, v: Optional[Arrays] = None, *, strict: bool = False
) -> Tuple[Results, Results]:
    """(func(*inputs), vᵀ·H) for a function with one output element."""
    values, single = as_tuple(inputs)
    return _compiled(func, values, inputs)._vhp(values, v, strict, single)


def vmap(func, in_axes=0, out_axes=0):
    """JAX's vmap: ``func`` written for one point, mapped over a batch axis of its arguments.

    Compiled (``symjvp.compile(symjvp.vmap(f), ...)``), its ``jacobian`` is one
    Jacobian per point, shape ``(batch,) + out_point.shape + in_point.shape``.
    """
    from .derivatives.vmap import vmap as make

    return make(func, in_axes, out_axes)
