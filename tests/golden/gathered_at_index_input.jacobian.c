/* symjvp jacobian kernel of gathered(x: (5,) float64, idx: (3,) int64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum, in the operands' own type (an index stays an integer): NaN wins. */
#define sj_max(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a > sj_b || sj_a != sj_a) ? sj_a : sj_b; })
#define sj_min(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a < sj_b || sj_a != sj_a) ? sj_a : sj_b; })
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict x, int64_t *restrict idx, double *restrict buf0, double *restrict buf1, double *restrict buf2, double *restrict out0) {
    {
        for (int64_t i0 = 0; i0 < 3; i0++) {
            for (int64_t i1 = 0; i1 < 3; i1++) {
                __auto_type t0 = ((((i0) == (i1))) ? (1) : (0));
                __auto_type t1 = 3*i0 + i1;
                buf0[t1] = t0*sin(x[((idx[i1] < 0) ? (idx[i1] + 5) : (idx[i1]))]);
                buf1[t1] = t0*cos(x[((idx[i1] < 0) ? (idx[i1] + 5) : (idx[i1]))])*x[i1];
            }
        }
    }
    {
        for (int64_t i0 = 0; i0 < 3; i0++) {
            for (int64_t i1 = 0; i1 < 3; i1++) {
                buf2[5*i0 + ((idx[i1] < 0) ? (idx[i1] + 5) : (idx[i1]))] += buf1[3*i0 + i1];
            }
        }
    }
    /* unrolled */
    {
        out0[0] = buf0[0] + buf2[0];
        out0[1] = buf0[1] + buf2[1];
        out0[2] = buf0[2] + buf2[2];
        out0[3] = buf2[3];
        out0[4] = buf2[4];
        out0[5] = buf0[3] + buf2[5];
        out0[6] = buf0[4] + buf2[6];
        out0[7] = buf0[5] + buf2[7];
        out0[8] = buf2[8];
        out0[9] = buf2[9];
        out0[10] = buf0[6] + buf2[10];
        out0[11] = buf0[7] + buf2[11];
        out0[12] = buf0[8] + buf2[12];
        out0[13] = buf2[13];
        out0[14] = buf2[14];
    }
}
