"""Independent oracles: finite differences and the adjoint identity."""

import numpy as np


def central_difference_jvp(func, xs, vs, eps=1e-6):
    """(f(x + eps v) - f(x - eps v)) / 2 eps, output by output."""
    plus = func(*[x + eps * v for x, v in zip(xs, vs)])
    minus = func(*[x - eps * v for x, v in zip(xs, vs)])
    if isinstance(plus, tuple):
        return tuple((np.asarray(p) - np.asarray(m)) / (2 * eps) for p, m in zip(plus, minus))
    return (np.asarray(plus) - np.asarray(minus)) / (2 * eps)


def inner(a, b):
    if isinstance(a, tuple):
        return sum(inner(x, y) for x, y in zip(a, b))
    return float(np.sum(np.asarray(a) * np.asarray(b)))


def assert_close(actual, expected, rtol=1e-6, atol=1e-8):
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol, atol)
        return
    assert np.shape(actual) == np.shape(expected), (np.shape(actual), np.shape(expected))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)
