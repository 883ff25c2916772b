"""Tracing: run the user's NumPy function once on symbolic arrays to record a graph."""

from .array import TracedArray
from ..runtime.validate import parameter_names
from .tracer import trace

__all__ = ["TracedArray", "parameter_names", "trace"]
