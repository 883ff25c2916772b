"""symjvp agrees with torch.autograd.functional to 1e-9 in float64 (skipped without torch).

torch is a peer, not a dependency: ``pip install torch==2.13.0`` (a CPU
build on this machine's disk) enables these tests.
"""

import numpy as np
import pytest

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
