"""Elementwise functions, each declared once by its SymPy formula.

The formula is the single source of truth: the kernels print it, the NumPy
reference lambdifies it, and every derivative is ``sympy.diff`` of it.
Adding a function is one line in ``UNARY`` or ``BINARY``.
"""

import math

import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import Cbrt as cbrt, exp2, expm1, log1p, log2, log10

#: Placeholder of numeric operand k in a formula.
A = tuple(sp.Symbol(f"a{k}", real=True) for k in range(64))
#: Placeholder of boolean operand k in a formula (a condition).
C = tuple(sp.Symbol(f"c{k}") for k in range(64))


def placeholder(k, is_bool):
    return C[k] if is_bool else A[k]


def placeholder_index(symbol):
    return int(symbol.name[1:])


class sigmoid(sp.Function):
    """The logistic function, with the derivative in its stable form s(1 - s)."""

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    @classmethod
    def eval(cls, arg):
        if arg.is_Number:
            return 1 / (1 + sp.exp(-arg))
        return None


class _Classification(sp.logic.boolalg.BooleanFunction):
    """A test of a number's IEEE class; SymPy must not decide it, since its real symbols are finite."""

    @classmethod
    def eval(cls, arg):
        if arg.is_Number or arg in (sp.oo, -sp.oo, sp.zoo):
            return sp.true if cls.test(float(arg) if arg is not sp.zoo else float("nan")) else sp.false
        return None


class isnan(_Classification):
    test = staticmethod(math.isnan)


class isinf(_Classification):
    test = staticmethod(math.isinf)


class isfinite(_Classification):
    test = staticmethod(math.isfinite)


def _numpy_sigmoid(x):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _polygamma(n, x):
    from ..codegen import special

    if n not in (0, 1):
        raise NotImplementedError(f"polygamma({n}, x)")
    return np.vectorize(special.digamma if n == 0 else special.trigamma, otypes=[float])(x)


#: Functions of SymPy formulas that NumPy reference evaluation must be told about.
NUMPY_FUNCTIONS = {
    "sigmoid": _numpy_sigmoid,
    "erf": np.vectorize(math.erf, otypes=[float]),
    "erfc": np.vectorize(math.erfc, otypes=[float]),
    "loggamma": np.vectorize(lambda x: math.lgamma(x) if x > 0 or x != math.floor(x) else math.inf, otypes=[float]),
    "polygamma": _polygamma,
    "isnan": np.isnan,
    "isinf": np.isinf,
    "isfinite": np.isfinite,
}


#: name -> formula of one placeholder.
UNARY = {
    "positive": lambda a: a,
    "negative": lambda a: -a,
    "exp": sp.exp,
    "exp2": exp2,
    "expm1": expm1,
    "log": sp.log,
    "log2": log2,
    "log10": log10,
    "log1p": log1p,
    "sqrt": sp.sqrt,
    "cbrt": cbrt,
    "square": lambda a: a**2,
    "reciprocal": lambda a: 1 / a,
    "absolute": sp.Abs,
    "sign": sp.sign,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "arcsin": sp.asin,
    "arccos": sp.acos,
    "arctan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "arcsinh": sp.asinh,
    "arccosh": sp.acosh,
    "arctanh": sp.atanh,
    "sigmoid": sigmoid,
    "relu": lambda a: sp.Max(a, 0),
    "deg2rad": lambda a: a * sp.pi / 180,
    "rad2deg": lambda a: a * 180 / sp.pi,
    "floor": sp.floor,
    "ceil": sp.ceiling,
    "erf": sp.erf,
    "erfc": sp.erfc,
    "gammaln": sp.loggamma,
    "digamma": lambda a: sp.polygamma(0, a),
    "isnan": isnan,
    "isinf": isinf,
    "isfinite": isfinite,
}

#: name -> formula of two placeholders.
BINARY = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
    "power": lambda a, b: a**b,
    "floor_divide": lambda a, b: sp.floor(a / b),
    "remainder": lambda a, b: a - b * sp.floor(a / b),
    "maximum": lambda a, b: sp.Max(a, b),
    "minimum": lambda a, b: sp.Min(a, b),
    "arctan2": sp.atan2,
    "hypot": lambda a, b: sp.sqrt(a**2 + b**2),
    "logaddexp": lambda a, b: sp.Max(a, b) + log1p(sp.exp(-sp.Abs(a - b))),
    "xlogy": lambda a, b: sp.Piecewise((0, sp.Eq(a, 0) & ~isnan(b)), (a * sp.log(b), True)),
    "xlog1py": lambda a, b: sp.Piecewise((0, sp.Eq(a, 0) & ~isnan(b)), (a * log1p(b), True)),
    "greater": lambda a, b: a > b,
    "greater_equal": lambda a, b: a >= b,
    "less": lambda a, b: a < b,
    "less_equal": lambda a, b: a <= b,
    "equal": lambda a, b: sp.Eq(a, b),
    "not_equal": lambda a, b: sp.Ne(a, b),
}

#: Functions of conditions rather than numbers: name -> (arity, formula).
LOGICAL = {
    "logical_and": (2, sp.And),
    "logical_or": (2, sp.Or),
    "logical_xor": (2, sp.Xor),
    "logical_not": (1, sp.Not),
}

#: Other spellings (NumPy's, torch's, math's) of an entry above.
ALIASES = {
    "abs": "absolute",
    "true_divide": "divide",
    "asin": "arcsin",
    "acos": "arccos",
    "atan": "arctan",
    "asinh": "arcsinh",
    "acosh": "arccosh",
    "atanh": "arctanh",
    "atan2": "arctan2",
    "pow": "power",
    "neg": "negative",
    "mul": "multiply",
    "sub": "subtract",
    "div": "divide",
    "fmax": "maximum",
    "fmin": "minimum",
    "fabs": "absolute",
    "float_power": "power",
    "radians": "deg2rad",
    "degrees": "rad2deg",
    "mod": "remainder",
    "clamp_min": "maximum",
    "clamp_max": "minimum",
    "expit": "sigmoid",
    "psi": "digamma",
    "lgamma": "gammaln",
}


def lookup(name):
    """(canonical name, arity, formula function, operands are conditions) or None."""
    name = ALIASES.get(name, name)
    if name in UNARY:
        return name, 1, UNARY[name], False
    if name in BINARY:
        return name, 2, BINARY[name], False
    if name in LOGICAL:
        n, fn = LOGICAL[name]
        return name, n, fn, True
    return None


def is_condition(formula):
    """True when the formula is a truth value (its node has dtype bool)."""
    return isinstance(formula, (sp.logic.boolalg.BooleanFunction, sp.core.relational.Relational)) or (
        formula in C or formula is sp.true or formula is sp.false
    )


def as_number(condition):
    """A condition used where a number is expected is 1 or 0, as in NumPy."""
    return sp.Piecewise((1, condition), (0, True))


def as_condition(value):
    """A number used where a condition is expected is true when non-zero."""
    return sp.Ne(value, 0)


__all__ = [
    "A",
    "C",
    "UNARY",
    "BINARY",
    "LOGICAL",
    "NUMPY_FUNCTIONS",
    "sigmoid",
    "expm1",
    "log1p",
    "log2",
    "log10",
    "exp2",
    "cbrt",
]
