/* symjvp primal kernel of robertson(y: (3,) float64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum, in the operands' own type (an index stays an integer): NaN wins. */
#define sj_max(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a > sj_b || sj_a != sj_a) ? sj_a : sj_b; })
#define sj_min(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a < sj_b || sj_a != sj_a) ? sj_a : sj_b; })
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict y, double *restrict out0) {
    /* unrolled */
    {
        __auto_type t0 = 0.04*y[0];
        __auto_type t1 = 10000*y[1]*y[2];
        __auto_type t2 = 30000000*((y[1])*(y[1]));
        out0[0] = -t0 + t1;
        out0[1] = t0 - t1 - t2;
        out0[2] = t2;
    }
}
