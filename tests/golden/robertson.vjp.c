/* symjvp vjp kernel of robertson(y: (3,) float64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum, in the operands' own type (an index stays an integer): NaN wins. */
#define sj_max(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a > sj_b || sj_a != sj_a) ? sj_a : sj_b; })
#define sj_min(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a < sj_b || sj_a != sj_a) ? sj_a : sj_b; })
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict y, double *restrict u, double *restrict out0, double *restrict out1) {
    /* unrolled */
    {
        __auto_type t0 = 0.04*y[0];
        __auto_type t1 = 10000*y[2];
        __auto_type t2 = t1*y[1];
        __auto_type t3 = 30000000*((y[1])*(y[1]));
        __auto_type t4 = u[0] - u[1];
        out0[0] = -t0 + t2;
        out1[0] = -0.04*u[0] + 0.04*u[1];
        out0[1] = t0 - t2 - t3;
        out1[1] = t1*t4 + 2*(-30000000*u[1] + 30000000*u[2])*y[1];
        out0[2] = t3;
        out1[2] = 10000*t4*y[1];
    }
}
