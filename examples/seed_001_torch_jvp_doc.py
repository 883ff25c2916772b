"""Seed 001: the examples of the torch.autograd.functional.jvp documentation, on NumPy arrays."""

import numpy as np

import symjvp


def exp_reducer(x):
    return x.exp().sum(dim=1)


def adder(x, y):
    return 2 * x + 3 * y


rng = np.random.default_rng(0)
inputs = rng.random((4, 4))
v = np.ones((4, 4))
out, jv = symjvp.jvp(exp_reducer, inputs, v)
print("exp_reducer: func_output =", out)
print("exp_reducer: jvp         =", jv, "(equal to the output, since v is all ones)")

inputs = (rng.random(2), rng.random(2))
v = (np.ones(2), np.ones(2))
out, jv = symjvp.jvp(adder, inputs, v)
print("adder: func_output =", out)
print("adder: jvp         =", jv)
