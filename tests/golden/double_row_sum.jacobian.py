# symjvp jacobian kernel of double_row_sum(x: (3, 2) float64)
def jacobian_kernel_core(x, out0):
    # unrolled
    out0[0] = 2
    out0[1] = 2
    out0[2] = 0
    out0[3] = 0
    out0[4] = 0
    out0[5] = 0
    out0[6] = 0
    out0[7] = 0
    out0[8] = 2
    out0[9] = 2
    out0[10] = 0
    out0[11] = 0
    out0[12] = 0
    out0[13] = 0
    out0[14] = 0
    out0[15] = 0
    out0[16] = 2
    out0[17] = 2


def jacobian_kernel(x):
    out0 = np.empty(18, dtype=np.float64)
    jacobian_kernel_core(x.reshape(-1), out0)
    return out0.reshape((3, 3, 2))
