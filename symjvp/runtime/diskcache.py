"""The disk cache: kernels survive the process, so a new one neither re-derives nor recompiles.

Layout: ``<cache dir>/<key[:2]>/<key>/`` holds ``kernel.py`` (the generated
source), ``meta.json``, ``constants.npz``, perhaps native libraries added
later (``attach``; codegen/native.py), Numba's cache of the kernel's machine
code in ``__pycache__`` (``record``), and ``manifest.json``: the entry's key
and the SHA-256 of every file.  The key hashes the function's code and
captured values, the input signature, what is computed, and the symjvp,
Numba, NumPy, SymPy and Python versions.

The cache holds code that gets run, so nothing in it is used unverified:

* The directory is resolved to its real path once, at open; it, every shard
  and entry directory, and every file read must be ours, not a symlink, and
  not writable by others.  Files are opened with ``O_NOFOLLOW``.
* An entry whose manifest names another key (entries swapped), or whose files
  do not match it (partial, corrupt, forged), is deleted and rebuilt, never
  executed.  A file in ``__pycache__`` that the manifest does not list with
  these contents (a forged or corrupt Numba cache file) is deleted, so Numba
  compiles again instead of loading it.
* The kernel source is compiled from the bytes that were hashed, never
  imported (a ``.pyc`` beside it is never consulted).
* Entries are written into a staging directory and renamed into place; the
  manifest of an existing entry changes only under a lock (``attach``,
  ``record``).  Staging directories of killed processes are removed.
* Arrays are read with ``allow_pickle=False``.

A cache directory that is not ours or not writable is not used, with a
warning, and everything stays in memory.
"""

import contextlib
import hashlib
import io
import json
import marshal
import os
import shutil
import stat
import sys
import tempfile
import time
import types
import warnings

import numpy as np

try:
    import fcntl
except ImportError:  # not POSIX: manifest updates are not locked
    fcntl = None

SCHEMA = 2
_FILES = ("kernel.py", "meta.json", "constants.npz")
#: Numba's cache of an entry's kernel (written by Numba, listed in the manifest by ``record``).
NUMBA_FOLDER = "__pycache__"
#: A staging directory older than this belongs to a process that died.
STALE_STAGING_SECONDS = 3600.0


class UntrustedError(OSError):
    """A file or directory of the cache is not ours, a symlink, or writable by others."""


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


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _replace(path, content):
    """Write ``content`` beside ``path`` and rename it into place."""
    handle, staging = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(content)
        os.replace(staging, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(staging)
        raise


def _trusted_mode(info):
    ours = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return ours and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _directories(path):
    return sorted(e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False))


def _safe_directory(path):
    """A real directory (not a symlink), ours and not writable by others: the cache holds code that gets run."""
    info = os.lstat(path)
    return stat.S_ISDIR(info.st_mode) and _trusted_mode(info)


def _read_trusted(path):
    """The bytes of a regular file that is ours and not writable by others, never through a symlink."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _trusted_mode(info):
            raise UntrustedError(f"not a file of ours: {path}")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


class DiskCache:
    def __init__(self, root):
        #: The real path, resolved once: re-pointing a symlink to the cache afterwards changes nothing.
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
            root = os.path.realpath(root)
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
        cache = cls(root)
        cache.remove_stale_staging()
        return cache

    def key(self, *parts):
        return digest(self._versions, *parts)

    # ------------------------------------------------------------ entries

    def _entry(self, key):
        return os.path.join(self.root, key[:2], key)

    def _check_directories(self, entry):
        """The shard and the entry directory are ours (the root was checked at open)."""
        for path in (os.path.dirname(entry), entry):
            if not _safe_directory(path):
                raise UntrustedError(f"not a directory of ours: {path}")

    def _manifest(self, entry):
        manifest = json.loads(_read_trusted(os.path.join(entry, "manifest.json")))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            raise ValueError("malformed manifest")
        return manifest

    def _discard(self, path):
        """Remove a broken entry; one that is not ours is left alone (and not used)."""
        with contextlib.suppress(OSError):
            if _safe_directory(path):
                shutil.rmtree(path, ignore_errors=True)

    def _verified(self, key):
        """(entry path, {file name: bytes} of the entry's own files), or None; broken entries are deleted."""
        path = self._entry(key)
        try:
            if not os.path.lexists(os.path.join(path, "manifest.json")):
                if os.path.lexists(path):
                    self._discard(path)
                return None
            self._check_directories(path)
            manifest = self._manifest(path)
            if manifest.get("key") != key:
                raise ValueError("the manifest belongs to another entry")
            listed = manifest["files"]
            contents = {}
            for name in set(_FILES) | {n for n in listed if os.sep not in n and "/" not in n}:
                data = _read_trusted(os.path.join(path, name))
                if listed.get(name) != _sha256(data):
                    raise ValueError(name)
                if name in _FILES:
                    contents[name] = data
            self._prune_numba_cache(path, listed)
        except (OSError, ValueError, json.JSONDecodeError):
            self._discard(path)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # when it was last used, for pruning the least recently used first
        return path, contents

    def _prune_numba_cache(self, entry, listed):
        """Delete what in the entry's Numba cache the manifest does not list with these contents."""
        folder = os.path.join(entry, NUMBA_FOLDER)
        if not os.path.lexists(folder):
            return
        if not _safe_directory(folder):
            raise UntrustedError(f"not a directory of ours: {folder}")
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            try:
                good = listed.get(f"{NUMBA_FOLDER}/{name}") == _sha256(_read_trusted(path))
            except OSError:
                good = False
            if not good:
                with contextlib.suppress(OSError):
                    os.unlink(path)

    def load(self, key):
        """(metadata dict, constants list, path of kernel.py, kernel.py's verified bytes), or None."""
        found = self._verified(key)
        if found is None:
            return None
        path, contents = found
        try:
            meta = json.loads(contents["meta.json"])
            with np.load(io.BytesIO(contents["constants.npz"]), allow_pickle=False) as data:
                constants = [data[f"c{k}"] for k in range(len(data.files))]
        except (OSError, ValueError, KeyError):
            self._discard(path)
            return None
        return meta, constants, os.path.join(path, "kernel.py"), contents["kernel.py"]

    def store(self, key, source, meta, constants):
        """Write an entry atomically; returns the path of its kernel.py (or None if that failed)."""
        final = self._entry(key)
        if os.path.isdir(final) and self._verified(key):
            return os.path.join(final, "kernel.py")
        staging = None
        try:
            os.makedirs(os.path.dirname(final), mode=0o700, exist_ok=True)
            staging = tempfile.mkdtemp(dir=os.path.dirname(final), prefix=".tmp-")
            buffer = io.BytesIO()
            np.savez(buffer, **{f"c{k}": c for k, c in enumerate(constants)})
            contents = {"kernel.py": source.encode(), "meta.json": json.dumps(meta).encode(), "constants.npz": buffer.getvalue()}
            for name, data in contents.items():
                with open(os.path.join(staging, name), "wb") as f:
                    f.write(data)
            manifest = {"key": key, "files": {name: _sha256(data) for name, data in contents.items()}}
            with open(os.path.join(staging, "manifest.json"), "w") as f:
                json.dump(manifest, f)
            try:
                os.rename(staging, final)
                staging = None
            except OSError:
                if not self._verified(key):
                    return None
        except OSError:
            return None
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
        return os.path.join(final, "kernel.py")

    @contextlib.contextmanager
    def _locked(self, entry):
        """The entry's manifest for a read-modify-write, under an exclusive lock (concurrent writers wait)."""
        self._check_directories(entry)
        fd = os.open(os.path.join(entry, ".lock"), os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            manifest = self._manifest(entry)
            yield manifest["files"]
            _replace(os.path.join(entry, "manifest.json"), json.dumps(manifest).encode())
        finally:
            os.close(fd)

    def attach(self, entry, name, data):
        """Add a file to the entry directory ``entry`` and to its manifest; returns its path or None.

        The file and the new manifest are each written aside and renamed into
        place, so a reader sees the old manifest (which does not list the file:
        it is ignored) or the new one, never a half-written file it trusts.
        """
        target = os.path.join(entry, name)
        try:
            with self._locked(entry) as files:
                _replace(target, data)
                files[name] = _sha256(data)
        except (OSError, ValueError):
            return None
        return target

    def record(self, entry):
        """List what Numba wrote into the entry's ``__pycache__`` in its manifest, so later processes trust it."""
        folder = os.path.join(entry, NUMBA_FOLDER)
        try:
            with self._locked(entry) as files:
                if not _safe_directory(folder):
                    return
                for name in os.listdir(folder):
                    files[f"{NUMBA_FOLDER}/{name}"] = _sha256(_read_trusted(os.path.join(folder, name)))
        except (OSError, ValueError):
            pass

    def trusted(self, entry, name):
        """The path of ``entry``'s file ``name`` if the manifest lists it with these exact contents, else None."""
        path = os.path.join(entry, name)
        try:
            self._check_directories(entry)
            expected = self._manifest(entry)["files"].get(name)
            return path if expected is not None and expected == _sha256(_read_trusted(path)) else None
        except (OSError, ValueError):
            return None

    def helper_entry(self):
        """An entry for Numba's cache of symjvp's own compiled helpers (codegen/fastmath.py), or None."""
        key = self.key("numba helpers")
        if self._verified(key) is None and self.store(key, "", {}, []) is None:
            return None
        found = self._verified(key)
        return found[0] if found else None

    def entries(self):
        """[(path, bytes, last used)] of every entry, least recently used first."""
        found = []
        for shard in _directories(self.root):
            for entry in _directories(shard):
                if os.path.basename(entry).startswith(".tmp-"):
                    continue
                size = 0
                for folder, _, files in os.walk(entry):
                    size += sum(os.lstat(os.path.join(folder, name)).st_size for name in files)
                found.append((entry, size, os.lstat(entry).st_mtime))
        return sorted(found, key=lambda e: e[2])

    def prune(self, max_bytes=None, older_than_days=None):
        """Delete entries unused for ``older_than_days``, then the least recently used until at most ``max_bytes``.

        Returns (entries removed, bytes freed).  An entry in use by another
        process is safe to remove: it was read whole when it was verified.
        """
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        cutoff = time.time() - 86400.0 * older_than_days if older_than_days is not None else None
        removed = freed = 0
        for path, size, used in entries:
            if (cutoff is None or used >= cutoff) and (max_bytes is None or total - freed <= max_bytes):
                continue
            self._discard(path)
            removed, freed = removed + 1, freed + size
        return removed, freed

    def remove_stale_staging(self):
        """Remove the staging directories and files of processes that died (at most once an hour).

        Also keeps the cache within ``SYMJVP_CACHE_MAX_BYTES`` when that is set.
        """
        marker = os.path.join(self.root, ".cleaned")
        now = time.time()
        try:
            if now - os.lstat(marker).st_mtime < STALE_STAGING_SECONDS:
                return
        except OSError:
            pass
        try:
            with open(marker, "w"):
                pass
            limit = os.environ.get("SYMJVP_CACHE_MAX_BYTES")
            if limit:
                self.prune(max_bytes=int(limit))
            for shard in _directories(self.root):
                for place in [shard] + _directories(shard):
                    for item in os.scandir(place):
                        age = now - item.stat(follow_symlinks=False).st_mtime
                        if not item.name.startswith(".tmp-") or age <= STALE_STAGING_SECONDS:
                            continue
                        if item.is_dir(follow_symlinks=False):
                            shutil.rmtree(item.path, ignore_errors=True)
                        else:
                            os.unlink(item.path)
        except (OSError, ValueError):
            pass
