"""Vectorizable transcendentals for the generated kernels.

Numba's ``math.exp`` is a scalar libm call, which stops LLVM from
vectorizing the loop around it.  These are plain arithmetic that LLVM
vectorizes, each within 2 ulp of NumPy over the whole double range with
NumPy's special values (inf, NaN, signed zeros, overflow, underflow;
tests/test_fastmath.py):

* ``fast_exp``: Cody-Waite range reduction by ln 2, a degree-11 polynomial
  on |r| <= ln(2)/2 (Chebyshev interpolation), and scaling by 2**k built from the exponent
  bits (in two halves, so that subnormal results are right);
* ``fast_log``: exponent and mantissa from the bits (subnormals scaled
  first), the mantissa in [sqrt(2)/2, sqrt(2)), and log(1 + f) = f - s(f - R)
  with s = f/(2 + f) and R the atanh series in s^2, so the leading f is exact;
* ``fast_tanh``: an odd polynomial (Chebyshev fit, degree 12 in x^2) below
  |x| = 0.8, ``1 - 2/(exp(2|x|) + 1)`` above;
* ``fast_sigmoid``: ``1/(1 + exp(-x))``.

Functions without such an implementation (sin, cos, ...: their range
reduction for huge arguments needs a table) stay libm calls.
``SYMJVP_TRANSCENDENTALS=libm`` selects libm calls for all.
"""

import numpy as np
from numba import njit

_LN2_HI = 6.93147180369123816490e-01  # ln 2 with trailing zero bits, so k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_OVERFLOW = 709.782712893383973096  # largest x with exp(x) finite
_UNDERFLOW = -745.1332191019412076  # below this exp(x) rounds to 0
# exp(r) on |r| <= ln(2)/2: degree 11, interpolating at Chebyshev nodes (near-minimax; 0.15 ulp
# before rounding) -- two terms fewer than Taylor needs for the same accuracy.
_E2, _E3, _E4, _E5 = 0.5000000000000019, 0.1666666666666668, 0.0416666666664881, 0.008333333333319601
_E6, _E7, _E8 = 0.0013888888952314775, 0.00019841269890047113, 2.4801485482328494e-05
_E9, _E10, _E11 = 2.755724091857897e-06, 2.763263963904103e-07, 2.5110037605963777e-08


@njit(fastmath={"contract"}, error_model="numpy", cache=True)
def fast_exp(x):
    k = np.floor(x * _INV_LN2 + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 + r * (
        1.0
        + r * (_E2 + r * (_E3 + r * (_E4 + r * (_E5 + r * (_E6 + r * (_E7 + r * (_E8 + r * (_E9 + r * (_E10 + r * _E11)))))))))
    )
    whole = np.int64(min(max(k, -1100.0), 1100.0))
    half = whole >> 1
    scale_a = np.int64((half + 1023) << 52).view(np.float64)
    scale_b = np.int64((whole - half + 1023) << 52).view(np.float64)
    y = p * scale_a * scale_b
    y = np.inf if x > _OVERFLOW else y
    y = 0.0 if x < _UNDERFLOW else y
    return x if x != x else y


@njit(fastmath={"contract"}, error_model="numpy", cache=True)
def fast_sigmoid(x):
    return 1.0 / (1.0 + fast_exp(-x))


_SQRT2 = 1.4142135623730951
_SMALLEST_NORMAL = 2.2250738585072014e-308


@njit(fastmath={"contract"}, error_model="numpy", cache=True)
def fast_log(x):
    subnormal = x < _SMALLEST_NORMAL
    scaled = x * 4503599627370496.0 if subnormal else x  # 2**52
    bits = np.float64(scaled).view(np.int64)
    exponent = ((bits >> 52) & 0x7FF) - 1023 - (52 if subnormal else 0)
    mantissa = np.int64((bits & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000).view(np.float64)
    high = mantissa > _SQRT2
    mantissa = mantissa * 0.5 if high else mantissa
    k = np.float64(exponent + (1 if high else 0))
    f = mantissa - 1.0
    s = f / (2.0 + f)
    z = s * s
    r = z * (
        2.0 / 3
        + z
        * (
            2.0 / 5
            + z
            * (
                2.0 / 7
                + z * (2.0 / 9 + z * (2.0 / 11 + z * (2.0 / 13 + z * (2.0 / 15 + z * (2.0 / 17 + z * (2.0 / 19 + z * (2.0 / 21)))))))
            )
        )
    )
    y = k * _LN2_HI + (f - (s * (f - r) - k * _LN2_LO))
    y = -np.inf if x == 0.0 else y
    y = np.nan if x < 0.0 else y
    y = x if x == np.inf or x != x else y
    return y


@njit(fastmath={"contract"}, error_model="numpy", cache=True)
def fast_tanh(x):
    a = abs(x)
    z = x * x
    q = -1.3800415905251388e-06
    q = q * z + 9.14608915547252e-06
    q = q * z - 3.313046079603938e-05
    q = q * z + 9.306274143371217e-05
    q = q * z - 0.00023744185663961113
    q = q * z + 0.0005895100692269659
    q = q * z - 0.0014557244697594772
    q = q * z + 0.0035921122606532682
    q = q * z - 0.008863234068053824
    q = q * z + 0.021869488455181583
    q = q * z - 0.053968253965915154
    q = q * z + 0.13333333333330671
    q = q * z - 0.33333333333333326
    small = x + x * (z * q) if x != 0.0 else x  # keeps the sign of -0.0
    large = 1.0 - 2.0 / (fast_exp(2.0 * a) + 1.0)
    large = large if x > 0 else -large
    return small if a < 0.8 else (large if a == a else x)


#: What the generated kernels may call (their module header imports these).
INLINE = ("fast_exp", "fast_log", "fast_sigmoid", "fast_tanh")
