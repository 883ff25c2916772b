"""The disk cache: kernels survive the process, so a new one neither re-derives nor recompiles.

Layout: ``<cache dir>/<key>/`` holds ``kernel.py`` (the generated source;
Numba's own cache of its machine code lands in ``__pycache__`` beside it),
``meta.json``, ``constants.npz``, perhaps native libraries added later
(``attach``; codegen/native.py) and ``manifest.json`` (SHA-256 of every
file).  The key hashes the function's code and captured values, the input
signature, what is computed, and the symjvp, Numba, NumPy, SymPy and Python
versions.

Safety: entries are written into a temporary directory and renamed into
place (atomic); an entry whose files do not match its manifest -- partial,
corrupt or foreign -- is deleted and rebuilt, never executed; arrays are
read with ``allow_pickle=False``; a cache directory that is not ours
(another owner, or writable by others) or not writable is not used, with a
warning, and everything stays in memory.
"""

import hashlib
import json
import marshal
import os
import shutil
import stat
import sys
import tempfile
import types
import warnings

import numpy as np

SCHEMA = 1
_FILES = ("kernel.py", "meta.json", "constants.npz")


def default_directory():
    configured = os.environ.get("SYMJVP_CACHE_DIR")
    if configured is not None:
        return configured or None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "symjvp")


def _package_digest():
    """symjvp's own source: a development checkout that changes gets new entries."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    h = hashlib.sha256()
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as f:
                    h.update(name.encode() + f.read())
    return h.hexdigest()[:16]


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    found = [f"schema={SCHEMA}", f"python={sys.version_info[:3]}", f"source={_package_digest()}"]
    for package in ("symjvp", "numba", "numpy", "sympy", "llvmlite"):
        try:
            found.append(f"{package}={version(package)}")
        except PackageNotFoundError:
            found.append(f"{package}=?")
    return found


def _feed(h, value):
    """Hash a fingerprint structure the same way in every process."""
    if isinstance(value, types.CodeType):
        h.update(b"code")
        h.update(hashlib.sha256(marshal.dumps(value)).digest())
    elif isinstance(value, (tuple, list)):
        h.update(f"seq{len(value)}(".encode())
        for item in value:
            _feed(h, item)
        h.update(b")")
    elif isinstance(value, bytes):
        h.update(b"bytes")
        h.update(value)
    elif value is None or isinstance(value, (bool, int, float, complex, str)):
        h.update(f"{type(value).__name__}:{value!r};".encode())
    else:
        raise TypeError(f"not hashable for the disk cache: {type(value).__name__}")


def digest(*parts):
    h = hashlib.sha256()
    _feed(h, tuple(parts))
    return h.hexdigest()[:40]


def _file_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _replace(path, content):
    """Write ``content`` beside ``path`` and rename it into place."""
    handle, staging = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(handle, "wb") as f:
        f.write(content)
    os.replace(staging, path)


def _safe_directory(path):
    """Ours and not writable by others (the cache holds code that gets run)."""
    info = os.stat(path)
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


class DiskCache:
    def __init__(self, root):
        self.root = root
        self._versions = _versions()

    @classmethod
    def open(cls, root=None):
        """The cache at ``root`` (default: ``SYMJVP_CACHE_DIR`` or ``~/.cache/symjvp``), or None."""
        root = root if root is not None else default_directory()
        if not root:
            return None
        try:
            os.makedirs(root, mode=0o700, exist_ok=True)
            if not _safe_directory(root):
                warnings.warn(
                    f"symjvp: not using the cache directory {root!r}: it belongs to another user or others can "
                    "write to it. Kernels stay in memory.",
                    RuntimeWarning,
                    stacklevel=3,
                )
                return None
            probe = tempfile.NamedTemporaryFile(dir=root, prefix=".probe-", delete=True)
            probe.close()
        except OSError as exc:
            warnings.warn(
                f"symjvp: the cache directory {root!r} is not writable ({exc.strerror}); kernels stay in memory.",
                RuntimeWarning,
                stacklevel=3,
            )
            return None
        return cls(root)

    def key(self, *parts):
        return digest(self._versions, *parts)

    # ------------------------------------------------------------ entries

    def _entry(self, key):
        return os.path.join(self.root, key[:2], key)

    def _verified(self, key):
        path = self._entry(key)
        manifest = os.path.join(path, "manifest.json")
        if not os.path.isfile(manifest):
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            return None
        try:
            with open(manifest) as f:
                expected = json.load(f)
            for name in set(_FILES) | set(expected):
                if expected.get(name) != _file_hash(os.path.join(path, name)):
                    raise ValueError(name)
        except (OSError, ValueError, json.JSONDecodeError):
            shutil.rmtree(path, ignore_errors=True)
            return None
        return path

    def load(self, key):
        """(metadata dict, constants list, path of kernel.py), or None when absent or broken."""
        path = self._verified(key)
        if path is None:
            return None
        try:
            with open(os.path.join(path, "meta.json")) as f:
                meta = json.load(f)
            with np.load(os.path.join(path, "constants.npz"), allow_pickle=False) as data:
                constants = [data[f"c{k}"] for k in range(len(data.files))]
        except (OSError, ValueError, KeyError):
            shutil.rmtree(path, ignore_errors=True)
            return None
        return meta, constants, os.path.join(path, "kernel.py")

    def store(self, key, source, meta, constants):
        """Write an entry atomically; returns the path of its kernel.py (or None if that failed)."""
        final = self._entry(key)
        if os.path.isdir(final) and self._verified(key):
            return os.path.join(final, "kernel.py")
        try:
            os.makedirs(os.path.dirname(final), mode=0o700, exist_ok=True)
            staging = tempfile.mkdtemp(dir=os.path.dirname(final), prefix=".tmp-")
            with open(os.path.join(staging, "kernel.py"), "w") as f:
                f.write(source)
            with open(os.path.join(staging, "meta.json"), "w") as f:
                json.dump(meta, f)
            np.savez(os.path.join(staging, "constants.npz"), **{f"c{k}": c for k, c in enumerate(constants)})
            manifest = {name: _file_hash(os.path.join(staging, name)) for name in _FILES}
            with open(os.path.join(staging, "manifest.json"), "w") as f:
                json.dump(manifest, f)
            try:
                os.rename(staging, final)
            except OSError:
                shutil.rmtree(staging, ignore_errors=True)
                if not self._verified(key):
                    return None
        except OSError:
            return None
        return os.path.join(final, "kernel.py")

    def attach(self, entry, name, data):
        """Add a file to the entry directory ``entry`` and to its manifest; returns its path or None.

        The file and the new manifest are each written aside and renamed into
        place, so a reader sees the old manifest (which does not list the file:
        it is ignored) or the new one, never a half-written file it trusts.
        """
        target = os.path.join(entry, name)
        try:
            with open(os.path.join(entry, "manifest.json")) as f:
                manifest = json.load(f)
            manifest[name] = hashlib.sha256(data).hexdigest()
            _replace(target, data)
            _replace(os.path.join(entry, "manifest.json"), json.dumps(manifest).encode())
        except (OSError, ValueError):
            return None
        return target

    def trusted(self, entry, name):
        """The path of ``entry``'s file ``name`` if the manifest lists it with these exact contents, else None."""
        path = os.path.join(entry, name)
        try:
            with open(os.path.join(entry, "manifest.json")) as f:
                expected = json.load(f).get(name)
            return path if expected is not None and expected == _file_hash(path) else None
        except (OSError, ValueError):
            return None
