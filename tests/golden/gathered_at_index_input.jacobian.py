# symjvp jacobian kernel of gathered(x: (5,) float64, idx: (3,) int64)
def jacobian_kernel_core(x, idx, buf0, buf1, buf2, out0):
    for i0 in range(3):
        for i1 in range(3):
            t0 = ((1) if (i0 == i1) else (0))
            t1 = 3*i0 + i1
            buf0[np.uintp(t1)] = t0*fast_sin(x[np.uintp(((idx[np.uintp(i1)] + 5) if (idx[np.uintp(i1)] < 0) else (idx[np.uintp(i1)])))])
            buf1[np.uintp(t1)] = t0*fast_cos(x[np.uintp(((idx[np.uintp(i1)] + 5) if (idx[np.uintp(i1)] < 0) else (idx[np.uintp(i1)])))])*x[np.uintp(i1)]
    for i0 in range(3):
        for i1 in range(3):
            buf2[np.uintp(5*i0 + ((idx[np.uintp(i1)] + 5) if (idx[np.uintp(i1)] < 0) else (idx[np.uintp(i1)])))] += buf1[np.uintp(3*i0 + i1)]
    # unrolled
    out0[0] = buf0[0] + buf2[0]
    out0[1] = buf0[1] + buf2[1]
    out0[2] = buf0[2] + buf2[2]
    out0[3] = buf2[3]
    out0[4] = buf2[4]
    out0[5] = buf0[3] + buf2[5]
    out0[6] = buf0[4] + buf2[6]
    out0[7] = buf0[5] + buf2[7]
    out0[8] = buf2[8]
    out0[9] = buf2[9]
    out0[10] = buf0[6] + buf2[10]
    out0[11] = buf0[7] + buf2[11]
    out0[12] = buf0[8] + buf2[12]
    out0[13] = buf2[13]
    out0[14] = buf2[14]


def jacobian_kernel(x, idx):
    buf0 = np.empty(9, dtype=np.float64)
    buf1 = np.empty(9, dtype=np.float64)
    buf2 = np.zeros(15, dtype=np.float64)
    out0 = np.empty(15, dtype=np.float64)
    jacobian_kernel_core(x, idx, buf0, buf1, buf2, out0)
    return out0.reshape((3, 5))
