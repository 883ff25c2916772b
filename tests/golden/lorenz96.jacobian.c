/* symjvp jacobian kernel of lorenz96(u: (100,) float64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum, in the operands' own type (an index stays an integer): NaN wins. */
#define sj_max(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a > sj_b || sj_a != sj_a) ? sj_a : sj_b; })
#define sj_min(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a < sj_b || sj_a != sj_a) ? sj_a : sj_b; })
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict u, double *restrict out0) {
    /* boundary iterations */
    {
        for (int64_t i0 = 0; i0 < 3; i0++) {
            __auto_type inv0 = u[((i0 < 99) ? (i0 + 1) : (i0 - 99))] - u[((i0 < 2) ? (i0 + 98) : (i0 - 2))];
            __auto_type inv1 = u[((i0 < 1) ? (i0 + 99) : (i0 - 1))];
            __auto_type inv2 = out0 + (100*i0);
            for (int64_t i1 = 0; i1 < 100; i1++) {
                inv2[i1] = inv0*((((i0 < 1) ? (((i1) == (i0 + 99))) : (((i1) == (i0 - 1))))) ? (1) : (0)) + inv1*(-((((i0 < 2) ? (((i1) == (i0 + 98))) : (((i1) == (i0 - 2))))) ? (1) : (0)) + ((((i0 < 99) ? (((i1) == (i0 + 1))) : (((i1) == (i0 - 99))))) ? (1) : (0))) - ((((i1) == (i0))) ? (1) : (0));
            }
        }
    }
    /* interior iterations: index tests decided */
    {
        for (int64_t i0 = 3; i0 < 99; i0++) {
            __auto_type inv3 = u[i0 + 1] - u[i0 - 2];
            __auto_type inv4 = u[i0 - 1];
            __auto_type inv5 = out0 + (100*i0);
            for (int64_t i1 = 0; i1 < 100; i1++) {
                inv5[i1] = inv3*((((i1) == (i0 - 1))) ? (1) : (0)) + inv4*(-((((i1) == (i0 - 2))) ? (1) : (0)) + ((((i1) == (i0 + 1))) ? (1) : (0))) - ((((i1) == (i0))) ? (1) : (0));
            }
        }
    }
    /* boundary iterations */
    {
        for (int64_t i0 = 99; i0 < 100; i0++) {
            __auto_type inv6 = u[((i0 < 99) ? (i0 + 1) : (i0 - 99))] - u[((i0 < 2) ? (i0 + 98) : (i0 - 2))];
            __auto_type inv7 = u[((i0 < 1) ? (i0 + 99) : (i0 - 1))];
            __auto_type inv8 = out0 + (100*i0);
            for (int64_t i1 = 0; i1 < 100; i1++) {
                inv8[i1] = inv6*((((i0 < 1) ? (((i1) == (i0 + 99))) : (((i1) == (i0 - 1))))) ? (1) : (0)) + inv7*(-((((i0 < 2) ? (((i1) == (i0 + 98))) : (((i1) == (i0 - 2))))) ? (1) : (0)) + ((((i0 < 99) ? (((i1) == (i0 + 1))) : (((i1) == (i0 - 99))))) ? (1) : (0))) - ((((i1) == (i0))) ? (1) : (0));
            }
        }
    }
}
