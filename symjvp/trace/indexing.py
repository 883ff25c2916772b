"""``x[key]`` on traced arrays, with NumPy's rules.

Basic indexing (ints, slices with steps, negative indices, ``...``,
``None``) becomes a ``Slice`` and a ``Reshape``; integer and boolean arrays
(constants: the shape must not depend on traced data) become a ``Gather``
along the merged indexed axes.  NumPy itself checks the key on a zero-stride
dummy, so bounds errors and result shapes are exactly NumPy's.
"""

import numbers

import numpy as np
import sympy as sp

from ..errors import ShapeError, TraceError, format_shape
from ..graph import build
from ..graph import elementwise as E
from .functions import _where, is_traced, unsupported, wrap


def _normalize_key(key, ndim):
    if not isinstance(key, tuple):
        key = (key,)
    items = []
    for item in key:
        if is_traced(item):
            items.append(_traced_index(item))
            continue
        if isinstance(item, list):
            item = np.asarray(item)
            if item.dtype == object:
                raise unsupported("indexing with a ragged list")
        if isinstance(item, np.ndarray) and item.dtype == np.bool_:
            items.extend(np.nonzero(item))
            continue
        if isinstance(item, np.ndarray) and item.dtype.kind not in "iu":
            raise IndexError("arrays used as indices must be of integer (or boolean) type")
        if isinstance(item, (bool, np.bool_)):
            raise unsupported("indexing with a Python bool")
        items.append(item)
    n_ellipsis = sum(1 for i in items if i is Ellipsis)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(1 for i in items if i is not None and i is not Ellipsis)
    if consumed > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but {consumed} were indexed")
    if n_ellipsis:
        at = next(k for k, i in enumerate(items) if i is Ellipsis)
        items[at : at + 1] = [slice(None)] * (ndim - consumed)
    else:
        items += [slice(None)] * (ndim - consumed)
    return items


def _basic_region(node, items):
    """(starts, steps, lengths) of the region a basic key selects, before integer axes are dropped."""
    starts, steps, lengths = [], [], []
    axis = 0
    for item in items:
        if item is None:
            continue
        n = node.shape[axis]
        if isinstance(item, slice):
            start, stop, step = item.indices(n)
            length = len(range(start, stop, step))
            starts.append(start if length else 0)
            steps.append(step if length else 1)
            lengths.append(length)
        elif isinstance(item, (numbers.Integral, np.integer)):
            starts.append(int(item) % n)
            steps.append(1)
            lengths.append(1)
        else:
            starts.append(0)
            steps.append(1)
            lengths.append(n)
        axis += 1
    return starts, steps, lengths


def _traced_index(item):
    if item.dtype == np.bool_:
        raise TraceError(
            "indexing with a traced boolean mask: the result's shape would depend on the data. "
            f"Use np.where(mask, x, 0) (or a sum over where=mask) instead{_where()}"
        )
    if item.dtype.kind not in "iu":
        raise IndexError(f"arrays used as indices must be of integer (or boolean) type, not {item.dtype}")
    return item


def checked_indices(indices, length):
    """The node of run-time ``indices`` into an axis of ``length``, once they are known to be in range.

    Integer inputs are checked by each call; computed indices must select
    among values whose range is known (an argmax, a where of inputs and
    constants).  An out-of-range read is never allowed to happen.
    """
    from ..graph.ops import index_range

    node = indices.node
    proven = index_range(node)
    if proven is None:
        raise TraceError(
            "indices computed by arithmetic on traced values cannot be proven to be in range. Compute them outside "
            "the function and pass them in as an integer input (checked at every call), or select with "
            f"np.argmax/np.argmin{_where()}"
        )
    lowest, highest, _ = proven
    if lowest is not None and (lowest < -length or highest >= length):
        raise IndexError(f"index {lowest if lowest < -length else highest} is out of bounds for axis with size {length}")
    return node


def getitem(x, key):
    node = x.node
    items = _normalize_key(key, node.ndim)
    traced = [k for k, i in enumerate(items) if is_traced(i)]
    if traced:
        return wrap(_traced_getitem(node, items, traced))
    expected = np.broadcast_to(np.empty((), dtype=np.int8), node.shape)[tuple(items)].shape
    is_array = [isinstance(i, np.ndarray) for i in items]
    advanced = any(is_array)
    if advanced and any(i is None for i in items):
        raise unsupported("mixing None (np.newaxis) with integer-array indexing")
    if advanced:
        whole = [i if isinstance(i, (slice, type(None))) else slice(None) for i in items]
        sliced = build.slice_(node, *_basic_region(node, whole))
        return wrap(_advanced(sliced, [i for i in items if i is not None], expected))
    sliced = build.slice_(node, *_basic_region(node, items))
    return wrap(build.reshape(sliced, expected))


def setitem(node, key, value):
    """The node of ``x`` after ``x[key] = value``: a new value, since graphs are immutable.

    Basic keys (ints, slices, ``...``) and a constant boolean mask of the
    whole array are supported; the value is broadcast to the selection and
    cast to ``x``'s dtype, as NumPy does.
    """
    from .functions import as_node

    value_node = as_node(value)
    if value_node.dtype != node.dtype:
        value_node = build.ew(E.A[0], value_node, dtype=node.dtype)
    if isinstance(key, np.ndarray) and key.dtype == np.bool_ and key.shape == node.shape:
        mask = build.constant(key)
        return build.ew(sp.Piecewise((E.A[1], E.C[0]), (E.A[2], True)), mask, value_node, node, dtype=node.dtype)
    items = _normalize_key(key, node.ndim)
    if any(is_traced(i) for i in items):
        raise unsupported(
            "assignment at a traced index",
            "Build the array with np.where(np.arange(len(x)) == i, value, x) instead.",
        )
    if any(isinstance(i, np.ndarray) for i in items) or any(i is None for i in items):
        raise unsupported(
            "assignment through an index array",
            "Assign through slices, a boolean mask of the whole array, or build the array with np.where.",
        )
    selected = np.broadcast_to(np.empty((), dtype=np.int8), node.shape)[tuple(items)].shape
    try:
        broadcast = build.broadcast_to(value_node, np.broadcast_shapes(value_node.shape, selected))
    except ValueError:
        raise ShapeError(
            f"could not broadcast a value of shape {format_shape(value_node.shape)} into the selection of shape "
            f"{format_shape(selected)}{_where()}"
        ) from None
    if broadcast.shape != selected:
        raise ShapeError(
            f"could not broadcast a value of shape {format_shape(value_node.shape)} into the selection of shape "
            f"{format_shape(selected)}{_where()}"
        )
    starts, steps, lengths = _basic_region(node, items)
    region = build.reshape(broadcast, lengths)
    placed = build.embed(region, starts, steps, node.shape)
    inside = build.embed(build.fill(True, lengths, np.bool_), starts, steps, node.shape)
    return build.ew(sp.Piecewise((E.A[1], E.C[0]), (E.A[2], True)), inside, placed, node, dtype=node.dtype)


def _traced_getitem(node, items, traced):
    """``x[..., i, ...]`` with one traced integer array ``i`` and slices elsewhere: a ``Take``."""
    if len(traced) > 1 or any(not isinstance(i, slice) for k, i in enumerate(items) if k not in traced):
        raise unsupported(
            "indexing with a traced index array together with other integer or None indices",
            "Index with the traced array alone (x[idx], x[:, idx]) and apply the other indices before or after.",
        )
    (position,) = traced
    whole = [slice(None) if k == position else i for k, i in enumerate(items)]
    sliced = build.slice_(node, *_basic_region(node, whole))
    indices = checked_indices(items[position], sliced.shape[position])
    return build.take(sliced, indices, position)


def _advanced(node, items, expected):
    """Integer-array indexing (ints count as 0-d index arrays), NumPy placement rules."""
    positions = [k for k, i in enumerate(items) if not isinstance(i, slice)]
    arrays = np.broadcast_arrays(*[np.asarray(items[k], dtype=np.int64) for k in positions])
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    front = positions[0] if adjacent else 0
    rest = [k for k in range(node.ndim) if k not in positions]
    order = rest[:front] + positions + rest[front:]
    moved = build.transpose(node, order)
    dims = [node.shape[k] for k in positions]
    merged_shape = moved.shape[:front] + (int(np.prod(dims, dtype=np.int64)),) + moved.shape[front + len(dims) :]
    merged = build.reshape(moved, merged_shape)
    normalized = [a % n for a, n in zip(arrays, dims)]
    table = np.ravel_multi_index(normalized, dims) if normalized else np.zeros((), np.int64)
    gathered = build.gather(merged, front, np.asarray(table, dtype=np.int64))
    return build.reshape(gathered, expected)
