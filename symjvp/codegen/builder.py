"""A helper process that turns cached kernels into native libraries, so that the process asking never imports Numba.

A process that finds its kernels in the disk cache needs neither Numba nor
SymPy (codegen/native.py).  One that must compile them has many cores
compiled as C (codegen/c_cpu.py); the others (short kernels with inline
transcendentals, cores that call a Numba helper such as digamma) would make
it pay for Numba: importing it and setting up its CPU target takes ~0.5 s,
and the interpreter's exit ~0.3 s longer.  So when such a process starts to
trace, it starts this helper, which imports Numba on the machine's other
core while the process traces, derives and lowers; then it sends each such
kernel's cache entry here and gets back its library.  The helper exits when
its parent closes the pipe or after a minute without work.
``SYMJVP_BUILD_HELPER=0`` builds in-process instead.

Protocol: one JSON line per request ``{"kernel", "name", "layout",
"fastmath", "library"}``; one per answer ``{"status": "built" | "none" |
"failed", "message"}``.  "none": the core cannot be native (it keeps the
Numba path); "failed": anything else went wrong (the caller builds in its
own process instead).
"""

import hashlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading

ENABLED = os.environ.get("SYMJVP_BUILD_HELPER", "1") != "0"
#: The helper leaves after this many seconds without a request.
IDLE_SECONDS = 60.0

_lock = threading.Lock()
_helper = None


def _forget_in_child():
    """A forked child shares its parent's pipes: it must start a helper of its own."""
    global _lock, _helper
    _lock, _helper = threading.Lock(), None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def start():
    """Start the helper if this process has not imported Numba (then it has no use for one)."""
    global _helper
    with _lock:
        if _helper is not None and _helper.poll() is None:
            return
        if not ENABLED or "numba" in sys.modules or not _runs_python(sys.executable):
            return
        from . import native

        if not native.buildable():
            return
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])))
        try:
            _helper = subprocess.Popen(
                [sys.executable, "-m", "symjvp.codegen.builder"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                text=True,
            )
        except OSError:
            _helper = None


def _runs_python(executable):
    """An embedding application's executable would not run ``-m symjvp.codegen.builder``."""
    return bool(executable) and os.path.basename(executable).lower().startswith("python")


def build(kernel_path, source, name, layout, fastmath):
    """The library's bytes, None if the core cannot be native; raises RuntimeError if the helper could not say.

    The helper compiles the kernel file only if it still has the hash of ``source``, the verified bytes.
    """
    start()  # again, if an idle helper has left meanwhile
    with _lock, tempfile.TemporaryDirectory(prefix="symjvp-helper-") as work:
        helper = _helper
        if helper is None or helper.poll() is not None:
            raise RuntimeError("no helper process")
        library = os.path.join(work, "native.so")
        request = {
            "kernel": kernel_path,
            "sha256": hashlib.sha256(source).hexdigest(),
            "name": name,
            "layout": layout,
            "fastmath": sorted(fastmath),
            "library": library,
        }
        try:
            helper.stdin.write(json.dumps(request) + "\n")
            helper.stdin.flush()
            answer = json.loads(helper.stdout.readline() or "{}")
        except (OSError, ValueError) as error:
            raise RuntimeError(f"the helper process broke off: {error}") from error
        if answer.get("status") == "built":
            with open(library, "rb") as f:
                return f.read()
        if answer.get("status") == "none":
            return None
        raise RuntimeError(answer.get("message", "the helper process gave no answer"))


def _serve():
    import numba  # noqa: F401  (the expensive part, done while the parent traces)

    from . import fastmath  # noqa: F401  (sets up Numba's CPU target and loads the inline functions)
    from . import native, numba_cpu

    while select.select([sys.stdin], [], [], IDLE_SECONDS)[0]:
        line = sys.stdin.readline()
        if not line:
            break
        try:
            request = json.loads(line)
            numba_cpu.FASTMATH = set(request["fastmath"])
            with open(request["kernel"], "rb") as f:
                source = f.read()
            if hashlib.sha256(source).hexdigest() != request["sha256"]:
                raise ValueError("the kernel file changed after it was verified")
            # Compiled afresh, not from Numba's cache: a core loaded from there has no LLVM module to link.
            core, _ = numba_cpu.compile_file(request["kernel"], source, request["name"], False, cache=False)
            data = native.build(core, request["layout"], os.path.dirname(request["kernel"]))
            if data is None:
                answer = {"status": "none"}
            else:
                with open(request["library"], "wb") as f:
                    f.write(data)
                answer = {"status": "built"}
        except Exception as error:  # the parent builds in its own process then
            answer = {"status": "failed", "message": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
    sys.stdout.flush()
    os._exit(0)  # nothing to clean up: skip collecting Numba's objects at exit
