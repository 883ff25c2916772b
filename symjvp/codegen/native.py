"""A kernel's core as a CPython extension module: loads without Numba, calls in well under a microsecond.

Numba compiles the core once (codegen/numba_cpu.py); its optimized LLVM
module, reduced to one exported entry point, becomes a position-independent
object file, and a small generated C wrapper checks the arrays it is given
(type, dtype, shape, contiguity, alignment), allocates the outputs with
NumPy's C API and calls the entry point.  A process that finds this library
in the disk cache neither imports Numba (~0.5 s here) nor pays Numba's
per-call dispatch (~2 µs): the warm start and the small-kernel call are
both bound by that cost otherwise.

Only serial cores qualify: a parallel core needs Numba's threading runtime,
and any other symbol of Numba's runtime left in the object (exception
raising, allocation) means the core is not self-contained; both keep the
Numba path.  The library is built for this machine's CPU and Python, and
its file name says so (``host_tag``); it is only ever loaded after the disk
cache has verified its hash.  ``SYMJVP_NATIVE=0`` turns it off.
"""

import functools
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import numpy as np

ENABLED = os.environ.get("SYMJVP_NATIVE", "1") != "0"
ENTRY = "symjvp_core"
#: Below this many elements in all arrays together, releasing the GIL costs more than the kernel.
RELEASE_GIL_ELEMENTS = 1 << 14

_NUMPY_TYPES = {
    "float64": "NPY_FLOAT64",
    "float32": "NPY_FLOAT32",
    "int64": "NPY_INT64",
    "int32": "NPY_INT32",
    "int16": "NPY_INT16",
    "int8": "NPY_INT8",
    "uint64": "NPY_UINT64",
    "uint32": "NPY_UINT32",
    "uint16": "NPY_UINT16",
    "uint8": "NPY_UINT8",
    "bool": "NPY_BOOL",
}
#: Runtime symbols the object may keep: the cfunc wrapper's unreachable error report takes the GIL.
_PROVIDED = {"numba_gil_ensure", "numba_gil_release"}


def _compiler():
    return shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")


def loadable():
    """Linux: ELF shared objects, and /proc/cpuinfo for the host tag."""
    return ENABLED and sys.platform == "linux"


def buildable():
    """Also a C compiler and Python's headers."""
    return (
        loadable()
        and os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
        and _compiler() is not None
    )


@functools.lru_cache(maxsize=None)
def host_tag():
    """Which machine code and Python ABI a library holds: CPU model and features, Python, NumPy ABI."""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = [line for line in f if line.startswith(("model name", "flags", "vendor_id", "cpu family", "model"))]
    except OSError:
        return None
    described = "".join(sorted(set(cpu))) + platform.machine() + sys.implementation.cache_tag + np.__version__
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def library_name(tag):
    return f"native-{tag}.so"


def module_name(directory, tag):
    """Unique per cache entry and host; it is compiled into the library (its init function's name)."""
    return "symjvp_native_" + hashlib.sha256(f"{os.path.basename(directory)}:{tag}".encode()).hexdigest()[:20]


# ------------------------------------------------------------------ layout


def layout(kernel):
    """What the wrapper must know of a kernel (Kernel IR), as plain data for the cache's metadata."""
    return {
        "arguments": [[b.size, np.dtype(b.dtype).name, None if b.shape is None else list(b.shape)] for b in kernel.arguments],
        "temporaries": [
            [b.size, np.dtype(b.dtype).name, b.zero_init, b.passed_in, None if b.shape is None else list(b.shape)]
            for b in kernel.temporaries
        ],
        "returns": [[b.name for b in kernel.temporaries].index(name) for name in kernel.outputs],
        "name": kernel.name,
    }


def supported(layout):
    dtypes = [a[1] for a in layout["arguments"]] + [t[1] for t in layout["temporaries"]]
    return all(d in _NUMPY_TYPES for d in dtypes)


# ------------------------------------------------------------------ the C wrapper


def _dims(shape):
    return "{" + ", ".join(str(n) for n in shape) + "}" if shape else "{1}"


def wrapper_source(layout, module):
    """C source of the extension module ``module`` around the entry point."""
    arguments, temporaries = layout["arguments"], layout["temporaries"]
    passed = [t for t in temporaries if t[3]]
    checked = [(size, dtype, shape) for size, dtype, shape in arguments] + [(t[0], t[1], None) for t in passed]
    n_pointers = len(arguments) + len(temporaries)
    total = sum(a[0] for a in arguments) + sum(t[0] for t in temporaries)
    lines = [
        "#define PY_SSIZE_T_CLEAN",
        "#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION",
        "#include <Python.h>",
        "#include <numpy/arrayobject.h>",
        "",
        "/* The entry point's unreachable error path reports through these (Numba's helper library has them). */",
        "void numba_gil_ensure(PyGILState_STATE *state) { *state = PyGILState_Ensure(); }",
        "void numba_gil_release(PyGILState_STATE *state) { PyGILState_Release(*state); }",
        "",
        f"extern void {ENTRY}({', '.join(['void *'] * n_pointers) or 'void'});",
        "",
        "static int wrong(PyObject *given, int position, int type, int ndim, const npy_intp *dims, npy_intp size,",
        "                 const char *expected) {",
        "    if (!PyArray_Check(given)) {",
        "        PyErr_Format(PyExc_TypeError, \"symjvp kernel %s: argument %d must be a NumPy array, got %s\",",
        f"                     \"{layout['name']}\", position, Py_TYPE(given)->tp_name);",
        "        return 1;",
        "    }",
        "    PyArrayObject *array = (PyArrayObject *)given;",
        "    int shape_ok = ndim < 0 ? PyArray_SIZE(array) == size",
        "                            : PyArray_NDIM(array) == ndim && PyArray_CompareLists(PyArray_DIMS(array), dims, ndim);",
        "    if (PyArray_TYPE(array) != type || !PyArray_ISNOTSWAPPED(array) || !shape_ok || !PyArray_IS_C_CONTIGUOUS(array)",
        "        || !PyArray_ISALIGNED(array)) {",
        "        PyErr_Format(PyExc_TypeError, \"symjvp kernel %s: argument %d must be %s\", \"" + layout["name"] + "\",",
        "                     position, expected);",
        "        return 1;",
        "    }",
        "    return 0;",
        "}",
        "",
        "static PyObject *call(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {",
        f"    if (nargs != {len(checked)}) {{",
        f"        PyErr_Format(PyExc_TypeError, \"symjvp kernel {layout['name']} takes {len(checked)} arrays, got %zd\", nargs);",
        "        return NULL;",
        "    }",
    ]
    for k, (size, dtype, shape) in enumerate(checked):
        ndim = -1 if shape is None else len(shape)
        lines.append(f"    static const npy_intp dims_a{k}[] = {_dims(shape or ())};")
        expected = f"an aligned C-contiguous {dtype} array " + (f"of {size} elements" if shape is None else f"of shape {tuple(shape)}")
        lines.append(f"    if (wrong(args[{k}], {k}, {_NUMPY_TYPES[dtype]}, {ndim}, dims_a{k}, {size}, \"{expected}\")) return NULL;")
    pointers = [f"PyArray_DATA((PyArrayObject *)args[{k}])" for k in range(len(arguments))]
    owned, scratch, next_passed = [], [], len(arguments)
    for k, (size, dtype, zero_init, passed_in, shape) in enumerate(temporaries):
        if passed_in:
            pointers.append(f"PyArray_DATA((PyArrayObject *)args[{next_passed}])")
            if k in layout["returns"]:  # returned in its shape, as a view of the flat buffer the caller made
                shape = shape if shape is not None else [size]
                lines.append(f"    static npy_intp dims_t{k}[] = {_dims(shape)};")
                lines.append(f"    PyArray_Dims shape_t{k} = {{dims_t{k}, {len(shape)}}};")
                lines.append(f"    PyObject *t{k} = PyArray_Newshape((PyArrayObject *)args[{next_passed}], &shape_t{k}, NPY_CORDER);")
                owned.append(k)
            next_passed += 1
        elif k in layout["returns"]:
            shape = shape if shape is not None else [size]
            lines.append(f"    static npy_intp dims_t{k}[] = {_dims(shape)};")
            make = "PyArray_ZEROS" if zero_init else "PyArray_EMPTY"
            lines.append(f"    PyObject *t{k} = {make}({len(shape)}, dims_t{k}, {_NUMPY_TYPES[dtype]}, 0);")
            owned.append(k)
            pointers.append(f"PyArray_DATA((PyArrayObject *)t{k})")
        else:
            itemsize = np.dtype(dtype).itemsize
            alloc = f"PyMem_RawCalloc({max(size, 1)}, {itemsize})" if zero_init else f"PyMem_RawMalloc({max(size, 1) * itemsize})"
            lines.append(f"    void *t{k} = {alloc};")
            scratch.append(k)
            pointers.append(f"t{k}")
    allocated = " || ".join([f"!t{k}" for k in owned + scratch]) or "0"
    lines.append(f"    if ({allocated}) {{")
    lines += [f"        Py_XDECREF(t{k});" for k in owned] + [f"        PyMem_RawFree(t{k});" for k in scratch]
    lines += ["        return PyErr_NoMemory();", "    }"]
    call = f"{ENTRY}({', '.join(pointers)});"
    if total >= RELEASE_GIL_ELEMENTS:
        lines += ["    Py_BEGIN_ALLOW_THREADS", f"    {call}", "    Py_END_ALLOW_THREADS"]
    else:
        lines.append(f"    {call}")
    lines += [f"    PyMem_RawFree(t{k});" for k in scratch]
    returns = layout["returns"]
    if len(returns) == 1:
        lines += [f"    return t{returns[0]};"]
    else:
        lines.append(f"    PyObject *result = PyTuple_Pack({len(returns)}, {', '.join(f't{k}' for k in returns)});")
        lines += [f"    Py_DECREF(t{k});" for k in owned]
        lines.append("    return result;")
    lines += [
        "}",
        "",
        "static PyMethodDef methods[] = {",
        "    {\"call\", (PyCFunction)(void (*)(void))call, METH_FASTCALL, \"the kernel\"},",
        "    {NULL, NULL, 0, NULL}};",
        "",
        f"static struct PyModuleDef definition = {{PyModuleDef_HEAD_INIT, \"{module}\", NULL, -1, methods}};",
        "",
        f"PyMODINIT_FUNC PyInit_{module}(void) {{",
        "    import_array();",
        "    return PyModule_Create(&definition);",
        "}",
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ building


def _entry_source(layout):
    from .numba_cpu import dtype_literal

    buffers = layout["arguments"] + [[t[0], t[1]] for t in layout["temporaries"]]
    names = [f"p{k}" for k in range(len(buffers))]
    views = [f"carray({p}, ({b[0]},), dtype={dtype_literal(b[1])})" for p, b in zip(names, buffers)]
    return f"def {ENTRY}({', '.join(names)}):\n    core({', '.join(views)})\n"


def _object_code(core, layout):
    """The entry point and everything it calls as a PIC object, or None if it needs Numba's runtime."""
    import llvmlite.binding as ll
    import numba
    from numba import carray, types

    namespace = {"core": core, "carray": carray, "np": np}
    exec(_entry_source(layout), namespace)
    n_pointers = len(layout["arguments"]) + len(layout["temporaries"])
    entry = numba.cfunc(types.void(*[types.voidptr] * n_pointers), error_model="numpy")(namespace[ENTRY])
    module = ll.parse_assembly(str(entry._library._final_module))
    for function in module.functions:
        if function.is_declaration:
            continue
        if function.name == entry.native_name:
            function.name = ENTRY
        else:
            function.linkage = ll.Linkage.internal
    for variable in module.global_variables:
        if not variable.is_declaration:
            variable.linkage = ll.Linkage.internal
    machine = ll.Target.from_triple(ll.get_process_triple()).create_target_machine(
        cpu=ll.get_host_cpu_name(), features=ll.get_host_cpu_features().flatten(), opt=3, reloc="pic", codemodel="default"
    )
    # Internal now, the core is seen to always return "no exception", so the entry's error path folds away.
    passes = ll.ModulePassManager()
    passes.add_ipsccp_pass()
    passes.add_simplify_cfg_pass()
    passes.add_aggressive_dce_pass()
    passes.add_global_dead_code_eliminate_pass()
    passes.add_strip_dead_prototype_pass()
    passes.run(module, ll.create_pass_builder(machine, ll.create_pipeline_tuning_options(speed_level=0)))
    needed = {f.name for f in module.functions if f.is_declaration} | {
        g.name for g in module.global_variables if g.is_declaration
    }
    if any(name.startswith(("numba_", "NRT_", "_ZN")) and name not in _PROVIDED for name in needed):
        return None
    return machine.emit_object(module)


def build(core, layout, directory):
    """Bytes of the extension module for ``directory``'s kernel on this host, or None when it cannot be made."""
    tag = host_tag()
    if tag is None or not supported(layout):
        return None
    obj = _object_code(core, layout)
    if obj is None:
        return None
    module = module_name(directory, tag)
    with tempfile.TemporaryDirectory(prefix="symjvp-native-") as work:
        with open(os.path.join(work, "core.o"), "wb") as f:
            f.write(obj)
        with open(os.path.join(work, "wrapper.c"), "w") as f:
            f.write(wrapper_source(layout, module))
        command = [
            _compiler(), "-shared", "-fPIC", "-O2", "-w",
            "-I", sysconfig.get_paths()["include"], "-I", np.get_include(),
            "-o", os.path.join(work, "native.so"), os.path.join(work, "wrapper.c"), os.path.join(work, "core.o"), "-lm",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True)
        if done.returncode != 0:
            return None
        with open(os.path.join(work, "native.so"), "rb") as f:
            return f.read()


def load(directory, tag):
    """The kernel function of the extension module in ``directory`` (verified by the disk cache)."""
    import importlib.machinery
    import importlib.util

    name = module_name(directory, tag)
    module = sys.modules.get(name)
    if module is None:
        loader = importlib.machinery.ExtensionFileLoader(name, os.path.join(directory, library_name(tag)))
        spec = importlib.util.spec_from_file_location(name, loader.path, loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        sys.modules[name] = module
    return module.call
