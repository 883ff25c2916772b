# symjvp jvp kernel of robertson(y: (3,) float64)
def jvp_kernel_core(y, v_y, out0, out1):
    # unrolled
    t0 = 0.04*y[0]
    t1 = 10000*y[2]
    t2 = t1*y[1]
    t3 = t1*v_y[1] - 0.04*v_y[0] + 10000*v_y[2]*y[1]
    t4 = 30000000*y[1]**2
    t5 = 30000000*(2*v_y[1]*y[1])
    out0[0] = -t0 + t2
    out1[0] = t3
    out0[1] = t0 - t2 - t4
    out1[1] = -t3 - t5
    out0[2] = t4
    out1[2] = t5


def jvp_kernel(y, v_y):
    out0 = np.empty(3, dtype=np.float64)
    out1 = np.empty(3, dtype=np.float64)
    jvp_kernel_core(y, v_y, out0, out1)
    return (out0, out1)
