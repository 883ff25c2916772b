"""Special functions the kernels need and neither ``math`` nor Numba provides, as plain Python.

One definition each: Numba compiles these for the kernels (``codegen/fastmath.py``)
and NumPy's reference evaluation vectorizes the same code (``graph/elementwise.py``).
``digamma`` is the derivative of ``scipy.special.gammaln``, ``trigamma`` its second.
"""

import math

_PI_SQUARED = math.pi * math.pi


def digamma(x):
    """ψ(x) = Γ'(x)/Γ(x): recurrence up to x >= 10, then the asymptotic series.

    Within 2e-15 (relative) of scipy.special.digamma for x > 0.  Reflection for
    x < 0, within 1e-11 near the poles, where it is ill-conditioned; -inf at 0
    and NaN at the negative integers, as SciPy.
    """
    if x != x or x == math.inf:
        return x
    if x == -math.inf:
        return math.nan
    result = 0.0
    if x <= 0.0:
        if x == math.floor(x):
            return -math.inf if x == 0.0 else math.nan
        result = -math.pi / math.tan(math.pi * x)
        x = 1.0 - x
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (
        -1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (1.0 / 240 + f * (-1.0 / 132 + f * (691.0 / 32760 - f / 12)))))
    )
    return result + math.log(x) - 0.5 / x + series


def trigamma(x):
    """ψ'(x): recurrence up to x >= 10, then the asymptotic series; reflection for x < 0; inf at the poles."""
    if x != x or x == -math.inf:
        return math.nan
    if x == math.inf:
        return 0.0
    reflection, sign = 0.0, 1.0
    if x <= 0.0:  # ψ'(x) = π²/sin²(πx) - ψ'(1 - x)
        if x == math.floor(x):
            return math.inf
        s = math.sin(math.pi * x)
        reflection, sign, x = _PI_SQUARED / (s * s), -1.0, 1.0 - x
    result = 0.0
    while x < 10.0:
        result += 1.0 / (x * x)
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (1.0 / 6 + f * (-1.0 / 30 + f * (1.0 / 42 + f * (-1.0 / 30 + f * (5.0 / 66 + f * (-691.0 / 2730 + f * 7.0 / 6))))))
    return reflection + sign * (result + 1.0 / x + 0.5 * f + series / x)
