"""Sections of a generated docs page that another generator owns, kept between HTML comments.

``benchmarks/peers.py`` rewrites docs/benchmarks.md and keeps the sections that
``compile_time.py``, ``sparse_jacobians.py`` and ``scipy_solvers.py`` write there with ``--docs``.
"""

import os
import re

BENCHMARKS_PAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "benchmarks.md")
#: The sections of docs/benchmarks.md that other scripts than peers.py write.
SECTIONS = ("first-call", "sparse-jacobians", "scipy-solves", "batch-axis", "dask")


def _markers(name):
    return f"<!-- {name} -->", f"<!-- /{name} -->"


def section(path, name):
    """The section ``name`` of the page with its markers, or "" if the page or the section is missing."""
    if not os.path.exists(path):
        return ""
    start, end = _markers(name)
    found = re.search(re.escape(start) + ".*?" + re.escape(end), open(path).read(), re.S)
    return found.group(0) if found else ""


def replace_section(path, name, text):
    """Put ``text`` as the section ``name`` of the page (appended when the page has none)."""
    start, end = _markers(name)
    block = f"{start}\n{text.rstrip()}\n{end}"
    page = open(path).read() if os.path.exists(path) else ""
    if section(path, name):
        page = page.replace(section(path, name), block)
    else:
        page = page.rstrip() + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(page)


def quick_and_docs_arguments(doc):
    """The command line of a benchmark that has a smoke-run size (--quick) and a docs section (--docs)."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--docs", action="store_true", help="put the table into docs/benchmarks.md")
    return parser.parse_args()
