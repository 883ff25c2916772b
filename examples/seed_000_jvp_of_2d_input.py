"""Seed 000: what is the JVP of a function of a 2-D input?

func(x) = 2 * x.sum(dim=1) on x = ones(3, 2), v = [[1, 2], [3, 4], [5, 6]]
gives ([4, 4, 4], [6, 14, 22]).  Flatten x (6 elements) and the output
(3 elements): J is 3 x 6, and J·v is J @ v.ravel(), shaped like the output.
"""

import numpy as np

import symjvp


def func(x):
    return 2 * x.sum(dim=1)


x = np.ones((3, 2))
v = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])

out, jv = symjvp.jvp(func, x, v)
J = symjvp.jacobian(func, x)

print("func(x) =", out)
print("J·v     =", jv)
print("J has shape out.shape + in.shape =", J.shape, "; flattened it is", J.reshape(3, 6).shape)
print(J.reshape(3, 6))
print("J.reshape(3, 6) @ v.ravel() =", J.reshape(3, 6) @ v.ravel())
