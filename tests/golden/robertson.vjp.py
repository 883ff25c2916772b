# symjvp vjp kernel of robertson(y: (3,) float64)
def vjp_kernel_core(y, u, out0, out1):
    # unrolled
    t0 = 0.04*y[0]
    t1 = 10000*y[2]
    t2 = t1*y[1]
    t3 = 30000000*y[1]**2
    t4 = u[0] - u[1]
    out0[0] = -t0 + t2
    out1[0] = -0.04*u[0] + 0.04*u[1]
    out0[1] = t0 - t2 - t3
    out1[1] = t1*t4 + 2*(-30000000*u[1] + 30000000*u[2])*y[1]
    out0[2] = t3
    out1[2] = 10000*t4*y[1]


def vjp_kernel(y, u):
    out0 = np.empty(3, dtype=np.float64)
    out1 = np.empty(3, dtype=np.float64)
    vjp_kernel_core(y, u, out0, out1)
    return (out0, out1)
