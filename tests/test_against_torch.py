"""symjvp agrees with torch.autograd.functional to 1e-9 in float64 (skipped without torch).

torch is a peer, not a dependency: ``pip install torch==2.13.0`` (a CPU
build on this machine's disk) enables these tests.
"""

import numpy as np
import pytest
import scipy.special

import symjvp
from corpus import CORPUS, function, shapes

torch = pytest.importorskip("torch")
torch.set_default_dtype(torch.float64)

RTOL, ATOL = 1e-9, 1e-12


def _inputs(name, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes(name)]


def _pack(arrays):
    return arrays[0] if len(arrays) == 1 else tuple(arrays)


def _torch_pack(arrays):
    tensors = [torch.tensor(a) for a in arrays]
    return tensors[0] if len(tensors) == 1 else tuple(tensors)


def _close(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _close(a, b)
        return
    theirs = theirs.detach().numpy()
    assert isinstance(ours, np.ndarray)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)


def _output_like(out, rng):
    if isinstance(out, tuple):
        return tuple(rng.standard_normal(o.shape) for o in out)
    return rng.standard_normal(out.shape)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_jvp_vjp_jacobian_match_torch(name):
    rng = np.random.default_rng(1)
    xs = _inputs(name)
    vs = [rng.standard_normal(x.shape) for x in xs]
    f_np, f_t = function(name, np), function(name, torch)

    out, jv = symjvp.jvp(f_np, _pack(xs), _pack(vs))
    t_out, t_jv = torch.autograd.functional.jvp(f_t, _torch_pack(xs), _torch_pack(vs))
    _close(out, t_out)
    _close(jv, t_jv)

    u = _output_like(out, rng)
    u_t = tuple(torch.tensor(a) for a in u) if isinstance(u, tuple) else torch.tensor(u)
    _, vj = symjvp.vjp(f_np, _pack(xs), u)
    _, t_vj = torch.autograd.functional.vjp(f_t, _torch_pack(xs), u_t)
    _close(vj, t_vj)

    _close(symjvp.jacobian(f_np, _pack(xs)), torch.autograd.functional.jacobian(f_t, _torch_pack(xs)))


SCALAR = sorted(
    n for n in CORPUS if n in ("polynomial", "rosenbrock", "diff_and_norm", "max_min_scalar", "prod_scalar")
)


@pytest.mark.parametrize("name", SCALAR)
def test_hessian_hvp_vhp_match_torch(name):
    rng = np.random.default_rng(2)
    xs = _inputs(name)
    vs = [rng.standard_normal(x.shape) for x in xs]
    f_np, f_t = function(name, np), function(name, torch)
    _close(symjvp.hessian(f_np, _pack(xs)), torch.autograd.functional.hessian(f_t, _torch_pack(xs)))
    for ours, theirs in ((symjvp.hvp, torch.autograd.functional.hvp), (symjvp.vhp, torch.autograd.functional.vhp)):
        out, hv = ours(f_np, _pack(xs), _pack(vs))
        t_out, t_hv = theirs(f_t, _torch_pack(xs), _torch_pack(vs))
        _close(out, t_out)
        _close(hv, t_hv)


def _spd_np(a):
    return a @ np.swapaxes(a, -1, -2) + a.shape[-1] * np.eye(a.shape[-1])


def _spd_torch(a):
    return a @ a.transpose(-1, -2) + a.shape[-1] * torch.eye(a.shape[-1])


#: NumPy as scientists write it, against torch's spelling of the same function.
NUMPY_AS_WRITTEN = {
    "sort": (lambda x: np.sort(x, axis=1) * np.arange(1.0, 5.0), lambda x: torch.sort(x, dim=1).values * torch.arange(1.0, 5.0), [(3, 4)]),
    "cumprod": (lambda x: np.cumprod(x, axis=0), lambda x: torch.cumprod(x, dim=0), [(4, 2)]),
    "kron": (np.kron, torch.kron, [(2, 2), (3, 2)]),
    "logsumexp": (
        lambda x: scipy.special.logsumexp(x, axis=1),
        lambda x: torch.logsumexp(x, dim=1),
        [(3, 4)],
    ),
    "xlogy": (lambda x: scipy.special.xlogy(x, x * x + 1.0), lambda x: torch.xlogy(x, x * x + 1.0), [(5,)]),
    "det": (np.linalg.det, torch.linalg.det, [(2, 3, 3)]),
    "inv": (lambda a: np.linalg.inv(_spd_np(a)), lambda a: torch.linalg.inv(_spd_torch(a)), [(4, 4)]),
    "solve": (
        lambda a, b: np.linalg.solve(_spd_np(a), b),
        lambda a, b: torch.linalg.solve(_spd_torch(a), b),
        [(3, 3), (3, 2)],
    ),
    "cholesky": (lambda a: np.linalg.cholesky(_spd_np(a)), lambda a: torch.linalg.cholesky(_spd_torch(a)), [(4, 4)]),
    "slogdet": (lambda a: np.linalg.slogdet(_spd_np(a))[1], lambda a: torch.linalg.slogdet(_spd_torch(a))[1], [(3, 3)]),
    "take_along_argmax": (
        lambda x: np.take_along_axis(x, np.argmax(x, axis=1, keepdims=True), axis=1),
        lambda x: torch.gather(x, 1, torch.argmax(x, dim=1, keepdim=True)),
        [(3, 5)],
    ),
    "gather_by_index": (
        lambda x: np.sin(x[np.array([2, 0, 0, 3])]),
        lambda x: torch.sin(x[torch.tensor([2, 0, 0, 3])]),
        [(4, 2)],
    ),
}


@pytest.mark.parametrize("name", sorted(NUMPY_AS_WRITTEN))
def test_numpy_as_written_matches_torch(name):
    f_np, f_t, shapes = NUMPY_AS_WRITTEN[name]
    rng = np.random.default_rng(5)
    xs = [rng.standard_normal(s) for s in shapes]
    vs = [rng.standard_normal(s) for s in shapes]
    out, jv = symjvp.jvp(f_np, _pack(xs), _pack(vs))
    t_out, t_jv = torch.autograd.functional.jvp(f_t, _torch_pack(xs), _torch_pack(vs))
    _close(out, t_out)
    _close(jv, t_jv)
    u = rng.standard_normal(out.shape)
    _, vj = symjvp.vjp(f_np, _pack(xs), u)
    _, t_vj = torch.autograd.functional.vjp(f_t, _torch_pack(xs), torch.tensor(u))
    _close(vj, t_vj)
