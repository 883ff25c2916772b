"""A cached kernel is reused only for the function it was made from: never a stale number.

The functional API keys its caches on what a trace can read; these are the
ways a key that is too coarse served an old kernel, and the way one that was
too fine recompiled on every call.
"""

import os
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest

import symjvp
from symjvp.runtime import program as program_module


def test_a_changed_module_attribute_is_read_again():
    cfg = types.ModuleType("cfg")
    cfg.scale = 2.0
    f = lambda x: x * cfg.scale  # noqa: E731
    assert symjvp.jvp(f, np.ones(2), np.ones(2))[0].tolist() == [2.0, 2.0]
    cfg.scale = 5.0
    out, jv = symjvp.jvp(f, np.ones(2), np.ones(2))
    assert out.tolist() == [5.0, 5.0] and jv.tolist() == [5.0, 5.0]


def test_a_changed_attribute_of_a_nested_module_is_read_again():
    outer, inner = types.ModuleType("outer"), types.ModuleType("inner")
    outer.inner, inner.shift = inner, 1.0
    f = lambda x: x + outer.inner.shift  # noqa: E731
    assert symjvp.jvp(f, np.zeros(1), np.ones(1))[0].tolist() == [1.0]
    inner.shift = 7.0
    assert symjvp.jvp(f, np.zeros(1), np.ones(1))[0].tolist() == [7.0]


class _Scaled:
    factor = 3.0

    def apply(self, x):
        return x * self.factor


def test_a_changed_class_attribute_is_read_again():
    f = lambda x: x * _Scaled.factor  # noqa: E731
    try:
        assert symjvp.vjp(f, np.ones(2), np.ones(2))[1].tolist() == [3.0, 3.0]
        _Scaled.factor = 4.0
        assert symjvp.vjp(f, np.ones(2), np.ones(2))[1].tolist() == [4.0, 4.0]
    finally:
        _Scaled.factor = 3.0


def test_a_changed_class_attribute_read_through_an_instance_method_is_read_again():
    model = _Scaled()
    f = lambda x: model.apply(x)  # noqa: E731
    try:
        assert symjvp.jacobian(f, np.ones(1)).tolist() == [[3.0]]
        _Scaled.factor = 6.0
        assert symjvp.jacobian(f, np.ones(1)).tolist() == [[6.0]]
    finally:
        _Scaled.factor = 3.0


def test_a_recursive_helper_is_cached_like_any_function():
    def power(x, n):
        return x if n == 1 else x * power(x, n - 1)

    f = lambda x: power(x, 3)  # noqa: E731
    assert symjvp.jvp(f, np.full(1, 2.0), np.ones(1))[1].tolist() == [12.0]
    from symjvp.runtime.fingerprint import fingerprint

    assert fingerprint(f) is not None


HELPER_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import helpers
    import symjvp

    f = lambda x: helpers.act(x) * 2
    print(symjvp.jvp(f, np.ones(1), np.ones(1))[0][0])
    """
)


def test_an_edited_helper_module_is_not_served_from_the_disk_cache(tmp_path):
    (tmp_path / "script.py").write_text(HELPER_SCRIPT)
    helper = tmp_path / "helpers.py"
    env = dict(os.environ, SYMJVP_CACHE_DIR=str(tmp_path / "cache"), PYTHONDONTWRITEBYTECODE="1")

    def run():
        done = subprocess.run(
            [sys.executable, str(tmp_path / "script.py"), str(tmp_path)],
            capture_output=True, text=True, env=env, timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return float(done.stdout)

    helper.write_text("import numpy as np\n\ndef act(x):\n    return np.tanh(x)\n")
    assert np.isclose(run(), 2 * np.tanh(1.0))
    helper.write_text("import numpy as np\n\ndef act(x):\n    return np.sin(x)\n")
    assert np.isclose(run(), 2 * np.sin(1.0))


def test_a_parameter_named_like_a_numbered_star_argument_stays_a_separate_input():
    def f(a1, *a):
        return a1 + 2 * a[0] + 3 * a[1]

    inputs = (np.ones(1), np.full(1, 10.0), np.full(1, 100.0))
    out, jv = symjvp.jvp(f, inputs, (np.ones(1), np.zeros(1), np.zeros(1)))
    assert out.tolist() == [321.0]
    assert jv.tolist() == [1.0]


def test_a_parameter_named_like_a_tangent_stays_a_separate_input():
    def f(x, v_x):
        return x * v_x

    k = symjvp.compile(f, np.ones(2), np.ones(2))
    out, jv = k.jvp((np.full(2, 2.0), np.full(2, 3.0)), (np.ones(2), np.zeros(2)))
    assert out.tolist() == [6.0, 6.0] and jv.tolist() == [3.0, 3.0]
    assert set(k.symbols) == {"x", "v_x", "v_x_", "v_v_x", "u"}


@pytest.fixture
def empty_disk_cache(tmp_path, monkeypatch):
    """A cache of this test's own: an entry left by an earlier run would spare the trace being tested."""
    from symjvp.runtime import compiled

    monkeypatch.setenv("SYMJVP_CACHE_DIR", str(tmp_path))
    compiled.reset_disk_cache()
    yield tmp_path
    compiled.reset_disk_cache()


def test_a_retrace_that_builds_the_same_graph_reuses_the_kernels(monkeypatch, empty_disk_cache):
    calls = []

    def counted(x):
        calls.append(1)
        return np.sin(x) * 2 + 0.125

    built = []
    original = program_module.KernelProgram.from_graph.__func__
    monkeypatch.setattr(
        program_module.KernelProgram,
        "from_graph",
        classmethod(lambda cls, *a, **k: built.append(1) or original(cls, *a, **k)),
    )
    for _ in range(4):
        out, jv = symjvp.jvp(counted, np.ones(3), np.ones(3))
    assert len(calls) == 4, "a changed captured list must be traced again"
    assert len(built) <= 1, "the same graph must not be compiled again"
    np.testing.assert_allclose(jv, 2 * np.cos(np.ones(3)))


def test_a_function_traced_again_and_again_adds_no_disk_entry_per_call(empty_disk_cache):
    calls = []

    def counted(x):
        calls.append(1)
        return np.cos(x) * 3 - 0.375

    symjvp.jvp(counted, np.ones(3), np.ones(3))
    entries = set(empty_disk_cache.glob("*/*"))
    for _ in range(5):
        symjvp.jvp(counted, np.ones(3), np.ones(3))
    assert len(calls) == 6 and set(empty_disk_cache.glob("*/*")) == entries
