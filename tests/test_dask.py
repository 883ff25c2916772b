"""dask.array inputs: the same kernels, one task per chunk, on a real LocalCluster of two worker processes."""

import os
import pickle
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import symjvp
from bundle_adjustment import reprojection

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")

Spec = symjvp.Spec
rng = np.random.default_rng(0)


def layer(X, w):
    """Seed 003: one output per sample; the gradient with respect to w sums over every sample."""
    return 1 / (1 + np.exp(-(X @ w)))


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def seed_003():
    return symjvp.compile(layer, Spec((None, 2)), Spec((2,)), wrt=1)


@pytest.fixture(scope="module")
def samples():
    X = rng.standard_normal((10_000, 2))
    return X, rng.standard_normal(2), rng.standard_normal(10_000)


def test_the_gradient_over_chunks_is_the_in_process_gradient(client, seed_003, samples):
    X, w, u = samples
    dX, du = da.from_array(X, chunks=(1500, 2)), da.from_array(u, chunks=1500)
    out, g = seed_003.vjp((dX, w), du)
    assert isinstance(g, da.Array) and isinstance(out, da.Array)
    expected_out, expected_g = seed_003.vjp((X, w), u)
    np.testing.assert_allclose(g.compute(), expected_g, rtol=1e-12)
    np.testing.assert_allclose(out.compute(), expected_out, rtol=1e-15)


def test_the_gradient_is_a_tree_of_sums(seed_003, samples):
    X, w, u = samples
    _, g = seed_003.vjp((da.from_array(X, chunks=(100, 2)), w), da.from_array(u, chunks=100))
    layers = g.__dask_graph__().layers
    assert sum("sum" in name for name in layers) >= 2, "100 chunks must be added in more than one level"


def test_jvp_and_the_primal_over_chunks(client, seed_003, samples):
    X, w, _ = samples
    dX = da.from_array(X, chunks=(3000, 2))
    v = np.array([0.5, -2.0])
    out, jv = seed_003.jvp((dX, w), v)
    expected_out, expected_jv = seed_003.jvp((X, w), v)
    np.testing.assert_allclose(jv.compute(), expected_jv, rtol=1e-14)
    np.testing.assert_allclose(seed_003(dX, w).compute(), expected_out, rtol=1e-15)


def test_uneven_chunks_share_one_kernel_on_each_worker(client, seed_003, samples):
    X, w, u = samples
    chunks = (1234, 4000, 17, 3000, 1749)
    _, g = seed_003.vjp((da.from_array(X, chunks=(chunks, 2)), w), da.from_array(u, chunks=(chunks,)))
    np.testing.assert_allclose(g.compute(), seed_003.vjp((X, w), u)[1], rtol=1e-12)

    def kernels_of_layer():
        from symjvp.runtime import compiled

        return sorted(str(p) for p in compiled._PROGRAMS.values() if "layer" in str(p))

    for kernels in client.run(kernels_of_layer).values():
        assert kernels == sorted(set(kernels)) and all("(None, 2)" in k for k in kernels), kernels


def test_per_point_jacobians_over_chunks(client):
    k = symjvp.compile(symjvp.vmap(reprojection), Spec((None, 11)), Spec((None, 3)), Spec((None,)), Spec((None, 2)), wrt=(0, 1))
    m = 5000
    cam = rng.standard_normal((m, 11))
    cam[:, 6] = 500.0
    xs = (cam, rng.standard_normal((m, 3)) + [0, 0, 5], rng.random(m), rng.standard_normal((m, 2)))
    chunked = tuple(da.from_array(x, chunks=(1200,) + x.shape[1:]) for x in xs)
    J = k.jacobian(chunked)
    for block, expected in zip(client.gather(client.compute(list(J))), k.jacobian(xs)):
        np.testing.assert_allclose(block, expected, rtol=1e-14)


def slow_copy(block):
    time.sleep(0.5)
    return block.copy()


def test_a_worker_killed_mid_computation_still_gives_the_right_gradient(client, seed_003, samples):
    X, w, u = samples
    dX = da.from_array(X, chunks=(1000, 2)).map_blocks(slow_copy, dtype=X.dtype)
    _, g = seed_003.vjp((dX, w), da.from_array(u, chunks=1000))
    future = client.compute(g)
    deadline = time.time() + 30
    while not any(client.processing().values()) and time.time() < deadline:
        time.sleep(0.05)
    victim, pid = next(iter(client.run(os.getpid).items()))
    os.kill(pid, signal.SIGKILL)
    np.testing.assert_allclose(future.result(timeout=120), seed_003.vjp((X, w), u)[1], rtol=1e-12)
    assert victim not in client.scheduler_info()["workers"] or client.run(os.getpid)[victim] != pid


def test_the_threads_scheduler_runs_the_same_tasks(seed_003, samples):
    import dask

    X, w, u = samples
    _, g = seed_003.vjp((da.from_array(X, chunks=(2500, 2)), w), da.from_array(u, chunks=2500))
    with dask.config.set(scheduler="threads"):
        np.testing.assert_allclose(g.compute(), seed_003.vjp((X, w), u)[1], rtol=1e-12)


def test_a_compiled_function_pickles_small_without_its_function(seed_003, samples):
    X, w, u = samples
    seed_003.vjp((X, w), u)
    data = pickle.dumps(seed_003)
    assert len(data) < 20_000
    assert b"layer" in data and b"def vjp_kernel" in data and b"ELF" not in data


def test_an_unpickled_function_runs_in_a_process_that_never_saw_the_function(seed_003, samples, tmp_path):
    X, w, u = samples
    seed_003.vjp((X, w), u)
    (tmp_path / "k.pkl").write_bytes(pickle.dumps(seed_003))
    np.save(tmp_path / "X.npy", X[:77])
    script = (
        "import pickle, sys, numpy as np\n"
        f"k = pickle.loads(open({str(tmp_path / 'k.pkl')!r}, 'rb').read())\n"
        f"X = np.load({str(tmp_path / 'X.npy')!r})\n"
        f"print(repr(k.vjp((X, np.array({w.tolist()!r})), np.ones(77))[1].tolist()))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    np.testing.assert_allclose(eval(result.stdout), seed_003.vjp((X[:77], w), np.ones(77))[1], rtol=1e-15)


def test_a_fixed_shape_function_takes_the_axis_its_dask_inputs_are_cut_along(samples):
    X, w, u = samples
    k = symjvp.compile(layer, X[:10], w, wrt=1)
    _, g = k.vjp((da.from_array(X, chunks=(3000, 2)), w), da.from_array(u, chunks=3000))
    np.testing.assert_allclose(g.compute(scheduler="threads"), k.vjp((X, w), u)[1], rtol=1e-12)
    assert k(X[:7], w).shape == (7,), "NumPy calls keep their fixed-shape specializations"


def test_inputs_cut_along_two_axes_have_no_batch_axis(samples):
    X, w, _ = samples
    k = symjvp.compile(layer, X[:10], w)
    with pytest.raises(symjvp.ArgumentError, match="along one batch axis"):
        k(da.from_array(X[:10], chunks=(5, 1)), w)


def test_a_function_that_mixes_rows_is_refused_chunk_by_chunk():
    k = symjvp.compile(lambda x: x - x.mean(axis=0), Spec((None, 3)))
    with pytest.raises(symjvp.ArgumentError, match="cannot run chunk by chunk"):
        k(da.ones((10, 3), chunks=(5, 3)))


def test_a_tangent_of_the_wrong_shape_is_a_shape_error(seed_003, samples):
    X, w, _ = samples
    with pytest.raises(symjvp.ShapeError, match=r"expected \(2,\)"):
        seed_003.jvp((da.from_array(X, chunks=(5000, 2)), w), np.ones(3))


def test_the_functional_api_takes_dask_arrays_without_computing_them(samples):
    X, w, u = samples
    computed = []

    def counted(block):
        computed.append(len(block))
        return block

    dX = da.from_array(X, chunks=(2000, 2)).map_blocks(counted, dtype=X.dtype)
    du = da.from_array(u, chunks=2000)
    out, (gX, gw) = symjvp.vjp(layer, (dX, w), du)
    assert sum(computed) == 0, "nothing runs before compute() (Dask calls the function on an empty block for its meta)"
    assert isinstance(gX, da.Array) and gX.chunks == dX.chunks and isinstance(gw, da.Array)
    _, jv = symjvp.jvp(layer, (dX, w), (da.zeros_like(dX), np.ones(2)))
    _, (expected_gX, expected_gw) = symjvp.vjp(layer, (X, w), u)
    np.testing.assert_allclose(gX.compute(scheduler="threads"), expected_gX, rtol=1e-12)
    np.testing.assert_allclose(gw.compute(scheduler="threads"), expected_gw, rtol=1e-12)
    np.testing.assert_allclose(jv.compute(scheduler="threads"), symjvp.jvp(layer, (X, w), (np.zeros_like(X), np.ones(2)))[1], rtol=1e-12)
