# symjvp vjp kernel of lorenz96(u: (100,) float64)
def vjp_kernel(u, u_):
    out0 = np.empty(100, dtype=np.float64)
    out1 = np.empty(100, dtype=np.float64)
    for i0 in range(100):
        out0[i0] = (u[((i0 + 1) if (i0 < 99) else (i0 - 99))] - u[((i0 + 98) if (i0 < 2) else (i0 - 2))])*u[((i0 + 99) if (i0 < 1) else (i0 - 1))] - u[i0] + 8
        out1[i0] = (u[((((i0 + 1) if (i0 < 99) else (i0 - 99)) + 1) if (((i0 < 98)) if (i0 < 99) else ((i0 < 198))) else (((i0 + 1) if (i0 < 99) else (i0 - 99)) - 99))] - u[((((i0 + 1) if (i0 < 99) else (i0 - 99)) + 98) if (((i0 < 1)) if (i0 < 99) else ((i0 < 101))) else (((i0 + 1) if (i0 < 99) else (i0 - 99)) - 2))])*u_[((i0 + 1) if (i0 < 99) else (i0 - 99))] - u[((((i0 + 2) if (i0 < 98) else (i0 - 98)) + 99) if ((False) if (i0 < 98) else ((i0 < 99))) else (((i0 + 2) if (i0 < 98) else (i0 - 98)) - 1))]*u_[((i0 + 2) if (i0 < 98) else (i0 - 98))] + u[((((i0 + 99) if (i0 < 1) else (i0 - 1)) + 99) if ((False) if (i0 < 1) else ((i0 < 2))) else (((i0 + 99) if (i0 < 1) else (i0 - 1)) - 1))]*u_[((i0 + 99) if (i0 < 1) else (i0 - 1))] - u_[i0]
    return (out0, out1)
