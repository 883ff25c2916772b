# symjvp jvp kernel of gathered(x: (5,) float64, idx: (3,) int64)
def jvp_kernel_core(x, idx, v_x, out0, out1):
    for i0 in range(3):
        t0 = fast_sin(x[np.uintp(((idx[np.uintp(i0)] + 5) if (idx[np.uintp(i0)] < 0) else (idx[np.uintp(i0)])))])
        out0[np.uintp(i0)] = t0*x[np.uintp(i0)]
        out1[np.uintp(i0)] = t0*v_x[np.uintp(i0)] + fast_cos(x[np.uintp(((idx[np.uintp(i0)] + 5) if (idx[np.uintp(i0)] < 0) else (idx[np.uintp(i0)])))])*v_x[np.uintp(((idx[np.uintp(i0)] + 5) if (idx[np.uintp(i0)] < 0) else (idx[np.uintp(i0)])))]*x[np.uintp(i0)]


def jvp_kernel(x, idx, v_x):
    out0 = np.empty(3, dtype=np.float64)
    out1 = np.empty(3, dtype=np.float64)
    jvp_kernel_core(x, idx, v_x, out0, out1)
    return (out0, out1)
