"""Batches beyond one process: the same kernels on a Dask LocalCluster against one process.

    python benchmarks/dask_batches.py [--quick] [--docs]   # prints markdown tables (--docs: into docs/benchmarks.md)

Two tasks of issue 15, at full size:

* the seed-003 gradient, ``vjp`` of ``sigmoid(X @ w)`` with respect to ``w``
  over 10^8 samples (a tree sum of the chunks' gradients);
* bundle-adjustment per-observation Jacobians for 10^7 observations
  (``vmap(reprojection)``, 2 x 14 per observation; the results stay on the workers).

The cluster has one single-threaded worker process per core
(``NUMBA_NUM_THREADS=1`` in each, so that the cluster and the one process use
the same cores); the one process runs the same kernel on NumPy arrays with
Numba's threads on every core.  The data are made on the workers and held there
(``persist``) before timing, and the one process's copy is in its memory: only
the computation is timed.  For the gradient the chunk size is swept: a fit of
time = a + b * chunks gives Dask's cost per chunk (b), and the chunk size from
which it is under 5 % of a chunk's computation.
"""

import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "examples"))


def layer(X, w):
    return 1 / (1 + np.exp(-(X @ w)))


def _best(run, repeats=3):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def gradient(client, samples, chunk_sizes):
    """(one-process seconds, [(chunk size, chunks, cluster seconds)], max relative difference)."""
    import dask.array as da
    from dask.distributed import wait

    import symjvp

    k = symjvp.compile(layer, symjvp.Spec((None, 2)), symjvp.Spec((2,)), wrt=1)
    w = np.array([0.3, -0.7])
    generator = da.random.default_rng(0)
    X = client.persist(generator.standard_normal((samples, 2), chunks=(max(chunk_sizes), 2)))
    u = client.persist(generator.standard_normal(samples, chunks=max(chunk_sizes)))
    wait([X, u])
    X_local, u_local = X.compute(), u.compute()
    _, expected = k.vjp((X_local, w), u_local)
    one_process = _best(lambda: k.vjp((X_local, w), u_local))
    X_local = u_local = None  # the cluster runs next: free this copy
    rows, difference = [], 0.0
    for size in chunk_sizes:
        Xc, uc = client.persist(X.rechunk((size, 2))), client.persist(u.rechunk(size))
        wait([Xc, uc])
        _, g = k.vjp((Xc, w), uc)
        g.compute()  # the workers load (or compile) the kernel once
        rows.append((size, -(-samples // size), _best(lambda: g.compute())))
        difference = max(difference, float(np.max(np.abs(g.compute() - expected) / np.abs(expected))))
        del Xc, uc
    return one_process, rows, difference


def jacobians(client, observations, chunk_size):
    """(one-process seconds, cluster seconds, max difference on a sample of observations)."""
    import dask.array as da
    from dask.distributed import wait

    import symjvp
    from bundle_adjustment import reprojection

    Spec = symjvp.Spec
    k = symjvp.compile(symjvp.vmap(reprojection), Spec((None, 11)), Spec((None, 3)), Spec((None,)), Spec((None, 2)), wrt=(0, 1))
    generator = da.random.default_rng(1)
    chunks = (chunk_size,)
    cam = generator.standard_normal((observations, 11), chunks=chunks + (11,)) * 0.1 + da.from_array(
        np.array([0.2, 0.1, 0.3, 0, 0, 0, 500.0, 0, 0, 0, 0])
    )
    X = generator.standard_normal((observations, 3), chunks=chunks + (3,)) + da.from_array(np.array([0, 0, 5.0]))
    weights = generator.random(observations, chunks=chunks)
    features = generator.standard_normal((observations, 2), chunks=chunks + (2,))
    inputs = client.persist([cam, X, weights, features])
    wait(inputs)
    local = [a.compute() for a in inputs]
    one_process = _best(lambda: k.jacobian(tuple(local)), repeats=2)
    J = k.jacobian(tuple(inputs))
    sample = np.random.default_rng(2).choice(observations, 1000, replace=False)
    expected = k.jacobian(tuple(a[sample] for a in local))
    cluster, difference = np.inf, 0.0
    for _ in range(3):  # the first run loads the kernel on each worker; results are released between runs
        start = time.perf_counter()
        held = client.persist(list(J))
        wait(held)
        cluster = min(cluster, time.perf_counter() - start)
        difference = max([difference] + [float(np.max(np.abs(h[sample].compute() - e))) for h, e in zip(held, expected)])
        client.cancel(held)
        del held
        time.sleep(1.0)
    return one_process, cluster, difference


def tables(gradient_result, jacobian_result, samples, observations, chunk_for_jacobians, workers):
    one_process, rows, difference = gradient_result
    chunks = np.array([r[1] for r in rows], dtype=float)
    seconds = np.array([r[2] for r in rows])
    per_chunk, base = np.polyfit(chunks, seconds, 1)
    per_row = one_process / samples
    negligible = per_chunk / (0.05 * per_row * workers)
    lines = [
        f"Seed-003 gradient over {samples:,} samples (vjp w.r.t. w, a tree sum of the chunks' gradients); "
        f"one process: **{one_process:.3f} s**.",
        "",
        "| chunk (samples) | chunks | cluster (s) | cluster / one process |",
        "|---:|---:|---:|---:|",
    ]
    for size, count, t in rows:
        lines.append(f"| {size:,} | {count:,} | {t:.3f} | {t / one_process:.2f} |")
    lines += [
        "",
        f"Fit over the sweep: time = {base:.3f} s + {per_chunk * 1e3:.2f} ms x chunks: Dask's cost per chunk is "
        f"**{per_chunk * 1e3:.2f} ms**, under 5 % of a chunk's computation from **{negligible:,.0f} samples per chunk** "
        f"on. Largest relative difference from the one-process gradient: {difference:.1e}.",
        "",
    ]
    one, cluster, jdifference = jacobian_result
    lines += [
        f"Bundle-adjustment per-observation Jacobians, {observations:,} observations in chunks of "
        f"{chunk_for_jacobians:,} (results held on the workers): one process **{one:.2f} s**, cluster "
        f"**{cluster:.2f} s** ({cluster / one:.2f}x); largest difference on 1,000 sampled observations {jdifference:.1e}.",
    ]
    return "\n".join(lines)


def main():
    from docs_sections import quick_and_docs_arguments

    arguments = quick_and_docs_arguments(__doc__)
    from dask.distributed import Client, LocalCluster

    workers = os.cpu_count() or 2
    samples = 10**6 if arguments.quick else 10**8
    observations = 10**5 if arguments.quick else 10**7
    chunk_sizes = [samples // d for d in (1000, 300, 100, 30, 10, 4, 2)]
    chunk_for_jacobians = observations // 20
    with LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", env={"NUMBA_NUM_THREADS": "1"}
    ) as cluster, Client(cluster) as client:
        gradient_result = gradient(client, samples, chunk_sizes)
        jacobian_result = jacobians(client, observations, chunk_for_jacobians)
    text = tables(gradient_result, jacobian_result, samples, observations, chunk_for_jacobians, workers)
    print(text)
    if arguments.docs:
        from docs_sections import BENCHMARKS_PAGE, replace_section

        heading = (
            f"## Dask: the same kernels on a LocalCluster\n\n"
            f"`python benchmarks/dask_batches.py --docs`: a LocalCluster of {workers} single-threaded worker processes "
            "(this machine's cores) against one process running the same kernel with Numba's threads on the same "
            "cores; data made and held on the workers before timing.\n\n"
        )
        replace_section(BENCHMARKS_PAGE, "dask", heading + text)


if __name__ == "__main__":
    main()
