# symjvp jacobian kernel of robertson(y: (3,) float64)
def jacobian_kernel_core(y, out0):
    # unrolled
    t0 = 10000*y[2]
    t1 = 10000*y[1]
    t2 = 30000000*(2*y[1])
    out0[0] = -0.04
    out0[1] = t0
    out0[2] = t1
    out0[3] = 0.04
    out0[4] = -t0 - t2
    out0[5] = -t1
    out0[6] = 0
    out0[7] = t2
    out0[8] = 0


def jacobian_kernel(y):
    out0 = np.empty(9, dtype=np.float64)
    jacobian_kernel_core(y, out0)
    return out0.reshape((3, 3))
