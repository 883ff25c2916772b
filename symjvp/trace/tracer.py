"""Trace a Python function once into a graph."""

import numpy as np

from ..errors import TraceError
from ..graph import build
from ..graph.node import Graph
from ..runtime.validate import parameter_names
from .array import TracedArray
from .functions import _dependence_of as dependence_of
from .functions import as_node
from .substitutes import substituted


def _output_node(value, func):
    if isinstance(value, TracedArray):
        return value.node
    if isinstance(value, np.ndarray) and value.dtype == object:
        return as_node(value)
    if isinstance(value, (np.ndarray, int, float, np.number, np.bool_)) and not isinstance(value, bool):
        return as_node(np.asarray(value))
    name = getattr(func, "__name__", "the function")
    raise TraceError(
        f"{name} returned {type(value).__name__}, but it must return an array or a tuple of arrays "
        f"(arrays computed from its inputs)"
    )


def output_values(result, func):
    """(the outputs as a tuple, whether ``func`` returned several): one array or a tuple, as in torch."""
    if isinstance(result, list):
        name = getattr(func, "__name__", "the function")
        raise TraceError(
            f"{name} returned a list, but it must return an array or a tuple of arrays: return tuple(...) for "
            "several outputs, or np.stack(...) for one array"
        )
    if isinstance(result, tuple):
        if not result:
            raise TraceError("the function returned an empty tuple; it must return at least one array")
        return result, True
    return (result,), False


def call_traced(func, args):
    """``func(*args)`` with the library functions that cannot see traced arrays stood in for (substitutes.py)."""
    with substituted():
        return func(*args)


def trace(func, specs, names=None):
    """Call ``func`` once on traced arrays of ``specs`` = [(shape, dtype), ...].

    Returns the graph, whether ``func`` returned a tuple, and for each output
    the set of input positions it depends on (structurally, as traced).
    """
    names = names or parameter_names(func, len(specs))
    inputs = [build.input_node(name, shape, dtype, position=k) for k, (name, (shape, dtype)) in enumerate(zip(names, specs))]
    result = call_traced(func, [TracedArray(x, frozenset({k})) for k, x in enumerate(inputs)])
    values, is_tuple = output_values(result, func)
    outputs = [_output_node(v, func) for v in values]
    dependence = [frozenset(dependence_of([v])) for v in values]
    return Graph(inputs, outputs), is_tuple, dependence
