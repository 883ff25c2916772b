"""A kernel's core as a CPython extension module: loads without Numba, calls in well under a microsecond.

Numba compiles the core once (codegen/numba_cpu.py); its optimized LLVM
module, with a few lines of IR that call it in Numba's calling convention
as the one exported entry point, becomes a position-independent object
file, and a small generated C wrapper checks the arrays it is given
(type, dtype, shape, contiguity, alignment), allocates the outputs with
NumPy's C API and calls the entry point.  A process that finds this library
in the disk cache neither imports Numba (~0.5 s here) nor pays Numba's
per-call dispatch (~2 µs): the warm start and the small-kernel call are
both bound by that cost otherwise.

Only serial cores qualify: a parallel core needs Numba's threading runtime,
and a core that may raise an exception or still calls into Numba's runtime
(allocation) is not self-contained; both keep the Numba path.  The library
is built for this machine's CPU and Python, and its file name says so
(``host_tag``); it is only ever loaded after the disk cache has verified
its hash.  ``SYMJVP_NATIVE=0`` turns it off.
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
#: ``SYMJVP_C_CORE=0``: serial cores are compiled by Numba, as parallel ones are (part of the cache key).
C_CORE = os.environ.get("SYMJVP_C_CORE", "1") != "0"
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
    """What the wrapper must know of a kernel (Kernel IR), as plain data for the cache's metadata.

    A size or length that depends on the batch length is its expression in ``n_batch``, as text.
    """

    from ..lower.batch_axis import length_text as plain

    def shape(b):
        return None if b.shape is None else [plain(n) for n in b.shape]

    batch = kernel.batch_length and [[b.name for b in kernel.arguments].index(kernel.batch_length[0]), kernel.batch_length[1]]
    return {
        "arguments": [[plain(b.size), np.dtype(b.dtype).name, shape(b)] for b in kernel.arguments],
        "temporaries": [
            [plain(b.size), np.dtype(b.dtype).name, b.zero_init, b.passed_in, shape(b)] for b in kernel.temporaries
        ],
        "returns": [[b.name for b in kernel.temporaries].index(name) for name in kernel.outputs],
        "name": kernel.name,
        "batch_length": batch,
    }


def supported(layout):
    if layout.get("batch_length"):
        return False  # the C wrapper checks fixed shapes
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


#: Called by the entry point when the core reports an exception; an object that still calls it is not native.
_FAILED = "symjvp_core_failed"
#: How Numba passes one array: meminfo, parent, size, itemsize, data, shape[0], strides[0].
_ARRAY_FIELDS = ("pointer", "pointer", "i64", "i64", "pointer", "i64", "i64")


def _core_module(core, layout):
    """Numba's optimized LLVM module of the core for flat C-contiguous arrays, and the core's symbol."""
    from numba import from_dtype, types

    buffers = layout["arguments"] + layout["temporaries"]
    signature = tuple(types.Array(from_dtype(np.dtype(b[1])), 1, "C") for b in buffers)
    core.compile(signature)
    compiled = core.overloads[signature]
    return str(compiled.library._final_module), compiled.fndesc.llvm_func_name


def _is(kind, llvm_type):
    return llvm_type == kind or (kind == "pointer" and (llvm_type == "ptr" or llvm_type.endswith("*")))


def _entry_ir(function, layout):
    """LLVM IR of ``void symjvp_core(void *, ...)``: Numba's calling convention, filled in from the layout.

    A module of its own, declaring the core, to be linked into the core's.

    None when the core's parameters are not the (return slot, exception slot,
    seven fields per array) this expects.
    """
    buffers = layout["arguments"] + layout["temporaries"]
    parameters = [str(argument.type) for argument in function.arguments]
    width = len(_ARRAY_FIELDS)
    if len(parameters) != 2 + width * len(buffers):
        return None
    fields = [parameters[2 + width * k : 2 + width * (k + 1)] for k in range(len(buffers))]
    if not all(_is(kind, t) for group in fields for kind, t in zip(_ARRAY_FIELDS, group)):
        return None
    slots = [t[:-1] if t.endswith("*") else "[2 x i64]" for t in parameters[:2]]
    arguments = [f"{parameters[0]} %retptr", f"{parameters[1]} %excinfo"]
    for k, ((size, dtype, *_), group) in enumerate(zip(buffers, fields)):
        itemsize = np.dtype(dtype).itemsize
        values = ["null", "null", size, itemsize, f"%p{k}", size, itemsize]
        arguments += [f"{t} {value}" for t, value in zip(group, values)]
    entry_parameters = ", ".join(f"{group[4]} %p{k}" for k, group in enumerate(fields))
    return "\n".join(
        [
            f'declare i32 @"{function.name}"({", ".join(parameters)})',
            f"declare void @{_FAILED}()",
            f"define void @{ENTRY}({entry_parameters}) {{",
            f"  %retptr = alloca {slots[0]}",
            f"  %excinfo = alloca {slots[1]}",
            f'  %status = call i32 @"{function.name}"({", ".join(arguments)})',
            "  %failed = icmp ne i32 %status, 0",
            "  br i1 %failed, label %report, label %done",
            "report:",
            f"  call void @{_FAILED}()",
            "  br label %done",
            "done:",
            "  ret void",
            "}",
        ]
    )


def _object_code(core, layout):
    """The entry point and everything it calls as a PIC object, or None if it needs Numba's runtime."""
    import llvmlite.binding as ll

    source, name = _core_module(core, layout)
    module = ll.parse_assembly(source)
    entry = _entry_ir(module.get_function(name), layout)
    if entry is None:
        return None
    module.link_in(ll.parse_assembly(entry))
    for function in module.functions:
        if not function.is_declaration and function.name != ENTRY:
            function.linkage = ll.Linkage.internal
    for variable in module.global_variables:
        if not variable.is_declaration:
            variable.linkage = ll.Linkage.internal
    machine = ll.Target.from_triple(ll.get_process_triple()).create_target_machine(
        cpu=ll.get_host_cpu_name(), features=ll.get_host_cpu_features().flatten(), opt=3, reloc="pic", codemodel="default"
    )
    # Internal now, the core is seen to always return "no exception", so the entry's report folds away.
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
    if any(name == _FAILED or name.startswith(("numba_", "NRT_", "_ZN")) for name in needed):
        return None
    return machine.emit_object(module)


#: The C core: IEEE arithmetic without contraction into fused multiply-adds (as the Numba core), errno never
#: set (so sqrt is one instruction), and ``#pragma omp simd`` honoured (a reduction's sum may be reassociated).
C_FLAGS = ("-O2", "-march=native", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno", "-fopenmp-simd", "-w")


def _openmp(c_source):
    """The compiler's OpenMP flag for a core with parallel loops (it links OpenMP's runtime too)."""
    return ["-fopenmp"] if c_source is not None and "#pragma omp parallel" in c_source else []


def build(core, layout, directory, c_source=None):
    """Bytes of the extension module for ``directory``'s kernel on this host, or None when it cannot be made.

    The core is ``c_source`` (codegen/c_cpu.py) compiled by the C compiler when given, else the Numba
    dispatcher ``core``'s machine code.
    """
    tag = host_tag()
    if tag is None or not supported(layout):
        return None
    with tempfile.TemporaryDirectory(prefix="symjvp-native-") as work:
        wrapper, core_object, library = (os.path.join(work, name) for name in ("wrapper", "core.o", "native.so"))
        with open(wrapper + ".c", "w") as f:
            f.write(wrapper_source(layout, module_name(directory, tag)))
        # The wrapper (Python's and NumPy's headers) compiles on the other core while the core is made.
        includes = ["-I", sysconfig.get_paths()["include"], "-I", np.get_include()]
        compiling = subprocess.Popen(
            [_compiler(), "-c", "-fPIC", "-O2", "-w", *includes, "-o", wrapper + ".o", wrapper + ".c"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            if c_source is not None:
                with open(os.path.join(work, "core.c"), "w") as f:
                    f.write(c_source)
                command = [_compiler(), "-c", "-fPIC", *C_FLAGS, *_openmp(c_source), "-o", core_object, os.path.join(work, "core.c")]
                made = subprocess.run(command, capture_output=True, text=True)
                if made.returncode != 0:
                    raise RuntimeError(f"the C compiler failed on the core: {made.stderr.strip()[-400:]}")
            else:
                obj = _object_code(core, layout)
                if obj is not None:
                    with open(core_object, "wb") as f:
                        f.write(obj)
        finally:
            compiled = compiling.wait() == 0
        if not os.path.exists(core_object) or not compiled:
            return None
        linking = [_compiler(), "-shared", *_openmp(c_source), "-o", library, wrapper + ".o", core_object, "-lm"]
        if subprocess.run(linking, capture_output=True).returncode != 0:
            return None
        with open(library, "rb") as f:
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
