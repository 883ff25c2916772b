"""The CUDA kernels are real CUDA: NVIDIA's compiler takes every one of them, with no GPU and no simulator.

Every kernel of every CUDA case (tests/cuda_cases.py) is compiled to PTX by
NVVM and assembled by ptxas for sm_80 and sm_90, in one child process run
without Numba's CUDA simulator (which would replace the compiler); ptxas's
registers per thread are printed (pytest -s), and the reference kernels
must not spill.
"""

import json
import os
import subprocess
import sys

import pytest

from cuda_cases import all_cases

pytest.importorskip("numba.cuda")
pytest.importorskip("cuda.pathfinder", reason="ptxas comes with numba-cuda[cu12]")

CASES = all_cases()


def _env():
    return {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}


def _without_simulator(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=600)


def test_without_gpu_or_simulator_running_says_what_is_needed():
    done = _without_simulator(
        "import numpy as np, symjvp\n"
        "k = symjvp.compile(lambda x: x * 2, np.ones(3), target='cuda')\n"
        "try:\n    k(np.ones(3))\nexcept symjvp.SymJvpError as e:\n    print(type(e).__name__, e)\n"
    )
    if "CudaUnavailableError" not in done.stdout:
        pytest.skip(f"this machine runs CUDA kernels: {done.stdout or done.stderr}")
    assert "NUMBA_ENABLE_CUDASIM=1" in done.stdout and "GPU" in done.stdout


@pytest.fixture(scope="module")
def ptx_report():
    """Every kernel of every case, compiled to PTX for sm_80 and sm_90 and assembled (one child process)."""
    script = os.path.join(os.path.dirname(__file__), "cuda_ptx_report.py")
    done = subprocess.run([sys.executable, script], capture_output=True, text=True, env=_env(), timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_kernel_compiles_to_ptx_and_assembles_for_sm_80_and_sm_90(ptx_report, name):
    for kind, by_arch in ptx_report[name].items():
        for arch, rows in by_arch.items():
            assert isinstance(rows, list) and rows, f"{name} {kind} {arch}: {rows}"
            for kernel, registers, spill_stores, spill_loads in rows:
                print(f"{name} {kind} {arch} {kernel}: {registers} registers, {spill_stores} B spill stores")
                assert 0 < registers <= 255


REFERENCE = ["seed_exp_reducer", "seed_double_row_sum", "lorenz96", "seed_003_logistic", "bundle_adjustment_per_point"]


@pytest.mark.parametrize("name", REFERENCE)
def test_reference_kernels_spill_nothing(ptx_report, name):
    spills = [
        (kind, arch, kernel, stores)
        for kind, by_arch in ptx_report[name].items()
        for arch, rows in by_arch.items()
        for kernel, _, stores, _ in rows
        if stores
    ]
    assert spills == []


def test_gpu_benchmark_without_a_gpu_says_so_and_exits_0():
    script = os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks", "gpu.py")
    probe = _without_simulator("from numba import cuda; print(cuda.is_available())")
    if probe.stdout.strip() != "False":
        pytest.skip("this machine has a GPU: the benchmark would run")
    done = subprocess.run([sys.executable, script], capture_output=True, text=True, env=_env(), timeout=600)
    assert done.returncode == 0 and "No GPU to measure on" in done.stdout
