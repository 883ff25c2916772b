"""Colourings of a Jacobian's sparsity pattern: which columns (or rows) one product may recover together.

Two columns that share no row may be summed into one seed vector: J·(e_j + e_k)
holds column j's non-zeros in j's rows and column k's in k's.  A greedy
colouring in the columns' order (what SciPy's ``group_columns`` does) gives
3 colours for a tridiagonal pattern, 4 for Lorenz-96's and 5 for a 5-point
stencil, whatever the size: that many jvps give every non-zero.
"""

import numpy as np


def _greedy(indptr, indices, t_indptr, t_indices, n):
    """Colour of each of the n columns of the CSR pattern (indptr, indices), given its transpose's (t_indptr, t_indices)."""
    colour = np.full(n, -1, dtype=np.int64)
    # forbidden[c] == j: colour c is taken by a column that shares a row with column j
    forbidden = np.full(n + 1, -1, dtype=np.int64)
    for j in range(n):
        for p in range(t_indptr[j], t_indptr[j + 1]):
            row = t_indices[p]
            for q in range(indptr[row], indptr[row + 1]):
                other = colour[indices[q]]
                if other >= 0:
                    forbidden[other] = j
        c = 0
        while forbidden[c] == j:
            c += 1
        colour[j] = c
    return colour


_compiled = []


def column_colouring(pattern):
    """Colour of each column of a ``scipy.sparse`` pattern such that columns of one colour share no row."""
    if not _compiled:
        from numba import njit

        _compiled.append(njit(cache=False, nogil=True)(_greedy))
    csr = pattern.tocsr()
    csc = pattern.tocsc()
    csr.sort_indices()
    csc.sort_indices()
    return _compiled[0](
        csr.indptr.astype(np.int64), csr.indices.astype(np.int64), csc.indptr.astype(np.int64), csc.indices.astype(np.int64), pattern.shape[1]
    )
