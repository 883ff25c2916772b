/* symjvp jacobian kernel of double_row_sum(x: (3, 2) float64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum, in the operands' own type (an index stays an integer): NaN wins. */
#define sj_max(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a > sj_b || sj_a != sj_a) ? sj_a : sj_b; })
#define sj_min(a, b) ({ __auto_type sj_a = (a); __auto_type sj_b = (b); (sj_a < sj_b || sj_a != sj_a) ? sj_a : sj_b; })
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict x, double *restrict out0) {
    /* unrolled */
    {
        out0[0] = 2;
        out0[1] = 2;
        out0[2] = 0;
        out0[3] = 0;
        out0[4] = 0;
        out0[5] = 0;
        out0[6] = 0;
        out0[7] = 0;
        out0[8] = 2;
        out0[9] = 2;
        out0[10] = 0;
        out0[11] = 0;
        out0[12] = 0;
        out0[13] = 0;
        out0[14] = 0;
        out0[15] = 0;
        out0[16] = 2;
        out0[17] = 2;
    }
}
