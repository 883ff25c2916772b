"""The generated source of a few small functions, pinned: the Numba module and the C core.

A change to the code generator shows up here as a readable diff. To accept
new output, regenerate the files and review the diff:

    SYMJVP_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

import os
import pathlib

import numpy as np
import pytest

import symjvp

GOLDEN = pathlib.Path(__file__).parent / "golden"
UPDATE = os.environ.get("SYMJVP_UPDATE_GOLDEN") == "1"


def double_row_sum(x):
    return 2 * x.sum(dim=1)


def exp_reducer(x):
    return np.exp(x).sum(axis=1)


def robertson(y):
    y1, y2, y3 = y
    return np.array([-0.04 * y1 + 1e4 * y2 * y3, 0.04 * y1 - 1e4 * y2 * y3 - 3e7 * y2**2, 3e7 * y2**2])


def lorenz96(u):
    return (np.roll(u, -1) - np.roll(u, 2)) * np.roll(u, 1) - u + 8.0


def logistic_layer(X, w):
    return 1 / (1 + np.exp(-(X @ w)))


def gathered(x, idx):
    return np.sin(x[idx]) * x[:3]


CASES = {
    "double_row_sum": (double_row_sum, [symjvp.Spec((3, 2))], None),
    "exp_reducer_large": (exp_reducer, [symjvp.Spec((500, 300))], None),
    "robertson": (robertson, [symjvp.Spec((3,))], None),
    "lorenz96": (lorenz96, [symjvp.Spec((100,))], None),
    "logistic_layer": (logistic_layer, [symjvp.Spec((50, 2)), symjvp.Spec((2,))], 1),
    "gathered_at_index_input": (gathered, [symjvp.Spec((5,)), symjvp.Spec((3,), "int64")], 0),
}


@pytest.mark.parametrize("kind", ["primal", "jvp", "vjp", "jacobian"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_source_matches_golden_file(name, kind):
    func, specs, wrt = CASES[name]
    if name == "exp_reducer_large" and kind == "jacobian":
        pytest.skip("a 500 x 150000 Jacobian is not a useful golden file")
    compiled = symjvp.compile(func, *specs, wrt=wrt)
    for language, suffix in (("python", "py"), ("c", "c")):
        # The kernel itself (the complete module only adds imports and helpers: tests/test_export.py).
        source = compiled.source(kind, language, complete=False)
        path = GOLDEN / f"{name}.{kind}.{suffix}"
        if source is None:
            assert not path.exists(), f"{path.name} exists, but the kernel has no {language} source"
            continue
        if UPDATE:
            path.write_text(source)
        assert path.exists(), f"missing {path.name}: run SYMJVP_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py"
        assert source == path.read_text(), f"{path.name} changed; review, then regenerate (see this module's docstring)"
