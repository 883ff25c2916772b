"""Forward mode: push tangents through the graph, node by node."""

from ..graph.node import topological_order


def linearize(outputs, seeds):
    """The tangents of ``outputs`` given ``seeds`` = {id(input node): tangent node}.

    The tangent graph is linear in the seed nodes; an output that does not
    depend on any seeded input gets ``None`` (an exact zero).
    """
    tangents = dict(seeds)
    for node in topological_order(outputs):
        if id(node) in tangents:
            continue
        incoming = [tangents.get(id(x)) for x in node.inputs]
        if any(t is not None for t in incoming):
            tangents[id(node)] = node.op.jvp(node, incoming)
    return [None if out is None else tangents.get(id(out)) for out in outputs]
