"""Where in the user's code a trace-time mistake happened."""

import linecache
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SKIPPED = (_PACKAGE_DIR, os.path.dirname(os.path.abspath(__import__("numpy").__file__)))


def user_frame():
    """The innermost stack frame that is not symjvp's or NumPy's own code."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(_SKIPPED) and not frame.f_code.co_filename.startswith("<__array_function__"):
            return frame
        frame = frame.f_back
    return None


def describe():
    """``File "f.py", line 12, in func: <source line>`` for the user's current line."""
    frame = user_frame()
    if frame is None:
        return ""
    filename, lineno = frame.f_code.co_filename, frame.f_lineno
    text = linecache.getline(filename, lineno).strip()
    where = f'File "{filename}", line {lineno}, in {frame.f_code.co_name}'
    return f"{where}\n    {text}" if text else where
