"""The seed's exp_reducer jvp on a (2000, 2000) input: one fused parallel loop, no temporary.

Prints the generated jvp kernel, its time, and the peak memory the call
adds beyond its inputs (Linux: VmHWM after resetting it through
/proc/self/clear_refs).  A temporary of x's size would add 32 MB.

    python benchmarks/fused_exp_reducer.py
"""

import time

import numpy as np

import symjvp


def exp_reducer(x):
    return np.exp(x).sum(axis=1)


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def main():
    n = 2000
    rng = np.random.default_rng(0)
    x, v = rng.random((n, n)), rng.random((n, n))
    k = symjvp.compile(exp_reducer, x)
    print(k.source("jvp"))
    k.jvp(x, v)  # compile

    times = []
    for _ in range(20):
        start = time.perf_counter()
        k.jvp(x, v)
        times.append(time.perf_counter() - start)
    print(f"jvp median {np.median(times) * 1e3:.2f} ms over 20 calls")

    baseline = _status_kib("VmRSS")
    _reset_peak()
    out, jv = k.jvp(x, v)
    added = (_status_kib("VmHWM") - baseline) / 1024
    print(f"peak memory added by one call: {added:.2f} MiB (x alone is {x.nbytes / 2**20:.1f} MiB)")
    np.testing.assert_allclose(jv, (np.exp(x) * v).sum(axis=1), rtol=1e-12)
    assert added < x.nbytes / 2**20 / 4, "the jvp allocated a temporary of x's size"


if __name__ == "__main__":
    main()
