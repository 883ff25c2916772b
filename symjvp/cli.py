"""``python -m symjvp TARGET --shape 3,2``: explain a function's J, J·v and vᵀ·J.

TARGET is ``module:function``, ``path/to/file.py:function``, or a lambda in
NumPy spelling (``"lambda x: np.exp(x).sum(axis=1)"``).
"""

import argparse
import importlib
import importlib.util
import os
import sys

import numpy as np

from .errors import SymJvpError
from .explanation import explain
from .runtime.compiled import KINDS, Compiled, Spec


class UsageError(Exception):
    pass


def load_target(target):
    """The function TARGET names."""
    target = target.strip()
    if target.startswith("lambda"):
        namespace = {"np": np, "numpy": np}
        try:
            func = eval(target, namespace)
        except SyntaxError as exc:
            raise UsageError(f"the lambda {target!r} is not valid Python: {exc.msg}") from None
        if not callable(func):
            raise UsageError(f"{target!r} is not a function")
        return func
    if ":" not in target:
        raise UsageError(
            f"cannot read target {target!r}: use module:function, path/to/file.py:function, or a lambda "
            "such as \"lambda x: np.exp(x).sum(axis=1)\""
        )
    location, name = target.rsplit(":", 1)
    if location.endswith(".py") or os.path.sep in location:
        if not os.path.exists(location):
            raise UsageError(f"no file {location!r}")
        spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(location))[0], location)
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, os.path.dirname(os.path.abspath(location)))
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.pop(0)
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as exc:
            raise UsageError(f"cannot import module {location!r}: {exc}") from None
    func = getattr(module, name, None)
    if func is None or not callable(func):
        raise UsageError(f"{location!r} has no function {name!r}")
    return func


def parse_shape(text):
    """``3,2`` -> (3, 2); ``()``, ``scalar`` or an empty string -> ()."""
    text = text.strip().strip("()[]")
    if text in ("", "scalar"):
        return ()
    try:
        shape = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
    except ValueError:
        raise UsageError(f"cannot read shape {text!r}: write it as comma-separated sizes, like 3,2") from None
    if any(n < 0 for n in shape):
        raise UsageError(f"shape {text!r} has a negative size")
    return shape


def parse_wrt(text):
    """``1`` -> 1, ``0,2`` -> (0, 2), None -> None (every input)."""
    if text is None:
        return None
    try:
        positions = tuple(int(p) for p in text.split(",") if p.strip())
    except ValueError:
        raise UsageError(f"cannot read --wrt {text!r}: write input positions, like 1 or 0,2") from None
    return positions[0] if len(positions) == 1 and "," not in text else positions


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m symjvp",
        description="Explain the Jacobian, J·v and vᵀ·J of a NumPy function, with symjvp.",
        epilog="python -m symjvp cache [--older-than DAYS] [--max-bytes N] [--clear] shows and prunes the disk cache.",
    )
    parser.add_argument("target", help='module:function, path/to/file.py:function, or "lambda x: ..."')
    parser.add_argument("--shape", action="append", default=[], help="shape of one input, e.g. 3,2 (repeat per input)")
    parser.add_argument("--dtype", default="float64", help="dtype of the inputs (float64 or float32)")
    parser.add_argument("--wrt", help="inputs to differentiate, e.g. 1 or 0,2 (default: all)")
    parser.add_argument("--latex", action="store_true", help="also print the Jacobian and J·v in LaTeX")
    parser.add_argument("--source", choices=KINDS, help="also print the generated kernel source of this kind")
    parser.add_argument(
        "--export", metavar="PATH", help="write the primal, jvp and vjp kernels as a module needing only NumPy and Numba"
    )
    return parser


def cache_main(argv):
    """``python -m symjvp cache``: show the disk cache; prune it by age or size; clear it."""
    parser = argparse.ArgumentParser(prog="python -m symjvp cache", description=cache_main.__doc__)
    parser.add_argument("--older-than", type=float, metavar="DAYS", help="remove entries unused for DAYS days")
    parser.add_argument("--max-bytes", type=int, help="remove the least recently used entries down to this size")
    parser.add_argument("--clear", action="store_true", help="remove every entry")
    args = parser.parse_args(argv)
    from .runtime.diskcache import DiskCache, default_directory

    cache = DiskCache.open()
    if cache is None:
        print(f"python -m symjvp cache: no usable disk cache ({default_directory()!r})", file=sys.stderr)
        return 2
    if args.clear or args.older_than is not None or args.max_bytes is not None:
        removed, freed = cache.prune(0 if args.clear else args.max_bytes, args.older_than)
        print(f"removed {removed} entries, {freed / 2**20:.1f} MiB")
    entries = cache.entries()
    total = sum(size for _, size, _ in entries)
    print(f"{cache.root}: {len(entries)} entries, {total / 2**20:.1f} MiB")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["cache"]:
        return cache_main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        func = load_target(args.target)
        if not args.shape:
            raise UsageError("give the shape of every input with --shape (e.g. --shape 3,2 --shape 2)")
        specs = [Spec(parse_shape(s), args.dtype) for s in args.shape]
        k = Compiled(func, *specs, wrt=parse_wrt(args.wrt))
        print(explain(k), end="")
        if args.latex:
            import sympy as sp

            print("\nLaTeX of J:")
            print(sp.latex(k.jacobian_expr()))
            print("\nLaTeX of J·v:")
            jv = k.jvp_expr()
            print(sp.latex(jv) if not isinstance(jv, tuple) else ",\n".join(sp.latex(p) for p in jv))
        if args.source:
            print(f"\nGenerated {args.source} kernel:")
            print(k.source(args.source), end="")
        if args.export:
            k.export(args.export)
            print(f"\nWrote {args.export}: primal, jvp and vjp kernels, standalone (NumPy and Numba only).")
    except (UsageError, SymJvpError) as exc:
        print(f"python -m symjvp: error: {exc}", file=sys.stderr)
        return 2
    except TypeError as exc:
        print(f"python -m symjvp: error: calling the function failed: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # raised by the user's function while it was traced: one line, not a traceback
        print(f"python -m symjvp: error: the function raised {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 0
