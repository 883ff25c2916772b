"""Derivatives as graph transforms: forward (jvp), reverse (vjp), batching, Jacobians."""

from .transforms import gradient_graph, jacobian_graph, jvp_graph, vjp_graph

__all__ = ["gradient_graph", "jacobian_graph", "jvp_graph", "vjp_graph"]
