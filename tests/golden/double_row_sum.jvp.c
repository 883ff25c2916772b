/* symjvp jvp kernel of double_row_sum(x: (3, 2) float64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum: NaN wins. */
static inline double sj_max(double a, double b) { return (a > b || a != a) ? a : b; }
static inline double sj_min(double a, double b) { return (a < b || a != a) ? a : b; }
static inline int64_t sj_imax(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t sj_imin(int64_t a, int64_t b) { return a < b ? a : b; }
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict x, double *restrict v_x, double *restrict out0, double *restrict out1) {
    /* unrolled */
    {
        out0[0] = 2*x[0] + 2*x[1];
        out1[0] = 2*v_x[0] + 2*v_x[1];
        out0[1] = 2*x[2] + 2*x[3];
        out1[1] = 2*v_x[2] + 2*v_x[3];
        out0[2] = 2*x[4] + 2*x[5];
        out1[2] = 2*v_x[4] + 2*v_x[5];
    }
}
