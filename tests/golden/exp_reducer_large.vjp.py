"""symjvp kernels of exp_reducer(x: (500, 300) float64), standalone: NumPy and Numba only.

vjp(x, u) -> ((500,) float64, (500, 300) float64): the outputs, then vᵀ·J for each differentiated input
"""

import base64
import math

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic


_LN2_HI = 6.93147180369123816490e-01  # ln 2 with trailing zero bits, so k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_OVERFLOW = 709.782712893383973096  # largest x with exp(x) finite
_UNDERFLOW = -745.1332191019412076  # below this exp(x) rounds to 0
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


for _function in (fast_exp, reassociable_add,):
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


# symjvp vjp kernel of exp_reducer(x: (500, 300) float64)
@njit(parallel=True, fastmath=False, error_model="numpy", nogil=True)
def vjp_kernel_core(x, u, out0, out1):
    for i0 in prange(500):
        inv0 = x[300*i0:300*i0 + 300]
        inv1 = u[np.uintp(i0)]
        inv2 = out1[300*i0:300*i0 + 300]
        acc0 = 0.0
        for r0 in range(inv0.shape[0]):
            t0 = fast_exp(inv0[np.uintp(r0)])
            acc0 = reassociable_add(acc0, t0)
            inv2[np.uintp(r0)] = inv1*t0
        out0[np.uintp(i0)] = acc0


@njit(parallel=False, fastmath=False, error_model="numpy", nogil=True)
def vjp_kernel(x, u, out1):
    out0 = np.empty(500, dtype=np.float64)
    vjp_kernel_core(x.reshape(-1), u, out0, out1)
    return (out0, out1.reshape((500, 300)))

_VJP_CONSTANTS = ()
_VJP_BUFFERS = ((150000, 'float64', False),)
_VJP_SPECS = (((500,), 'float64'), ((500, 300), 'float64'))
_VJP_PRESENT, _VJP_COPIES = (True, True), (False, False)


def vjp(x, u):
    """((500,) float64, (500, 300) float64): the outputs, then vᵀ·J for each differentiated input."""
    sj_buffers = [(np.zeros if zeroed else np.empty)(size, dtype) for size, dtype, zeroed in _VJP_BUFFERS]
    sj_computed = vjp_kernel(np.ascontiguousarray(x, dtype=np.float64), np.ascontiguousarray(u, dtype=np.float64), *_VJP_CONSTANTS, *sj_buffers)
    return sj_results(sj_computed, _VJP_SPECS, _VJP_PRESENT, _VJP_COPIES)
