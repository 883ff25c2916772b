"""Whole SciPy solves with symjvp's derivatives, SciPy's finite differences and JAX's derivatives.

    python benchmarks/scipy_solvers.py [--quick] [--docs]   # prints a markdown table (--docs: into docs/benchmarks.md)

Each row is one solve from the same start; the time includes everything the solve calls (symjvp
and JAX compiled beforehand, each once: their compile is a first-call cost, in compile_time.py).
Columns: total seconds, function evaluations (nfev) and Jacobian, gradient or product evaluations
(njev / nhev / products), and the distance of the answer from the finite-difference solve's (for the
logistic regression, from symjvp's: the finite-difference L-BFGS-B is the slow one there).
"""

import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares, minimize, newton_krylov
from scipy.sparse.linalg import LinearOperator, gmres

from symjvp import scipy as sj

try:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
except ImportError:
    jax = None


def reaction_diffusion(xp, n):
    def rhs(t, u):
        inner = u[:-2] - 2 * u[1:-1] + u[2:]
        lap = xp.concatenate([2 * (u[1:2] - u[:1]), inner, 2 * (u[-2:-1] - u[-1:])])
        return 100.0 * lap + u * (1 - u)

    return rhs


def rosenbrock(xp):
    return lambda x: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def residuals(xp):
    return lambda x: xp.concatenate([10 * (x[1:] - x[:-1] ** 2), 1 - x[:-1]])


def bratu(xp, n):
    h = 1.0 / (n + 1)

    def F(u):
        padded = xp.pad(u, 1)
        return (padded[:-2] - 2 * u + padded[2:]) / h**2 + 1.0 * xp.exp(u)

    return F


def solve_timed(solve):
    start = time.perf_counter()
    result = solve()
    return time.perf_counter() - start, result


def ode_rows(n):
    u0 = np.exp(-np.linspace(-5, 5, n) ** 2)
    f = reaction_diffusion(np, n)
    fun, jac = sj.ode(lambda t, u: f(t, u), u0)
    fun(0.0, u0), jac(0.0, u0)  # compiled before the clock starts
    rows = {}
    span, options = (0, 1.0), dict(method="BDF", rtol=1e-6, atol=1e-9)
    rows["symjvp (sparse jac)"] = solve_timed(lambda: solve_ivp(fun, span, u0, jac=jac, **options))
    rows["finite differences, jac_sparsity"] = solve_timed(lambda: solve_ivp(f, span, u0, jac_sparsity=jac.sparsity, **options))
    if jax is not None:
        g = reaction_diffusion(jnp, n)
        jfun, jjac = jax.jit(g), jax.jit(jax.jacfwd(g, argnums=1))
        jjac(0.0, u0).block_until_ready()
        jfun(0.0, u0).block_until_ready()
        rows["JAX (dense jacfwd)"] = solve_timed(
            lambda: solve_ivp(lambda t, u: np.asarray(jfun(t, u)), span, u0, jac=lambda t, u: np.asarray(jjac(t, u)), **options)
        )
    reference = rows["finite differences, jac_sparsity"][1].y[:, -1]
    return [(f"solve_ivp BDF, reaction-diffusion N = {n}", label, t, r.nfev, r.njev, np.abs(r.y[:, -1] - reference).max())
            for label, (t, r) in rows.items()]


def least_squares_rows(n):
    x0 = np.full(n, -1.0)
    r = residuals(np)
    fun, jac = sj.least_squares(r, x0)
    fun(x0), jac(x0)
    rows = {"symjvp (sparse jac)": solve_timed(lambda: least_squares(fun, x0, jac=jac, tr_solver="lsmr"))}
    rows["finite differences, jac_sparsity"] = solve_timed(
        lambda: least_squares(r, x0, jac_sparsity=jac.sparsity, tr_solver="lsmr")
    )
    if jax is not None:
        jr = jax.jit(residuals(jnp))
        jj = jax.jit(jax.jacfwd(residuals(jnp)))
        jj(x0).block_until_ready()
        jr(x0).block_until_ready()
        rows["JAX (dense jacfwd)"] = solve_timed(
            lambda: least_squares(lambda x: np.asarray(jr(x)), x0, jac=lambda x: np.asarray(jj(x)), tr_solver="lsmr")
        )
    reference = rows["finite differences, jac_sparsity"][1].x
    return [(f"least_squares, extended Rosenbrock n = {n}", label, t, res.nfev, res.njev, np.abs(res.x - reference).max())
            for label, (t, res) in rows.items()]


def bundle_adjustment(xp, n_cams, n_pts):
    """ADBench's reprojection error over all observations, the parameters gathered with index inputs."""

    def residuals(params, cam_idx, pt_idx, feat):
        cams = params[: n_cams * 11].reshape(n_cams, 11)[cam_idx]
        X = params[n_cams * 11 :].reshape(n_pts, 3)[pt_idx]
        r, C = cams[:, :3], cams[:, 3:6]
        theta = xp.sqrt((r * r).sum(axis=1, keepdims=True))
        k = r / theta
        Xc = X - C
        cos, sin = xp.cos(theta), xp.sin(theta)
        cross = xp.stack(
            [k[:, 1] * Xc[:, 2] - k[:, 2] * Xc[:, 1], k[:, 2] * Xc[:, 0] - k[:, 0] * Xc[:, 2], k[:, 0] * Xc[:, 1] - k[:, 1] * Xc[:, 0]],
            axis=1,
        )
        Xcam = Xc * cos + cross * sin + k * (k * Xc).sum(axis=1, keepdims=True) * (1 - cos)
        p = Xcam[:, :2] / Xcam[:, 2:3]
        rsq = (p * p).sum(axis=1, keepdims=True)
        L = 1 + cams[:, 9:10] * rsq + cams[:, 10:11] * rsq * rsq
        return (p * L * cams[:, 6:7] + cams[:, 7:9] - feat).reshape(-1)

    return residuals


def bundle_adjustment_rows(n_cams, n_pts, observations, max_nfev=100):
    rng = np.random.default_rng(0)
    cam_idx, pt_idx = rng.integers(0, n_cams, observations), rng.integers(0, n_pts, observations)
    cams = np.column_stack([rng.normal(0, 0.1, (n_cams, 3)) + 0.3, rng.normal(0, 0.1, (n_cams, 3)),
                            rng.uniform(400, 600, n_cams), rng.normal(0, 1, (n_cams, 2)), rng.normal(0, 1e-3, (n_cams, 2))])
    truth = np.concatenate([cams.ravel(), (rng.normal(0, 1, (n_pts, 3)) + [0, 0, 8]).ravel()])
    r = bundle_adjustment(np, n_cams, n_pts)
    feat = r(truth, cam_idx, pt_idx, np.zeros((observations, 2))).reshape(-1, 2) + rng.normal(0, 0.5, (observations, 2))
    x0 = truth + np.concatenate([rng.normal(0, 1e-3, cams.size), rng.normal(0, 0.05, truth.size - cams.size)])
    args = (cam_idx, pt_idx, feat)
    fun, jac = sj.least_squares(r, x0, args=args)
    fun(x0), jac(x0)
    options = dict(tr_solver="lsmr", max_nfev=max_nfev)
    rows = {"symjvp (sparse jac at the index values)": solve_timed(lambda: least_squares(fun, x0, jac=jac, **options))}
    rows["finite differences, jac_sparsity"] = solve_timed(
        lambda: least_squares(lambda x: r(x, *args), x0, jac_sparsity=jac.sparsity, **options)
    )
    if jax is not None:
        g = bundle_adjustment(jnp, n_cams, n_pts)
        jr, jj = jax.jit(g), jax.jit(jax.jacfwd(g))
        jj(x0, *args).block_until_ready()
        jr(x0, *args).block_until_ready()
        rows["JAX (dense jacfwd)"] = solve_timed(
            lambda: least_squares(lambda x: np.asarray(jr(x, *args)), x0, jac=lambda x: np.asarray(jj(x, *args)), **options)
        )
    reference = rows["finite differences, jac_sparsity"][1].x
    name = f"least_squares, bundle adjustment {2 * observations} x {x0.size} ({max_nfev} evaluations at most)"
    return [(name, label, t, res.nfev, res.njev, np.abs(res.x - reference).max()) for label, (t, res) in rows.items()]


def minimize_solves(f, g, x0):
    """{derivatives: (seconds, result)} of minimising numpy ``f`` (symjvp, finite differences) and its JAX twin ``g``."""
    fun, jac, _, hessp = sj.minimize(f, x0)
    fun(x0), jac(x0), hessp(x0, x0)  # compiled before the clock starts
    rows = {"symjvp (jac, hessp), trust-ncg": solve_timed(lambda: minimize(fun, x0, jac=jac, hessp=hessp, method="trust-ncg"))}
    rows["finite-difference gradient, L-BFGS-B"] = solve_timed(lambda: minimize(f, x0, method="L-BFGS-B"))
    if jax is not None:
        jf, jg = jax.jit(g), jax.jit(jax.grad(g))
        jh = jax.jit(lambda x, p: jax.jvp(jax.grad(g), (x,), (p,))[1])
        jf(x0).block_until_ready(), jg(x0).block_until_ready(), jh(x0, x0).block_until_ready()
        rows["JAX (grad, hvp), trust-ncg"] = solve_timed(
            lambda: minimize(lambda x: float(jf(x)), x0, jac=lambda x: np.asarray(jg(x)),
                             hessp=lambda x, p: np.asarray(jh(x, p)), method="trust-ncg")
        )
    return rows


def minimize_rows(n):
    rows = minimize_solves(rosenbrock(np), rosenbrock(jnp) if jax is not None else None, np.zeros(n))
    return [(f"minimize, Rosenbrock n = {n}", label, t, res.nfev, getattr(res, "njev", 0), np.abs(res.x - 1.0).max())
            for label, (t, res) in rows.items()]


def logistic_regression(xp, X, y, strength):
    """The regularised logistic loss of labels ``y`` in {-1, 1}, written with logaddexp (no overflow)."""
    return lambda w: xp.logaddexp(0.0, -y * (X @ w)).sum() + 0.5 * strength * (w * w).sum()


def logistic_regression_rows(features, samples):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((samples, features)) / np.sqrt(features)
    y = np.sign(X @ rng.standard_normal(features) + 0.1 * rng.standard_normal(samples))
    g = logistic_regression(jnp, jnp.asarray(X), jnp.asarray(y), 1.0) if jax is not None else None
    rows = minimize_solves(logistic_regression(np, X, y, 1.0), g, np.zeros(features))
    reference = rows["symjvp (jac, hessp), trust-ncg"][1].x
    name = f"minimize, regularised logistic regression, {features} features x {samples} samples"
    return [(name, label, t, res.nfev, getattr(res, "njev", 0), np.abs(res.x - reference).max()) for label, (t, res) in rows.items()]


def newton_krylov_rows(n):
    F = bratu(np, n)
    u0 = np.zeros(n)
    products = {"count": 0}

    def symjvp_newton():
        u = u0.copy()
        for _ in range(50):
            residual = F(u)
            if np.linalg.norm(residual) < 1e-8:
                break
            J = sj.linear_operator(F, u)
            counted = LinearOperator(J.shape, matvec=lambda v: (products.__setitem__("count", products["count"] + 1), J.matvec(v))[1])
            du, _ = gmres(counted, -residual, rtol=1e-10, atol=0.0, restart=200, maxiter=50)
            u = u + du
        return u

    sj.linear_operator(F, u0).matvec(u0)  # compiled before the clock starts
    rows = {"symjvp jvp LinearOperator + GMRES": solve_timed(symjvp_newton)}
    rows["scipy.optimize.newton_krylov (finite-difference products)"] = solve_timed(
        lambda: newton_krylov(F, u0, f_tol=1e-8, method="gmres")
    )
    reference = rows["scipy.optimize.newton_krylov (finite-difference products)"][1]
    return [(f"Newton-Krylov, Bratu n = {n}", label, t, "", products["count"] if "symjvp" in label else "",
             np.abs(u - reference).max()) for label, (t, u) in rows.items()]


def main():
    from docs_sections import quick_and_docs_arguments

    args = quick_and_docs_arguments(__doc__)
    scale = 0.1 if args.quick else 1.0
    rows = (
        ode_rows(int(1000 * scale))
        + least_squares_rows(int(1000 * scale))
        + bundle_adjustment_rows(int(10 * scale) + 2, int(100 * scale) + 10, int(800 * scale) + 40)
        + minimize_rows(int(1000 * scale))
        + logistic_regression_rows(int(1000 * scale), int(10000 * scale))
        + newton_krylov_rows(int(1000 * scale))
    )
    table = [
        "| solve | derivatives | seconds | nfev | njev / products | max difference from the FD answer |",
        "|---|---|---|---|---|---|",
    ]
    table += [f"| {solve} | {label} | {seconds:.3f} | {nfev} | {njev} | {difference:.1e} |" for solve, label, seconds, nfev, njev, difference in rows]
    print("\n".join(table))
    if args.docs:
        from docs_sections import BENCHMARKS_PAGE, replace_section

        intro = "## Whole SciPy solves\n\n" + __doc__.split("\n\n", 2)[2].strip() + "\n"
        replace_section(BENCHMARKS_PAGE, "scipy-solves", intro + "\n" + "\n".join(table))


if __name__ == "__main__":
    main()
