"""k.export / k.source: the kernels as a module that runs without symjvp and computes the same numbers."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import symjvp
from symjvp.cli import main

#: Runs an exported module with symjvp made unimportable, and prints its results as JSON.
RUN_WITHOUT_SYMJVP = textwrap.dedent(
    """
    import importlib.abc, importlib.util, json, sys
    import numpy as np

    class NoSymjvp(importlib.abc.MetaPathFinder):
        def find_spec(self, name, *args):
            if name == "symjvp" or name.startswith("symjvp."):
                raise ImportError("symjvp is not available here")

    sys.meta_path.insert(0, NoSymjvp())
    spec = importlib.util.spec_from_file_location("exported", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    inputs = [np.array(a) for a in json.loads(sys.argv[3])]
    results = getattr(module, sys.argv[2])(*inputs)
    assert not [m for m in sys.modules if m.split(".")[0] == "symjvp"]
    print(json.dumps([np.asarray(r).tolist() for r in results]))
    """
)


def run_exported(path, kind, *inputs):
    arguments = json.dumps([np.asarray(a).tolist() for a in inputs])
    done = subprocess.run([sys.executable, "-c", RUN_WITHOUT_SYMJVP, str(path), kind, arguments], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return [np.array(r) for r in json.loads(done.stdout)]


def transcendental(x, y):
    return np.sin(x) * np.exp(-y) + np.tanh(x * y).sum(), np.log1p(x * x)


X, Y = np.linspace(0.1, 2.0, 30), np.linspace(-1.0, 1.0, 30)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    k = symjvp.compile(transcendental, X, Y)
    path = tmp_path_factory.mktemp("export") / "kernels.py"
    k.export(path, ("primal", "jvp", "vjp", "jacobian"))
    return k, path


def test_exported_jvp_runs_without_symjvp_and_equals_the_kernel(exported):
    k, path = exported
    v = (np.cos(X), np.sin(Y))
    (out0, out1), (jv0, jv1) = k.jvp((X, Y), v)
    got = run_exported(path, "jvp", X, Y, *v)
    for g, expected in zip(got, [out0, out1, jv0, jv1]):
        np.testing.assert_allclose(g, expected, rtol=1e-14)


def test_exported_vjp_and_jacobian_equal_the_kernels(exported):
    k, path = exported
    u = (np.sin(X), np.cos(X))
    _, (vx, vy) = k.vjp((X, Y), u)
    got = run_exported(path, "vjp", X, Y, *u)
    np.testing.assert_allclose(got[2], vx, rtol=1e-14)
    np.testing.assert_allclose(got[3], vy, rtol=1e-14)
    (J00, J01), (J10, J11) = k.jacobian((X, Y))
    got = run_exported(path, "jacobian", X, Y)
    for g, expected in zip(got, [J00, J01, J10, J11]):
        np.testing.assert_allclose(g, expected, rtol=1e-14)


def test_source_is_a_complete_module_with_imports_decorators_and_helpers():
    source = symjvp.compile(lambda x: np.exp(x) * 2, np.ones(5)).source("jvp")
    assert "from numba import njit" in source and "@njit(" in source
    assert "def fast_exp(" in source and "def jvp(x, v_x):" in source
    namespace = {}
    exec(compile(source, "<source>", "exec"), namespace)
    np.testing.assert_allclose(namespace["jvp"](np.zeros(5), np.ones(5))[1], np.full(5, 2.0))


def test_exported_constants_and_index_tables_travel_inside_the_module(tmp_path):
    from mass_action import mass_action

    y = np.linspace(0.1, 2.0, 20)
    k = symjvp.compile(mass_action, y)
    path = k.export(tmp_path / "mass_action_kernels.py", "jacobian")
    np.testing.assert_allclose(run_exported(path, "jacobian", y)[0], k.jacobian(y), rtol=1e-14)


def test_cli_export_writes_the_module(tmp_path):
    target = f"{os.path.dirname(os.path.dirname(__file__))}/examples/seed_functions.py:exp_reducer"
    path = tmp_path / "exp_reducer.py"
    assert main([target, "--shape", "4,4", "--export", str(path)]) == 0
    out, jv = run_exported(path, "jvp", np.ones((4, 4)), np.ones((4, 4)))
    np.testing.assert_allclose(jv, [4 * np.e] * 4, rtol=1e-14)


def test_export_refuses_an_unknown_kind():
    with pytest.raises(symjvp.ArgumentError, match="export kinds"):
        symjvp.compile(lambda x: x, np.ones(2)).export("never.py", ("hessian",))


def test_an_exported_batch_length_kernel_runs_at_every_length(tmp_path):
    def rows(x):
        return np.sin(x).sum(axis=1) * x[:, 0]

    k = symjvp.compile(rows, symjvp.Spec((None, 3)))
    path = k.export(tmp_path / "rows.py", ("primal", "vjp"))
    for n in (4, 11):
        x = np.linspace(-1, 1, 3 * n).reshape(n, 3)
        out, g = run_exported(path, "vjp", x, np.ones(n))
        np.testing.assert_allclose(out, rows(x), rtol=1e-14)
        np.testing.assert_allclose(g, k.vjp(x, np.ones(n))[1], rtol=1e-14)
