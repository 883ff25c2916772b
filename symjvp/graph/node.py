"""Hash-consed array-level nodes and the graphs built from them.

A node is an op applied to input nodes; its shape and dtype come from the
op's shape rule.  Nodes are interned: building the same op on the same inputs
twice returns the same object, so equal subexpressions are one node and the
transforms never duplicate work.
"""

import dataclasses
import hashlib
import weakref

import numpy as np

_INTERN = weakref.WeakValueDictionary()


class Node:
    __slots__ = ("op", "inputs", "shape", "dtype", "__weakref__")

    def __init__(self, op, inputs, shape, dtype):
        self.op = op
        self.inputs = inputs
        self.shape = shape
        self.dtype = dtype

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<{type(self.op).__name__} {self.shape} {self.dtype}>"


def make(op, *inputs):
    """The node for ``op(*inputs)``, shared with any equal node already built."""
    key = (op, tuple(id(n) for n in inputs))
    node = _INTERN.get(key)
    if node is None:
        shape = tuple(int(d) for d in op.shape(*[n.shape for n in inputs]))
        dtype = np.dtype(op.dtype(*[n.dtype for n in inputs]))
        node = Node(op, tuple(inputs), shape, dtype)
        _INTERN[key] = node
    return node


def topological_order(outputs):
    """All nodes the outputs depend on, each after its inputs."""
    order, seen = [], set()
    for root in outputs:
        if root is None or id(root) in seen:
            continue
        stack = [(root, iter(root.inputs))]
        seen.add(id(root))
        while stack:
            node, children = stack[-1]
            for child in children:
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(child.inputs)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def depends_on(outputs, sources):
    """For each output, the set of ids of ``sources`` it reaches (structurally)."""
    source_ids = {id(s) for s in sources}
    reach = {}
    for node in topological_order(outputs):
        found = {id(node)} & source_ids
        for child in node.inputs:
            found |= reach[id(child)]
        reach[id(node)] = frozenset(found)
    return [reach[id(o)] if o is not None else frozenset() for o in outputs]


class PerPoint:
    """How a batched graph is its per-point ``graph`` applied at each of ``size`` points.

    ``axes[k]`` is the batch axis of input k, or None if every point reads all of it.
    Output k of the batched graph is ``(size,) + `` output k of ``graph``.
    """

    def __init__(self, graph, axes, size):
        self.graph, self.axes, self.size = graph, tuple(axes), int(size)


class Graph:
    """A function of array inputs: input leaf nodes and output nodes.

    An output may be ``None``: an exact zero that no kernel computes (the
    tangent of an output that does not depend on the differentiated inputs).
    ``zero_shapes`` gives the shape and dtype of those.
    """

    def __init__(self, inputs, outputs, zero_specs=None, per_point=None):
        self.inputs = tuple(inputs)
        self.outputs = tuple(outputs)
        self.zero_specs = dict(zero_specs or {})
        #: A PerPoint when this graph is a per-point graph batched (vmap; lower/per_point.py).
        self.per_point = per_point

    def output_spec(self, k):
        out = self.outputs[k]
        if out is None:
            return self.zero_specs[k]
        return out.shape, out.dtype

    def nodes(self):
        return topological_order(self.outputs)


def _describe_field(value):
    """A field of an op as text that is the same in every process."""
    import sympy as sp

    from .ops import ConstArray

    if isinstance(value, (tuple, list)):
        return "(" + ",".join(_describe_field(v) for v in value) + ")"
    if isinstance(value, ConstArray):
        return repr(value.key)
    if isinstance(value, np.dtype):
        return value.str
    if isinstance(value, sp.Basic):
        return sp.srepr(value)
    return repr(value)


def graph_digest(graph):
    """A digest of what ``graph`` computes: ops, their parameters and captured values, the wiring.

    Two traces that build the same graph (a function whose captured counter
    changed, a lambda made anew) get the same digest, so they share kernels.
    """
    h = hashlib.sha256()
    position = {}
    for node in graph.nodes():
        position[id(node)] = len(position)
        fields = [_describe_field(getattr(node.op, f.name)) for f in dataclasses.fields(node.op)]
        wiring = ",".join(str(position[id(x)]) for x in node.inputs)
        h.update(f"{type(node.op).__name__}[{';'.join(fields)}]({wiring});".encode())
    for x in graph.inputs:
        h.update(f"in{position.get(id(x), -1)}:{_describe_field(x.shape)}{x.dtype.str};".encode())
    for k in range(len(graph.outputs)):
        out = graph.outputs[k]
        shape, dtype = graph.output_spec(k)
        h.update(f"out{-1 if out is None else position[id(out)]}:{_describe_field(shape)}{np.dtype(dtype).str};".encode())
    return h.hexdigest()[:40]
