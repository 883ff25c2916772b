"""symjvp side by side with its peers, in one process, on the CPU.

    pip install -e . && pip install torch==2.13.0 jax jaxlib matplotlib
    python benchmarks/peers.py            # writes docs/benchmarks.md and docs/benchmarks.png

Peers are optional: a missing one is skipped with a note.  Every result is
checked against a reference before its time counts.  Medians over repeated
samples after warm-up, taken in turns (see ``interleaved_medians``).  For
the large tasks the physical floor is the bytes that must be read and
written divided by the memory bandwidth measured here with a STREAM-style
triad.
"""

import argparse
import functools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numba
import numpy as np
from numba import njit, prange

import symjvp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "examples"))
from bundle_adjustment import reprojection_in  # noqa: E402
from docs_sections import SECTIONS, section  # noqa: E402
from mass_action import FIRST, PRODUCT, RATE, REACTIONS, SECOND, SPECIES, mass_action_in  # noqa: E402
DOCS = os.path.join(os.path.dirname(HERE), "docs")

# ---------------------------------------------------------------- peers (optional)

try:
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
except ImportError:
    torch = None
try:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
except ImportError:
    jax = None


#: A per-call sample of a slow peer covers only as many points as fit in about this time.
PER_CALL_SAMPLE_SECONDS = 0.5
#: Each large or batched task is sampled for at least this long (``interleaved_medians``).
TASK_SECONDS = 20.0


def median_time(fn, repeat, warmup=2):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


#: Before each sample the machine rests this long, so that another library's worker threads,
#: which spin for a while after their own work, have gone to sleep.
REST_SECONDS = 0.01


def interleaved_medians(impls, rounds, seconds=0.0):
    """Median seconds of each of ``impls`` ({label: fn}), sampled in turns.

    One sample of each implementation per round, so that drifting load on a
    shared host falls on all of them alike rather than on whichever ran
    during the noisy minute.  Each timed call follows a rest and an untimed
    call of the same implementation: its own thread pool is awake, the
    others' have stopped spinning.  At least ``rounds`` rounds, and more until
    ``seconds`` have passed: single calls on this shared host vary by ±25 %
    from one to the next, so a median of 15 rounds can be 10 % off.
    """
    samples = {label: [] for label in impls}
    started = time.perf_counter()
    while len(samples[next(iter(impls))]) < rounds or time.perf_counter() - started < seconds:
        for label, fn in impls.items():
            time.sleep(REST_SECONDS)
            fn()
            start = time.perf_counter()
            fn()
            samples[label].append(time.perf_counter() - start)
    return {label: statistics.median(times) for label, times in samples.items()}


# ---------------------------------------------------------------- memory bandwidth


@njit(parallel=True)
def _triad(a, b, c, s):
    for i in prange(a.size):
        a[i] = b[i] + s * c[i]


def lorenz_memory(length):
    """(bytes one Lorenz-96 jvp call adds at peak, bytes of its outputs), in a fresh process.

    Fresh, because in a long-running one glibc keeps freed 32 MB blocks and
    hands them back without the resident size growing.  Linux only (VmHWM
    reset through /proc/self/clear_refs); None elsewhere.
    """
    import json

    child = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--lorenz-memory-child", str(length)],
        capture_output=True,
        text=True,
    )
    if child.returncode != 0:
        return None
    return tuple(json.loads(child.stdout.splitlines()[-1]))


def _lorenz_memory_child(length):
    import gc
    import json

    from fused_exp_reducer import _reset_peak, _status_kib

    u, v = np.random.rand(length), np.random.rand(length)
    k = symjvp.compile(lorenz96, u)
    k.jvp(u, v)  # compile, and let its results go
    gc.collect()
    before = _status_kib("VmRSS")
    _reset_peak()
    outputs = k.jvp(u, v)
    print(json.dumps([(_status_kib("VmHWM") - before) * 1024, sum(o.nbytes for o in outputs)]))


def memory_bandwidth():
    n = 20_000_000
    a, b, c = np.empty(n), np.random.rand(n), np.random.rand(n)
    seconds = median_time(lambda: _triad(a, b, c, 3.0), 10)
    return 3 * 8 * n / seconds


# ---------------------------------------------------------------- hand-written Numba (the practical limit)
#
# What an expert writes by hand: a vectorizable exp (symjvp's own fast_exp, the issue's
# "inline exp" baseline), reductions that may reassociate, unsigned indices (a signed index
# gets a negative-index wrap-around check that keeps LLVM from vectorizing: 7 ms instead of
# 50 ms for the Lorenz-96 jvp here), loops split so that the interior has no wrap-around
# index tests, and large outputs allocated by NumPy (huge pages) rather than inside the
# kernel (4 KiB page faults).

from symjvp.codegen.fastmath import fast_exp  # noqa: E402

_expert = njit(parallel=True, fastmath={"reassoc", "contract"})


@_expert
def hand_exp_reducer_jvp(x, v):
    n, m = x.shape
    out, jv = np.empty(n), np.empty(n)
    for i in prange(n):
        a = 0.0
        b = 0.0
        for j in range(m):
            e = fast_exp(x[i, j])
            a += e
            b += e * v[i, j]
        out[i] = a
        jv[i] = b
    return out, jv


@_expert
def _hand_exp_reducer_vjp(x, u, g):
    n, m = x.shape
    out = np.empty(n)
    for i in prange(n):
        a = 0.0
        for j in range(m):
            e = fast_exp(x[i, j])
            a += e
            g[i, j] = e * u[i]
        out[i] = a
    return out


def hand_exp_reducer_vjp(x, u):
    g = np.empty_like(x)
    return _hand_exp_reducer_vjp(x, u, g), g


@njit(inline="always")
def _lorenz_jvp_at(u, v, out, jv, i, p1, m1, m2):
    d = u[p1] - u[m2]
    out[i] = d * u[m1] - u[i] + 8.0
    jv[i] = (v[p1] - v[m2]) * u[m1] + d * v[m1] - v[i]


_ONE, _TWO = np.uintp(1), np.uintp(2)


@_expert
def _hand_lorenz_jvp(u, v, out, jv):
    n = u.size
    for j in prange(2, n - 1):
        i = np.uintp(j)
        _lorenz_jvp_at(u, v, out, jv, i, i + _ONE, i - _ONE, i - _TWO)
    for i in (0, 1, n - 1):
        _lorenz_jvp_at(u, v, out, jv, i, (i + 1) % n, (i - 1) % n, (i - 2) % n)


def hand_lorenz_jvp(u, v):
    out, jv = np.empty_like(u), np.empty_like(u)
    _hand_lorenz_jvp(u, v, out, jv)
    return out, jv


@njit(inline="always")
def _lorenz_vjp_at(u, w, out, g, j, p1, p2, m1, m2):
    out[j] = (u[p1] - u[m2]) * u[m1] - u[j] + 8.0
    g[j] = w[m1] * u[m2] - w[p2] * u[p1] + w[p1] * (u[p2] - u[m1]) - w[j]


@_expert
def _hand_lorenz_vjp(u, w, out, g):
    n = u.size
    for k in prange(2, n - 2):
        j = np.uintp(k)
        _lorenz_vjp_at(u, w, out, g, j, j + _ONE, j + _TWO, j - _ONE, j - _TWO)
    for j in (0, 1, n - 2, n - 1):
        _lorenz_vjp_at(u, w, out, g, j, (j + 1) % n, (j + 2) % n, (j - 1) % n, (j - 2) % n)


def hand_lorenz_vjp(u, w):
    out, g = np.empty_like(u), np.empty_like(u)
    _hand_lorenz_vjp(u, w, out, g)
    return out, g


@_expert
def _hand_logistic_jvp(X, w, v, out, jv):
    for k in prange(X.shape[0]):
        i = np.uintp(k)
        s = 1.0 / (1.0 + fast_exp(-(X[i, 0] * w[0] + X[i, 1] * w[1])))
        out[i] = s
        jv[i] = s * (1.0 - s) * (X[i, 0] * v[0] + X[i, 1] * v[1])


def hand_logistic_jvp(X, w, v):
    out, jv = np.empty(X.shape[0]), np.empty(X.shape[0])
    _hand_logistic_jvp(X, w, v, out, jv)
    return out, jv


@_expert
def _hand_logistic_vjp(X, w, u, out):
    g0 = 0.0
    g1 = 0.0
    for k in prange(X.shape[0]):
        i = np.uintp(k)
        s = 1.0 / (1.0 + fast_exp(-(X[i, 0] * w[0] + X[i, 1] * w[1])))
        out[i] = s
        c = s * (1.0 - s) * u[i]
        g0 += c * X[i, 0]
        g1 += c * X[i, 1]
    return np.array([g0, g1])


def hand_logistic_vjp(X, w, u):
    out = np.empty(X.shape[0])
    return out, _hand_logistic_vjp(X, w, u, out)


@njit
def hand_robertson_jacobian(y):
    J = np.empty((3, 3))
    J[0, 0] = -0.04
    J[0, 1] = 1e4 * y[2]
    J[0, 2] = 1e4 * y[1]
    J[1, 0] = 0.04
    J[1, 1] = -1e4 * y[2] - 6e7 * y[1]
    J[1, 2] = -1e4 * y[1]
    J[2, 0] = 0.0
    J[2, 1] = 6e7 * y[1]
    J[2, 2] = 0.0
    return J


@njit
def hand_mass_action_jacobian(y):
    """Reaction by reaction: each touches two columns of three rows."""
    J = np.zeros((SPECIES, SPECIES))
    for r in range(REACTIONS):
        a, b = FIRST[r], SECOND[r]
        by_a, by_b = RATE[r] * y[b], RATE[r] * y[a]
        for species, coefficient in ((a, -1.0), (b, -1.0), (PRODUCT[r], 2.0)):
            J[species, a] += coefficient * by_a
            J[species, b] += coefficient * by_b
    return J


# ---------------------------------------------------------------- the functions, once per framework


def exp_reducer(x):
    return np.exp(x).sum(axis=1)


def lorenz96(u):
    return (np.roll(u, -1) - np.roll(u, 2)) * np.roll(u, 1) - u + 8.0


def logistic(X, w):
    return 1.0 / (1.0 + np.exp(-(X @ w)))


def robertson(y):
    return np.array(
        [-0.04 * y[0] + 1e4 * y[1] * y[2], 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] ** 2, 3e7 * y[1] ** 2]
    )


def torch_versions():
    return {
        "exp_reducer": lambda x: torch.exp(x).sum(dim=1),
        "lorenz96": lambda u: (torch.roll(u, -1) - torch.roll(u, 2)) * torch.roll(u, 1) - u + 8.0,
        "logistic": lambda X, w: torch.sigmoid(X @ w),
        "robertson": lambda y: torch.stack(
            [-0.04 * y[0] + 1e4 * y[1] * y[2], 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] ** 2, 3e7 * y[1] ** 2]
        ),
    }


def jax_versions():
    return {
        "exp_reducer": lambda x: jnp.exp(x).sum(axis=1),
        "lorenz96": lambda u: (jnp.roll(u, -1) - jnp.roll(u, 2)) * jnp.roll(u, 1) - u + 8.0,
        "logistic": lambda X, w: 1.0 / (1.0 + jnp.exp(-(X @ w))),
        "robertson": lambda y: jnp.stack(
            [-0.04 * y[0] + 1e4 * y[1] * y[2], 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] ** 2, 3e7 * y[1] ** 2]
        ),
    }


# ---------------------------------------------------------------- tasks


def _np(result):
    if torch is not None and isinstance(result, torch.Tensor):
        return result.detach().numpy()
    return np.asarray(result)


def _restricted(f, primals, wrt_last_only):
    """(function of the differentiated inputs, those inputs)."""
    if not wrt_last_only:
        return f, tuple(primals)
    fixed = tuple(primals[:-1])
    return (lambda w: f(*fixed, w)), tuple(primals[-1:])


def _torch_product(name, mode, primals, vector, wrt_last_only):
    g, tp = _restricted(torch_versions()[name], [torch.from_numpy(p) for p in primals], wrt_last_only)
    tv = torch.from_numpy(vector)
    if mode == "jvp":
        return {
            "torch.autograd.functional": lambda: torch.autograd.functional.jvp(g, tp, (tv,))[1],
            "torch.func": lambda: torch.func.jvp(g, tp, (tv,))[1],
        }
    return {
        "torch.autograd.functional": lambda: torch.autograd.functional.vjp(g, tp, tv)[1][0],
        "torch.func": lambda: torch.func.vjp(g, *tp)[1](tv)[0],
    }


def _jax_product(name, mode, primals, vector, wrt_last_only):
    g, jp = _restricted(jax_versions()[name], [jnp.asarray(p) for p in primals], wrt_last_only)
    jv = jnp.asarray(vector)
    # Both the output and the product, as symjvp and torch return them: a jitted function that
    # returned only the product would let XLA drop the output's computation.
    if mode == "jvp":
        run = jax.jit(lambda p, t: jax.jvp(g, p, t))
        return {"jax.jit(jvp)": lambda: jax.block_until_ready(run(jp, (jv,)))[1]}
    run = jax.jit(lambda p, c: _output_and_pullback(jax.vjp(g, *p), c))
    return {"jax.jit(vjp)": lambda: jax.block_until_ready(run(jp, jv))[1]}


def _output_and_pullback(vjp_result, cotangent):
    out, pullback = vjp_result
    return out, pullback(cotangent)[0]


def _peers_for_product(name, mode, primals, vector, wrt_last_only=False):
    """torch.autograd.functional, torch.func and jax.jit implementations of jvp or vjp."""
    impls = {}
    if torch is not None:
        impls.update(_torch_product(name, mode, primals, vector, wrt_last_only))
    if jax is not None:
        impls.update(_jax_product(name, mode, primals, vector, wrt_last_only))
    return impls


def large_tasks(scale):
    rng = np.random.default_rng(0)
    n = int(2000 * scale)
    x, v, u = rng.random((n, n)), rng.random((n, n)), rng.random(n)
    L = int(4_000_000 * scale * scale)
    z, zv, zw = rng.random(L), rng.random(L), rng.random(L)
    N = int(1_000_000 * scale * scale)
    X, w, lv, lu = rng.standard_normal((N, 2)), rng.standard_normal(2), rng.standard_normal(2), rng.standard_normal(N)

    k_exp = symjvp.compile(exp_reducer, x)
    k_lor = symjvp.compile(lorenz96, z)
    k_log = symjvp.compile(logistic, X, w, wrt=1)
    tasks = [
        ("exp_reducer jvp", f"x ({n}, {n})", 8 * (2 * n * n + 2 * n), ("exp_reducer", "jvp", (x,), v, False),
         lambda: k_exp.jvp(x, v)[1], lambda: hand_exp_reducer_jvp(x, v)[1], lambda: exp_reducer(x)),
        ("exp_reducer vjp", f"x ({n}, {n})", 8 * (2 * n * n + 2 * n), ("exp_reducer", "vjp", (x,), u, False),
         lambda: k_exp.vjp(x, u)[1], lambda: hand_exp_reducer_vjp(x, u)[1], lambda: exp_reducer(x)),
        ("Lorenz-96 jvp", f"u ({L},)", 8 * 4 * L, ("lorenz96", "jvp", (z,), zv, False),
         lambda: k_lor.jvp(z, zv)[1], lambda: hand_lorenz_jvp(z, zv)[1], lambda: lorenz96(z)),
        ("Lorenz-96 vjp", f"u ({L},)", 8 * 4 * L, ("lorenz96", "vjp", (z,), zw, False),
         lambda: k_lor.vjp(z, zw)[1], lambda: hand_lorenz_vjp(z, zw)[1], lambda: lorenz96(z)),
        ("seed 003 sigmoid(X @ w) jvp wrt w", f"X ({N}, 2)", 8 * (2 * N + 2 * N), ("logistic", "jvp", (X, w), lv, True),
         lambda: k_log.jvp((X, w), lv)[1], lambda: hand_logistic_jvp(X, w, lv)[1], lambda: logistic(X, w)),
        ("seed 003 sigmoid(X @ w) vjp wrt w", f"X ({N}, 2)", 8 * (2 * N + 2 * N), ("logistic", "vjp", (X, w), lu, True),
         lambda: k_log.vjp((X, w), lu)[1], lambda: hand_logistic_vjp(X, w, lu)[1], lambda: logistic(X, w)),
    ]
    return tasks


def small_models():
    """(title, NumPy function, torch function, JAX function, hand-written Jacobian, typical point)."""
    models = [("Robertson 3x3", robertson, None, None, hand_robertson_jacobian, np.array([1.0, 2e-5, 0.01]))]
    models.append(("mass-action 20x20", mass_action_in(np), None, None, hand_mass_action_jacobian, np.ones(SPECIES)))
    if torch is not None:
        models[0] = models[0][:2] + (torch_versions()["robertson"],) + models[0][3:]
        models[1] = models[1][:2] + (mass_action_in(torch, torch.as_tensor),) + models[1][3:]
    if jax is not None:
        models[0] = models[0][:3] + (jax_versions()["robertson"],) + models[0][4:]
        models[1] = models[1][:3] + (mass_action_in(jnp),) + models[1][4:]
    return models


def per_call_task(model, points):
    """One Jacobian per Python call at ``points`` different points: {label: fn(count)}, reference.

    ``fn(count)`` makes one call at each of the first ``count`` points, so a slow
    peer can be timed on fewer points (its per-call time is what is reported).
    """
    _, f, f_torch, f_jax, hand, typical = model
    rng = np.random.default_rng(1)
    ys = [typical * (1 + 0.1 * rng.random(typical.size)) for _ in range(points)]
    k = symjvp.compile(f, ys[0])
    impls = {
        "symjvp": lambda n: [k.jacobian(y) for y in ys[:n]][-1],
        "hand-written Numba": lambda n: [hand(y) for y in ys[:n]][-1],
    }
    if f_torch is not None:
        ts = [torch.from_numpy(y) for y in ys]
        impls["torch.autograd.functional"] = lambda n: [torch.autograd.functional.jacobian(f_torch, t) for t in ts[:n]][-1]
        impls["torch.func"] = lambda n: [torch.func.jacfwd(f_torch)(t) for t in ts[:n]][-1]
    if f_jax is not None:
        jac = jax.jit(jax.jacfwd(f_jax))
        js = [jnp.asarray(y) for y in ys]
        impls["jax.jit(jacfwd)"] = lambda n: [jac(y).block_until_ready() for y in js[:n]][-1]
    return impls, hand(ys[-1])


def batched_jacobians_task(model, points):
    """All ``points`` Jacobians in one call (vmap)."""
    title, f, f_torch, f_jax, hand, typical = model
    Y = typical * (1 + 0.1 * np.random.default_rng(2).random((points, typical.size)))
    k = symjvp.compile(symjvp.vmap(f), Y)
    batch = _hand_batch(hand)
    impls = {"symjvp (vmap)": lambda: k.jacobian(Y), "hand-written Numba": lambda: batch(Y)}
    if f_torch is not None:
        tY = torch.from_numpy(Y)
        impls["torch.func"] = lambda: torch.func.vmap(torch.func.jacfwd(f_torch))(tY)
    if f_jax is not None:
        run_batch = jax.jit(jax.vmap(jax.jacfwd(f_jax)))
        jY = jnp.asarray(Y)
        impls["jax.jit(vmap(jacfwd))"] = lambda: run_batch(jY).block_until_ready()
    return (f"{title} Jacobians, all points in one call", f"{points} points", impls, "hand-written Numba")


def batched_tasks(scale):
    """Per-point models over many points: small ODE Jacobians and bundle adjustment (vmap)."""
    rng = np.random.default_rng(2)
    P = int(10_000 * max(scale, 0.1))
    M = int(200_000 * scale)
    cams = np.concatenate([rng.uniform(0.1, 0.3, (M, 3)), rng.uniform(-1, 1, (M, 3)), rng.uniform(1, 2, (M, 1)),
                           rng.uniform(0, 1, (M, 2)), rng.uniform(-0.1, 0.1, (M, 2))], axis=1)
    Xs = rng.uniform(-1, 1, (M, 3)) + np.array([0.0, 0.0, 5.0])
    w, feat = rng.uniform(0.5, 1.5, M), rng.uniform(-1, 1, (M, 2))
    dcam, dX = rng.standard_normal((M, 11)), rng.standard_normal((M, 3))

    ba = reprojection_in(np)
    k_ba = symjvp.compile(symjvp.vmap(ba), cams, Xs, w, feat, wrt=(0, 1))
    tasks = [batched_jacobians_task(model, P) for model in small_models()]

    impls = {"symjvp (vmap)": lambda: k_ba.jvp((cams, Xs, w, feat), (dcam, dX))[1]}
    if torch is not None:
        tb = reprojection_in(torch)
        targs = [torch.from_numpy(a) for a in (cams, Xs, w, feat, dcam, dX)]
        per = lambda c, x, ww, ff, dc, dx: torch.func.jvp(lambda c_, x_: tb(c_, x_, ww, ff), (c, x), (dc, dx))[1]  # noqa: E731
        impls["torch.func"] = lambda: torch.func.vmap(per)(*targs)
    if jax is not None:
        jb = reprojection_in(jnp)
        jargs = [jnp.asarray(a) for a in (cams, Xs, w, feat, dcam, dX)]
        run_ba = jax.jit(
            jax.vmap(lambda c, x, ww, ff, dc, dx: jax.jvp(lambda c_, x_: jb(c_, x_, ww, ff), (c, x), (dc, dx)))
        )
        impls["jax.jit(vmap(jvp))"] = lambda: jax.block_until_ready(run_ba(*jargs))[1]
    tasks.append(("bundle adjustment jvp (batched)", f"M = {M}", impls, "symjvp (vmap)"))

    impls = {"symjvp (vmap)": lambda: np.concatenate(k_ba.jacobian((cams, Xs, w, feat)), axis=-1)}
    if torch is not None:
        per_j = lambda c, x, ww, ff: torch.cat(torch.func.jacfwd(lambda c_, x_: tb(c_, x_, ww, ff), argnums=(0, 1))(c, x), -1)  # noqa: E731
        impls["torch.func"] = lambda: torch.func.vmap(per_j)(*targs[:4])
    if jax is not None:
        run_j = jax.jit(jax.vmap(lambda c, x, ww, ff: jnp.concatenate(jax.jacfwd(lambda c_, x_: jb(c_, x_, ww, ff), argnums=(0, 1))(c, x), -1)))
        impls["jax.jit(vmap(jacfwd))"] = lambda: run_j(*jargs[:4]).block_until_ready()
    tasks.append(("bundle adjustment Jacobian per observation (M, 2, 14)", f"M = {M}", impls, "symjvp (vmap)"))
    return tasks


def _hand_batch(hand):
    @njit(parallel=True)
    def batch(Y):
        n = Y.shape[1]
        J = np.empty((Y.shape[0], n, n))
        for i in prange(Y.shape[0]):
            J[i] = hand(Y[i])
        return J

    return batch


# ---------------------------------------------------------------- run and report


def run(scale, repeat, task_seconds):
    rows, notes = [], []
    if torch is None:
        notes.append("torch is not installed: its columns are skipped (pip install torch==2.13.0).")
    if jax is None:
        notes.append("jax is not installed: its columns are skipped (pip install jax jaxlib).")
    more = f", and more until {task_seconds:.0f} s have passed" if task_seconds else ""
    notes.append(f"Large and batched tasks: at least {repeat} rounds each{more}.")
    bandwidth = memory_bandwidth()
    for title, size, nbytes, peer_spec, ours, hand, primal in large_tasks(scale):
        reference = _np(hand())
        impls = {"symjvp": ours, "hand-written Numba": hand, "NumPy primal alone": primal}
        impls.update(_peers_for_product(*peer_spec))
        for label, fn in list(impls.items()):
            if label != "NumPy primal alone" and not np.allclose(_np(fn()), reference, rtol=1e-9, atol=1e-12):
                notes.append(f"{title}: {label} disagrees with the reference; not counted.")
                del impls[label]
        times = interleaved_medians(impls, repeat, task_seconds)
        for label, seconds in times.items():
            print(f"{title:38s} {label:28s} {seconds * 1e3:9.2f} ms", flush=True)
        rows.append((title, size, times, nbytes / bandwidth))
        if title == "Lorenz-96 jvp":
            measured = lorenz_memory(int(size.split("(")[1].split(",")[0]))
            if measured is not None:
                added, outputs = measured
                notes.append(
                    f"Lorenz-96 jvp memory, measured in a fresh process: one call adds {added / 2**20:.1f} MiB "
                    f"at peak to a process already holding its inputs; its outputs are {outputs / 2**20:.1f} MiB "
                    f"(so the peak is inputs + outputs + {max(added - outputs, 0) / 2**20:.1f} MiB)."
                )
    for title, size, impls, reference_label in batched_tasks(scale):
        reference = _np(impls[reference_label]())
        for label, fn in list(impls.items()):
            if not np.allclose(_np(fn()), reference, rtol=1e-9, atol=1e-12):
                notes.append(f"{title}: {label} disagrees with the reference; not counted.")
                del impls[label]
        times = interleaved_medians(impls, repeat, task_seconds)
        for label, seconds in times.items():
            print(f"{title:38s} {label:28s} {seconds * 1e3:9.2f} ms", flush=True)
        times["symjvp"] = times.pop("symjvp (vmap)")
        rows.append((title, size, times, 0.0))
    points = max(1000, int(10_000 * scale))
    for model in small_models():
        impls, reference = per_call_task(model, points)
        counted = {}
        for label, fn in impls.items():
            if not np.allclose(_np(fn(points)), reference, rtol=1e-9):
                notes.append(f"{model[0]}: {label} disagrees with the reference; not counted.")
                continue
            start = time.perf_counter()
            fn(100)
            count = int(min(points, max(100, 100 * PER_CALL_SAMPLE_SECONDS / (time.perf_counter() - start))))
            counted[label] = (count, functools.partial(fn, count))
        times = interleaved_medians({label: call for label, (_, call) in counted.items()}, max(3, repeat // 3))
        for label, (count, _) in counted.items():
            times[label] /= count
            print(f"{model[0] + ' Jacobian, per call':38s} {label:28s} {times[label] * 1e6:9.2f} µs", flush=True)
        rows.append((f"{model[0]} Jacobian, one per Python call", f"{points} points", times, None))
        notes.append(
            f"{model[0]} per call: each implementation makes one call at each of up to {points} points per sample "
            f"(slow peers at fewer, about {PER_CALL_SAMPLE_SECONDS} s a sample); the time is per call."
        )
    return rows, notes, bandwidth


STARTUP = {
    "symjvp, empty cache": "import numpy as np, symjvp\n"
    "def exp_reducer(x):\n    return x.exp().sum(dim=1)\n"
    "symjvp.jvp(exp_reducer, np.full((3, 3), 0.5), np.ones((3, 3)))\n",
    "import numpy": "import numpy\n",
    "import numba": "import numba\n",
    "jax.jit(jvp)": "import jax, jax.numpy as jnp\njax.config.update('jax_enable_x64', True)\n"
    "f = jax.jit(lambda x, v: jax.jvp(lambda x: jnp.exp(x).sum(axis=1), (x,), (v,)))\n"
    "f(jnp.full((3, 3), 0.5), jnp.ones((3, 3)))[1].block_until_ready()\n",
}


def _process_seconds(code, env):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, timeout=600)
    return time.perf_counter() - start


def startup(samples=3):
    """Seconds of a whole new process running the seed's jvp: empty cache, then warm; imports for scale."""
    cache = tempfile.mkdtemp(prefix="symjvp-startup-")
    env = dict(os.environ, SYMJVP_CACHE_DIR=cache)
    times = {}
    try:
        cold = []
        for _ in range(samples):
            shutil.rmtree(cache)
            cold.append(_process_seconds(STARTUP["symjvp, empty cache"], env))
        times["symjvp, empty cache"] = statistics.median(cold)
        warm = [_process_seconds(STARTUP["symjvp, empty cache"], env) for _ in range(samples)]
        times["symjvp, warm cache"] = statistics.median(warm)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    for label in ("import numpy", "import numba", "jax.jit(jvp)"):
        if label == "jax.jit(jvp)" and jax is None:
            continue
        times[label] = statistics.median(_process_seconds(STARTUP[label], env) for _ in range(samples))
    for label, t in times.items():
        print(f"{'start-up (new process)':38s} {label:28s} {t:9.2f} s", flush=True)
    return times


PEERS = (
    "torch.autograd.functional",
    "torch.func",
    "jax.jit(jvp)",
    "jax.jit(vjp)",
    "jax.jit(jacfwd)",
    "jax.jit(vmap(jacfwd))",
    "jax.jit(vmap(jvp))",
)


def report(rows, notes, bandwidth, command, started):
    lines = [
        "# Benchmarks: symjvp and its peers on the CPU",
        "",
        f"Command: `{command}` (writes this page and `benchmarks.png`).",
        "",
        "Environment: "
        + ", ".join(
            [
                platform.processor() or platform.machine(),
                f"{os.cpu_count()} cores",
                f"Python {platform.python_version()}",
                f"NumPy {np.__version__}",
                f"Numba {numba.__version__}",
                f"torch {torch.__version__}" if torch is not None else "torch: not installed",
                f"jax {jax.__version__}" if jax is not None else "jax: not installed",
                f"measured memory bandwidth {bandwidth / 1e9:.1f} GB/s (triad)",
            ]
        )
        + ".",
        "",
        "Medians after warm-up, float64, the implementations sampled in turns (one sample of each per round, each "
        "after a 10 ms rest and an untimed call of its own). A jvp or vjp computes both the output and the product, "
        "as `symjvp.jvp` and `torch.autograd.functional.jvp` return them. Ratios below 1 mean symjvp is faster. Large tasks in "
        "ms, the small Jacobian in µs per call.",
        "",
        "| task | size | symjvp | hand Numba | fastest peer | symjvp / hand | symjvp / fastest peer | floor | symjvp / floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for title, size, times, floor in rows:
        unit = 1e3 if floor is not None else 1e6
        ours = times.get("symjvp")
        hand = times.get("hand-written Numba")
        peers = {k: t for k, t in times.items() if k in PEERS}
        best = min(peers, key=peers.get) if peers else None

        def fmt(t):
            return "—" if t is None else f"{t * unit:.2f}"

        lines.append(
            "| "
            + " | ".join(
                [
                    title,
                    size,
                    fmt(ours),
                    fmt(hand),
                    f"{fmt(peers[best])} ({best})" if best else "—",
                    f"{ours / hand:.2f}" if ours and hand else "—",
                    f"{ours / peers[best]:.2f}" if ours and best else "—",
                    fmt(floor) if floor else "—",
                    f"{ours / floor:.2f}" if ours and floor else "—",
                ]
            )
            + " |"
        )
    lines += ["", "All times:", "", "| task | implementation | time |", "|---|---|---|"]
    for title, _, times, floor in rows:
        unit, name = (1e3, "ms") if floor is not None else (1e6, "µs")
        for label, t in sorted(times.items(), key=lambda kv: kv[1]):
            lines.append(f"| {title} | {label} | {t * unit:.2f} {name} |")
    lines += [
        "",
        "Start-up: a whole new Python process that calls `symjvp.jvp` on the seed's `exp_reducer` at (3, 3), "
        "with an empty symjvp cache (Numba's cache of symjvp's own fastmath functions, written on first use after "
        "installation, is kept) and then with the cache that run left; for scale, new processes that only "
        "import NumPy or Numba, and one that runs `jax.jit` of the same jvp (medians of 3):",
        "",
        "| process | seconds |",
        "|---|---|",
    ]
    lines += [f"| {label} | {t:.2f} |" for label, t in started.items()]
    if notes:
        lines += ["", "Notes:", ""] + [f"* {n}" for n in notes]
    lines += ["", "![symjvp and its peers](benchmarks.png)", ""]
    return "\n".join(lines)


def plot(rows, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    labels = ["symjvp", "hand-written Numba"] + list(PEERS) + ["NumPy primal alone"]
    palette = plt.get_cmap("tab10")
    others = [palette(c) for c in (0, 1, 2, 4, 5, 6, 7, 8, 9)]  # tab10 without its red, which is symjvp's
    colors = {label: ("#d62728" if label == "symjvp" else others[k % len(others)]) for k, label in enumerate(labels)}
    fig, ax = plt.subplots(figsize=(13, 0.9 * len(rows) + 2))
    height = 0.8 / len(labels)
    in_legend = set()
    for r, (title, _, times, floor) in enumerate(rows):
        ours = times.get("symjvp")
        for k, label in enumerate(labels):
            if label in times and ours:
                legend = label if label not in in_legend else None
                in_legend.add(label)
                ax.barh(r + k * height, times[label] / ours, height, color=colors[label], label=legend)
    ax.set_yticks([r + 0.4 for r in range(len(rows))])
    ax.set_yticklabels([t for t, *_ in rows])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("time relative to symjvp (log scale; right of the line = slower than symjvp)")
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer samples (a smoke run)")
    parser.add_argument("--lorenz-memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.lorenz_memory_child:
        return _lorenz_memory_child(args.lorenz_memory_child)
    scale, repeat, task_seconds = (0.25, 5, 0.0) if args.quick else (1.0, 15, TASK_SECONDS)
    rows, notes, bandwidth = run(scale, repeat, task_seconds)
    started = startup()
    command = "python benchmarks/peers.py" + (" --quick" if args.quick else "")
    text = report(rows, notes, bandwidth, command, started)
    os.makedirs(DOCS, exist_ok=True)
    page = os.path.join(DOCS, "benchmarks.md")
    kept = [section(page, name) for name in SECTIONS]  # written by the other benchmarks' --docs
    with open(page, "w") as f:
        f.write(text + "".join("\n" + block + "\n" for block in kept if block))
    plot(rows, os.path.join(DOCS, "benchmarks.png"))
    print(text)


if __name__ == "__main__":
    sys.exit(main())
