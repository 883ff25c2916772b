"""target="cuda": the CPU target's numbers from CUDA kernels, on Numba's CUDA simulator (conftest.py turns it on).

The oracle is the CPU target (itself tested against finite differences,
torch and the adjoint identity): float64 agrees to rtol 1e-12 (sums in
another order), float32 to rtol 1e-5.  That the kernels are real CUDA is
shown by NVIDIA's compiler: every kernel compiled to PTX and assembled by
ptxas, in a process without the simulator (tests/cuda_ptx_report.py).
"""

import os

import numpy as np
import pytest

import symjvp
from cuda_cases import all_cases

pytestmark = pytest.mark.skipif(
    os.environ.get("NUMBA_ENABLE_CUDASIM") != "1", reason="the values are checked on Numba's CUDA simulator"
)
cuda = pytest.importorskip("numba.cuda")

CASES = all_cases()
RTOL = {np.float64: 1e-12, np.float32: 1e-5}
_COMPILED = {}


def compiled(name):
    """(CPU, CUDA) compiled functions of a case, shared by every test that uses it."""
    if name not in _COMPILED:
        func, inputs, wrt, _ = CASES[name]
        _COMPILED[name] = (
            symjvp.compile(func, *inputs, wrt=wrt),
            symjvp.compile(func, *inputs, wrt=wrt, target="cuda"),
        )
    return _COMPILED[name]


def assert_same(gpu, cpu, rtol=1e-12):
    if isinstance(cpu, tuple):
        assert isinstance(gpu, tuple) and len(gpu) == len(cpu)
        for g, c in zip(gpu, cpu):
            assert_same(g, c, rtol)
        return
    assert isinstance(gpu, np.ndarray), type(gpu)
    assert gpu.shape == cpu.shape and gpu.dtype == cpu.dtype
    np.testing.assert_allclose(gpu, cpu, rtol=rtol, atol=rtol * max(1.0, float(np.max(np.abs(cpu), initial=0))))


def vectors(shapes, seed):
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal(s) for s in shapes)


def call(k, kind, inputs, wrt):
    args = inputs if len(inputs) > 1 else inputs[0]
    if kind == "primal":
        return k(*inputs)
    if kind == "jacobian":
        return k.jacobian(args)
    if kind == "jvp":
        positions = range(len(inputs)) if wrt is None else ([wrt] if isinstance(wrt, int) else wrt)
        v = vectors([inputs[p].shape for p in positions], 1)
        return k.jvp(args, v if len(v) > 1 or not isinstance(wrt, int) and len(inputs) > 1 else v[0])
    outputs = k(*inputs)
    u = vectors([np.shape(o) for o in outputs] if isinstance(outputs, tuple) else [np.shape(outputs)], 2)
    return k.vjp(args, u if isinstance(outputs, tuple) else u[0])


@pytest.mark.parametrize("name, kind", [(name, kind) for name, case in CASES.items() for kind in case[3]])
def test_each_kind_gives_the_cpu_targets_numbers(name, kind):
    cpu, gpu = compiled(name)
    _, inputs, wrt, _ = CASES[name]
    assert_same(call(gpu, kind, inputs, wrt), call(cpu, kind, inputs, wrt))


SCALAR = ["corpus_polynomial", "corpus_rosenbrock", "corpus_diff_and_norm", "corpus_max_min_scalar", "special_gammaln"]


@pytest.mark.parametrize("name", SCALAR)
def test_hvp_gives_the_cpu_targets_numbers(name):
    cpu, gpu = compiled(name)
    inputs = CASES[name][1]
    v = vectors([x.shape for x in inputs], 3)
    args, v = (inputs, v) if len(inputs) > 1 else (inputs[0], v[0])
    assert_same(gpu.hvp(args, v), cpu.hvp(args, v))


def test_hessian_gives_the_cpu_targets_numbers():
    cpu, gpu = compiled("corpus_rosenbrock")
    x = CASES["corpus_rosenbrock"][1][0]
    assert_same(gpu.hessian(x), cpu.hessian(x))


def test_seed_001_numbers_from_the_torch_doc():
    """torch.autograd.functional.jvp's documented example: exp(x).sum(1) at ones((4, 4)), v = ones."""
    out, jv = symjvp.compile(lambda x: x.exp().sum(dim=1), np.ones((4, 4)), target="cuda").jvp(np.ones((4, 4)), np.ones((4, 4)))
    np.testing.assert_allclose(out, [4 * np.e] * 4, rtol=1e-15)
    np.testing.assert_allclose(jv, [4 * np.e] * 4, rtol=1e-15)


def test_float32_inputs_compute_in_float32_within_1e_5():
    x = np.linspace(0.1, 2.0, 100, dtype=np.float32)
    f = lambda x: np.tanh(x) * np.exp(-x) + x.sum()  # noqa: E731
    (out, jv), (ref_out, ref_jv) = [
        symjvp.compile(f, x, target=t).jvp(x, np.ones_like(x)) for t in ("cuda", "cpu")
    ]
    assert out.dtype == jv.dtype == np.float32
    np.testing.assert_allclose(jv, ref_jv, rtol=1e-5)
    np.testing.assert_allclose(out, ref_out, rtol=1e-5)


def test_elementwise_kernel_covers_several_blocks_a_partial_block_and_several_strides():
    from symjvp.runtime import device

    n = 1000  # the simulator's grid: 4 blocks of 32 threads, so 8 strides, the last one partial
    blocks, threads = device.grid(n)
    assert blocks * threads < n and n % (blocks * threads) != 0
    x = np.linspace(-2, 2, n)
    _, jv = symjvp.compile(lambda x: np.sin(x) * x, x, target="cuda").jvp(x, np.ones(n))
    np.testing.assert_allclose(jv, np.cos(x) * x + np.sin(x), rtol=1e-14)


def test_long_reduction_is_a_block_per_output_with_a_tree_in_shared_memory():
    cpu, gpu = compiled("seed_exp_reducer")
    source = gpu.source("primal")
    assert "cuda.shared.array(128, float64)" in source and "cuda.syncthreads()" in source
    assert "blockIdx" in source


def test_reduction_into_few_outputs_is_split_over_many_blocks_then_combined():
    cpu, gpu = compiled("seed_003_logistic")
    source = gpu.source("vjp")
    assert "vjp_kernel_nest1_partial" in source and "sj_partials" in source
    X, w = CASES["seed_003_logistic"][1]
    u = np.random.default_rng(0).standard_normal(len(X))
    assert_same(gpu.vjp((X, w), u), cpu.vjp((X, w), u))


def test_max_reduction_over_a_block_propagates_nan_as_numpy():
    x = np.random.default_rng(1).random((2, 300))
    x[1, 217] = np.nan
    out = symjvp.compile(lambda x: np.max(x, axis=1), x, target="cuda")(x)
    assert out[0] == x[0].max() and np.isnan(out[1])


def test_scatter_add_with_repeated_indices_adds_every_contribution():
    """x[idx] with an index repeated: its vjp adds into one element from several threads (an atomic add)."""
    idx = np.array([0, 2, 2, 1, 2, 0] * 30)
    f = lambda x, idx: np.sin(x[idx])  # noqa: E731
    x = np.array([0.3, 0.7, 1.1])
    u = np.random.default_rng(2).standard_normal(len(idx))
    k = symjvp.compile(f, x, idx, wrt=0, target="cuda")
    _, vj = k.vjp((x, idx), u)
    expected = np.zeros(3)
    np.add.at(expected, idx, u * np.cos(x[idx]))
    np.testing.assert_allclose(vj, expected, rtol=1e-12)
    assert "cuda.atomic.add" in k.source("vjp")


def test_out_of_range_index_input_is_an_index_error_before_any_kernel_runs():
    k = symjvp.compile(lambda x, idx: x[idx], np.ones(3), np.array([0, 1]), wrt=0, target="cuda")
    with pytest.raises(IndexError, match="out of bounds"):
        k(np.ones(3), np.array([0, 3]))


def on_device(array):
    """A Numba device array (the simulator's have no ``__cuda_array_interface__``, only this mark)."""
    return getattr(array, "__cuda_ndarray__", False) is True and not isinstance(array, np.ndarray)


def test_device_arrays_in_give_device_arrays_out_without_a_round_trip():
    x = np.linspace(0.0, 1.0, 50)
    k = symjvp.compile(lambda x: np.exp(x) * 2, x, target="cuda")
    out, jv = k.jvp(cuda.to_device(x), cuda.to_device(np.ones(50)))
    assert on_device(out) and on_device(jv)
    np.testing.assert_allclose(jv.copy_to_host(), 2 * np.exp(x), rtol=1e-14)


def test_functional_api_runs_device_inputs_on_the_gpu():
    x = np.linspace(0.0, 1.0, 20).reshape(4, 5)
    out, jv = symjvp.jvp(lambda x: np.cos(x).sum(axis=0), cuda.to_device(x), cuda.to_device(np.ones((4, 5))))
    assert on_device(jv) and jv.shape == (5,)
    np.testing.assert_allclose(jv.copy_to_host(), -np.sin(x).sum(axis=0), rtol=1e-14)


def test_device_array_of_another_dtype_is_a_dtype_error_not_a_copy():
    k = symjvp.compile(lambda x: x * 2, np.ones(4), target="cuda")
    with pytest.raises(symjvp.DtypeError, match="device array of dtype float32; expected float64"):
        k.jvp(np.ones(4), cuda.to_device(np.ones(4, np.float32)))


def test_cpu_compiled_function_refuses_device_arrays_and_names_the_target():
    k = symjvp.compile(lambda x: x * 2, np.ones(4))
    with pytest.raises(symjvp.ArgumentError, match="target='cuda'"):
        k(cuda.to_device(np.ones(4)))


def test_per_point_jacobian_is_one_thread_per_point_of_straight_line_code():
    cpu, gpu = compiled("mass_action_per_point")
    source = gpu.source("jacobian")
    assert source.count("@cuda.jit") == 1 and "for " not in source


def test_source_shows_the_kernels_and_how_they_are_launched():
    source = compiled("lorenz96")[1].source("jvp")
    assert source.count("@cuda.jit") >= 1
    assert "def jvp_kernel(" in source and "[sj_blocks, sj_threads, stream]" in source


def test_unknown_target_is_refused_with_the_choices():
    with pytest.raises(symjvp.ArgumentError, match="'cpu' or 'cuda'"):
        symjvp.compile(lambda x: x, np.ones(2), target="gpu")


def test_ptx_of_a_cpu_compiled_function_asks_for_the_cuda_target():
    with pytest.raises(symjvp.ArgumentError, match="target='cuda'"):
        symjvp.compile(lambda x: x, np.ones(2)).ptx("jvp")


def test_transcendentals_are_cudas_own_not_the_cpu_polynomials():
    source = compiled("corpus_transcendental_mix")[1].source("jvp")
    assert "math.exp(" in source and "math.tanh(" in source and "fast_" not in source


def test_a_new_process_takes_the_cuda_kernels_from_the_disk_cache(tmp_path):
    import subprocess
    import sys

    code = (
        "import numpy as np, symjvp\n"
        "k = symjvp.compile(lambda x: np.sin(x).sum(), np.ones(300), target='cuda')\n"
        "print(k.jvp(np.ones(300), np.ones(300))[1])\n"
    )
    env = dict(os.environ, SYMJVP_CACHE_DIR=str(tmp_path), SYMJVP_VERBOSE="1", NUMBA_ENABLE_CUDASIM="1")
    first, second = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env) for _ in "12"]
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert float(first.stdout) == float(second.stdout) == pytest.approx(300 * np.cos(1.0), rel=1e-14)
    assert "tracing" in first.stderr and "lowering" in first.stderr
    assert "tracing" not in second.stderr and "lowering" not in second.stderr


def test_gpu_benchmarks_hand_written_kernels_and_peers_agree_with_symjvp():
    """benchmarks/gpu.py --check: every contender of the GPU benchmark, at small sizes, against symjvp's kernels."""
    import subprocess
    import sys

    script = os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks", "gpu.py")
    done = subprocess.run([sys.executable, script, "--check"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("agree with symjvp") == 6


def test_repeated_calls_reuse_scratch_buffers_and_still_start_sums_at_zero():
    idx = np.array([0, 2, 2, 1] * 20)
    f = lambda x, idx: np.cos(np.sin(x[idx]) * 2.0)  # noqa: E731  (the scatter-add feeds more arithmetic)
    x = np.array([0.3, 0.7, 1.1])
    u = np.linspace(-1, 1, len(idx))
    gpu, cpu = (symjvp.compile(f, x, idx, wrt=0, target=t) for t in ("cuda", "cpu"))
    expected = cpu.vjp((x, idx), u)[1]
    for _ in range(3):
        np.testing.assert_allclose(gpu.vjp((x, idx), u)[1], expected, rtol=1e-12)


def test_vhp_gives_the_cpu_targets_numbers():
    cpu, gpu = compiled("corpus_polynomial")
    x = CASES["corpus_polynomial"][1][0]
    v = np.linspace(-1, 1, x.size)
    assert_same(gpu.vhp(x, v), cpu.vhp(x, v))


def test_strided_device_array_is_refused_rather_than_copied():
    k = symjvp.compile(lambda x: x * 2, np.ones(3), target="cuda")
    with pytest.raises(symjvp.ArgumentError, match="not C-contiguous"):
        k(cuda.to_device(np.ones(6))[::2])


def test_reductions_over_empty_and_into_empty_arrays_give_numpys_results():
    rows = symjvp.compile(lambda x: np.exp(x).sum(axis=1), np.ones((0, 300)), target="cuda")
    assert rows(np.ones((0, 300))).shape == (0,)
    empty_terms = symjvp.compile(lambda x: np.exp(x).sum(axis=1), np.ones((3, 0)), target="cuda")
    np.testing.assert_array_equal(empty_terms(np.ones((3, 0))), np.zeros(3))
