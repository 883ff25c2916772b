import os
import sys

from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))
# Tests replace parts of the native build in this process, so it must happen here; test_native.py
# checks the helper process (codegen/builder.py) in new processes of its own.
os.environ["SYMJVP_BUILD_HELPER"] = "0"
# The examples are importable from the tests: the seeds' functions are written once, there.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "examples"))

# Numba compiles dominate: examples are few and deadlines off; CI uses the same profile.
settings.register_profile(
    "symjvp", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile("symjvp")
# target="cuda" is tested on Numba's CUDA simulator (no GPU here), which must be chosen before numba.cuda
# is first imported; NUMBA_ENABLE_CUDASIM=0 runs the same tests on a real GPU.
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
