"""SymPy scalar expressions -> Python source that Numba compiles.

IEEE semantics throughout: floats print exactly (``repr``), ``maximum`` and
``minimum`` propagate NaN as NumPy does, steps and signs are branch-free
expressions, nothing relies on fast-math.
"""

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from ..graph.elementwise import sigmoid
from ..lower.kernel_ir import floordiv, imod, opaque


class NumbaPrinter(PythonCodePrinter):
    _default_settings = dict(PythonCodePrinter._default_settings, inline_transcendentals=False)

    def __init__(self, settings=None):
        super().__init__(dict(settings or {}, fully_qualified_modules=True))

    def _print_Integer(self, expr):
        # Beyond int64 Numba cannot type the literal; NumPy computes with it as a float.
        return repr(float(expr)) if abs(int(expr)) >= 2**63 else super()._print_Integer(expr)

    def _print_Float(self, expr):
        value = float(expr)
        if value != value:
            return "math.nan"
        if value in (float("inf"), float("-inf")):
            return "math.inf" if value > 0 else "(-math.inf)"
        return repr(value)

    def _print_Infinity(self, expr):
        return "math.inf"

    def _print_NegativeInfinity(self, expr):
        return "(-math.inf)"

    def _print_NaN(self, expr):
        return "math.nan"

    def _print_Indexed(self, expr):
        # Every generated index is in range; as unsigned, Numba drops its negative-index
        # wrap-around check, which otherwise keeps LLVM from vectorizing the loop.
        index = expr.indices[0]
        printed = self._print(index)
        return f"{expr.base.label}[{printed if index.is_Integer else f'np.uintp({printed})'}]"

    def _print_IndexedBase(self, expr):
        return str(expr.label)

    def _extremum(self, expr, integer_fn, float_fn):
        fn = integer_fn if all(a.is_integer for a in expr.args) else float_fn
        args = [self._print(a) for a in expr.args]
        result = args[0]
        for a in args[1:]:
            result = f"{fn}({result}, {a})"
        return result

    def _print_Max(self, expr):
        return self._extremum(expr, "max", "np.maximum")

    def _print_Min(self, expr):
        return self._extremum(expr, "min", "np.minimum")

    def _print_sign(self, expr):
        return f"np.sign({self._print(expr.args[0])})"

    def _print_floor(self, expr):
        return f"np.floor({self._print(expr.args[0])})"

    def _print_ceiling(self, expr):
        return f"np.ceil({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        x = self._print(expr.args[0])
        at_zero = self._print(sp.Float(expr.args[1] if len(expr.args) > 1 else sp.S.Half))
        return f"(1.0 if {x} > 0 else ({at_zero} if {x} == 0 else 0.0))"

    def _print_sigmoid(self, expr):
        if self._settings.get("inline_transcendentals"):
            return f"fast_sigmoid({self._print(expr.args[0])})"
        return f"(1.0/(1.0 + math.exp(-({self._print(expr.args[0])}))))"

    def _print_exp(self, expr):
        return self._transcendental("exp", expr)

    def _print_log(self, expr):
        return self._transcendental("log", expr)

    def _print_tanh(self, expr):
        return self._transcendental("tanh", expr)

    def _print_sin(self, expr):
        return self._transcendental("sin", expr)

    def _print_cos(self, expr):
        return self._transcendental("cos", expr)

    def _transcendental(self, name, expr):
        """``fast_<name>`` (codegen/fastmath.py) when inlining, else the libm call."""
        prefix = "fast_" if self._settings.get("inline_transcendentals") else "math."
        return f"{prefix}{name}({self._print(expr.args[0])})"

    def _print_floordiv(self, expr):
        a, b = expr.args
        return f"(({self._print(a)})//{self._print(b)})"

    def _print_index_equal(self, expr):
        a, b = expr.args
        return f"({self._print(a)} == {self._print(b)})"

    def _print_opaque(self, expr):
        return f"({self._print(expr.args[0])})"

    def _print_imod(self, expr):
        a, b = expr.args
        return f"(({self._print(a)}) % {self._print(b)})"

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.args
        if exponent.is_Integer and exponent < -1 and not base.is_integer:
            # Numba's x**-n raises ZeroDivisionError at x == 0 whatever the error model; NumPy gives inf.
            return f"(1/({self._print(base ** -exponent)}))"
        return super()._print_Pow(expr, rational=rational)

    def _print_loggamma(self, expr):
        return f"math.lgamma({self._print(expr.args[0])})"

    def _print_polygamma(self, expr):
        order, x = expr.args
        if order not in (0, 1):
            from ..errors import UnsupportedOperationError

            raise UnsupportedOperationError(
                f"polygamma({order}, x), the derivative of order {int(order) + 1} of gammaln, is not supported; "
                "digamma and its first derivative are"
            )
        return f"fast_{'digamma' if order == 0 else 'trigamma'}({self._print(x)})"

    def _print_exp2(self, expr):
        return f"(2.0**({self._print(expr.args[0])}))"

    def _print_Cbrt(self, expr):
        return f"np.cbrt({self._print(expr.args[0])})"

    def _print_isnan(self, expr):
        return f"math.isnan({self._print(expr.args[0])})"

    def _print_isinf(self, expr):
        return f"math.isinf({self._print(expr.args[0])})"

    def _print_isfinite(self, expr):
        return f"math.isfinite({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"


_PRINTERS = {False: NumbaPrinter(), True: NumbaPrinter({"inline_transcendentals": True})}


def print_expression(expr, inline=False):
    return _PRINTERS[bool(inline)].doprint(expr)


__all__ = ["NumbaPrinter", "print_expression", "sigmoid", "floordiv", "imod", "opaque"]
