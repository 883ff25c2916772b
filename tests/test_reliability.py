"""Fault injection: what reaches the disk cache or the process from outside never runs unverified or crashes it.

In the style of SQLite's and Git's fault tests.  Each case runs symjvp in a
child process (a crash fails one test, not the suite) against a cache
directory of its own, and checks the values against NumPy.  ``SYMJVP_NATIVE=0``
where a case needs Numba to load the kernel module and its own cache (with
native libraries on, a warm process never loads either).
"""

import hashlib
import json
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import symjvp
from symjvp.runtime.diskcache import DiskCache

CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import symjvp

    def f(x):
        return np.sin(x) * 3.0 + x * x

    def g(x):
        return np.exp(x).sum()

    x = np.linspace(0.1, 0.9, 5)
    out, jv = symjvp.jvp(f, x, np.ones(5))
    _, grad = symjvp.vjp(g, x, np.ones(()))
    print(json.dumps({"out": out.tolist(), "jv": jv.tolist(), "grad": grad.tolist()}))
    """
)
X = np.linspace(0.1, 0.9, 5)
EXPECTED = {"out": np.sin(X) * 3.0 + X * X, "jv": np.cos(X) * 3.0 + 2 * X, "grad": np.exp(X)}
MARKER = "planted code ran"


def run_child(cache, *, script=CHILD, env=(), limit_file_size=None, timeout=300):
    environment = dict(os.environ, SYMJVP_CACHE_DIR=str(cache), SYMJVP_VERBOSE="0", **dict(env))

    def limit():
        if limit_file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=timeout, preexec_fn=limit
    )
    assert MARKER not in done.stdout + done.stderr, "code planted in the cache was executed"
    assert done.returncode == 0, f"child died with {done.returncode}:\n{done.stderr[-3000:]}"
    return done


def assert_expected(done):
    values = json.loads(done.stdout.strip().splitlines()[-1])
    for name, expected in EXPECTED.items():
        np.testing.assert_allclose(values[name], expected, rtol=1e-12)


def entries(cache):
    return [p for p in pathlib.Path(cache).glob("*/*") if (p / "manifest.json").exists() and (p / "meta.json").read_text() != "{}"]


def kernel_entries(cache):
    return [p for p in entries(cache) if (p / "kernel.py").read_text()]


def plant(entry):
    """Rewrite ``entry``'s kernel.py to announce itself, with a manifest that agrees (a self-consistent forgery)."""
    kernel = entry / "kernel.py"
    kernel.write_text(f"print({MARKER!r})\n" + kernel.read_text())
    manifest = json.loads((entry / "manifest.json").read_text())
    for name in list(manifest["files"]):
        path = entry / name
        if path.exists():
            manifest["files"][name] = hashlib.sha256(path.read_bytes()).hexdigest()
    (entry / "manifest.json").write_text(json.dumps(manifest))


NO_NATIVE = {"SYMJVP_NATIVE": "0"}


# ---------------------------------------------------------------- corruption of each file kind


@pytest.mark.parametrize("name", ["kernel.py", "meta.json", "constants.npz", "manifest.json"])
def test_a_flipped_byte_in_an_entry_file_is_rebuilt(tmp_path, name):
    cache = tmp_path / "cache"
    run_child(cache, env=NO_NATIVE)
    for entry in kernel_entries(cache):
        path = entry / name
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x20
        path.write_bytes(bytes(data))
    assert_expected(run_child(cache, env=NO_NATIVE))


def test_flipped_bytes_in_numbas_cache_files_are_compiled_again_not_loaded(tmp_path):
    cache = tmp_path / "cache"
    run_child(cache, env=NO_NATIVE)
    numba_files = list(cache.glob("*/*/__pycache__/*.nb*"))
    assert numba_files, "Numba cached nothing to corrupt"
    for path in numba_files:
        data = bytearray(path.read_bytes())
        for k in range(len(data) // 3, len(data), max(1, len(data) // 50)):
            data[k] ^= 0xFF
        path.write_bytes(bytes(data))
    assert_expected(run_child(cache, env=NO_NATIVE))


def test_a_forged_pyc_beside_a_verified_kernel_is_never_run(tmp_path):
    cache = tmp_path / "cache"
    run_child(cache, env=NO_NATIVE)
    for entry in kernel_entries(cache):
        kernel = entry / "kernel.py"
        forged = tmp_path / "forged.py"
        forged.write_text(f"print({MARKER!r})\n" + kernel.read_text())
        stat = kernel.stat()
        os.utime(forged, (stat.st_atime, stat.st_mtime))
        pyc = entry / "__pycache__" / f"kernel.{sys.implementation.cache_tag}.pyc"
        pyc.parent.mkdir(exist_ok=True)
        import py_compile

        py_compile.compile(str(forged), cfile=str(pyc), dfile=str(kernel))
        # The import system would take this .pyc for kernel.py: same mtime; size made to match.
        data = bytearray(pyc.read_bytes())
        data[12:16] = stat.st_size.to_bytes(4, "little")
        pyc.write_bytes(bytes(data))
    assert_expected(run_child(cache, env=NO_NATIVE))


def test_two_swapped_entries_are_each_rebuilt_not_run(tmp_path):
    cache = tmp_path / "cache"
    run_child(cache, env=NO_NATIVE)
    a, b = kernel_entries(cache)[:2]
    parking = tmp_path / "parking"
    a.rename(parking)
    b.rename(a)
    parking.rename(b)
    assert_expected(run_child(cache, env=NO_NATIVE))


# ---------------------------------------------------------------- symlinks and ownership


def test_an_entry_that_is_a_symlink_into_another_directory_is_not_executed(tmp_path):
    cache = tmp_path / "cache"
    run_child(cache, env=NO_NATIVE)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    for entry in kernel_entries(cache):
        copy = foreign / entry.name
        shutil.copytree(entry, copy)
        plant(copy)
        shutil.rmtree(entry)
        entry.symlink_to(copy, target_is_directory=True)
    assert_expected(run_child(cache, env=NO_NATIVE))


def test_an_entry_in_a_shard_others_can_write_to_is_not_executed(tmp_path):
    cache = tmp_path / "cache"
    run_child(cache, env=NO_NATIVE)
    for entry in kernel_entries(cache):
        plant(entry)
        entry.parent.chmod(0o777)
    assert_expected(run_child(cache, env=NO_NATIVE))


def test_a_cache_symlink_repointed_after_open_is_not_followed(tmp_path):
    real, planted = tmp_path / "real", tmp_path / "planted"
    link = tmp_path / "link"
    real.mkdir(mode=0o700)
    link.symlink_to(real)
    run_child(link, env=NO_NATIVE)
    shutil.copytree(real, planted)
    for entry in kernel_entries(planted):
        plant(entry)
    planted.chmod(0o777)
    script = textwrap.dedent(
        f"""
        import os, pathlib
        import numpy as np
        import symjvp
        from symjvp.runtime import compiled

        symjvp.jvp(lambda x: np.cos(x), np.ones(2), np.ones(2))   # opens the cache through the link
        link = pathlib.Path({str(link)!r})
        link.unlink()
        link.symlink_to({str(planted)!r})
        symjvp.clear_cache()
        compiled._PROGRAMS.clear()
        exec(compile({CHILD!r}, "child", "exec"))
        """
    )
    assert_expected(run_child(link, script=script, env=NO_NATIVE))


# ---------------------------------------------------------------- concurrent writers, killed writers


def test_concurrent_manifest_updates_lose_no_file(tmp_path):
    cache = DiskCache.open(str(tmp_path / "cache"))
    key = cache.key("shared entry")
    entry = pathlib.Path(cache.store(key, "x = 1\n", {}, [])).parent
    script = textwrap.dedent(
        f"""
        import sys
        from symjvp.runtime.diskcache import DiskCache
        cache = DiskCache({str(cache.root)!r})
        for k in range(40):
            assert cache.attach({str(entry)!r}, f"file-{{sys.argv[1]}}-{{k}}", b"data %d" % k)
        """
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, str(p)]) for p in range(3)]
    assert all(w.wait(timeout=120) == 0 for w in writers)
    listed = json.loads((entry / "manifest.json").read_text())["files"]
    assert all(f"file-{p}-{k}" in listed for p in range(3) for k in range(40))
    assert cache.load(key) is not None


def test_a_writer_killed_mid_compile_leaves_a_usable_cache(tmp_path):
    cache = tmp_path / "cache"
    environment = dict(os.environ, SYMJVP_CACHE_DIR=str(cache), **NO_NATIVE)
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=environment, stdout=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list(cache.glob("*/*/manifest.json")) and time.time() < deadline:
        time.sleep(0.01)
    child.kill()
    child.wait()
    assert_expected(run_child(cache, env=NO_NATIVE))


def test_stale_staging_directories_are_removed_on_open_and_fresh_ones_kept(tmp_path):
    root = tmp_path / "cache"
    shard = root / "ab"
    stale, fresh = shard / ".tmp-stale", shard / ".tmp-fresh"
    stale.mkdir(parents=True)
    fresh.mkdir()
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    DiskCache.open(str(root))
    assert not stale.exists() and fresh.exists()


# ---------------------------------------------------------------- faults degrade


def test_a_full_disk_degrades_to_memory_with_a_warning(tmp_path):
    done = run_child(tmp_path / "cache", env=dict(NO_NATIVE, SYMJVP_BUILD_HELPER="0"), limit_file_size=16 * 1024)
    assert_expected(done)
    assert done.stderr.count("symjvp:") <= 2, done.stderr


def test_an_entry_deleted_between_verification_and_use_is_compiled_in_memory(tmp_path):
    cache = tmp_path / "cache"
    run_child(cache, env=NO_NATIVE)
    script = textwrap.dedent(
        f"""
        import shutil, os
        from symjvp.runtime import diskcache

        load = diskcache.DiskCache.load

        def load_then_lose(self, key):
            found = load(self, key)
            if found is not None and found[3]:
                shutil.rmtree(os.path.dirname(found[2]))
            return found

        diskcache.DiskCache.load = load_then_lose
        exec(compile({CHILD!r}, "child", "exec"))
        """
    )
    assert_expected(run_child(cache, script=script, env=NO_NATIVE))


def test_after_a_run_without_native_libraries_later_processes_get_them(tmp_path):
    cache = tmp_path / "cache"
    run_child(cache, env=NO_NATIVE)
    run_child(cache)
    assert list(cache.glob("*/*/native-*.so")), "no native library was built after a Numba-only run"
    script = CHILD + textwrap.dedent(
        """
        import sys
        print("numba imported" if "numba" in sys.modules else "no numba")
        """
    )
    assert "no numba" in run_child(cache, script=script).stdout


THREADS = textwrap.dedent(
    """
    import threading
    import numpy as np
    import symjvp
    from symjvp import tuning

    tuning.PARALLEL_MIN_TRIPS = 1
    tuning.PARALLEL_MIN_OPERATIONS = 1
    x = np.linspace(0, 1, 4000).reshape(200, 20)
    k = symjvp.compile(lambda x: np.exp(x).sum(axis=1), x)
    expected = {
        "primal": np.exp(x).sum(axis=1),
        "jvp": np.exp(x).sum(axis=1),
        "vjp": np.exp(x),
        "jacobian": np.exp(x),
    }
    calls = {
        "primal": lambda: k(x),
        "jvp": lambda: k.jvp(x, np.ones_like(x))[1],
        "vjp": lambda: k.vjp(x, np.ones(200))[1],
        "jacobian": lambda: k.jacobian(x)[np.arange(200), np.arange(200)],
    }
    spec = next(iter(k._specializations.values()))
    assert all(spec.program(kind).parallel for kind in ("primal", "jvp", "vjp"))
    errors = []

    def work(kind):
        for _ in range(20):
            if not np.allclose(calls[kind](), expected[kind]):
                errors.append(kind)

    threads = [threading.Thread(target=work, args=(kind,)) for kind in calls for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors, errors
    import numba
    print(numba.threading_layer())
    """
)


@pytest.mark.parametrize("layer", ["workqueue", "default"])
def test_threads_running_every_kernel_kind_at_once_neither_abort_nor_mix_results(tmp_path, layer):
    env = {"NUMBA_THREADING_LAYER": layer, "SYMJVP_NATIVE": "0"}
    done = run_child(tmp_path / "cache", script=THREADS, env=env)
    assert layer == "default" or layer in done.stdout


def test_nothing_is_written_into_the_installed_package(tmp_path):
    package = pathlib.Path(symjvp.__file__).parent
    started = time.time() - 1
    run_child(tmp_path / "cache", env=NO_NATIVE)
    written = [p for p in package.rglob("*") if p.is_file() and p.stat().st_mtime >= started and p.suffix != ".pyc"]
    assert not written, written
