"""Small dense linear algebra, written out element by element.

For the matrices these are used on in model code (a 3x3 rotation, a 2x2
covariance, a Cholesky factor of a few dimensions) a closed form is exact,
needs no pivoting decision on the data, and its derivative is the textbook
one by construction: ``det`` by cofactor expansion, ``inv`` and ``solve``
through the adjugate, ``cholesky`` by the Cholesky--Banachiewicz recurrence.
Leading axes are a batch of matrices, as in NumPy.
"""

import itertools

import numpy as np

from ..errors import ShapeError, format_shape
from . import functions as F

#: Cofactor expansion has n! terms: det, inv and solve are written out up to this size.
COFACTOR_MAX_SIZE = 4
#: The Cholesky recurrence has ~n^3/6 products.
CHOLESKY_MAX_SIZE = 16


def _square(a, name, limit):
    shape = F.as_node(a).shape
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ShapeError(f"np.linalg.{name} needs square matrices (..., n, n), got shape {format_shape(shape)}{F._where()}")
    n = shape[-1]
    if n > limit:
        raise F.unsupported(
            f"np.linalg.{name} of a {n}x{n} matrix",
            f"It is written out in closed form for matrices up to {limit}x{limit}; for larger systems, "
            "pass the matrix's factorization in as an input, or solve outside the traced function.",
        )
    return a if F.is_traced(a) else F.wrap(F.as_node(a)), n


def _entries(a, n):
    return [[a[..., i, j] for j in range(n)] for i in range(n)]


def _determinant(m, rows, columns):
    """The determinant of the sub-matrix ``m[rows][:, columns]`` by expansion along its first row."""
    if len(rows) == 1:
        return m[rows[0]][columns[0]]
    total = None
    for k, column in enumerate(columns):
        minor = _determinant(m, rows[1:], columns[:k] + columns[k + 1 :])
        term = m[rows[0]][column] * minor
        total = term if total is None else (total - term if k % 2 else total + term)
    return total


def _matrix(rows):
    return F.stack([F.stack(row, axis=-1) for row in rows], axis=-2)


def _adjugate(m, n):
    if n == 1:
        return [[F.ones_like(m[0][0])]]
    everything = list(range(n))
    return [
        [
            _determinant(m, everything[:j] + everything[j + 1 :], everything[:i] + everything[i + 1 :])
            * (-1.0 if (i + j) % 2 else 1.0)
            for j in range(n)
        ]
        for i in range(n)
    ]


@F.tracked
def det(a):
    a, n = _square(a, "det", COFACTOR_MAX_SIZE)
    return _determinant(_entries(a, n), list(range(n)), list(range(n)))


@F.tracked
def slogdet(a):
    """(sign, log|det|), as NumPy's named tuple fields in order."""
    d = det(a)
    return F.elementwise("sign", d), F.elementwise("log", F.elementwise("absolute", d))


@F.tracked
def inv(a):
    a, n = _square(a, "inv", COFACTOR_MAX_SIZE)
    m = _entries(a, n)
    d = _determinant(m, list(range(n)), list(range(n)))
    return _matrix(_adjugate(m, n)) / d[..., None, None]


@F.tracked
def solve(a, b):
    """``a x = b`` for ``b`` of shape (..., n) (when 1-D) or (..., n, k), as NumPy 2."""
    a, n = _square(a, "solve", COFACTOR_MAX_SIZE)
    b_shape = F.as_node(b).shape
    vector = len(b_shape) == 1
    if (vector and b_shape[0] != n) or (not vector and (len(b_shape) < 2 or b_shape[-2] != n)):
        raise ShapeError(
            f"np.linalg.solve: a has shape {format_shape(F.as_node(a).shape)} and b {format_shape(b_shape)}; "
            f"b must be (n,) or (..., n, k) with n = {n}{F._where()}"
        )
    m = _entries(a, n)
    d = _determinant(m, list(range(n)), list(range(n)))
    adjugate = _matrix(_adjugate(m, n))
    if vector:
        return F.matmul(adjugate, b) / d[..., None]
    return F.matmul(adjugate, b) / d[..., None, None]


@F.tracked
def cholesky(a, upper=False):
    """The lower factor ``L`` with ``L @ L.T = a`` (only ``a``'s lower triangle is read, as NumPy)."""
    a, n = _square(a, "cholesky", CHOLESKY_MAX_SIZE)
    m = _entries(a, n)
    factor = [[None] * n for _ in range(n)]
    zero = F.zeros_like(m[0][0])
    for i, j in itertools.product(range(n), range(n)):
        if j > i:
            factor[i][j] = zero
            continue
        partial = m[i][j]
        for k in range(j):
            partial = partial - factor[i][k] * factor[j][k]
        factor[i][j] = F.elementwise("sqrt", partial) if i == j else partial / factor[j][j]
    lower = _matrix(factor)
    return F.swapaxes(lower, -1, -2) if upper else lower


FUNCTIONS = {
    np.linalg.det: det,
    np.linalg.slogdet: slogdet,
    np.linalg.inv: inv,
    np.linalg.solve: solve,
    np.linalg.cholesky: cholesky,
}
