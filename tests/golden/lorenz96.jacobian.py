# symjvp jacobian kernel of lorenz96(u: (100,) float64)
def jacobian_kernel_core(u, out0):
    # boundary iterations
    for i0 in range(0, 3):
        inv0 = u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]
        inv1 = u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))]
        for i1 in range(100):
            out0[np.uintp(100*i0 + i1)] = inv0*((1) if (((i1 == i0 + 99)) if (i0 < 1) else ((i1 == i0 - 1))) else (0)) + inv1*(-((1) if (((i1 == i0 + 98)) if (i0 < 2) else ((i1 == i0 - 2))) else (0)) + ((1) if (((i1 == i0 + 1)) if (i0 < 99) else ((i1 == i0 - 99))) else (0))) - ((1) if (i1 == i0) else (0))
    # interior iterations: index tests decided
    for i0 in range(3, 99):
        inv2 = u[np.uintp(i0 + 1)] - u[np.uintp(i0 - 2)]
        inv3 = u[np.uintp(i0 - 1)]
        for i1 in range(100):
            out0[np.uintp(100*i0 + i1)] = inv2*((1) if (i1 == i0 - 1) else (0)) + inv3*(-((1) if (i1 == i0 - 2) else (0)) + ((1) if (i1 == i0 + 1) else (0))) - ((1) if (i1 == i0) else (0))
    # boundary iterations
    for i0 in range(99, 100):
        inv4 = u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]
        inv5 = u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))]
        for i1 in range(100):
            out0[np.uintp(100*i0 + i1)] = inv4*((1) if (((i1 == i0 + 99)) if (i0 < 1) else ((i1 == i0 - 1))) else (0)) + inv5*(-((1) if (((i1 == i0 + 98)) if (i0 < 2) else ((i1 == i0 - 2))) else (0)) + ((1) if (((i1 == i0 + 1)) if (i0 < 99) else ((i1 == i0 - 99))) else (0))) - ((1) if (i1 == i0) else (0))


def jacobian_kernel(u):
    out0 = np.empty(10000, dtype=np.float64)
    jacobian_kernel_core(u, out0)
    return out0.reshape((100, 100))
