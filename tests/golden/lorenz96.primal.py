# symjvp primal kernel of lorenz96(u: (100,) float64)
def primal_kernel_core(u, out0):
    # boundary iterations
    for i0 in range(3):
        out0[np.uintp(i0)] = (u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8
    # interior iterations: index tests decided
    for i0 in range(3, 99):
        out0[np.uintp(i0)] = (u[np.uintp(i0 + 1)] - u[np.uintp(i0 - 2)])*u[np.uintp(i0 - 1)] - u[np.uintp(i0)] + 8
    # boundary iterations
    for i0 in range(99, 100):
        out0[np.uintp(i0)] = (u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8


def primal_kernel(u):
    out0 = np.empty(100, dtype=np.float64)
    primal_kernel_core(u, out0)
    return out0
