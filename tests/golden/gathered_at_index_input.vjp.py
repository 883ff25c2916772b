# symjvp vjp kernel of gathered(x: (5,) float64, idx: (3,) int64)
def vjp_kernel_core(x, idx, u, out0, buf0, buf1, out1):
    for i0 in range(3):
        out0[np.uintp(i0)] = fast_sin(x[np.uintp(((idx[np.uintp(i0)] + 5) if (idx[np.uintp(i0)] < 0) else (idx[np.uintp(i0)])))])*x[np.uintp(i0)]
        buf0[np.uintp(i0)] = fast_cos(x[np.uintp(((idx[np.uintp(i0)] + 5) if (idx[np.uintp(i0)] < 0) else (idx[np.uintp(i0)])))])*u[np.uintp(i0)]*x[np.uintp(i0)]
    for i0 in range(3):
        buf1[np.uintp(((idx[np.uintp(i0)] + 5) if (idx[np.uintp(i0)] < 0) else (idx[np.uintp(i0)])))] += buf0[np.uintp(i0)]
    for i0 in range(5):
        out1[np.uintp(i0)] = ((fast_sin(x[np.uintp(((idx[np.uintp(min(2, i0))] + 5) if (idx[np.uintp(min(2, i0))] < 0) else (idx[np.uintp(min(2, i0))])))])*u[np.uintp(min(2, i0))]) if (i0 <= 2) else (0)) + buf1[np.uintp(i0)]


def vjp_kernel(x, idx, u):
    out0 = np.empty(3, dtype=np.float64)
    buf0 = np.empty(3, dtype=np.float64)
    buf1 = np.zeros(5, dtype=np.float64)
    out1 = np.empty(5, dtype=np.float64)
    vjp_kernel_core(x, idx, u, out0, buf0, buf1, out1)
    return (out0, out1)
