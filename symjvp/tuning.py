"""Size thresholds that choose between equivalent shapes of generated code.

They live in one module without SymPy so that the disk cache can key on
their current values (a kernel lowered under other thresholds is another
kernel) without importing the compiler on the warm path.
"""

#: A captured matrix with at most this fraction of non-zeros is multiplied by its
#: non-zeros only (a stoichiometric matrix, a finite-difference stencil, an incidence matrix).
SPARSE_DENSITY = 0.25
SPARSE_MIN_SIZE = 64

#: Below this many iterations a nest runs on one thread: waking the pool costs more ...
PARALLEL_MIN_TRIPS = 1 << 17
#: ... unless its iterations are heavy (a bundle-adjustment residual is hundreds of operations).
PARALLEL_MIN_OPERATIONS = 1 << 20
#: Nests of at most this many iterations become straight-line code: the indices are
#: numbers, so structural zeros vanish and CSE sees the whole local computation.
UNROLL_MAX_TRIPS = 64
#: ... as long as the unrolled code stays under this many operations (CSE time grows fast) ...
UNROLL_MAX_OPERATIONS = 3000
#: ... where a nest whose elements all have the same code (no index test to fold away) counts as long
#: as this many trips allow: it gains nothing from unrolling but the loop's few cycles.
UNROLL_PLAIN_TRIPS = 4
#: ... and the whole kernel's unrolled code under this many: LLVM's time grows faster than the size of
#: one function, so a program of many small steps (an integrator's) keeps its loops.
UNROLL_KERNEL_OPERATIONS = 6000
#: ... where an inline transcendental (codegen/fastmath.py) counts as what LLVM takes to compile it
#: (~0.1 s each): 64 unrolled sin/exp pairs took 5 s, the same loop 0.1 s; 48 unrolled tanh 5.6 s.
INLINE_COSTS = (("cos", 1000), ("exp", 300), ("log", 300), ("sigmoid", 350), ("sin", 1000), ("tanh", 400))
#: Buffers of at least this many bytes are allocated by the caller with NumPy, which asks Linux
#: for transparent huge pages; Numba's own allocation of a 32 MB output costs
#: thousands of 4 KiB page faults, several times the arithmetic of a fused kernel.
CALLER_ALLOCATES_BYTES = 1 << 20
#: Reductions over at most this many terms are written out inline (x[i,0]*w[0] + x[i,1]*w[1])
#: instead of getting a loop and a buffer of their own.
INLINE_REDUCTION_TERMS = 8
#: Sums written out inline inside one another multiply their term counts; beyond this product the inner
#: sums get buffers (a GMM's gradient: nested 5-term sums never finished lowering), below it they fuse
#: (bundle adjustment's 3-term rotations inside its 2-term projection: 2x faster per call fused).
INLINE_NESTED_TERMS = 64
#: A node whose formula would carry more than this many other nodes inline gets a buffer: an
#: RK4 integrator's vjp carried its running cotangent through every step into every consumer
#: (lowering time quadratic in the steps: 10 steps 7.5 s, 40 steps 216 s).
INLINE_MAX_NODES = 256
#: Loops shorter than this are not split at their boundary tests: the extra code is not worth it.
SPLIT_MIN_TRIPS = 32
#: An innermost loop this long reads and writes rows through views (codegen/hoisting.py); for a
#: shorter one, making the view costs more than it saves.
VIEW_MIN_TRIPS = 16
#: A serial kernel that calls exp, sin, tanh, ... stays with Numba below this many lines: its inline
#: vectorized transcendentals (codegen/fastmath.py) are up to 9x faster per call than libm's from C
#: (tanh row sums, (200, 300): 70 us against 627 us), and Numba compiles a short kernel in about a
#: second.  Longer kernels are compiled as C, where Numba's frontend would take minutes (codegen/c_cpu.py).
C_CORE_MIN_LINES_WITH_FUNCTIONS = 300
#: A parallel kernel of at least this many nests is compiled as C with OpenMP: Numba's parallel
#: frontend is superlinear in the loops (a GMM Hessian's 74 loops: 6-7 minutes, as C 1.8 s), while
#: for a few loops its threads beat OpenMP's per call here (Lorenz-96's vjp at 4e6: 2.7 against 14 ms).
C_CORE_PARALLEL_MIN_NESTS = 16
#: A C core of more nests than this is split into functions of this many nests: the C compiler's
#: time grows faster than the size of one function (an RK4 vjp over 100 steps: 36 s in one function).
C_NESTS_PER_FUNCTION = 16
#: Above this many SymPy expressions for one point the loop-nest lowering is used.
PER_POINT_SCALAR_LIMIT = 20_000
#: A Jacobian (not vmapped) of at most this many SymPy expressions is lowered as one point.
SMALL_JACOBIAN_SCALARS = 20_000

#: CUDA (codegen/numba_cuda.py): threads per block of an elementwise kernel ...
CUDA_THREADS = 256
#: ... and of a reduction's block (a power of two: the tree halves it).
CUDA_REDUCTION_THREADS = 128
#: A reduction over at least this many terms gets a block per output; a shorter one, a thread.
CUDA_BLOCK_REDUCTION_MIN_TERMS = 64
#: A block-reduced output's range is split over several blocks while each thread still gets this many
#: terms per chunk, until the reduction has this many blocks (enough to fill a large GPU).
CUDA_TERMS_PER_THREAD = 8
CUDA_BLOCKS_TO_FILL = 1024


def configuration():
    """The current value of every threshold above (part of the disk cache key)."""
    return tuple(sorted((name, value) for name, value in globals().items() if name.isupper() and name[0] != "_"))
