"""Runtime: validate and flatten inputs, call the kernels, reshape the results."""

from .compiled import Compiled, Spec

__all__ = ["Compiled", "Spec"]
