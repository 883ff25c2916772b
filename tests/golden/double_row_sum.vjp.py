# symjvp vjp kernel of double_row_sum(x: (3, 2) float64)
def vjp_kernel_core(x, u, out0, out1):
    # unrolled
    out0[0] = 2*x[0] + 2*x[1]
    out0[1] = 2*x[2] + 2*x[3]
    out0[2] = 2*x[4] + 2*x[5]
    # unrolled
    t0 = 2*u[0]
    t1 = 2*u[1]
    t2 = 2*u[2]
    out1[0] = t0
    out1[1] = t0
    out1[2] = t1
    out1[3] = t1
    out1[4] = t2
    out1[5] = t2


def vjp_kernel(x, u):
    out0 = np.empty(3, dtype=np.float64)
    out1 = np.empty(6, dtype=np.float64)
    vjp_kernel_core(x.reshape(-1), u, out0, out1)
    return (out0, out1.reshape((3, 2)))
