"""Sparse Jacobians with values: symjvp against SciPy's coloured finite differences and JAX's dense jacfwd.

    python benchmarks/sparse_jacobians.py [--quick] [--docs]   # prints a markdown table (--docs: into docs/benchmarks.md)

For each reference problem: the time of a warm call, the peak of NumPy's memory during it
(tracemalloc; JAX's device memory is not seen there, its dense matrix alone is n^2 x 8 bytes), and
the floor nnz x 12 bytes (8 for a value, 4 for its column index).  SciPy's column is
``scipy.optimize._numdiff.approx_derivative(f, x, sparsity=pattern)``: the coloured finite
differences that ``solve_ivp`` and ``least_squares`` use when given ``jac_sparsity``.  Values are
checked against each other before any time counts.
"""

import tracemalloc

import numpy as np

import symjvp

#: JAX's dense Jacobian is built only up to this many unknowns (n^2 x 8 bytes).
JAX_MAX_UNKNOWNS = 20_000


def lorenz96(xp):
    return lambda u: (xp.roll(u, -1) - xp.roll(u, 2)) * xp.roll(u, 1) - u + 8.0


def reaction_diffusion(xp):
    def rhs(u):
        inner = u[:-2] - 2 * u[1:-1] + u[2:]
        return xp.concatenate([2 * (u[1:2] - u[:1]), inner, 2 * (u[-2:-1] - u[-1:])]) * 100.0 + u * (1 - u)

    return rhs


def laplacian_2d(xp, n):
    def rhs(flat):
        u = flat.reshape(n, n)
        padded = xp.pad(u, 1)
        return (padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:] - 4 * u + u**3).reshape(-1)

    return rhs


def timed(call, repeat):
    """(median seconds of ``repeat`` calls after one warm-up, peak bytes NumPy allocates in one call)."""
    from peers import median_time

    seconds = median_time(call, repeat, warmup=1)
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def main():
    from docs_sections import quick_and_docs_arguments

    args = quick_and_docs_arguments(__doc__)
    grid = 100 if args.quick else 1000
    problems = [
        ("Lorenz-96", lorenz96, 10**4 if args.quick else 10**6),
        ("reaction-diffusion 1-D", reaction_diffusion, 10**4 if args.quick else 10**5),
        (f"5-point Laplacian + u^3, {grid}x{grid}", lambda xp: laplacian_2d(xp, grid), grid * grid),
    ]
    from scipy.optimize._numdiff import approx_derivative

    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
    except ImportError:
        jax = None
    table = [
        "| problem | unknowns | nnz | symjvp (ms) | SciPy coloured FD (ms) | JAX dense jacfwd (ms) |"
        " symjvp peak (MB) | SciPy peak (MB) | floor nnz x 12 B (MB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(table))
    for name, make, n in problems:
        x = np.random.default_rng(0).uniform(0.1, 1.0, n)
        f = make(np)
        k = symjvp.compile(f, x)
        S = k.sparse_jacobian(x)
        ours, our_peak = timed(lambda: k.sparse_jacobian(x), 5)
        pattern = k.sparsity()
        reference = approx_derivative(f, x, sparsity=pattern)
        error = abs(reference - S).max() / max(1.0, abs(S).max())
        assert error < 1e-5, f"{name}: finite differences differ from symjvp by {error:.1e}"
        theirs, their_peak = timed(lambda: approx_derivative(f, x, sparsity=pattern), 3)
        jax_cell = f"does not fit ({n * n * 8 / 1e9:,.0f} GB dense)"
        if jax is not None and n <= JAX_MAX_UNKNOWNS:
            jac = jax.jit(jax.jacfwd(make(jnp)))
            dense = np.asarray(jac(jnp.asarray(x)))
            assert np.allclose(dense, S.toarray(), rtol=1e-12, atol=1e-12)
            jax_time = timed(lambda: jac(jnp.asarray(x)).block_until_ready(), 3)[0]
            jax_cell = f"{1e3 * jax_time:.1f}"
        elif jax is None:
            jax_cell = "not installed"
        table.append(
            f"| {name} | {n:,} | {S.nnz:,} | {1e3 * ours:.1f} | {1e3 * theirs:.1f} | {jax_cell} | "
            f"{our_peak / 1e6:.0f} | {their_peak / 1e6:.0f} | {S.nnz * 12 / 1e6:.0f} |"
        )
        print(table[-1], flush=True)
    if args.docs:
        from docs_sections import BENCHMARKS_PAGE, replace_section

        intro = "## Sparse Jacobians with values\n\n" + __doc__.split("\n\n", 2)[2].strip() + "\n"
        replace_section(BENCHMARKS_PAGE, "sparse-jacobians", intro + "\n" + "\n".join(table))


if __name__ == "__main__":
    main()
