# symjvp primal kernel of robertson(y: (3,) float64)
def primal_kernel_core(y, out0):
    # unrolled
    t0 = 0.04*y[0]
    t1 = 10000*y[1]*y[2]
    t2 = 30000000*y[1]**2
    out0[0] = -t0 + t1
    out0[1] = t0 - t1 - t2
    out0[2] = t2


def primal_kernel(y):
    out0 = np.empty(3, dtype=np.float64)
    primal_kernel_core(y, out0)
    return out0
