"""Seed 003: J·v with respect to a layer's parameters only.

f(X, w) = sigmoid(X @ w) maps (n, 2) x (2,) to (n,).  Differentiated with
respect to w alone, J is (n, 2): J·v takes v shaped like w (length 2) and
gives one number per sample.  vᵀ·J (what autograd.grad(..., grad_outputs=v)
computes) would take v shaped like the *output* (length n) instead -- that
is why the seed's v of length 2 raised a shape error there.
"""

import numpy as np

import symjvp

rng = np.random.default_rng(0)
n = 100
X = rng.standard_normal((n, 2))
w = rng.standard_normal(2)
v = rng.standard_normal(2)


def layer(X, w):
    return (X @ w).sigmoid()


# With respect to w only: a closure over the data ...
out, jv = symjvp.jvp(lambda w: layer(X, w), w, v)
print("closure: J·v has shape", jv.shape, "first values", jv[:3])

# ... or compile once with wrt=1 (the data X is a parameter that can change between calls).
k = symjvp.compile(layer, X, w, wrt=1)
out, jv2 = k.jvp((X, w), v)
print("wrt=1:   J·v has shape", jv2.shape, "first values", jv2[:3])
print("same result:", np.allclose(jv, jv2))

# vᵀ·J needs a v shaped like the output (n,), and gives a result shaped like w.
out, vj = k.vjp((X, w), np.ones(n))
print("vjp with an output-shaped v gives a w-shaped result:", vj)
