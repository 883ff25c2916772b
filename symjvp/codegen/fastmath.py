"""Vectorizable transcendentals for the generated kernels.

Numba's ``math.exp`` is a scalar libm call, which stops LLVM from
vectorizing the loop around it.  ``fast_exp`` is plain arithmetic that LLVM
vectorizes: Cody-Waite range reduction by ln 2, a degree-13 Taylor
polynomial on |r| <= ln(2)/2, and scaling by 2**k built from the exponent
bits (in two halves, so that subnormal results are right).  It is within
2 ulp of ``numpy.exp`` over the whole double range, and exact at the edges:
overflow gives inf, underflow 0, and inf, -inf and NaN pass as NumPy's do
(tests/test_fastmath.py).  ``SYMJVP_TRANSCENDENTALS=libm`` selects the libm
calls instead.
"""

import numpy as np
from numba import njit

_LN2_HI = 6.93147180369123816490e-01  # ln 2 with trailing zero bits, so k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_OVERFLOW = 709.782712893383973096  # largest x with exp(x) finite
_UNDERFLOW = -745.1332191019412076  # below this exp(x) rounds to 0


@njit(fastmath={"contract"})
def fast_exp(x):
    k = np.floor(x * _INV_LN2 + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 + r * (
        1.0
        + r
        * (
            0.5
            + r
            * (
                1.0 / 6
                + r
                * (
                    1.0 / 24
                    + r
                    * (
                        1.0 / 120
                        + r
                        * (
                            1.0 / 720
                            + r
                            * (
                                1.0 / 5040
                                + r
                                * (
                                    1.0 / 40320
                                    + r * (1.0 / 362880 + r * (1.0 / 3628800 + r * (1.0 / 39916800 + r * (1.0 / 479001600 + r / 6227020800))))
                                )
                            )
                        )
                    )
                )
            )
        )
    )
    whole = np.int64(min(max(k, -1100.0), 1100.0))
    half = whole >> 1
    scale_a = np.int64((half + 1023) << 52).view(np.float64)
    scale_b = np.int64((whole - half + 1023) << 52).view(np.float64)
    y = p * scale_a * scale_b
    y = np.inf if x > _OVERFLOW else y
    y = 0.0 if x < _UNDERFLOW else y
    return x if x != x else y


@njit(fastmath={"contract"})
def fast_sigmoid(x):
    return 1.0 / (1.0 + fast_exp(-x))
