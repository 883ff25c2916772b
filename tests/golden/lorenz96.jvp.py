# symjvp jvp kernel of lorenz96(u: (100,) float64)
def jvp_kernel_core(u, v_u, out0, out1):
    # boundary iterations
    for i0 in range(3):
        t0 = u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]
        out0[np.uintp(i0)] = t0*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = t0*v_u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] + (v_u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - v_u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - v_u[np.uintp(i0)]
    # interior iterations: index tests decided
    for i0 in range(3, 99):
        t0 = u[np.uintp(i0 + 1)] - u[np.uintp(i0 - 2)]
        out0[np.uintp(i0)] = t0*u[np.uintp(i0 - 1)] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = t0*v_u[np.uintp(i0 - 1)] + (v_u[np.uintp(i0 + 1)] - v_u[np.uintp(i0 - 2)])*u[np.uintp(i0 - 1)] - v_u[np.uintp(i0)]
    # boundary iterations
    for i0 in range(99, 100):
        t0 = u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))]
        out0[np.uintp(i0)] = t0*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - u[np.uintp(i0)] + 8
        out1[np.uintp(i0)] = t0*v_u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] + (v_u[np.uintp(((i0 + 1) if (i0 < 99) else (i0 - 99)))] - v_u[np.uintp(((i0 + 98) if (i0 < 2) else (i0 - 2)))])*u[np.uintp(((i0 + 99) if (i0 < 1) else (i0 - 1)))] - v_u[np.uintp(i0)]


def jvp_kernel(u, v_u):
    out0 = np.empty(100, dtype=np.float64)
    out1 = np.empty(100, dtype=np.float64)
    jvp_kernel_core(u, v_u, out0, out1)
    return (out0, out1)
