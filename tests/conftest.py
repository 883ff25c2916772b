import os
import sys

from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))

# Numba compiles dominate: examples are few and deadlines off; CI uses the same profile.
settings.register_profile(
    "symjvp", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile("symjvp")
