/* symjvp jacobian kernel of gathered(x: (5,) float64, idx: (3,) int64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum, in the operands' own type (an index stays an integer): NaN wins. */
#define sj_max(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a > sj_b || sj_a != sj_a) ? sj_a : sj_b; })
#define sj_min(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a < sj_b || sj_a != sj_a) ? sj_a : sj_b; })
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict x, int64_t *restrict idx, double *restrict buf0, double *restrict buf1, double *restrict out0) {
    {
        for (int64_t i0 = 0; i0 < 3; i0++) {
            for (int64_t i1 = 0; i1 < 3; i1++) {
                buf0[3*i0 + i1] = ((((i0) == (i1))) ? (1) : (0))*cos(x[((idx[i1] < 0) ? (idx[i1] + 5) : (idx[i1]))])*x[i1];
            }
        }
    }
    {
        for (int64_t i0 = 0; i0 < 3; i0++) {
            for (int64_t i1 = 0; i1 < 3; i1++) {
                buf1[5*i0 + ((idx[i1] < 0) ? (idx[i1] + 5) : (idx[i1]))] += buf0[3*i0 + i1];
            }
        }
    }
    {
        for (int64_t i0 = 0; i0 < 3; i0++) {
            for (int64_t i1 = 0; i1 < 5; i1++) {
                out0[5*i0 + i1] = ((i0 <= 2 && i1 <= 2) ? (((((sj_min(2, i0)) == (sj_min(2, i1)))) ? (1) : (0))*sin(x[((idx[sj_min(2, i1)] < 0) ? (idx[sj_min(2, i1)] + 5) : (idx[sj_min(2, i1)]))])) : (0)) + buf1[5*i0 + i1];
            }
        }
    }
}
