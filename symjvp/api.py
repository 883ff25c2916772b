"""The functional API, with ``torch.autograd.functional`` semantics on NumPy arrays.

Each call looks up a compiled function by the function's fingerprint and the
number of inputs; the compiled function keeps one specialization per input
shape/dtype signature.  A second call with new values of the same shapes
costs a dictionary lookup and the kernel.
"""

from collections import OrderedDict

from .runtime.compiled import Compiled
from .runtime.fingerprint import fingerprint
from .runtime.validate import as_tuple, parameter_names, prepare_inputs

#: Compiled functions kept by the functional API (least recently used dropped first).
CACHE_SIZE = 256
_cache = OrderedDict()


def compile(func, *example_inputs, wrt=None, target="cpu"):
    """Compile ``func`` for inputs like ``example_inputs`` (arrays or ``symjvp.Spec``)."""
    return Compiled(func, *example_inputs, wrt=wrt, target=target)


def _compiled(func, values):
    key = fingerprint(func)
    if key is not None:
        key = (key, len(values))
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    arrays = prepare_inputs(values, parameter_names(func, len(values)), range(len(values)))
    compiled = Compiled(func, *arrays, _fingerprint=key[0] if key is not None else None)
    if key is not None:
        _cache[key] = compiled
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def clear_cache():
    """Forget every compiled function the functional API has kept."""
    _cache.clear()


def jvp(func, inputs, v=None, *, strict=False):
    """(func(*inputs), J·v): ``v`` shaped like ``inputs``, the result like the output."""
    values, single = as_tuple(inputs)
    return _compiled(func, values).jvp(values, v, strict=strict, _single=single)


def vjp(func, inputs, v=None, *, strict=False):
    """(func(*inputs), vᵀ·J): ``v`` shaped like the output, the result like ``inputs``."""
    values, single = as_tuple(inputs)
    return _compiled(func, values).vjp(values, v, strict=strict, _single=single)


def jacobian(func, inputs, *, strict=False):
    """J with shape ``out.shape + in.shape`` (tuples over outputs, then over inputs)."""
    values, single = as_tuple(inputs)
    return _compiled(func, values).jacobian(values, strict=strict, _single=single)


def hessian(func, inputs, *, strict=False):
    """The Hessian of a function with one output element: ``in.shape + in.shape``."""
    values, single = as_tuple(inputs)
    return _compiled(func, values).hessian(values, strict=strict, _single=single)


def hvp(func, inputs, v=None, *, strict=False):
    """(func(*inputs), H·v) for a function with one output element."""
    values, single = as_tuple(inputs)
    return _compiled(func, values).hvp(values, v, strict=strict, _single=single)


def vhp(func, inputs, v=None, *, strict=False):
    """(func(*inputs), vᵀ·H) for a function with one output element."""
    values, single = as_tuple(inputs)
    return _compiled(func, values).vhp(values, v, strict=strict, _single=single)


def vmap(func, in_axes=0, out_axes=0):
    """JAX's vmap: ``func`` written for one point, mapped over a batch axis of its arguments.

    Compiled (``symjvp.compile(symjvp.vmap(f), ...)``), its ``jacobian`` is one
    Jacobian per point, shape ``(batch,) + out_point.shape + in_point.shape``.
    """
    from .derivatives.vmap import vmap as make

    return make(func, in_axes, out_axes)
