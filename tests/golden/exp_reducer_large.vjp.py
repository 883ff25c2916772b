# symjvp vjp kernel of exp_reducer(x: (500, 300) float64)
def vjp_kernel_core(x, u, out0, out1):
    for i0 in prange(500):
        inv0 = x[300*i0:300*i0 + 300]
        inv1 = u[np.uintp(i0)]
        inv2 = out1[300*i0:300*i0 + 300]
        acc0 = 0.0
        for r0 in range(inv0.shape[0]):
            t0 = fast_exp(inv0[np.uintp(r0)])
            acc0 = reassociable_add(acc0, t0)
            inv2[np.uintp(r0)] = inv1*t0
        out0[np.uintp(i0)] = acc0


def vjp_kernel(x, u, out1):
    out0 = np.empty(500, dtype=np.float64)
    vjp_kernel_core(x.reshape(-1), u, out0, out1)
    return (out0, out1.reshape((500, 300)))
