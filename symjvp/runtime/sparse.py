"""Sparse Jacobians with values: the structural pattern once, then a few products per call.

The pattern (``k.sparsity()``, exact from the tangent graph) is coloured once
(symbolic/colouring.py): columns of one colour share no row, so one jvp along
the sum of their unit vectors gives all their non-zeros; or, when rows colour
into fewer groups, one vjp per row colour.  Each call then runs that many
compiled products and scatters their elements into the data array of a CSR
matrix whose ``indptr`` and ``indices`` are the pattern's own (shared by every
result, read-only): O(nnz) time and memory beyond the products.
"""

import numpy as np


class SparsePlan:
    """How to compute one specialization's sparse Jacobian: pattern, colours, direction, where each value comes from."""

    def __init__(self, pattern):
        import scipy.sparse as sparse

        from ..symbolic.colouring import column_colouring

        pattern = sparse.csr_matrix(pattern, dtype=bool)
        pattern.sum_duplicates()
        pattern.sort_indices()
        self.shape = pattern.shape
        # One index dtype for both, as SciPy wants it (else it converts, copying them into every result).
        index = np.int32 if max(max(self.shape, default=0), pattern.nnz) < 2**31 else np.int64
        self.indptr = pattern.indptr.astype(index)
        self.indices = pattern.indices.astype(index)
        for array in (self.indptr, self.indices):
            array.flags.writeable = False
        rows = np.repeat(np.arange(self.shape[0], dtype=np.int64), np.diff(self.indptr))
        columns = self.indices.astype(np.int64)
        by_column = column_colouring(pattern) if pattern.nnz else np.zeros(self.shape[1], dtype=np.int64)
        by_row = column_colouring(pattern.T) if pattern.nnz else np.zeros(self.shape[0], dtype=np.int64)
        column_colours = int(by_column.max(initial=-1)) + 1
        row_colours = int(by_row.max(initial=-1)) + 1
        #: "forward": one jvp per column colour; "reverse": one vjp per row colour.
        self.direction = "forward" if column_colours <= row_colours else "reverse"
        if self.direction == "forward":
            self.colour, self.colours = by_column, column_colours
            #: Position of each non-zero in the stacked products (colour-major).
            self.source = by_column[columns] * self.shape[0] + rows
        else:
            self.colour, self.colours = by_row, row_colours
            self.source = by_row[rows] * self.shape[1] + columns

    @property
    def nnz(self):
        return len(self.indices)

    def seeds(self, colour, dtype):
        return (self.colour == colour).astype(dtype)

    def matrix(self, products, dtype):
        """The CSR Jacobian from the stacked products (one flat row per colour)."""
        import scipy.sparse as sparse

        data = products.reshape(-1)[self.source] if self.nnz else np.zeros(0, dtype)
        matrix = sparse.csr_matrix((data.astype(dtype, copy=False), self.indices, self.indptr), shape=self.shape, copy=False)
        matrix.has_canonical_format = True
        return matrix


def split(flat, shapes):
    """``flat`` cut into arrays of ``shapes`` (views)."""
    pieces, offset = [], 0
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        pieces.append(flat[offset : offset + size].reshape(shape))
        offset += size
    return tuple(pieces)


def flat(arrays):
    arrays = arrays if isinstance(arrays, tuple) else (arrays,)
    return np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays]) if arrays else np.zeros(0)
