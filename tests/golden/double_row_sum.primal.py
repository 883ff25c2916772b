# symjvp primal kernel of double_row_sum(x: (3, 2) float64)
def primal_kernel_core(x, out0):
    # unrolled
    out0[0] = 2*x[0] + 2*x[1]
    out0[1] = 2*x[2] + 2*x[3]
    out0[2] = 2*x[4] + 2*x[5]


def primal_kernel(x):
    out0 = np.empty(3, dtype=np.float64)
    primal_kernel_core(x.reshape(-1), out0)
    return out0
