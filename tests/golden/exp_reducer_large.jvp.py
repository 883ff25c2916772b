# symjvp jvp kernel of exp_reducer(x: (500, 300) float64)
def jvp_kernel_core(x, v_x, out0, out1):
    for i0 in prange(500):
        inv0 = x[300*i0:300*i0 + 300]
        inv1 = v_x[300*i0:300*i0 + 300]
        acc0 = 0.0
        acc1 = 0.0
        for r0 in range(inv0.shape[0]):
            t0 = fast_exp(inv0[np.uintp(r0)])
            acc0 = reassociable_add(acc0, t0)
            acc1 = reassociable_add(acc1, t0*inv1[np.uintp(r0)])
        out0[np.uintp(i0)] = acc0
        out1[np.uintp(i0)] = acc1


def jvp_kernel(x, v_x):
    out0 = np.empty(500, dtype=np.float64)
    out1 = np.empty(500, dtype=np.float64)
    jvp_kernel_core(x.reshape(-1), v_x.reshape(-1), out0, out1)
    return (out0, out1)
