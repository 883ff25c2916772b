# symjvp vjp kernel of gathered(x: (5,) float64, idx: (3,) int64)
def vjp_kernel_core(x, idx, u, out0, buf0, buf1, buf2, out1):
    for i0 in range(3):
        t0 = fast_sin(x[np.uintp(((idx[np.uintp(i0)] + 5) if (idx[np.uintp(i0)] < 0) else (idx[np.uintp(i0)])))])
        out0[np.uintp(i0)] = t0*x[np.uintp(i0)]
        buf0[np.uintp(i0)] = t0*u[np.uintp(i0)]
        buf1[np.uintp(i0)] = fast_cos(x[np.uintp(((idx[np.uintp(i0)] + 5) if (idx[np.uintp(i0)] < 0) else (idx[np.uintp(i0)])))])*u[np.uintp(i0)]*x[np.uintp(i0)]
    for i0 in range(3):
        buf2[np.uintp(((idx[np.uintp(i0)] + 5) if (idx[np.uintp(i0)] < 0) else (idx[np.uintp(i0)])))] += buf1[np.uintp(i0)]
    # unrolled
    out1[0] = buf0[0] + buf2[0]
    out1[1] = buf0[1] + buf2[1]
    out1[2] = buf0[2] + buf2[2]
    out1[3] = buf2[3]
    out1[4] = buf2[4]


def vjp_kernel(x, idx, u):
    out0 = np.empty(3, dtype=np.float64)
    buf0 = np.empty(3, dtype=np.float64)
    buf1 = np.empty(3, dtype=np.float64)
    buf2 = np.zeros(5, dtype=np.float64)
    out1 = np.empty(5, dtype=np.float64)
    vjp_kernel_core(x, idx, u, out0, buf0, buf1, buf2, out1)
    return (out0, out1)
