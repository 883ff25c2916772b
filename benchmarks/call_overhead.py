"""Per-call overhead of a second call with new values of the same shapes (no retrace, no recompile).

    python benchmarks/call_overhead.py
"""

import time

import numpy as np

import symjvp


def exp_reducer(x):
    return x.exp().sum(dim=1)


def main():
    rng = np.random.default_rng(0)
    x, v = rng.random((4, 4)), np.ones((4, 4))
    symjvp.jvp(exp_reducer, x, v)
    k = symjvp.compile(exp_reducer, x)
    k.jvp(x, v)
    for label, call in (
        ("symjvp.jvp(f, x, v)   (functional API)", lambda: symjvp.jvp(exp_reducer, x, v)),
        ("k.jvp(x, v)           (compiled object)", lambda: k.jvp(x, v)),
        ("k(x)                  (primal)", lambda: k(x)),
    ):
        samples = []
        for _ in range(7):
            start = time.perf_counter()
            for _ in range(2000):
                call()
            samples.append((time.perf_counter() - start) / 2000)
        print(f"{label}: {np.median(samples) * 1e6:7.1f} µs per call")


if __name__ == "__main__":
    main()
