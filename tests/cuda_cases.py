"""The CUDA target's reference problems, shared by the simulator tests and the PTX report.

Each case: name -> (function, example inputs, wrt, kinds).  Shapes are small
(the simulator runs kernels as Python) but take every code path: several
blocks, a partial last block, reductions longer than a block, a reduction
split over blocks, scatter-adds, per-point Jacobians.
"""

import numpy as np

import symjvp
from bundle_adjustment import reprojection
from corpus import CORPUS, function, shapes
from mass_action import mass_action
from seed_functions import double_row_sum, exp_reducer, logistic_layer

KINDS = ("primal", "jvp", "vjp", "jacobian")


def _lorenz96(u):
    return (np.roll(u, -1) - np.roll(u, 2)) * np.roll(u, 1) - u + 8.0


def _sample_logistic(x, w):
    return 1 / (1 + np.exp(-(x @ w)))


def _special(x):
    from scipy.special import gammaln

    return (gammaln(x) * x).sum()


def _inputs(shape_list, seed):
    rng = np.random.default_rng(seed)
    return tuple(rng.uniform(0.2, 1.2, s) for s in shape_list)


def corpus_case(name):
    return function(name, np), _inputs(shapes(name), len(name)), None, KINDS


def reference_cases():
    """The seed functions, Lorenz-96, seed 003 and the per-point Jacobians, at sizes that leave their loops as loops."""
    rng = np.random.default_rng(3)
    cams = rng.normal(0.5, 0.1, (40, 11))
    Xs = rng.normal(0, 1, (40, 3)) + [0, 0, 5]
    w, feat = rng.uniform(0.5, 1.5, 40), rng.normal(0, 1, (40, 2))
    return {
        "seed_exp_reducer": (exp_reducer, (rng.random((3, 300)),), None, KINDS),
        "seed_double_row_sum": (double_row_sum, (rng.random((70, 2)),), None, KINDS),
        "lorenz96": (_lorenz96, (rng.random(300),), None, KINDS),
        "seed_003_logistic": (logistic_layer, (rng.standard_normal((3000, 2)), rng.standard_normal(2)), 1, ("jvp", "vjp")),
        # vmapped over the samples: one kernel for every number of samples, its gradient a split reduction
        # whose chunk count the launcher takes from the call's length.
        "seed_003_vmapped_samples": (
            symjvp.vmap(_sample_logistic, in_axes=(0, None)),
            (rng.standard_normal((3000, 2)), rng.standard_normal(2)),
            1,
            ("jvp", "vjp"),
        ),
        "bundle_adjustment_per_point": (symjvp.vmap(reprojection), (cams, Xs, w, feat), (0, 1), ("jacobian",)),
        "mass_action_per_point": (symjvp.vmap(mass_action), (rng.uniform(0.1, 1, (50, 20)),), None, ("jacobian",)),
        # digamma and trigamma (gammaln's derivatives) are device functions of symjvp's own.
        "special_gammaln": (_special, (rng.uniform(0.5, 4.0, 40),), None, KINDS),
    }


def all_cases():
    cases = {f"corpus_{name}": corpus_case(name) for name in sorted(CORPUS)}
    cases.update(reference_cases())
    return cases
