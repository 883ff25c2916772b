# symjvp jvp kernel of logistic_layer(X: (50, 2) float64, w: (2,) float64)
def jvp_kernel_core(X, w, v_w, out0, out1):
    inv0 = -w[0]
    inv1 = -w[1]
    inv2 = -v_w[0]
    inv3 = -v_w[1]
    for i0 in range(50):
        t0 = fast_exp(inv0*X[np.uintp(2*i0)] + inv1*X[np.uintp(2*i0 + 1)])
        t1 = t0 + 1
        out0[np.uintp(i0)] = 1/t1
        out1[np.uintp(i0)] = -t0*(inv2*X[np.uintp(2*i0)] + inv3*X[np.uintp(2*i0 + 1)])/t1**2


def jvp_kernel(X, w, v_w):
    out0 = np.empty(50, dtype=np.float64)
    out1 = np.empty(50, dtype=np.float64)
    jvp_kernel_core(X.reshape(-1), w, v_w, out0, out1)
    return (out0, out1)
