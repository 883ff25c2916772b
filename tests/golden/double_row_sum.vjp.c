/* symjvp vjp kernel of double_row_sum(x: (3, 2) float64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum, in the operands' own type (an index stays an integer): NaN wins. */
#define sj_max(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a > sj_b || sj_a != sj_a) ? sj_a : sj_b; })
#define sj_min(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a < sj_b || sj_a != sj_a) ? sj_a : sj_b; })
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict x, double *restrict u, double *restrict out0, double *restrict out1) {
    /* unrolled */
    {
        out0[0] = 2*x[0] + 2*x[1];
        out0[1] = 2*x[2] + 2*x[3];
        out0[2] = 2*x[4] + 2*x[5];
    }
    {
        for (int64_t i0 = 0; i0 < 3; i0++) {
            __auto_type t0 = 2*u[i0];
            __auto_type t1 = 2*i0;
            out1[t1] = t0;
            out1[t1 + 1] = t0;
        }
    }
}
