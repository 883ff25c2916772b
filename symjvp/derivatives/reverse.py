"""Reverse mode: transpose a linear graph.

Reverse mode is forward mode followed by transposition (as in JAX): the
tangent graph is linear in the tangent inputs, and every op in it that
touches a tangent is linear in that input, so walking it backwards and
applying each op's transpose rule gives the cotangents.
"""

from ..graph import build
from ..graph.node import topological_order


def transpose(linear_outputs, cotangents, linear_inputs):
    """Cotangents of ``linear_inputs`` for cotangents of ``linear_outputs`` (``None`` = zero)."""
    order = topological_order(linear_outputs)
    linear = {id(x) for x in linear_inputs}
    for node in order:
        if id(node) not in linear and any(id(x) in linear for x in node.inputs):
            linear.add(id(node))

    accumulated = {}
    for out, ct in zip(linear_outputs, cotangents):
        if out is not None and ct is not None and id(out) in linear:
            accumulated[id(out)] = build.add(accumulated.get(id(out)), ct)

    input_ids = {id(x) for x in linear_inputs}
    for node in reversed(order):
        if id(node) in input_ids or id(node) not in accumulated:
            continue
        ct = accumulated[id(node)]
        if ct is None:
            continue
        for k, x in enumerate(node.inputs):
            if id(x) in linear:
                contribution = node.op.transpose(node, ct, k)
                accumulated[id(x)] = build.add(accumulated.get(id(x)), contribution)
    return [accumulated.get(id(x)) for x in linear_inputs]
