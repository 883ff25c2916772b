# symjvp vjp kernel of lorenz96(u: (100,) float64)
def vjp_kernel_core(u, u_out, out0, out1):
    # boundary iterations
    for i0 in range(3):
        out0[np.uintp(i0)] = (u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = (u[np.uintp(((i0 + 2) if (i0 < 98) else (i0 - 98)))] - u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))])*u_out[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))]*u_out[np.uintp(((i0 + 2) if (i0 < 98) else (i0 - 98)))] + u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]*u_out[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u_out[np.uintp(i0)]
    # interior iterations: index tests decided
    for i0 in range(3, 98):
        out0[np.uintp(i0)] = (u[np.uintp(i0 + 1)] - u[np.uintp(i0 - 2)])*u[np.uintp(i0 - 1)] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = (u[np.uintp(i0 + 2)] - u[np.uintp(i0 - 1)])*u_out[np.uintp(i0 + 1)] - u[np.uintp(i0 + 1)]*u_out[np.uintp(i0 + 2)] + u[np.uintp(i0 - 2)]*u_out[np.uintp(i0 - 1)] - u_out[np.uintp(i0)]
    # boundary iterations
    for i0 in range(98, 100):
        out0[np.uintp(i0)] = (u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = (u[np.uintp(((i0 + 2) if (i0 < 98) else (i0 - 98)))] - u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))])*u_out[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))]*u_out[np.uintp(((i0 + 2) if (i0 < 98) else (i0 - 98)))] + u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]*u_out[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u_out[np.uintp(i0)]


def vjp_kernel(u, u_out):
    out0 = np.empty(100, dtype=np.float64)
    out1 = np.empty(100, dtype=np.float64)
    vjp_kernel_core(u, u_out, out0, out1)
    return (out0, out1)
