/* symjvp primal kernel of gathered(x: (5,) float64, idx: (3,) int64) */
#include <math.h>
#include <stdint.h>

/* NumPy's maximum and minimum: NaN wins. */
static inline double sj_max(double a, double b) { return (a > b || a != a) ? a : b; }
static inline double sj_min(double a, double b) { return (a < b || a != a) ? a : b; }
static inline int64_t sj_imax(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t sj_imin(int64_t a, int64_t b) { return a < b ? a : b; }
static inline double sj_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

void symjvp_core(double *restrict x, int64_t *restrict idx, double *restrict out0) {
    {
        for (int64_t i0 = 0; i0 < 3; i0++) {
            out0[i0] = sin(x[((idx[i0] < 0) ? (idx[i0] + 5) : (idx[i0]))])*x[i0];
        }
    }
}
