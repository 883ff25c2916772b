"""NumPy reference evaluation of a graph: the oracle for lowering and kernels."""

import numpy as np

from . import ops
from .node import topological_order


def evaluate(graph, arrays):
    """The outputs of ``graph`` for input values ``arrays`` (in ``graph.inputs`` order)."""
    env = {id(x): np.asarray(a, dtype=x.dtype).reshape(x.shape) for x, a in zip(graph.inputs, arrays)}
    for node in topological_order(graph.outputs):
        if id(node) in env:
            continue
        if isinstance(node.op, ops.Input):
            raise ValueError(f"no value for input {node.op.name!r}")
        env[id(node)] = np.asarray(node.op.evaluate(*[env[id(x)] for x in node.inputs]), dtype=node.dtype)
    results = []
    for k, out in enumerate(graph.outputs):
        if out is None:
            shape, dtype = graph.zero_specs[k]
            results.append(np.zeros(shape, dtype))
        else:
            results.append(np.array(env[id(out)], dtype=out.dtype).reshape(out.shape))
    return results
