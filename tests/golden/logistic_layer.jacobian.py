# symjvp jacobian kernel of logistic_layer(X: (50, 2) float64, w: (2,) float64)
def jacobian_kernel_core(X, w, out0):
    inv0 = -w[0]
    inv1 = -w[1]
    for i0 in range(50):
        t0 = 2*i0
        t1 = fast_exp(inv0*X[np.uintp(t0)] + inv1*X[np.uintp(t0 + 1)])
        t2 = t1/(t1 + 1)**2
        out0[np.uintp(t0)] = t2*X[np.uintp(t0)]
        out0[np.uintp(t0 + 1)] = t2*X[np.uintp(t0 + 1)]


def jacobian_kernel(X, w):
    out0 = np.empty(100, dtype=np.float64)
    jacobian_kernel_core(X.reshape(-1), w, out0)
    return out0.reshape((50, 2))
