# symjvp primal kernel of logistic_layer(X: (50, 2) float64, w: (2,) float64)
def primal_kernel_core(X, w, out0):
    inv0 = -w[0]
    inv1 = -w[1]
    for i0 in range(50):
        out0[np.uintp(i0)] = 1/(fast_exp(inv0*X[np.uintp(2*i0)] + inv1*X[np.uintp(2*i0 + 1)]) + 1)


def primal_kernel(X, w):
    out0 = np.empty(50, dtype=np.float64)
    primal_kernel_core(X.reshape(-1), w, out0)
    return out0
