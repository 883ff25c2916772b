"""symjvp kernels of gathered(x: (5,) float64, idx: (3,) int64), standalone: NumPy and Numba only.

jacobian(x, idx) -> ((3, 5) float64): J, one block per (output, differentiated input), each of shape out.shape + in.shape
"""

import base64
import math

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic


@intrinsic
def _fma(typingctx, a, b, c):
    """a*b + c rounded once: the exact products the range reduction is built from."""
    signature = types.float64(types.float64, types.float64, types.float64)
    return signature, lambda context, builder, sig, args: builder.fma(*args)


_TWO_OVER_PI = 0.6366197723675814
_PIO2_1, _PIO2_2, _PIO2_3 = 1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33  # pi/2 = sum
_TWO_OVER_PI_BITS = int(
    "a2f9836e4e441529fc2757d1f534ddc0db6295993c439041fe5163abdebbc561b7246e3a424d"
    "d2e006492eea09d1921cfe1deb1cb129a73ee88235f52ebb4484e99c7026b45f7e413991d639"
    "835339f49c845f8bbdf9283b1ff897ffde05980fef2f118b5a0a6d1f6d367ecf27cb09b74f46"
    "3f669e5fea2d7527bac7ebe5f17b3d0739f78a5292ea6bfb5fb11f8d5d0856033046fc7b6bab",
    16,
)
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


@njit(fastmath={"reassoc"}, error_model="numpy", cache=False)
def reassociable_add(total, term):
    """A reduction's running sum: the one addition LLVM may reorder, so the loop vectorizes."""
    return total + term


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


for _function in (fast_cos, fast_sin,):
    _inline_into_callers(_function)



def sj_results(computed, specs, present, copies):
    """The kernel's outputs in their shapes; an output no kernel computes is zeros, a repeated one a copy."""
    computed = iter(computed if isinstance(computed, tuple) else (computed,))
    results = []
    for (shape, dtype), is_computed, copy in zip(specs, present, copies):
        array = next(computed).reshape(shape) if is_computed else np.zeros(shape, dtype)
        results.append(array.copy() if copy else array)
    return tuple(results)


def sj_constant(text, dtype, shape):
    return np.frombuffer(base64.b64decode(text), dtype=dtype).reshape(shape)


# symjvp jacobian kernel of gathered(x: (5,) float64, idx: (3,) int64)
@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jacobian_kernel_core(x, idx, buf0, buf1, buf2, out0):
    for i0 in range(3):
        for i1 in range(3):
            t0 = ((1) if (i0 == i1) else (0))
            t1 = 3*i0 + i1
            buf0[np.uintp(t1)] = t0*fast_sin(x[np.uintp(((idx[np.uintp(i1)] + 5) if (idx[np.uintp(i1)] < 0) else (idx[np.uintp(i1)])))])
            buf1[np.uintp(t1)] = t0*fast_cos(x[np.uintp(((idx[np.uintp(i1)] + 5) if (idx[np.uintp(i1)] < 0) else (idx[np.uintp(i1)])))])*x[np.uintp(i1)]
    for i0 in range(3):
        for i1 in range(3):
            buf2[np.uintp(5*i0 + ((idx[np.uintp(i1)] + 5) if (idx[np.uintp(i1)] < 0) else (idx[np.uintp(i1)])))] += buf1[np.uintp(3*i0 + i1)]
    # unrolled
    out0[0] = buf0[0] + buf2[0]
    out0[1] = buf0[1] + buf2[1]
    out0[2] = buf0[2] + buf2[2]
    out0[3] = buf2[3]
    out0[4] = buf2[4]
    out0[5] = buf0[3] + buf2[5]
    out0[6] = buf0[4] + buf2[6]
    out0[7] = buf0[5] + buf2[7]
    out0[8] = buf2[8]
    out0[9] = buf2[9]
    out0[10] = buf0[6] + buf2[10]
    out0[11] = buf0[7] + buf2[11]
    out0[12] = buf0[8] + buf2[12]
    out0[13] = buf2[13]
    out0[14] = buf2[14]


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def jacobian_kernel(x, idx):
    buf0 = np.empty(9, dtype=np.float64)
    buf1 = np.empty(9, dtype=np.float64)
    buf2 = np.zeros(15, dtype=np.float64)
    out0 = np.empty(15, dtype=np.float64)
    jacobian_kernel_core(x, idx, buf0, buf1, buf2, out0)
    return out0.reshape((3, 5))

_JACOBIAN_CONSTANTS = ()
_JACOBIAN_BUFFERS = ()
_JACOBIAN_SPECS = (((3, 5), 'float64'),)
_JACOBIAN_PRESENT, _JACOBIAN_COPIES = (True,), (False,)


def jacobian(x, idx):
    """((3, 5) float64): J, one block per (output, differentiated input), each of shape out.shape + in.shape."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _JACOBIAN_BUFFERS]
    sj_computed = jacobian_kernel(np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(idx, dtype=np.int64), *_JACOBIAN_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _JACOBIAN_SPECS, _JACOBIAN_PRESENT, _JACOBIAN_COPIES)
