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
* ``fast_sigmoid``: ``1/(1 + exp(-x))``;
* ``fast_sin``, ``fast_cos``: x = q pi/2 + r with r as a double-double,
  then odd/even polynomials on |r| <= pi/4 chosen by q mod 4 (see
  ``_reduce_half_pi``).

Everything is branch-free (selects, not jumps), so a loop around any of
them vectorizes.  Functions without such an implementation stay libm calls;
``SYMJVP_TRANSCENDENTALS=libm`` selects libm calls for all.
"""

import os

import numpy as np

from numba import njit, types

from . import special
from numba.extending import intrinsic

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


@njit(fastmath={"contract"}, error_model="numpy", cache=False)
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


@njit(fastmath={"contract"}, error_model="numpy", cache=False)
def fast_sigmoid(x):
    return 1.0 / (1.0 + fast_exp(-x))


_SQRT2 = 1.4142135623730951
_SMALLEST_NORMAL = 2.2250738585072014e-308


@njit(fastmath={"contract"}, error_model="numpy", cache=False)
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


@njit(fastmath={"contract"}, error_model="numpy", cache=False)
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


@intrinsic
def _fma(typingctx, a, b, c):
    """a*b + c rounded once: the exact products the range reduction is built from."""
    signature = types.float64(types.float64, types.float64, types.float64)
    return signature, lambda context, builder, sig, args: builder.fma(*args)


# ---------------------------------------------------------------- sin and cos

_TWO_OVER_PI = 0.6366197723675814
_PIO2_1, _PIO2_2, _PIO2_3 = 1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33  # pi/2 = sum
#: floor(2/pi * 2**1216): the bits of 2/pi that the reduction of the largest doubles reaches.
_TWO_OVER_PI_BITS = int(
    "a2f9836e4e441529fc2757d1f534ddc0db6295993c439041fe5163abdebbc561b7246e3a424d"
    "d2e006492eea09d1921cfe1deb1cb129a73ee88235f52ebb4484e99c7026b45f7e413991d639"
    "835339f49c845f8bbdf9283b1ff897ffde05980fef2f118b5a0a6d1f6d367ecf27cb09b74f46"
    "3f669e5fea2d7527bac7ebe5f17b3d0739f78a5292ea6bfb5fb11f8d5d0856033046fc7b6bab",
    16,
)
#: Below this |x| the reduction is Cody-Waite with pi/2 in three parts (|q| < 2**31); above it, Payne-Hanek.
_LARGE_EXPONENT = 30


def _two_over_pi_windows():
    """For each exponent E of |x| >= 2**30 (and E = 1024 for inf/NaN): 192 bits of 2/pi as three words.

    With |x| = m 2**e (m the 53-bit integer mantissa, e = E - 52), the bits of
    2/pi before index e - 1 only add multiples of 4 to x 2/pi, which do not
    change the quadrant; the window starts there.
    """
    table = np.zeros((1025 - _LARGE_EXPONENT, 3), np.uint64)
    word = (1 << 64) - 1
    for row, exponent in enumerate(range(_LARGE_EXPONENT, 1025)):
        window = (_TWO_OVER_PI_BITS >> (1216 - (exponent - 53) - 191)) & ((1 << 192) - 1)
        table[row] = [window >> 128, (window >> 64) & word, window & word]
    return table.reshape(-1)


_WINDOWS = _two_over_pi_windows()
_LOW32 = np.uint64(0xFFFFFFFF)
_MANTISSA = np.uint64(0xFFFFFFFFFFFFF)
_IMPLICIT = np.uint64(1 << 52)
_32 = np.uint64(32)


@njit(error_model="numpy", cache=False)
def _reduce_large(ax):
    """Payne-Hanek for |x| >= 2**30: (q mod 4, r_hi, r_lo) with |x| = q pi/2 + r, |r| <= pi/4.

    The 53-bit mantissa times 192 bits of 2/pi is computed exactly in 32-bit
    limbs; its bits give the quadrant and a 128-bit fraction, which keeps 65
    or more significant bits even for the doubles closest to a multiple of
    pi/2 (|r| ~ 2**-61).
    """
    bits = np.float64(ax).view(np.uint64)
    exponent = np.int64(bits >> np.uint64(52)) - 1023
    row = np.uintp(3 * min(max(exponent - _LARGE_EXPONENT, 0), 1024 - _LARGE_EXPONENT))
    m = (bits & _MANTISSA) | _IMPLICIT
    ml, mh = m & _LOW32, m >> _32
    high, middle, low = _WINDOWS[row], _WINDOWS[row + np.uintp(1)], _WINDOWS[row + np.uintp(2)]
    w0, w1, w2 = low & _LOW32, low >> _32, middle & _LOW32
    w3, w4, w5 = middle >> _32, high & _LOW32, high >> _32
    # Limb k of the product collects the low halves of ml*w[k] and mh*w[k-1], the high halves of
    # ml*w[k-1] and mh*w[k-2], and the carry: each under 2**32, so no column overflows.
    l0, l1, l2, l3, l4, l5 = ml * w0, ml * w1, ml * w2, ml * w3, ml * w4, ml * w5
    h0, h1, h2, h3, h4 = mh * w0, mh * w1, mh * w2, mh * w3, mh * w4
    column = l0 & _LOW32
    column = (l1 & _LOW32) + (h0 & _LOW32) + (l0 >> _32) + (column >> _32)
    limb1 = column & _LOW32
    column = (l2 & _LOW32) + (h1 & _LOW32) + (l1 >> _32) + (h0 >> _32) + (column >> _32)
    limb2 = column & _LOW32
    column = (l3 & _LOW32) + (h2 & _LOW32) + (l2 >> _32) + (h1 >> _32) + (column >> _32)
    limb3 = column & _LOW32
    column = (l4 & _LOW32) + (h3 & _LOW32) + (l3 >> _32) + (h2 >> _32) + (column >> _32)
    limb4 = column & _LOW32
    column = (l5 & _LOW32) + (h4 & _LOW32) + (l4 >> _32) + (h3 >> _32) + (column >> _32)
    limb5 = column & _LOW32
    quadrant = np.int64(limb5 >> np.uint64(30)) & 3
    top = ((limb5 & np.uint64(0x3FFFFFFF)) << np.uint64(34)) | (limb4 << np.uint64(2)) | (limb3 >> np.uint64(30))
    bottom = ((limb3 & np.uint64(0x3FFFFFFF)) << np.uint64(34)) | (limb2 << np.uint64(2)) | (limb1 >> np.uint64(30))
    # A fraction of 1/2 or more rounds the quadrant up and leaves fraction - 1 (two's complement, negated).
    negative = top >> np.uint64(63)
    flip = np.uint64(0) - negative
    borrow = negative if bottom == np.uint64(0) else np.uint64(0)
    bottom = (bottom ^ flip) + negative
    top = (top ^ flip) + borrow
    quadrant = (quadrant + np.int64(negative)) & 3
    a = np.float64(np.int64(top >> _32)) * 2.0**-32
    b = np.float64(np.int64(top & _LOW32)) * 2.0**-64
    c = np.float64(np.int64(bottom >> _32)) * 2.0**-96
    d = np.float64(np.int64(bottom & _LOW32)) * 2.0**-128
    hi = a + b
    lo = ((a - hi) + b) + (c + d)
    r_hi = hi * _PIO2_1
    r_lo = _fma(hi, _PIO2_1, -r_hi) + (hi * _PIO2_2 + lo * _PIO2_1)
    sign = -1.0 if negative else 1.0
    total = r_hi + r_lo
    return quadrant, sign * total, sign * (r_lo - (total - r_hi))


@njit(error_model="numpy", cache=False)
def _reduce_half_pi(x):
    """(q mod 4, r_hi, r_lo) with x = q pi/2 + r_hi + r_lo, |r| <= pi/4, branch-free.

    Cody-Waite below 2**30: x - k pi/2 with pi/2 in three parts, the first
    product subtracted exactly by a fused multiply-add, the second exactly as
    a product and its error; above, ``_reduce_large``.  Both run, a select
    keeps one: that is what lets a loop around this vectorize.
    """
    k = min(max(np.floor(x * _TWO_OVER_PI + 0.5), -2.0**31), 2.0**31)
    a = _fma(-k, _PIO2_1, x)
    p = k * _PIO2_2
    p_error = _fma(k, _PIO2_2, -p)
    s = a - p
    t = s - a
    s_error = (a - (s - t)) + (-p - t)
    lo = (s_error - p_error) - k * _PIO2_3
    r_hi = s + lo
    r_lo = lo - (r_hi - s)
    quadrant = np.int64(k) & 3
    ax = abs(x)
    large_q, large_hi, large_lo = _reduce_large(ax)
    if x < 0.0:
        large_q, large_hi, large_lo = (-large_q) & 3, -large_hi, -large_lo
    large = ax >= 2.0**_LARGE_EXPONENT
    return (large_q if large else quadrant), (large_hi if large else r_hi), (large_lo if large else r_lo)


@njit(fastmath={"contract"}, error_model="numpy", cache=False)
def _sin_cos_of_reduced(r_hi, r_lo):
    """sin and cos of r_hi + r_lo, |r| <= pi/4: polynomials in z = r**2 (Chebyshev interpolation, < 0.2 ulp)."""
    z = r_hi * r_hi
    ps = -2.5051131845003624e-08 + z * 1.5918129294866608e-10
    ps = 2.755731610255244e-06 + z * ps
    ps = -0.00019841269836758574 + z * ps
    ps = 0.008333333333330948 + z * ps
    ps = -0.16666666666666666 + z * ps
    sine = r_hi + (r_hi * z * ps + r_lo * (1.0 - 0.5 * z))
    pc = 2.08761462684032e-09 + z * -1.1382632425521717e-11
    pc = -2.7557317271729793e-07 + z * pc
    pc = 2.480158729876569e-05 + z * pc
    pc = -0.0013888888888887398 + z * pc
    pc = 0.041666666666666664 + z * pc
    half = 0.5 * z
    w = 1.0 - half
    cosine = w + (((1.0 - w) - half) + (z * z * pc - r_hi * r_lo))
    return sine, cosine


@njit(error_model="numpy", cache=False)
def _sin_of_quadrant(x, shift):
    """sin(x + shift pi/2); NaN for inf and NaN."""
    quadrant, r_hi, r_lo = _reduce_half_pi(x)
    sine, cosine = _sin_cos_of_reduced(r_hi, r_lo)
    quadrant = (quadrant + shift) & 3
    y = cosine if quadrant & 1 else sine
    y = -y if quadrant & 2 else y
    return y if abs(x) < np.inf else x - x


@njit(error_model="numpy", cache=False)
def fast_sin(x):
    return x if abs(x) < 2.0**-26 else _sin_of_quadrant(x, 0)  # x itself keeps -0.0 and subnormals exact


@njit(error_model="numpy", cache=False)
def fast_cos(x):
    return _sin_of_quadrant(x, 1)


fast_digamma = njit(error_model="numpy", cache=False)(special.digamma)
fast_trigamma = njit(error_model="numpy", cache=False)(special.trigamma)


@njit(fastmath={"reassoc"}, error_model="numpy", cache=False)
def reassociable_add(total, term):
    """A reduction's running sum: the one addition LLVM may reorder, so the loop vectorizes."""
    return total + term


#: What the generated kernels may call (their module header imports these).
INLINE = ("fast_exp", "fast_log", "fast_sigmoid", "fast_tanh", "fast_sin", "fast_cos", "reassociable_add")
#: Also callable from kernels, but left as calls (too large to inline).
CALLED = ("fast_digamma", "fast_trigamma")


def _inline_into_callers(function):
    """Mark ``function``'s float64 machine code ``alwaysinline`` for every kernel that links it.

    LLVM's inliner leaves functions as large as ``fast_sin`` as calls, and a
    call in a loop stops it from vectorizing; Numba's own ``inline="always"``
    inlines at the level of its IR instead, which made a kernel with twenty
    uses of tanh take 15 s to compile.  The attribute goes on the module Numba
    links into callers (shared by all of them, and by its disk cache's copy).
    """
    signatures = [(types.float64,) * function.py_func.__code__.co_argcount]
    signatures += [(types.float32,) * len(signatures[0])] if function is reassociable_add else []
    for signature in signatures:
        function.compile(signature)
        try:  # Numba internals: without them the functions stay calls, correct but not vectorized
            module = function.overloads[signature].library._get_module_for_linking()
        except AttributeError:
            return
        for definition in module.functions:
            if not definition.is_declaration:
                definition.add_function_attribute("alwaysinline")


def _cache_in_symjvps_cache_directory():
    """Numba caches these functions in an entry of symjvp's disk cache, never in the installed package.

    The entry's manifest lists Numba's files after they are written; a file
    it does not list with those contents is deleted before Numba looks
    (runtime/diskcache.py), so a corrupt one is compiled again, never loaded.
    Without a disk cache (or if Numba's internals moved) they compile in memory.
    Returns a function that records the files Numba wrote.
    """
    from ..runtime.compiled import _disk_cache

    disk = _disk_cache()
    entry = disk.helper_entry() if disk is not None else None
    try:
        from numba.core import caching

        class Locator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
            def __init__(self, py_func, py_file):
                self._py_file = py_file
                self._lineno = py_func.__code__.co_firstlineno
                self._cache_path = os.path.join(entry, "__pycache__")

            def get_cache_path(self):
                return self._cache_path

        class Implementation(caching.CompileResultCacheImpl):
            _locator_classes = [Locator]

        class Cache(caching.FunctionCache):
            _impl_class = Implementation
    except (ImportError, AttributeError):
        return lambda: None
    if entry is None:
        return lambda: None
    for dispatcher in _dispatchers():
        dispatcher._cache = Cache(dispatcher.py_func)
    return lambda: disk.record(entry)


def _dispatchers():
    modules = (__name__, special.__name__)
    return [v for v in globals().values() if getattr(v, "py_func", None) is not None and v.py_func.__module__ in modules]


def _cache_nothing():
    from numba.core.caching import NullCache

    for dispatcher in _dispatchers():
        dispatcher._cache = NullCache()


_record = _cache_in_symjvps_cache_directory()
for _name in INLINE:
    try:
        _inline_into_callers(globals()[_name])
    except OSError:  # Numba could not write its cache (disk full): compile in memory
        _cache_nothing()
        _inline_into_callers(globals()[_name])
_record()
