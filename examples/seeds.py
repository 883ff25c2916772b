"""Run every seed example in turn (the README's first command)."""

import pathlib
import runpy

here = pathlib.Path(__file__).parent
for script in sorted(here.glob("seed_*.py")):
    print(f"===== {script.name} =====")
    runpy.run_path(str(script), run_name="__main__")
    print()
