"""Progress of a long compile on stderr, so that a user who waits knows what runs.

A stage that is still running after ``THRESHOLD`` seconds says so, and says
how long it took when it ends; a quick one says nothing, and calls of a
compiled kernel never pass here.  ``SYMJVP_VERBOSE=0`` silences it,
``SYMJVP_VERBOSE=1`` reports every stage.  Messages go through the logger
``symjvp.progress``, which writes to stderr unless the application configured it.
"""

import contextlib
import logging
import os
import threading
import time

THRESHOLD = 2.0
_log = logging.getLogger("symjvp.progress")


def _emit(message):
    if not _log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("symjvp: %(message)s"))
        _log.addHandler(handler)
        _log.setLevel(logging.INFO)
        _log.propagate = False
    _log.info(message)


@contextlib.contextmanager
def stage(what):
    """Report ``what`` (``"lowering the jvp kernel of f(x: (3,) float64)"``) if it takes long."""
    mode = os.environ.get("SYMJVP_VERBOSE", "")
    if mode == "0":
        yield
        return
    threshold = 0.0 if mode == "1" else THRESHOLD
    started = time.perf_counter()
    timer = threading.Timer(threshold, _emit, [f"{what} ..."])
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        elapsed = time.perf_counter() - started
        if elapsed >= threshold:
            _emit(f"{what}: {elapsed:.1f} s")
