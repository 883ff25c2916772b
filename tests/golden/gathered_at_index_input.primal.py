# symjvp primal kernel of gathered(x: (5,) float64, idx: (3,) int64)
def primal_kernel_core(x, idx, out0):
    for i0 in range(3):
        out0[np.uintp(i0)] = fast_sin(x[np.uintp(((idx[np.uintp(i0)] + 5) if (idx[np.uintp(i0)] < 0) else (idx[np.uintp(i0)])))])*x[np.uintp(i0)]


def primal_kernel(x, idx):
    out0 = np.empty(3, dtype=np.float64)
    primal_kernel_core(x, idx, out0)
    return out0
