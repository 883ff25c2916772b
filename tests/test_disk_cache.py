"""The disk cache: a new process reuses kernels; broken entries are rebuilt; bad directories are not used."""

import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import symjvp
from symjvp import tuning
from symjvp.runtime import compiled as compiled_module
from symjvp.runtime.diskcache import DiskCache

SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import symjvp

    def exp_reducer(x):
        return x.exp().sum(dim=1)

    out, jv = symjvp.jvp(exp_reducer, np.full((3, 3), 0.5), np.ones((3, 3)))
    print(repr(jv.tolist()), "sympy" in sys.modules)
    """
)


def _run(script, cache_dir):
    env = dict(os.environ, SYMJVP_CACHE_DIR=str(cache_dir))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    values, used_sympy = result.stdout.rsplit(" ", 1)
    return used_sympy.strip() == "True", values


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "seed.py"
    path.write_text(SCRIPT)
    return path


def test_a_new_process_reuses_the_kernels_without_sympy(script, tmp_path):
    cache = tmp_path / "cache"
    sympy_first, out_first = _run(script, cache)
    sympy_second, out_second = _run(script, cache)
    assert sympy_first and not sympy_second
    assert out_first == out_second
    machine_code = list(cache.glob("*/*/native-*.so")) + list(cache.glob("*/*/__pycache__/*.nbi"))
    assert machine_code, "the machine code was not cached"


def test_a_corrupt_entry_is_detected_and_rebuilt(script, tmp_path):
    cache = tmp_path / "cache"
    _, expected = _run(script, cache)
    for kernel in cache.glob("*/*/kernel.py"):
        kernel.write_text(kernel.read_text().replace("0.0", "1.0").replace("def ", "def broken_") + "\n#")
    used_sympy, out = _run(script, cache)
    assert out == expected
    assert used_sympy, "a corrupt entry must be rebuilt, which needs SymPy"


def test_a_partial_entry_is_rebuilt(script, tmp_path):
    cache = tmp_path / "cache"
    _, expected = _run(script, cache)
    for manifest in cache.glob("*/*/manifest.json"):
        manifest.unlink()
    _, out = _run(script, cache)
    assert out == expected
    assert len(list(cache.glob("*/*/manifest.json"))) >= 2


@pytest.fixture
def fresh_disk_cache(monkeypatch):
    def use(path):
        monkeypatch.setenv("SYMJVP_CACHE_DIR", str(path))
        compiled_module.reset_disk_cache()

    yield use
    compiled_module.reset_disk_cache()


def test_an_unusable_cache_directory_falls_back_to_memory_with_a_warning(tmp_path, fresh_disk_cache):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    fresh_disk_cache(blocker / "cache")
    with pytest.warns(RuntimeWarning, match="not writable"):
        out, jv = symjvp.jvp(lambda x: np.sin(x) * 3, np.zeros(2), np.ones(2))
    np.testing.assert_allclose(jv, [3.0, 3.0])


def test_a_directory_others_can_write_to_is_not_used(tmp_path, fresh_disk_cache):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    fresh_disk_cache(shared)
    with pytest.warns(RuntimeWarning, match="others can write"):
        symjvp.jvp(lambda x: np.cos(x) * 2, np.zeros(2), np.ones(2))
    assert not any(shared.iterdir())


def test_entries_are_keyed_by_captured_values(tmp_path):
    cache = DiskCache.open(str(tmp_path))
    a = cache.key(("function", ("array", (2,), "<f8", b"digest-1")), "jvp")
    b = cache.key(("function", ("array", (2,), "<f8", b"digest-2")), "jvp")
    assert a != b


def test_arrays_are_stored_without_pickle(tmp_path):
    cache = DiskCache.open(str(tmp_path))
    key = cache.key("entry")
    cache.store(key, "x = 1\n", {"a": 1}, [np.arange(3.0)])
    meta, constants, path, source = cache.load(key)
    assert meta == {"a": 1} and pathlib.Path(path).read_text() == "x = 1\n"
    np.testing.assert_array_equal(constants[0], np.arange(3.0))


def test_a_kernel_lowered_under_other_thresholds_is_another_entry(tmp_path, fresh_disk_cache, monkeypatch):
    def primal_program():
        compiled = symjvp.compile(lambda x: np.exp(x) * 7.0, np.ones(300))
        return next(iter(compiled._specializations.values())).program("primal")

    fresh_disk_cache(tmp_path)
    assert not primal_program().parallel
    monkeypatch.setattr(tuning, "PARALLEL_MIN_TRIPS", 1)
    compiled_module.reset_disk_cache()  # as a new process would: nothing remembered in memory
    assert primal_program().parallel
