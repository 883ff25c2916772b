"""symjvp's CUDA kernels side by side with hand-written Numba CUDA kernels, torch and JAX, on one GPU.

    pip install -e ".[cuda]" && pip install matplotlib torch jax[cuda12]   # torch and JAX: CUDA builds
    python benchmarks/gpu.py              # writes docs/benchmarks-gpu.md and docs/benchmarks-gpu.png
    python benchmarks/gpu.py --check      # every task at a small size: each contender against NumPy

Without a GPU it says so and exits 0: nothing is measured and no number is written.  ``--check``
runs anywhere (on Numba's CUDA simulator with NUMBA_ENABLE_CUDASIM=1, torch and JAX on the CPU),
so the hand-written kernels and the peers' functions are known to compute the right thing
before a GPU times them.

Every contender's result is checked against symjvp's before its time counts.  Times are medians
of repeated calls after warm-up, synchronised with the device; the floor of a task is the bytes it
must read and write divided by the device-to-device bandwidth measured here by a copy kernel.
"""

import argparse
import math
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "examples"))
from bundle_adjustment import reprojection_in  # noqa: E402
from mass_action import FIRST, PRODUCT, RATE, REACTIONS, SECOND, SPECIES, mass_action_in  # noqa: E402

import symjvp  # noqa: E402

try:  # a module global: the CUDA simulator swaps the kernels' global ``cuda`` for its own
    from numba import cuda, float64
except ImportError:
    cuda = float64 = None

DOCS = os.path.join(os.path.dirname(HERE), "docs")
#: GPU sizes (the issue's) and the --check sizes.
SIZES = {
    "exp_reducer": (8192, 8),
    "lorenz96": (10**8, 1000),
    "seed003": (10**7, 1000),
    "bundle_adjustment": (10**6, 50),
    "mass_action": (10**6, 30),
}


def gpu_or_none():
    """A sentence saying why there is nothing to measure, or None when a GPU is there."""
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return "NUMBA_ENABLE_CUDASIM=1: the simulator runs kernels in Python, its times mean nothing"
    if cuda is None:
        return "Numba's CUDA target does not import: pip install -e '.[cuda]'"
    try:
        if not cuda.is_available():
            return "no CUDA driver or no NVIDIA GPU on this machine"
    except Exception as error:
        return f"the CUDA driver does not work here: {error}"
    return None


# ---------------------------------------------------------------- hand-written CUDA kernels


def hand_kernels():
    """Numba CUDA kernels as a GPU programmer writes them for each task (compiled lazily on first launch)."""
    threads = 256

    @cuda.jit(device=True)
    def sum_over_block(first, second, t, a, b):
        """Two sums over a block of 256 threads, by a tree in shared memory: into first[0] and second[0]."""
        first[t] = a
        second[t] = b
        cuda.syncthreads()
        half = 128
        while half > 0:
            if t < half:
                first[t] += first[t + half]
                second[t] += second[t + half]
            cuda.syncthreads()
            half //= 2

    @cuda.jit
    def exp_reducer_jvp(x, v, out, jv):
        row, t = cuda.blockIdx.x, cuda.threadIdx.x
        s_out = cuda.shared.array(256, float64)
        s_jv = cuda.shared.array(256, float64)
        a = 0.0
        b = 0.0
        j = t
        while j < x.shape[1]:
            e = math.exp(x[row, j])
            a += e
            b += e * v[row, j]
            j += 256
        sum_over_block(s_out, s_jv, t, a, b)
        if t == 0:
            out[row] = s_out[0]
            jv[row] = s_jv[0]

    @cuda.jit
    def lorenz96_jvp(u, v, out, jv):
        n = u.shape[0]
        i = cuda.grid(1)
        while i < n:
            up, um1, um2 = u[(i + 1) % n], u[(i - 1 + n) % n], u[(i - 2 + n) % n]
            vp, vm1, vm2 = v[(i + 1) % n], v[(i - 1 + n) % n], v[(i - 2 + n) % n]
            out[i] = (up - um2) * um1 - u[i] + 8.0
            jv[i] = (vp - vm2) * um1 + (up - um2) * vm1 - v[i]
            i += cuda.gridsize(1)

    @cuda.jit
    def seed003_jvp(X, w, v, out, jv):
        i = cuda.grid(1)
        while i < X.shape[0]:
            s = 1.0 / (1.0 + math.exp(-(X[i, 0] * w[0] + X[i, 1] * w[1])))
            out[i] = s
            jv[i] = s * (1.0 - s) * (X[i, 0] * v[0] + X[i, 1] * v[1])
            i += cuda.gridsize(1)

    @cuda.jit
    def seed003_vjp(X, w, u, out, g):
        s0 = cuda.shared.array(256, float64)
        s1 = cuda.shared.array(256, float64)
        t = cuda.threadIdx.x
        a = 0.0
        b = 0.0
        i = cuda.grid(1)
        while i < X.shape[0]:
            s = 1.0 / (1.0 + math.exp(-(X[i, 0] * w[0] + X[i, 1] * w[1])))
            out[i] = s
            c = u[i] * s * (1.0 - s)
            a += c * X[i, 0]
            b += c * X[i, 1]
            i += cuda.gridsize(1)
        sum_over_block(s0, s1, t, a, b)
        if t == 0:
            cuda.atomic.add(g, 0, s0[0])
            cuda.atomic.add(g, 1, s1[0])

    @cuda.jit(device=True)
    def reprojection_dual(cam, X, w, feat, dcam, dX, out):
        """ADBench's reprojection and its derivative along (dcam, dX), as dual numbers written out by hand."""
        r0, r1, r2 = cam[0], cam[1], cam[2]
        d0, d1, d2 = dcam[0], dcam[1], dcam[2]
        theta = math.sqrt(r0 * r0 + r1 * r1 + r2 * r2)
        dtheta = (r0 * d0 + r1 * d1 + r2 * d2) / theta
        k0, k1, k2 = r0 / theta, r1 / theta, r2 / theta
        dk0 = (d0 - k0 * dtheta) / theta
        dk1 = (d1 - k1 * dtheta) / theta
        dk2 = (d2 - k2 * dtheta) / theta
        x0, x1, x2 = X[0] - cam[3], X[1] - cam[4], X[2] - cam[5]
        dx0, dx1, dx2 = dX[0] - dcam[3], dX[1] - dcam[4], dX[2] - dcam[5]
        c, s = math.cos(theta), math.sin(theta)
        dc, ds = -s * dtheta, c * dtheta
        cr0, cr1, cr2 = k1 * x2 - k2 * x1, k2 * x0 - k0 * x2, k0 * x1 - k1 * x0
        dcr0 = dk1 * x2 + k1 * dx2 - dk2 * x1 - k2 * dx1
        dcr1 = dk2 * x0 + k2 * dx0 - dk0 * x2 - k0 * dx2
        dcr2 = dk0 * x1 + k0 * dx1 - dk1 * x0 - k1 * dx0
        dot = k0 * x0 + k1 * x1 + k2 * x2
        ddot = dk0 * x0 + k0 * dx0 + dk1 * x1 + k1 * dx1 + dk2 * x2 + k2 * dx2
        m, dm = dot * (1.0 - c), ddot * (1.0 - c) - dot * dc
        y0 = x0 * c + cr0 * s + k0 * m
        y1 = x1 * c + cr1 * s + k1 * m
        y2 = x2 * c + cr2 * s + k2 * m
        dy0 = dx0 * c + x0 * dc + dcr0 * s + cr0 * ds + dk0 * m + k0 * dm
        dy1 = dx1 * c + x1 * dc + dcr1 * s + cr1 * ds + dk1 * m + k1 * dm
        dy2 = dx2 * c + x2 * dc + dcr2 * s + cr2 * ds + dk2 * m + k2 * dm
        p0, p1 = y0 / y2, y1 / y2
        dp0, dp1 = (dy0 - p0 * dy2) / y2, (dy1 - p1 * dy2) / y2
        rsq, drsq = p0 * p0 + p1 * p1, 2.0 * (p0 * dp0 + p1 * dp1)
        L = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq
        dL = dcam[9] * rsq + cam[9] * drsq + dcam[10] * rsq * rsq + 2.0 * cam[10] * rsq * drsq
        f, df = cam[6], dcam[6]
        out[0] = w * (p0 * L * f + cam[7] - feat[0])
        out[1] = w * (p1 * L * f + cam[8] - feat[1])
        out[2] = w * (dp0 * L * f + p0 * dL * f + p0 * L * df + dcam[7])
        out[3] = w * (dp1 * L * f + p1 * dL * f + p1 * L * df + dcam[8])

    @cuda.jit
    def bundle_adjustment_jacobian(cams, Xs, w, feat, J_cam, J_X):
        dcam = cuda.local.array(11, float64)
        dX = cuda.local.array(3, float64)
        result = cuda.local.array(4, float64)
        p = cuda.grid(1)
        while p < cams.shape[0]:
            for j in range(14):
                for q in range(11):
                    dcam[q] = 1.0 if q == j else 0.0
                for q in range(3):
                    dX[q] = 1.0 if q + 11 == j else 0.0
                reprojection_dual(cams[p], Xs[p], w[p], feat[p], dcam, dX, result)
                for row in range(2):
                    if j < 11:
                        J_cam[p, row, j] = result[2 + row]
                    else:
                        J_X[p, row, j - 11] = result[2 + row]
            p += cuda.gridsize(1)

    first, second, product, rate = (cuda.to_device(a) for a in (FIRST, SECOND, PRODUCT, RATE))

    @cuda.jit
    def mass_action_jacobian_kernel(y, first, second, product, rate, J):
        p = cuda.grid(1)
        while p < y.shape[0]:
            for i in range(SPECIES):
                for j in range(SPECIES):
                    J[p, i, j] = 0.0
            for r in range(REACTIONS):
                a, b = first[r], second[r]
                ka, kb = rate[r] * y[p, b], rate[r] * y[p, a]  # d(k y_a y_b)/dy_a, /dy_b
                for species, coefficient in ((a, -1.0), (b, -1.0), (product[r], 2.0)):
                    J[p, species, a] += coefficient * ka
                    J[p, species, b] += coefficient * kb
            p += cuda.gridsize(1)

    def launch(kernel, n, *arrays):
        kernel[min(-(-n // threads), 65535 * 16), threads](*arrays)

    def alloc(*shape):
        return cuda.device_array(shape, np.float64)

    def exp_reducer(x, v):
        out, jv = alloc(x.shape[0]), alloc(x.shape[0])
        exp_reducer_jvp[x.shape[0], 256](x, v, out, jv)
        return out, jv

    def lorenz96(u, v):
        out, jv = alloc(u.size), alloc(u.size)
        launch(lorenz96_jvp, u.size, u, v, out, jv)
        return out, jv

    def seed003_forward(inputs, v):
        X, w = inputs
        out, jv = alloc(X.shape[0]), alloc(X.shape[0])
        launch(seed003_jvp, X.shape[0], X, w, v, out, jv)
        return out, jv

    def seed003_reverse(inputs, u):
        X, w = inputs
        out, g = alloc(X.shape[0]), cuda.to_device(np.zeros(2))
        launch(seed003_vjp, X.shape[0], X, w, u, out, g)
        return out, g

    def bundle_adjustment(inputs):
        cams, Xs, w, feat = inputs
        J_cam, J_X = alloc(len(cams), 2, 11), alloc(len(cams), 2, 3)
        launch(bundle_adjustment_jacobian, len(cams), cams, Xs, w, feat, J_cam, J_X)
        return J_cam, J_X

    def mass_action(y):
        J = alloc(len(y), SPECIES, SPECIES)
        launch(mass_action_jacobian_kernel, len(y), y, first, second, product, rate, J)
        return J

    return {
        "exp_reducer": exp_reducer,
        "lorenz96": lorenz96,
        "seed003_jvp": seed003_forward,
        "seed003_vjp": seed003_reverse,
        "bundle_adjustment": bundle_adjustment,
        "mass_action": mass_action,
    }




# ---------------------------------------------------------------- tasks


def lorenz96(u):
    return (np.roll(u, -1) - np.roll(u, 2)) * np.roll(u, 1) - u + 8.0


def exp_reducer(x):
    return np.exp(x).sum(axis=1)


def logistic(X, w):
    return 1 / (1 + np.exp(-(X @ w)))


def tasks(check):
    """(on the device, on the host): name -> (inputs, symjvp's call, the hand-written call, (peer kind, function factory), bytes moved)."""
    rng = np.random.default_rng(0)
    hand = hand_kernels()
    pick = 1 if check else 0
    n_rows = SIZES["exp_reducer"][pick]
    n_l96, n_003 = SIZES["lorenz96"][pick], SIZES["seed003"][pick]
    n_ba, n_ma = SIZES["bundle_adjustment"][pick], SIZES["mass_action"][pick]
    found = {}

    x = rng.random((n_rows, n_rows))
    found[f"seed exp_reducer jvp ({n_rows}, {n_rows})"] = (
        (x, np.ones_like(x)),
        symjvp.compile(exp_reducer, x, target="cuda").jvp,
        hand["exp_reducer"],
        ("jvp", lambda xp: lambda x: xp.exp(x).sum(1)),
        2 * x.nbytes + 2 * 8 * n_rows,
    )
    u = rng.random(n_l96)
    found[f"Lorenz-96 jvp, n = {n_l96:.0e}"] = (
        (u, rng.random(n_l96)),
        symjvp.compile(lorenz96, u, target="cuda").jvp,
        hand["lorenz96"],
        ("jvp", lambda xp: lambda u: (xp.roll(u, -1, 0) - xp.roll(u, 2, 0)) * xp.roll(u, 1, 0) - u + 8.0),
        4 * u.nbytes,
    )
    X, w = rng.standard_normal((n_003, 2)), rng.standard_normal(2)
    k003 = symjvp.compile(logistic, X, w, wrt=1, target="cuda")
    found[f"seed 003 jvp w.r.t. w, ({n_003:.0e}, 2)"] = (
        ((X, w), rng.standard_normal(2)),
        k003.jvp,
        hand["seed003_jvp"],
        ("jvp_w", lambda xp: lambda X, w: 1 / (1 + xp.exp(-(X @ w)))),
        X.nbytes + 2 * 8 * n_003,
    )
    found[f"seed 003 vjp w.r.t. w, ({n_003:.0e}, 2)"] = (
        ((X, w), rng.standard_normal(n_003)),
        k003.vjp,
        hand["seed003_vjp"],
        ("vjp_w", lambda xp: lambda X, w: 1 / (1 + xp.exp(-(X @ w)))),
        X.nbytes + 2 * 8 * n_003,
    )
    cams = rng.normal(0.5, 0.1, (n_ba, 11))
    Xs, wt, feat = rng.normal(0, 1, (n_ba, 3)) + [0, 0, 5], rng.uniform(0.5, 1.5, n_ba), rng.normal(0, 1, (n_ba, 2))
    kba = symjvp.compile(symjvp.vmap(reprojection_in(np)), cams, Xs, wt, feat, wrt=(0, 1), target="cuda")
    found[f"bundle adjustment Jacobians, M = {n_ba:.0e}"] = (
        ((cams, Xs, wt, feat),),
        kba.jacobian,
        hand["bundle_adjustment"],
        ("per_point_jacobian_ba", reprojection_in),
        8 * n_ba * (11 + 3 + 1 + 2 + 28),
    )
    y = rng.uniform(0.1, 1.0, (n_ma, SPECIES))
    found[f"mass-action 20x20 Jacobians, {n_ma:.0e} points"] = (
        (y,),
        symjvp.compile(symjvp.vmap(mass_action_in(np)), y, target="cuda").jacobian,
        hand["mass_action"],
        ("per_point_jacobian", lambda xp: mass_action_in(xp, asarray=lambda a: _peer_array(xp, a))),
        8 * n_ma * (SPECIES + SPECIES * SPECIES),
    )
    on_device = {name: (tuple(_to_device(a) for a in task[0]),) + task[1:] for name, task in found.items()}
    return on_device, found


def _to_device(value):
    return tuple(_to_device(a) for a in value) if isinstance(value, tuple) else cuda.to_device(value)


def _peer_array(xp, array):
    if xp.__name__ == "torch":
        return xp.as_tensor(array, device=PEER_DEVICE["torch"])
    return xp.asarray(array)


PEER_DEVICE = {"torch": "cuda"}


def peers(check):
    """{name: (module, to_device)} for torch and JAX where installed and (unless ``check``) on a GPU."""
    found = {}
    try:
        import torch

        if check or torch.cuda.is_available():
            PEER_DEVICE["torch"] = "cuda" if torch.cuda.is_available() else "cpu"
            found["torch.func"] = (torch, lambda a: torch.as_tensor(np.asarray(a), device=PEER_DEVICE["torch"]))
    except ImportError:
        pass
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        if check or any(d.platform == "gpu" for d in jax.devices()):
            import jax.numpy as jnp

            found["jax.jit"] = (jnp, jnp.asarray)
    except (ImportError, RuntimeError):
        pass
    return found


def peer_call(name, module, kind, factory):
    """The peer's compiled product for ``kind``, taking the task's inputs as the peer's arrays."""
    f = factory(module)
    if name == "torch.func":
        import torch.func as tf

        return {
            "jvp": lambda x, v: tf.jvp(f, (x,), (v,)),
            "jvp_w": lambda inputs, v: tf.jvp(lambda w: f(inputs[0], w), (inputs[1],), (v,)),
            "vjp_w": lambda inputs, u: (lambda out, pull: (out, pull(u)[0]))(*tf.vjp(lambda w: f(inputs[0], w), inputs[1])),
            "per_point_jacobian": lambda y: tf.vmap(tf.jacfwd(f))(y),
            "per_point_jacobian_ba": lambda inputs: tf.vmap(tf.jacfwd(f, argnums=(0, 1)))(*inputs),
        }[kind]
    import jax

    return {
        "jvp": jax.jit(lambda x, v: jax.jvp(f, (x,), (v,))),
        "jvp_w": jax.jit(lambda inputs, v: jax.jvp(lambda w: f(inputs[0], w), (inputs[1],), (v,))),
        "vjp_w": jax.jit(lambda inputs, u: (lambda out, pull: (out, pull(u)[0]))(*jax.vjp(lambda w: f(inputs[0], w), inputs[1]))),
        "per_point_jacobian": jax.jit(jax.vmap(jax.jacfwd(f))),
        "per_point_jacobian_ba": jax.jit(lambda inputs: jax.vmap(jax.jacfwd(f, argnums=(0, 1)))(*inputs)),
    }[kind]


# ---------------------------------------------------------------- measuring


def host(value):
    """Any result (tuple, device array, torch tensor, JAX array) as NumPy, for the checks."""
    if isinstance(value, (tuple, list)):
        return tuple(host(v) for v in value)
    if hasattr(value, "copy_to_host"):
        return value.copy_to_host()
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def assert_close(result, reference, what):
    result, reference = host(result), host(reference)
    if not isinstance(reference, tuple):
        result, reference = (result,) if not isinstance(result, tuple) else result, (reference,)
    flat_result = [np.asarray(a) for a in result]
    flat_reference = [np.asarray(a) for a in reference]
    if len(flat_result) != len(flat_reference):
        raise AssertionError(f"{what}: {len(flat_result)} results, expected {len(flat_reference)}")
    for got, expected in zip(flat_result, flat_reference):
        np.testing.assert_allclose(got.reshape(expected.shape), expected, rtol=1e-9, atol=1e-9, err_msg=what)


def median_seconds(call, synchronize, repeat=20):
    """Median wall time of ``call`` until ``synchronize(its result)`` returns (the work is done on the device)."""
    synchronize(call())
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        synchronize(call())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _numba_sync(_):
    cuda.synchronize()


def copy_bandwidth():
    """Device-to-device bytes per second (read + write) of a plain copy kernel over 512 MB."""
    @cuda.jit
    def copy(a, b):
        i = cuda.grid(1)
        while i < a.shape[0]:
            b[i] = a[i]
            i += cuda.gridsize(1)

    a = cuda.to_device(np.ones(1 << 26))
    b = cuda.device_array_like(a)
    seconds = median_seconds(lambda: copy[4096, 256](a, b), _numba_sync)
    return 2 * a.nbytes / seconds


def run(check):
    on_device, on_host = tasks(check)
    available = peers(check)
    rows = []
    for name, (inputs, ours, hand, (kind, factory), moved) in on_device.items():
        reference = ours(*inputs)
        cuda.synchronize()
        assert_close(hand(*inputs), reference, f"{name}: hand-written kernel")
        timings = {"symjvp": None, "hand-written Numba CUDA": None}
        if not check:
            timings["symjvp"] = median_seconds(lambda: ours(*inputs), _numba_sync)
            timings["hand-written Numba CUDA"] = median_seconds(lambda: hand(*inputs), _numba_sync)
        for peer, (module, convert) in available.items():
            converted = tuple(_convert(convert, a) for a in on_host[name][0])
            call = peer_call(peer, module, kind, factory)
            assert_close(call(*converted), reference, f"{name}: {peer}")
            if not check:
                sync = _peer_sync(peer, module)
                timings[peer] = median_seconds(lambda: call(*converted), sync)
        checked = ", ".join(["hand-written"] + list(available))
        print(f"{name}: {checked} agree with symjvp" + ("" if check else f"; seconds {timings}"), flush=True)
        rows.append((name, timings, moved))
    return rows


def _convert(convert, value):
    return tuple(_convert(convert, a) for a in value) if isinstance(value, tuple) else convert(value)


def _peer_sync(peer, module):
    if peer == "torch.func":
        return lambda _: module.cuda.synchronize()
    import jax

    return jax.block_until_ready


def write_report(rows, bandwidth):
    device = cuda.get_current_device()
    lines = [
        "# symjvp on the GPU",
        "",
        f"`python benchmarks/gpu.py` on {device.name.decode() if isinstance(device.name, bytes) else device.name}, "
        f"compute capability {device.compute_capability}; copy bandwidth {bandwidth / 1e9:.0f} GB/s. "
        "Medians of 20 synchronised calls after warm-up, results checked against symjvp's first.",
        "",
        "| task | symjvp (ms) | hand-written (ms) | torch.func (ms) | jax.jit (ms) | floor (ms) | vs hand | vs best peer | vs floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, timings, moved in rows:
        ours, hand = timings["symjvp"], timings["hand-written Numba CUDA"]
        peer_times = [t for k, t in timings.items() if k in ("torch.func", "jax.jit") and t]
        floor = moved / bandwidth
        cells = [f"{1e3 * timings[k]:.3f}" if timings.get(k) else "" for k in ("symjvp", "hand-written Numba CUDA", "torch.func", "jax.jit")]
        best_peer = f"{min(peer_times) / ours:.2f}x faster" if peer_times else ""
        lines.append(
            f"| {name} | {' | '.join(cells)} | {1e3 * floor:.3f} | {ours / hand:.2f}x | {best_peer} | {ours / floor:.2f}x |"
        )
    with open(os.path.join(DOCS, "benchmarks-gpu.md"), "w") as file:
        file.write("\n".join(lines) + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    names = [name for name, _, _ in rows]
    figure, axis = plt.subplots(figsize=(9, 4))
    for offset, key in enumerate(("symjvp", "hand-written Numba CUDA", "torch.func", "jax.jit")):
        values = [1e3 * timings.get(key) if timings.get(key) else 0 for _, timings, _ in rows]
        axis.barh([k + 0.2 * offset for k in range(len(rows))], values, height=0.2, label=key)
    axis.set_yticks(range(len(rows)), names)
    axis.set_xscale("log")
    axis.set_xlabel("ms per call")
    axis.legend()
    figure.tight_layout()
    figure.savefig(os.path.join(DOCS, "benchmarks-gpu.png"), dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="small sizes: check every contender, time nothing")
    args = parser.parse_args()
    if args.check:
        run(check=True)
        print("every contender agrees with symjvp")
        return 0
    reason = gpu_or_none()
    if reason is not None:
        print(f"No GPU to measure on: {reason}. Nothing was timed and docs/benchmarks-gpu.md was not written.")
        return 0
    rows = run(check=False)
    write_report(rows, copy_bandwidth())
    print("wrote docs/benchmarks-gpu.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
