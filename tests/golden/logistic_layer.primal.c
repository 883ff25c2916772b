/* symjvp primal kernel of logistic_layer(X: (50, 2) float64, w: (2,) float64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum, in the operands' own type (an index stays an integer): NaN wins. */
#define sj_max(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a > sj_b || sj_a != sj_a) ? sj_a : sj_b; })
#define sj_min(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a < sj_b || sj_a != sj_a) ? sj_a : sj_b; })
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict X, double *restrict w, double *restrict out0) {
    {
        __auto_type inv0 = -w[0];
        __auto_type inv1 = -w[1];
        for (int64_t i0 = 0; i0 < 50; i0++) {
            out0[i0] = (1.0/(((double)(exp(inv0*X[2*i0] + inv1*X[2*i0 + 1]) + 1))));
        }
    }
}
