# symjvp primal kernel of exp_reducer(x: (500, 300) float64)
def primal_kernel_core(x, out0):
    for i0 in prange(500):
        inv0 = x[300*i0:300*i0 + 300]
        acc0 = 0.0
        for r0 in range(inv0.shape[0]):
            acc0 = reassociable_add(acc0, fast_exp(inv0[np.uintp(r0)]))
        out0[np.uintp(i0)] = acc0


def primal_kernel(x):
    out0 = np.empty(500, dtype=np.float64)
    primal_kernel_core(x.reshape(-1), out0)
    return out0
