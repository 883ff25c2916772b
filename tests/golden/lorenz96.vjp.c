/* symjvp vjp kernel of lorenz96(u: (100,) float64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum, in the operands' own type (an index stays an integer): NaN wins. */
#define sj_max(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a > sj_b || sj_a != sj_a) ? sj_a : sj_b; })
#define sj_min(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a < sj_b || sj_a != sj_a) ? sj_a : sj_b; })
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict u, double *restrict u_out, double *restrict out0, double *restrict out1) {
    /* boundary iterations */
    {
        for (int64_t i0 = 0; i0 < 3; i0++) {
            out0[i0] = (u[((i0 < 99) ? (i0 + 1) : (i0 - 99))] - u[((i0 < 2) ? (i0 + 98) : (i0 - 2))])*u[((i0 < 1) ? (i0 + 99) : (i0 - 1))] - u[i0] + 8;
            out1[i0] = (u[((i0 < 98) ? (i0 + 2) : (i0 - 98))] - u[((i0 < 1) ? (i0 + 99) : (i0 - 1))])*u_out[((i0 < 99) ? (i0 + 1) : (i0 - 99))] - u[((i0 < 99) ? (i0 + 1) : (i0 - 99))]*u_out[((i0 < 98) ? (i0 + 2) : (i0 - 98))] + u[((i0 < 2) ? (i0 + 98) : (i0 - 2))]*u_out[((i0 < 1) ? (i0 + 99) : (i0 - 1))] - u_out[i0];
        }
    }
    /* interior iterations: index tests decided */
    {
        for (int64_t i0 = 3; i0 < 98; i0++) {
            out0[i0] = (u[i0 + 1] - u[i0 - 2])*u[i0 - 1] - u[i0] + 8;
            out1[i0] = (u[i0 + 2] - u[i0 - 1])*u_out[i0 + 1] - u[i0 + 1]*u_out[i0 + 2] + u[i0 - 2]*u_out[i0 - 1] - u_out[i0];
        }
    }
    /* boundary iterations */
    {
        for (int64_t i0 = 98; i0 < 100; i0++) {
            out0[i0] = (u[((i0 < 99) ? (i0 + 1) : (i0 - 99))] - u[((i0 < 2) ? (i0 + 98) : (i0 - 2))])*u[((i0 < 1) ? (i0 + 99) : (i0 - 1))] - u[i0] + 8;
            out1[i0] = (u[((i0 < 98) ? (i0 + 2) : (i0 - 98))] - u[((i0 < 1) ? (i0 + 99) : (i0 - 1))])*u_out[((i0 < 99) ? (i0 + 1) : (i0 - 99))] - u[((i0 < 99) ? (i0 + 1) : (i0 - 99))]*u_out[((i0 < 98) ? (i0 + 2) : (i0 - 98))] + u[((i0 < 2) ? (i0 + 98) : (i0 - 2))]*u_out[((i0 < 1) ? (i0 + 99) : (i0 - 1))] - u_out[i0];
        }
    }
}
