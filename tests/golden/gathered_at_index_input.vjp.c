/* symjvp vjp kernel of gathered(x: (5,) float64, idx: (3,) int64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum, in the operands' own type (an index stays an integer): NaN wins. */
#define sj_max(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a > sj_b || sj_a != sj_a) ? sj_a : sj_b; })
#define sj_min(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a < sj_b || sj_a != sj_a) ? sj_a : sj_b; })
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict x, int64_t *restrict idx, double *restrict u, double *restrict out0, double *restrict buf0, double *restrict buf1, double *restrict buf2, double *restrict out1) {
    {
        for (int64_t i0 = 0; i0 < 3; i0++) {
            __auto_type t0 = sin(x[((idx[i0] < 0) ? (idx[i0] + 5) : (idx[i0]))]);
            out0[i0] = t0*x[i0];
            buf0[i0] = t0*u[i0];
            buf1[i0] = cos(x[((idx[i0] < 0) ? (idx[i0] + 5) : (idx[i0]))])*u[i0]*x[i0];
        }
    }
    {
        for (int64_t i0 = 0; i0 < 3; i0++) {
            buf2[((idx[i0] < 0) ? (idx[i0] + 5) : (idx[i0]))] += buf1[i0];
        }
    }
    /* unrolled */
    {
        out1[0] = buf0[0] + buf2[0];
        out1[1] = buf0[1] + buf2[1];
        out1[2] = buf0[2] + buf2[2];
        out1[3] = buf2[3];
        out1[4] = buf2[4];
    }
}
