# symjvp jacobian kernel of logistic_layer(X: (50, 2) float64, w: (2,) float64)
def jacobian_kernel(X, w):
    out0 = np.empty(100, dtype=np.float64)
    for i0 in range(50):
        for i1 in range(2):
            t0 = math.exp(-X[2*i0 + 1]*w[1] - X[2*i0]*w[0])
            out0[2*i0 + i1] = -t0*(-((1) if (i1 == 0) else (0))*X[2*i0] - ((1) if (i1 == 1) else (0))*X[2*i0 + 1])/(t0 + 1)**2
    return (out0,)
