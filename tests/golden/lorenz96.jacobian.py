# symjvp jacobian kernel of lorenz96(u: (100,) float64)
def jacobian_kernel_core(u, out0):
    # boundary iterations
    for i0 in range(3):
        inv0 = u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]
        inv1 = u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))]
        inv2 = out0[100*i0:100*i0 + 100]
        for i1 in range(inv2.shape[0]):
            inv2[np.uintp(i1)] = inv0*((1) if (((i1 == i0 + 99)) if (i0 < 1) else ((i1 == i0 - 1))) else (0)) + inv1*(-((1) if (((i1 == i0 + 98)) if (i0 < 2) else ((i1 == i0 - 2))) else (0)) + ((1) if (((i1 == i0 + 1)) if (i0 < 99) else ((i1 == i0 - 99))) else (0))) - ((1) if (i1 == i0) else (0))
    # interior iterations: index tests decided
    for i0 in range(3, 99):
        inv3 = u[np.uintp(i0 + 1)] - u[np.uintp(i0 - 2)]
        inv4 = u[np.uintp(i0 - 1)]
        inv5 = out0[100*i0:100*i0 + 100]
        for i1 in range(inv5.shape[0]):
            inv5[np.uintp(i1)] = inv3*((1) if (i1 == i0 - 1) else (0)) + inv4*(-((1) if (i1 == i0 - 2) else (0)) + ((1) if (i1 == i0 + 1) else (0))) - ((1) if (i1 == i0) else (0))
    # boundary iterations
    for i0 in range(99, 100):
        inv6 = u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]
        inv7 = u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))]
        inv8 = out0[100*i0:100*i0 + 100]
        for i1 in range(inv8.shape[0]):
            inv8[np.uintp(i1)] = inv6*((1) if (((i1 == i0 + 99)) if (i0 < 1) else ((i1 == i0 - 1))) else (0)) + inv7*(-((1) if (((i1 == i0 + 98)) if (i0 < 2) else ((i1 == i0 - 2))) else (0)) + ((1) if (((i1 == i0 + 1)) if (i0 < 99) else ((i1 == i0 - 99))) else (0))) - ((1) if (i1 == i0) else (0))


def jacobian_kernel(u):
    out0 = np.empty(10000, dtype=np.float64)
    jacobian_kernel_core(u, out0)
    return out0.reshape((100, 100))
