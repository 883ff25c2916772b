"""The expression DAG: hash-consed array-level nodes and the op registry."""

from .node import Graph, Node, depends_on, make, topological_order
from .evaluate import evaluate

__all__ = ["Graph", "Node", "depends_on", "evaluate", "make", "topological_order"]
