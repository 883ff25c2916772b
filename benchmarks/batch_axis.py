"""One kernel for every batch length: per call against the fixed-shape kernel, and what a new length costs.

    python benchmarks/batch_axis.py [--quick] [--docs]   # prints a markdown table (--docs: into docs/benchmarks.md)

Each task is compiled twice, for its fixed shapes and with the batch axis as
``None`` (``symjvp.Spec((None, ...))``), warmed up, and timed call by call
(best of 9 repeats of the median of 5 calls, the two taking turns, on the same arrays).  "New
length" is the first call at a batch length not seen before, in a fresh
disk cache: the fixed-shape function traces, lowers and compiles again, the
batched one only runs.
"""

import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "examples"))


def _interleaved(calls, repeats=9, per_repeat=5):
    """Best median of ``per_repeat`` calls of each function, the functions taking turns (drift hits both)."""
    best = [np.inf] * len(calls)
    for call in calls:
        call()
    for _ in range(repeats):
        for k, call in enumerate(calls):
            times = []
            for _ in range(per_repeat):
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
            best[k] = min(best[k], float(np.median(times)))
    return best


def tasks(scale):
    """(name, function, example inputs, the same with the batch axis as None, wrt, kind, call arguments)."""
    import symjvp
    from bundle_adjustment import reprojection

    rng = np.random.default_rng(0)
    Spec = symjvp.Spec

    def exp_reducer(x):
        return x.exp().sum(dim=1)

    def layer(X, w):
        return 1 / (1 + np.exp(-(X @ w)))

    def lorenz96(u):
        return (np.roll(u, -1) - np.roll(u, 2)) * np.roll(u, 1) - u + 8.0

    n = 10**7 // scale
    x = rng.random((n // 8, 8))
    X, w = rng.standard_normal((n, 2)), rng.standard_normal(2)
    u = rng.random(4 * n)
    m = 10**6 // scale
    cam = rng.standard_normal((m, 11))
    cam[:, 6] = 500.0
    ba = (cam, rng.standard_normal((m, 3)) + [0, 0, 5], rng.random(m), rng.standard_normal((m, 2)))
    ba_specs = [Spec((None, 11)), Spec((None, 3)), Spec((None,)), Spec((None, 2))]
    return [
        ("seed exp_reducer jvp", exp_reducer, (x,), [Spec((None, 8))], None, "jvp", (x, np.ones_like(x))),
        ("seed 003 jvp (w.r.t. w)", layer, (X, w), [Spec((None, 2)), Spec((2,))], 1, "jvp", ((X, w), np.ones(2))),
        ("seed 003 vjp (gradient over samples)", layer, (X, w), [Spec((None, 2)), Spec((2,))], 1, "vjp", ((X, w), np.ones(n))),
        ("Lorenz-96 vjp", lorenz96, (u,), [Spec((None,))], None, "vjp", (u, np.ones_like(u))),
        ("bundle adjustment per-observation Jacobians", symjvp.vmap(reprojection), ba, ba_specs, (0, 1), "jacobian", (ba,)),
    ]


def measure(scale):
    import symjvp

    rows = []
    for name, f, examples, specs, wrt, kind, arguments in tasks(scale):
        fixed = _fixed_shapes(symjvp.compile(f, *examples, wrt=wrt), examples)
        batched = symjvp.compile(f, *specs, wrt=wrt)
        np.testing.assert_allclose(
            np.concatenate([np.ravel(a) for a in _flat(getattr(batched, kind)(*arguments))]),
            np.concatenate([np.ravel(a) for a in _flat(getattr(fixed, kind)(*arguments))]),
            rtol=1e-12,
        )
        t_fixed, t_batched = _interleaved([lambda: getattr(fixed, kind)(*arguments), lambda: getattr(batched, kind)(*arguments)])
        rows.append((name, _size(examples), t_fixed, t_batched))
    return rows, new_length()


def _fixed_shapes(k, examples):
    """``k`` held to the examples' shapes: a vmapped function compiled from examples is batched
    along its points too, so its fixed-shape kernels come from the examples' specialization."""
    if k._examples is not None and k._default.placeholder is not None:
        k._specializations = {k._examples: k._specialize(k._examples, k._per_length)}
    return k


def _flat(result):
    if isinstance(result, tuple):
        return [a for r in result for a in _flat(r)]
    return [result]


def _size(examples):
    return max(np.shape(a)[0] for a in examples if np.ndim(a))


def new_length():
    """The first call at an unseen batch length, fixed shapes vs batch axis, in a fresh disk cache (seconds)."""
    import symjvp
    from symjvp.runtime import compiled

    def layer(X, w):
        return 1 / (1 + np.exp(-(X @ w)))

    rng = np.random.default_rng(1)
    w = rng.standard_normal(2)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SYMJVP_CACHE_DIR"] = cache
        compiled.reset_disk_cache()
        symjvp.clear_cache()
        fixed = symjvp.compile(layer, rng.standard_normal((1000, 2)), w, wrt=1)
        batched = symjvp.compile(layer, symjvp.Spec((None, 2)), symjvp.Spec((2,)), wrt=1)
        for k in (fixed, batched):
            k.vjp((rng.standard_normal((1000, 2)), w), np.ones(1000))
        times = {}
        for label, k in (("fixed shapes", fixed), ("batch axis", batched)):
            X = rng.standard_normal((123_457, 2))
            start = time.perf_counter()
            k.vjp((X, w), np.ones(123_457))
            times[label] = time.perf_counter() - start
        del os.environ["SYMJVP_CACHE_DIR"]
        compiled.reset_disk_cache()
    return times


def table(rows, first_calls):
    lines = [
        "| task | batch | fixed shapes (ms) | batch axis (ms) | batch / fixed |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, n, fixed, batched in rows:
        lines.append(f"| {name} | {n:,} | {fixed * 1e3:.2f} | {batched * 1e3:.2f} | {batched / fixed:.3f} |")
    lines.append("")
    lines.append(
        f"First call at a new batch length (seed 003 vjp, fresh disk cache): fixed shapes "
        f"**{first_calls['fixed shapes']:.2f} s** (trace, lower, compile again), batch axis "
        f"**{first_calls['batch axis'] * 1e3:.2f} ms** (the kernel runs)."
    )
    return "\n".join(lines)


def main():
    from docs_sections import quick_and_docs_arguments

    arguments = quick_and_docs_arguments(__doc__)
    rows, first_calls = measure(100 if arguments.quick else 1)
    text = table(rows, first_calls)
    print(text)
    if arguments.docs:
        from docs_sections import BENCHMARKS_PAGE, replace_section

        heading = (
            "## One kernel for every batch length\n\n"
            "`python benchmarks/batch_axis.py --docs`: each task compiled for its fixed shapes and with the batch "
            "axis as `None`, timed per call on the same arrays (best of 9 medians of 5 calls, taking turns).\n\n"
        )
        replace_section(BENCHMARKS_PAGE, "batch-axis", heading + text)


if __name__ == "__main__":
    main()
