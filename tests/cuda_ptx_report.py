"""Every CUDA kernel of the CUDA cases, compiled to PTX by NVVM and assembled by ptxas, without a GPU.

    python tests/cuda_ptx_report.py [CASE ...] > report.json

Runs without Numba's CUDA simulator (it replaces NVIDIA's compiler).  Prints
{case: {kind: {"sm_80": [[kernel, registers, spill store bytes, spill load bytes], ...], "sm_90": ...}}},
or for a kernel that does not compile or assemble, the error as a string.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "examples"))

import symjvp  # noqa: E402
from cuda_cases import all_cases  # noqa: E402
from symjvp.codegen.numba_cuda import assemble  # noqa: E402
from symjvp.runtime.cuda_program import PTX_MODULE_MARKER  # noqa: E402

CAPABILITIES = ((8, 0), (9, 0))


def report(case):
    func, inputs, wrt, kinds = case
    k = symjvp.compile(func, *inputs, wrt=wrt, target="cuda")
    found = {}
    for kind in kinds:
        found[kind] = {}
        for cc in CAPABILITIES:
            rows = []
            try:
                for module in k.ptx(kind, cc=cc).split(PTX_MODULE_MARKER)[1:]:
                    name, text = module.split("\n", 1)
                    (registers, stores, loads), = assemble(text, cc).values()
                    rows.append([name, registers, stores, loads])
            except Exception as error:  # reported, so that the test names the kernel
                rows = f"{type(error).__name__}: {error}"
            found[kind][f"sm_{cc[0]}{cc[1]}"] = rows
    return found


if __name__ == "__main__":
    assert os.environ.get("NUMBA_ENABLE_CUDASIM") != "1", "PTX needs NVIDIA's compiler: unset NUMBA_ENABLE_CUDASIM"
    cases = all_cases()
    names = sys.argv[1:] or sorted(cases)
    json.dump({name: report(cases[name]) for name in names}, sys.stdout, indent=1)
