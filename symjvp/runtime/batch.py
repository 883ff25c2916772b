"""Run-time side of a symbolic batch length (lower/batch_axis.py): lengths written in ``n_batch``.

A shape in the metadata of a kernel made for every batch length holds
integers and, where a length depends on the batch, its expression in
``n_batch`` as text (``"n_batch"``, ``"3*n_batch"``); these functions give
the integers for one call without importing SymPy.
"""

import functools

BATCH_LENGTH = "n_batch"
#: The lengths a batch axis (a ``None`` in a Spec) is traced at: two primes near 2**20, far from any
#: length a user writes, and a constant array accidentally as long as the batch still fits in memory
#: while it is being found out (lower/batch_axis.py).
PLACEHOLDERS = (1_048_573, 1_048_583)
#: The longest batch a kernel made for every length takes: its count is an int32 (codegen/numba_cpu.py).
LENGTH_MAX = 2**31 - 1


class BatchLengthDependent(Exception):
    """A kernel depends on the batch length in a way ``n_batch`` cannot express (lower/batch_axis.py)."""


@functools.lru_cache(maxsize=None)
def _compiled(text):
    return compile(text, f"<symjvp batch length {text}>", "eval")


def resolve(length, n):
    """An integer length, or a length in n_batch evaluated at ``n``."""
    if isinstance(length, str):
        return int(eval(_compiled(length), {"__builtins__": {}}, {BATCH_LENGTH: n}))
    return length


def resolve_shape(shape, n):
    return tuple(resolve(d, n) for d in shape)


def batch_length_of(arrays, source):
    """The batch length of a call: the length of axis ``source[1]`` of input ``source[0]``."""
    position, axis = source
    return arrays[position].shape[axis]


def length_in(declared, given):
    """The batch length of a call's signature ``given`` against a ``declared`` one with ``None`` lengths; None if it does not match."""
    if len(declared) != len(given):
        return None
    n_batch = None
    for (shape, dtype), (actual, actual_dtype) in zip(declared, given):
        if len(shape) != len(actual) or dtype != actual_dtype:
            return None
        for d, a in zip(shape, actual):
            if d is None:
                if n_batch not in (None, a):
                    return None
                n_batch = a
            elif d != a:
                return None
    return n_batch
