"""SciPy's solvers with symjvp's derivatives: one line per derivative, in SciPy's own calling conventions.

    from symjvp import scipy as sj
    fun, jac = sj.ode(rhs, y0, args=(k,))                 # solve_ivp(fun, t_span, y0, method="BDF", jac=jac)
    fun, jac = sj.least_squares(residuals, x0)            # least_squares(fun, x0, jac=jac)
    fun, jac, hess, hessp = sj.minimize(objective, x0)    # minimize(fun, x0, jac=jac, hessp=hessp, method="trust-ncg")
    J = sj.linear_operator(F, x)                          # gmres(J, -F(x)): J·v by jvp, Jᵀ·u by vjp

Each compiles the user's function once for the example's shapes (arguments in
``args`` become inputs of the kernels, so new values cost no compile).  A
Jacobian is a ``scipy.sparse.csr_matrix`` of its structural non-zeros when
the structure is sparse enough (``sparse=None``: density below
``SPARSE_DENSITY``), else a dense array; ``jac.sparsity`` is the pattern.
SciPy is an optional dependency (``pip install 'symjvp[scipy]'``).
"""

import numpy as np

from .errors import ArgumentError
from .runtime.compiled import Compiled

#: Jacobians whose structural density is below this are returned sparse (when ``sparse=None``).
SPARSE_DENSITY = 0.1


def _scipy():
    try:
        import scipy.sparse.linalg  # noqa: F401
    except ImportError as exc:
        raise ImportError("symjvp.scipy needs SciPy: pip install 'symjvp[scipy]'") from exc


def _as_inputs(*values):
    return tuple(np.asarray(v, dtype=np.float64) if np.ndim(v) == 0 and not isinstance(v, np.ndarray) else v for v in values)


class _Jacobian:
    """``jac(*point)``: dense or sparse by the structure; ``.sparsity`` the pattern, ``.compiled`` the kernels."""

    def __init__(self, compiled, inputs, sparse):
        self.compiled = compiled
        pattern = compiled.sparsity(inputs)  # at the example's index values, where indices are inputs
        if sparse is None:
            sparse = pattern.nnz < SPARSE_DENSITY * max(1, pattern.shape[0] * pattern.shape[1])
        self.sparse = bool(sparse)
        self.sparsity = pattern

    def __call__(self, inputs):
        if self.sparse:
            return self.compiled.sparse_jacobian(inputs)
        J = self.compiled.jacobian(inputs)
        rows = int(np.prod(self.compiled._default.out_specs[0][0], dtype=np.int64))
        return np.asarray(J).reshape(rows, -1)


def ode(rhs, y0, args=(), *, t0=0.0, sparse=None):
    """(fun, jac) for ``solve_ivp(fun, t_span, y0, jac=jac, method=...)`` from ``rhs(t, y, *args)``.

    ``fun(t, y)`` evaluates the right-hand side (compiled), ``jac(t, y)`` its
    Jacobian with respect to ``y``: sparse (CSR) or dense as the structure
    says, or as ``sparse`` forces (LSODA takes dense ones only: ``sparse=False``).
    ``args`` are passed to ``rhs`` as solve_ivp's ``args`` would be.
    """
    _scipy()
    y0 = np.asarray(y0, dtype=np.float64)
    inputs = _as_inputs(t0, y0, *args)
    k = Compiled(rhs, *inputs, wrt=1)
    jacobian = _Jacobian(k, inputs, sparse)

    def fun(t, y):
        return k(*_as_inputs(t, y, *args))

    def jac(t, y):
        return jacobian(_as_inputs(t, y, *args))

    jac.sparsity = jacobian.sparsity
    jac.sparse = jacobian.sparse
    return fun, jac


def least_squares(residuals, x0, args=(), *, sparse=None):
    """(fun, jac) for ``scipy.optimize.least_squares(fun, x0, jac=jac)`` from ``residuals(x, *args)``.

    ``fun`` returns the residuals flattened (least_squares wants a vector),
    ``jac`` their Jacobian: sparse (CSR, for ``tr_solver="lsmr"``) or dense as the structure says.
    """
    _scipy()
    x0 = np.asarray(x0, dtype=np.float64)
    inputs = _as_inputs(x0, *args)
    k = Compiled(residuals, *inputs, wrt=0)
    if k._default.is_tuple_output:
        raise ArgumentError("least_squares: residuals must return one array (SciPy takes one residual vector)")
    jacobian = _Jacobian(k, inputs, sparse)

    def fun(x):
        return np.asarray(k(*_as_inputs(x, *args))).reshape(-1)

    def jac(x):
        return jacobian(_as_inputs(x, *args))

    jac.sparsity = jacobian.sparsity
    jac.sparse = jacobian.sparse
    return fun, jac


def minimize(objective, x0, args=()):
    """(fun, jac, hess, hessp) for ``scipy.optimize.minimize`` from a scalar ``objective(x, *args)``.

    ``jac`` is the gradient (one vjp), ``hessp(x, p)`` the Hessian times ``p``
    (one jvp of the gradient, never forming H: Newton-CG, trust-ncg and
    trust-krylov at any size), ``hess(x)`` the dense Hessian (small problems).
    """
    _scipy()
    x0 = np.asarray(x0, dtype=np.float64)
    inputs = _as_inputs(x0, *args)
    k = Compiled(objective, *inputs, wrt=0)
    spec = k._default
    if spec.is_tuple_output or int(np.prod(spec.out_specs[0][0], dtype=np.int64)) != 1:
        raise ArgumentError(
            f"minimize: the objective must return one number; it returns shape {spec.out_specs[0][0]} "
            "(for residuals, use symjvp.scipy.least_squares)"
        )
    one = np.ones(spec.out_specs[0][0])

    def fun(x):
        return float(k(*_as_inputs(x, *args)))

    def jac(x):
        return k.vjp(_as_inputs(x, *args), one)[1]

    def hess(x):
        return k.hessian(_as_inputs(x, *args))

    def hessp(x, p):
        return k.hvp(_as_inputs(x, *args), np.asarray(p, dtype=np.float64))[1]

    return fun, jac, hess, hessp


def linear_operator(func, x, args=()):
    """The Jacobian of ``func(x, *args)`` at ``x`` as a ``scipy.sparse.linalg.LinearOperator``.

    ``matvec`` is a jvp, ``rmatvec`` a vjp, ``matmat`` one jvp per column: for
    GMRES, LSQR and Newton–Krylov loops without forming J.
    """
    _scipy()
    from scipy.sparse.linalg import LinearOperator

    x = np.asarray(x, dtype=np.float64)
    inputs = _as_inputs(x, *args)
    k = Compiled(func, *inputs, wrt=0)
    out_shape = k._default.out_specs[0][0]
    m, n = int(np.prod(out_shape, dtype=np.int64)), x.size

    def matvec(v):
        return np.asarray(k.jvp(inputs, np.asarray(v, dtype=np.float64).reshape(x.shape))[1]).reshape(-1)

    def rmatvec(u):
        return np.asarray(k.vjp(inputs, np.asarray(u, dtype=np.float64).reshape(out_shape))[1]).reshape(-1)

    def matmat(V):
        return np.column_stack([matvec(column) for column in np.asarray(V).T]) if np.ndim(V) == 2 else matvec(V)

    return LinearOperator((m, n), matvec=matvec, rmatvec=rmatvec, matmat=matmat, dtype=np.float64)
