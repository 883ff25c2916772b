# symjvp jvp kernel of double_row_sum(x: (3, 2) float64)
def jvp_kernel_core(x, v_x, out0, out1):
    # unrolled
    out0[0] = 2*x[0] + 2*x[1]
    out1[0] = 2*v_x[0] + 2*v_x[1]
    out0[1] = 2*x[2] + 2*x[3]
    out1[1] = 2*v_x[2] + 2*v_x[3]
    out0[2] = 2*x[4] + 2*x[5]
    out1[2] = 2*v_x[4] + 2*v_x[5]


def jvp_kernel(x, v_x):
    out0 = np.empty(3, dtype=np.float64)
    out1 = np.empty(3, dtype=np.float64)
    jvp_kernel_core(x.reshape(-1), v_x.reshape(-1), out0, out1)
    return (out0, out1)
