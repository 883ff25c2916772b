"""Native libraries: a cache entry's core as a CPython extension, the same numbers as Numba, no Numba to load."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.special as scipy_special

import symjvp
from mass_action import mass_action
from symjvp.codegen import native
from symjvp import tuning
from symjvp.runtime import compiled as compiled_module

pytestmark = pytest.mark.skipif(not native.buildable(), reason="needs Linux, a C compiler and Python's headers")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """One disk cache for the module's kernels (native libraries exist only for cache entries)."""
    path = tmp_path_factory.mktemp("native-cache")
    previous = os.environ.get("SYMJVP_CACHE_DIR")
    os.environ["SYMJVP_CACHE_DIR"] = str(path)
    compiled_module.reset_disk_cache()
    yield path
    if previous is None:
        del os.environ["SYMJVP_CACHE_DIR"]
    else:
        os.environ["SYMJVP_CACHE_DIR"] = previous
    compiled_module.reset_disk_cache()


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def scale_by_counts(x, counts):
    return x * counts + 2.0


def _program(compiled, kind):
    spec = next(iter(compiled._specializations.values()))
    return spec.program(kind)


CASES = {
    # name: (function, example inputs, wrt)
    "constants and index tables (mass action)": (mass_action, [np.linspace(0.1, 2.0, 20)], None),
    "scratch buffers (softmax's max and sum)": (softmax, [np.linspace(-1.0, 1.0, 200)], None),
    "an integer input": (scale_by_counts, [np.arange(4.0), np.array([4, 0, 1, 2])], 0),
    "two-dimensional inputs and outputs": (lambda x: np.tanh(x) @ x.T, [np.linspace(-1, 1, 6).reshape(2, 3)], None),
}


@pytest.mark.parametrize("kind", ["primal", "jvp", "vjp", "jacobian"])
@pytest.mark.parametrize("case", list(CASES))
def test_native_library_computes_what_the_numba_kernel_computes_within_rounding(cache_dir, case, kind):
    func, inputs, wrt = CASES[case]
    program = _program(symjvp.compile(func, *inputs, wrt=wrt), kind)
    assert program.fn.__module__.startswith("symjvp_native_"), "no native library was built"
    rng = np.random.default_rng(0)
    arrays = [a if a.dtype.kind == "i" else rng.uniform(0.5, 1.5, a.shape) for a in inputs]
    diff = [0] if wrt == 0 else range(len(inputs))
    extra = {
        "primal": [],
        "jacobian": [],
        "jvp": [rng.standard_normal(arrays[k].shape) for k in diff],
        "vjp": [rng.standard_normal(np.shape(func(*arrays)))],
    }[kind]
    args = arrays + extra + program.after_inputs()
    by_numba = program._numba_kernels()[1](*args)
    by_native = program.fn(*args)
    for ours, theirs in zip(*[r if isinstance(r, tuple) else (r,) for r in (by_native, by_numba)]):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        # The native core is C (libm's exp, log, ...); the Numba kernel inlines symjvp's own: within rounding,
        # relative to the largest element (a jvp's small elements are differences of larger ones).
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-14 * np.abs(theirs).max(initial=0.0))


def test_native_library_takes_buffers_its_caller_allocated(cache_dir, monkeypatch):
    monkeypatch.setattr(tuning, "CALLER_ALLOCATES_BYTES", 0)
    x, u = np.linspace(0.1, 1.0, 6).reshape(3, 2), np.arange(3.0)
    k = symjvp.compile(lambda x: np.log(x).sum(axis=1) * 2.0, x)
    program = _program(k, "vjp")
    assert program.buffers and program.fn.__module__.startswith("symjvp_native_")
    out, grad = k.vjp(x, u)
    np.testing.assert_allclose(out, 2 * np.log(x).sum(axis=1), rtol=1e-15)
    np.testing.assert_allclose(grad, 2 * u[:, None] / x, rtol=1e-15)
    assert grad.shape == (3, 2)


def test_native_library_returns_fresh_outputs_each_call(cache_dir):
    k = symjvp.compile(softmax, np.zeros(4))
    first = k.jvp(np.zeros(4), np.ones(4))[1]
    second = k.jvp(np.zeros(4), np.ones(4))[1]
    assert first is not second and not np.shares_memory(first, second)


@pytest.fixture(scope="module")
def exp_rows_kernel(cache_dir):
    program = _program(symjvp.compile(lambda x: np.exp(x).sum(axis=1), np.ones((3, 2))), "jvp")
    assert program.fn.__module__.startswith("symjvp_native_")
    return program.fn


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.ones((3, 2)),), "takes 2 arrays, got 1"),
        ((np.ones((3, 2)), [[1.0, 1.0]] * 3), "argument 1 must be a NumPy array, got list"),
        ((np.ones((3, 2)), np.ones((3, 2), np.float32)), r"argument 1 must be an aligned C-contiguous float64 array of shape \(3, 2\)"),
        ((np.ones((2, 3)), np.ones((3, 2))), r"argument 0 must be .* of shape \(3, 2\)"),
        ((np.ones((2, 3)).T, np.ones((3, 2))), "argument 0 must be an aligned C-contiguous"),
        ((np.ones((3, 2), ">f8"), np.ones((3, 2))), "argument 0 must be"),
    ],
    ids=["count", "not an array", "dtype", "shape", "not contiguous", "byte order"],
)
def test_native_library_refuses_arrays_it_was_not_built_for(exp_rows_kernel, args, message):
    with pytest.raises(TypeError, match=message):
        exp_rows_kernel(*args)


def test_unaligned_inputs_are_copied_before_they_reach_a_kernel(cache_dir):
    raw = np.frombuffer(bytearray(8 * 6 + 1), dtype=np.uint8)[1:].view(np.float64).reshape(3, 2)
    raw[...] = np.arange(6.0).reshape(3, 2) / 6
    assert not raw.flags.aligned
    out, jv = symjvp.jvp(lambda x: np.exp(x).sum(axis=1), raw, np.ones((3, 2)))
    np.testing.assert_allclose(jv, np.exp(np.arange(6.0).reshape(3, 2) / 6).sum(axis=1), rtol=1e-15)


def test_a_parallel_kernel_of_few_nests_stays_with_numba(cache_dir, monkeypatch):
    monkeypatch.setattr(tuning, "PARALLEL_MIN_TRIPS", 1)
    program = _program(symjvp.compile(lambda x: np.exp(x) * 3.0, np.ones(200)), "primal")
    assert program.parallel
    assert not getattr(program.fn, "__module__", "").startswith("symjvp_native_")
    np.testing.assert_allclose(program.fn(np.zeros(200)), np.full(200, 3.0))


def test_a_parallel_kernel_of_many_nests_is_c_with_openmp_and_keeps_the_adjoint_identity(cache_dir, monkeypatch):
    """Numba's parallel frontend is superlinear in the loops; OpenMP splits the C core's loops instead."""
    monkeypatch.setattr(tuning, "PARALLEL_MIN_TRIPS", 1)
    monkeypatch.setattr(tuning, "C_CORE_PARALLEL_MIN_NESTS", 1)

    def chain(x):
        return np.exp(x[:, 1:] * x[:, :-1]).sum(axis=1) * np.log1p(x * x).sum(axis=1)

    x = np.linspace(0.1, 1.0, 60).reshape(12, 5)
    v, u = np.cos(np.arange(60.0)).reshape(12, 5), np.sin(np.arange(12.0))
    k = symjvp.compile(chain, x)
    out, jv = k.jvp(x, v)
    _, vj = k.vjp(x, u)
    np.testing.assert_allclose(out, chain(x), rtol=1e-14)
    np.testing.assert_allclose(u @ jv, (vj * v).sum(), rtol=1e-13)
    program = _program(k, "vjp")
    assert program.parallel and program.native and "#pragma omp parallel for" in program.c_source


def _flat_layout(n):
    return {"arguments": [[n, "float64", [n]]], "temporaries": [[n, "float64", False, False, [n]]], "returns": [0]}


def test_a_core_that_may_raise_has_no_native_object():
    from numba import njit

    @njit(error_model="numpy")
    def checked_copy(x, out):
        for i in range(3):
            if x[i] < 0.0:
                raise ValueError("negative")
            out[i] = x[i]

    assert native._object_code(checked_copy, _flat_layout(3)) is None


def test_a_core_that_cannot_raise_becomes_an_object():
    from numba import njit

    @njit(error_model="numpy")
    def halve(x, out):
        for i in range(3):
            out[i] = x[i] / 2.0

    assert native._object_code(halve, _flat_layout(3))[:4] == b"\x7fELF"


def test_a_core_that_cannot_be_native_is_not_rebuilt_by_later_processes(cache_dir, monkeypatch):
    monkeypatch.setattr(native, "build", lambda *args, **kwargs: None)
    first = _program(symjvp.compile(lambda x: np.sin(x) * 11.0, np.ones(3)), "primal")
    assert not first.native and first.fn(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]

    def build_again(*args):
        raise AssertionError("the build was attempted again")

    monkeypatch.setattr(native, "build", build_again)
    compiled_module.reset_disk_cache()  # as a new process would: nothing remembered in memory
    again = _program(symjvp.compile(lambda x: np.sin(x) * 11.0, np.ones(3)), "primal")
    assert not again.native and again.fn(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]


def test_switched_off_by_the_environment_numba_runs_the_kernel(cache_dir, monkeypatch):
    monkeypatch.setattr(native, "ENABLED", False)
    program = _program(symjvp.compile(lambda x: np.sin(x) * 5.0, np.ones(3)), "primal")
    program.run(np.zeros(3))
    assert type(program.fn).__name__ == "CPUDispatcher"


def test_a_library_whose_hash_the_manifest_does_not_list_is_not_trusted(cache_dir):
    program = _program(symjvp.compile(lambda x: np.cos(x) * 7.0, np.ones(3)), "primal")
    assert program.fn.__module__.startswith("symjvp_native_")
    entry = os.path.dirname(program.module_path)
    name = native.library_name(native.host_tag())
    assert program.disk.trusted(entry, name) is not None
    with open(os.path.join(entry, name), "ab") as f:
        f.write(b"tampered")
    assert program.disk.trusted(entry, name) is None
    assert program.disk.trusted(entry, "native-stranger.so") is None


WARM = textwrap.dedent(
    """
    import sys
    import numpy as np
    import symjvp

    def exp_reducer(x):
        return x.exp().sum(dim=1)

    out, jv = symjvp.jvp(exp_reducer, np.full((3, 3), 0.5), np.ones((3, 3)))
    print(repr(jv.tolist()), "numba" in sys.modules, "sympy" in sys.modules)
    """
)


def _run_script(tmp_path, text, **env):
    """(printed values, "True"/"False" for numba imported, for sympy imported) of ``text`` in a new process.

    The process uses the disk cache under ``tmp_path``, so a second call finds what the first built.
    """
    script = tmp_path / "script.py"
    script.write_text(text)
    environment = dict(os.environ, SYMJVP_CACHE_DIR=str(tmp_path / "cache"), **env)
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=environment, timeout=300)
    assert run.returncode == 0, run.stderr
    values, used_numba, used_sympy = run.stdout.rsplit(" ", 2)
    return values, used_numba, used_sympy.strip()


def test_a_warm_process_runs_the_native_library_without_importing_numba_or_sympy(tmp_path):
    cold_values, cold_numba, cold_sympy = _run_script(tmp_path, WARM)
    warm_values, warm_numba, warm_sympy = _run_script(tmp_path, WARM)
    assert (cold_numba, cold_sympy) == ("True", "True")  # the helper process is off in the tests
    assert (warm_numba, warm_sympy) == ("False", "False")
    assert warm_values == cold_values
    np.testing.assert_allclose(eval(warm_values), [3 * np.exp(0.5)] * 3, rtol=1e-15)


ARITHMETIC = WARM.replace("x.exp().sum(dim=1)", "(x * x - 3.0 * x).sum(dim=1)")


def test_a_cold_process_compiles_an_arithmetic_core_as_c_without_importing_numba(tmp_path):
    values, used_numba, used_sympy = _run_script(tmp_path, ARITHMETIC, SYMJVP_BUILD_HELPER="0")
    assert (used_numba, used_sympy) == ("False", "True")
    np.testing.assert_allclose(eval(values), [3 * (2 * 0.5 - 3.0)] * 3, rtol=1e-15)


WITHOUT_C_FORM = WARM.replace("x.exp().sum(dim=1)", "scipy.special.digamma(x).sum(axis=1)").replace(
    "import sys", "import sys\nimport scipy.special"
)


def test_a_core_without_a_c_form_is_built_by_a_helper_and_this_process_never_imports_numba(tmp_path):
    values, used_numba, used_sympy = _run_script(tmp_path, WITHOUT_C_FORM, SYMJVP_BUILD_HELPER="1")
    assert (used_numba, used_sympy) == ("False", "True")
    np.testing.assert_allclose(eval(values), [3 * scipy_special.polygamma(1, 0.5)] * 3, rtol=1e-13)
    assert list((tmp_path / "cache").glob(f"*/*/{native.library_name(native.host_tag())}"))


def test_without_a_working_helper_the_library_is_built_in_this_process(cache_dir, monkeypatch):
    from symjvp.codegen import builder

    gone = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    gone.wait()
    monkeypatch.setattr(builder, "_helper", gone)
    program = _program(symjvp.compile(lambda x: scipy_special.digamma(x) * 13.0, np.ones(3)), "primal")
    assert program.c_source is None
    np.testing.assert_allclose(program.fn(np.ones(3)), 13.0 * scipy_special.digamma(np.ones(3)), rtol=1e-13)
    assert program.native


def test_a_forked_child_does_not_share_its_parents_helper(monkeypatch):
    from symjvp.codegen import builder

    monkeypatch.setattr(builder, "_helper", "the parent's helper")
    pid = os.fork()
    if pid == 0:
        os._exit(0 if builder._helper is None else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_quotient_of_integer_inputs_is_true_division_in_the_c_core(cache_dir):
    def ratio(x, counts, totals):
        return x * (counts / totals)

    counts, totals = np.array([1, 2, 7]), np.array([3, 4, 2])
    program = _program(symjvp.compile(ratio, np.ones(3), counts, totals, wrt=0), "primal")
    np.testing.assert_array_equal(program.fn(np.ones(3), counts, totals), counts / totals)
    assert program.c_source is not None and program.native


def test_the_c_core_keeps_numpys_special_values(cache_dir):
    def branches(x):
        return np.maximum(x, 0.5) + np.sign(x) * np.floor(x) + np.where(x > 1.0, x - x, 1.0 / x)

    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -2.5, 1.0, 3.5])
    program = _program(symjvp.compile(branches, x), "primal")
    with np.errstate(all="ignore"):
        expected = branches(x)
    np.testing.assert_array_equal(program.fn(x), expected)
    assert program.c_source is not None and program.native


def test_parameters_named_like_c_keywords_and_math_functions_still_compile_as_c(cache_dir):
    def clash(sqrt, double):
        return np.sqrt(sqrt) * double

    program = _program(symjvp.compile(clash, np.ones(3), np.ones(3)), "primal")
    np.testing.assert_allclose(program.fn(np.full(3, 4.0), np.full(3, 2.0)), [4.0, 4.0, 4.0])
    assert program.c_source is not None and program.native


def test_a_short_kernel_calling_exp_keeps_numbas_vectorized_exp_and_a_long_one_is_c(cache_dir, monkeypatch):
    short = _program(symjvp.compile(lambda x: np.exp(x) * 3.0, np.ones(3)), "primal")
    assert short.c_source is None
    monkeypatch.setattr(tuning, "C_CORE_MIN_LINES_WITH_FUNCTIONS", 1)
    long = _program(symjvp.compile(lambda x: np.exp(x) * 5.0, np.ones(3)), "primal")
    assert long.c_source is not None and "exp(" in long.c_source
    np.testing.assert_allclose(long.fn(np.zeros(3)), [5.0, 5.0, 5.0])
    assert long.native


def test_a_c_core_of_many_nests_is_split_into_functions_and_keeps_the_adjoint_identity(cache_dir, monkeypatch):
    """The C compiler's time grows faster than one function's size: long cores are several functions."""
    monkeypatch.setattr(tuning, "C_NESTS_PER_FUNCTION", 2)
    K = np.linspace(0.1, 0.9, 9).reshape(3, 3)

    def steps(y):
        for _ in range(3):
            y = y + 0.1 * (K @ y) * y - 0.05 * y / (1.0 + y * y)
        return y

    y, v, u = np.array([0.3, -0.2, 0.5]), np.array([1.0, 2.0, -1.0]), np.array([0.5, -1.0, 2.0])
    k = symjvp.compile(steps, y)
    _, jv = k.jvp(y, v)
    _, vj = k.vjp(y, u)
    np.testing.assert_allclose(u @ jv, vj @ v, rtol=1e-13)
    program = _program(k, "vjp")
    assert program.c_source.count("__attribute__((noinline)) static void sj_part") >= 2 and program.native
