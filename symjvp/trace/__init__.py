"""Tracing: run the user's NumPy function once on symbolic arrays to record a graph."""

from .array import TracedArray
from .tracer import parameter_names, trace

__all__ = ["TracedArray", "parameter_names", "trace"]
