"""Seed 002: checking jvp against the Jacobian, for one input, a matrix input and tuple inputs."""

import numpy as np

import symjvp

rng = np.random.default_rng(42)


def f(x):
    return 2 * x


x = rng.random(2)
print("single input:", symjvp.jvp(f, x, np.array([1.0, 2.0])))
print("jacobian:\n", symjvp.jacobian(f, x))


def exp_reducer(x):
    return x.exp().sum(dim=1)


inputs = rng.random((4, 4))
v = np.ones((4, 4))
out, jv = symjvp.jvp(exp_reducer, inputs, v)
J = symjvp.jacobian(exp_reducer, inputs)
print("matrix input: jvp =", jv)
print("jacobian shape", J.shape, "; J.reshape(4, 16) @ v.ravel() =", J.reshape(4, 16) @ v.ravel())


def adder(x, y):
    return 2 * x + 3 * y


inputs = (rng.random(2), rng.random(2))
v = (np.array([1.0, 2.0]), np.array([2.0, 3.0]))
out, jv = symjvp.jvp(adder, inputs, v)
print("tuple inputs: jvp =", jv)
Jx, Jy = symjvp.jacobian(adder, inputs)
print("J_x @ v[0] + J_y @ v[1] =", Jx @ v[0] + Jy @ v[1])
