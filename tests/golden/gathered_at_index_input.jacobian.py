# symjvp jacobian kernel of gathered(x: (5,) float64, idx: (3,) int64)
def jacobian_kernel_core(x, idx, buf0, buf1, out0):
    for i0 in range(3):
        for i1 in range(3):
            buf0[np.uintp(3*i0 + i1)] = ((1) if (i0 == i1) else (0))*fast_cos(x[np.uintp(((idx[np.uintp(i1)] + 5) if (idx[np.uintp(i1)] < 0) else (idx[np.uintp(i1)])))])*x[np.uintp(i1)]
    for i0 in range(3):
        for i1 in range(3):
            buf1[np.uintp(5*i0 + ((idx[np.uintp(i1)] + 5) if (idx[np.uintp(i1)] < 0) else (idx[np.uintp(i1)])))] += buf0[np.uintp(3*i0 + i1)]
    for i0 in range(3):
        for i1 in range(5):
            out0[np.uintp(5*i0 + i1)] = ((((1) if (min(2, i0) == min(2, i1)) else (0))*fast_sin(x[np.uintp(((idx[np.uintp(min(2, i1))] + 5) if (idx[np.uintp(min(2, i1))] < 0) else (idx[np.uintp(min(2, i1))])))])) if (i0 <= 2) and (i1 <= 2) else (0)) + buf1[np.uintp(5*i0 + i1)]


def jacobian_kernel(x, idx):
    buf0 = np.empty(9, dtype=np.float64)
    buf1 = np.zeros(15, dtype=np.float64)
    out0 = np.empty(15, dtype=np.float64)
    jacobian_kernel_core(x, idx, buf0, buf1, out0)
    return out0.reshape((3, 5))
