"""Batching (vmap): add a leading batch axis to some inputs and everything they reach.

The Jacobian is a jvp (or vjp) batched over the identity basis, so all its
columns (or rows) come out of one kernel instead of a Python loop.
"""

from ..graph import build, ops
from ..graph.node import topological_order


def _fresh_letter(contract):
    used = set(contract.out).union(*contract.specs)
    return next(c for c in build.LETTERS if c not in used)


def _batch_node(node, inputs, batched, size):
    op = node.op
    if isinstance(op, ops.Elementwise):
        aligned = []
        for x, b in zip(inputs, batched):
            if b and x.ndim - 1 < node.ndim:
                x = build.reshape(x, (size,) + (1,) * (node.ndim - (x.ndim - 1)) + x.shape[1:])
            aligned.append(x)
        return build.ew(op.formula, *aligned, dtype=op.out_dtype, shape=(size,) + node.shape)
    if isinstance(op, ops.Contract):
        beta = _fresh_letter(op)
        specs = tuple(beta + s if b else s for s, b in zip(op.specs, batched))
        return build.contract(specs, beta + op.out, op.sizes + ((beta, size),), *inputs)
    if isinstance(op, ops.Concat):
        parts = [x if b else build.broadcast_to(x, (size,) + x.shape) for x, b in zip(inputs, batched)]
        return build.concat(parts, op.axis + 1)
    if isinstance(op, (ops.Take, ops.PutAdd)):
        return _batch_run_time_index(op, inputs, batched, size)
    (x,) = inputs
    if isinstance(op, ops.Reshape):
        return build.reshape(x, (size,) + op.new_shape)
    if isinstance(op, ops.Slice):
        return build.slice_(x, (0,) + op.starts, (1,) + op.steps, (size,) + op.lengths)
    if isinstance(op, ops.Embed):
        return build.embed(x, (0,) + op.starts, (1,) + op.steps, (size,) + op.out_shape)
    if isinstance(op, ops.Roll):
        return build.roll(x, op.shift, op.axis + 1)
    if isinstance(op, ops.Gather):
        return build.gather(x, op.axis + 1, op.table)
    if isinstance(op, ops.ScatterAdd):
        return build.scatter_add(x, op.axis + 1, op.table, op.length)
    if isinstance(op, ops.Extremum):
        return build.extremum(x, op.kind, tuple(a + 1 for a in op.axes))
    raise NotImplementedError(f"no batching rule for {type(op).__name__}")


def _batch_run_time_index(op, inputs, batched, size):
    """A ``Take``/``PutAdd`` with a leading batch axis: a new shared axis when both sides have it."""
    x, indices = inputs
    x_batched, indices_batched = batched
    build_op = build.take if isinstance(op, ops.Take) else build.put_add
    extra = () if isinstance(op, ops.Take) else (op.length,)
    if not indices_batched and not op.batch:
        return build_op(x, indices, op.axis + 1, *extra)
    if not x_batched:
        x = build.broadcast_to(x, (size,) + x.shape)
    if not indices_batched:
        indices = build.broadcast_to(indices, (size,) + indices.shape)
    if op.axis != op.batch:
        from ..errors import UnsupportedOperationError

        raise UnsupportedOperationError(
            "vmap of indexing with a per-point index array along an axis other than the first is not supported; "
            "move the indexed axis first with np.moveaxis"
        )
    return build_op(x, indices, op.axis + 1, *extra, op.batch + 1)


def batch(outputs, replacements, size):
    """Rebuild ``outputs`` with ``replacements`` = {id(input): node with leading axis ``size``}.

    Outputs that do not depend on a replaced input come back unbatched; the
    caller broadcasts them if it needs to.  Returns (nodes, is_batched flags).
    """
    new = dict(replacements)
    batched = set(replacements)
    for node in topological_order(outputs):
        if id(node) in new:
            continue
        flags = [id(x) in batched for x in node.inputs]
        if any(flags):
            new[id(node)] = _batch_node(node, [new.get(id(x), x) for x in node.inputs], flags, size)
            batched.add(id(node))
    results = [None if o is None else new.get(id(o), o) for o in outputs]
    return results, [o is not None and id(o) in batched for o in outputs]
