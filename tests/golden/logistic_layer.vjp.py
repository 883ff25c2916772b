# symjvp vjp kernel of logistic_layer(X: (50, 2) float64, w: (2,) float64)
def vjp_kernel_core(X, w, u, out0, buf0, out1):
    inv0 = -w[0]
    inv1 = -w[1]
    for i0 in range(50):
        t0 = fast_exp(inv0*X[np.uintp(2*i0)] + inv1*X[np.uintp(2*i0 + 1)])
        t1 = t0 + 1
        out0[np.uintp(i0)] = 1/t1
        buf0[np.uintp(i0)] = t0*u[np.uintp(i0)]/t1**2
    for i0 in range(2):
        acc0 = 0.0
        for r0 in range(50):
            acc0 = reassociable_add(acc0, X[np.uintp(i0 + 2*r0)]*buf0[np.uintp(r0)])
        out1[np.uintp(i0)] = acc0


def vjp_kernel(X, w, u):
    out0 = np.empty(50, dtype=np.float64)
    buf0 = np.empty(50, dtype=np.float64)
    out1 = np.empty(2, dtype=np.float64)
    vjp_kernel_core(X.reshape(-1), w, u, out0, buf0, out1)
    return (out0, out1)
