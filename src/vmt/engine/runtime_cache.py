"""Start-up: numba's runtime functions loaded from a cache instead of compiled at every start.

Before the first kernel of a process runs, numba compiles a small LLVM
module of its own (the atomic reference counts and helpers of its runtime,
"NRT") through the whole optimisation and code-generation pipeline: about
20 ms of every start, for the same few functions each time. numba caches
every kernel VMT compiles, but not this module.

:func:`install` (an import hook on ``numba.core.runtime.nrtdynmod``) puts
:func:`compile_or_load` in place of numba's ``compile_nrt_functions``. It
builds numba's module as numba does, then looks for a file named by a
digest of everything the machine code depends on (:func:`cache_key`: the
module's LLVM text, numba's, llvmlite's and LLVM's versions, the target
triple, CPU and features as numba's own cache keys them, and the
optimisation level). If the file is there and its checksum holds, the
library is loaded from it as numba loads a cached kernel; otherwise numba
compiles the module and the result is written, atomically, for the next
process (silently skipped where the folder is read-only). The file lives
next to numba's cache of VMT's kernels (:func:`kernel_cache_root`) and
``make clean-cache`` removes it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
import sys
from pathlib import Path

from vmt.engine.import_hooks import after_import

#: The numba module whose ``compile_nrt_functions`` is replaced.
RUNTIME_MODULE = "numba.core.runtime.nrtdynmod"
#: Start of the cache file's name; the rest is :func:`cache_key`.
FILE_PREFIX = "numba-runtime-"
_MAGIC = b"VMT numba runtime v1\n"
_DIGEST = 32  # bytes of the payload's sha256

_numbas_compile = None  # numba's compile_nrt_functions, for a codegen without numba's cache key


def kernel_cache_root() -> Path:
    """Where numba caches VMT's kernels: ``NUMBA_CACHE_DIR`` if set, else the package's ``__pycache__``."""
    import numba

    import vmt

    return Path(numba.config.CACHE_DIR) if numba.config.CACHE_DIR else Path(vmt.__file__).parent / "__pycache__"


def cache_key(codegen, llvm_text: str) -> str:
    """A digest of what the runtime's machine code depends on (see the module docstring)."""
    import llvmlite
    import numba
    from llvmlite import binding

    parts = (numba.__version__, llvmlite.__version__, binding.llvm_version_info, codegen.magic_tuple(),
             str(numba.config.OPT), llvm_text)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def read_saved(path: Path) -> tuple[bytes, bytes] | None:
    """The (object code, bitcode) saved at ``path``; None if absent, truncated or altered."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + _DIGEST + 8
    if len(data) < head or not data.startswith(_MAGIC):
        return None
    digest, payload = data[len(_MAGIC):len(_MAGIC) + _DIGEST], data[len(_MAGIC) + _DIGEST:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    (object_size,) = struct.unpack_from("<Q", payload)
    if object_size > len(payload) - 8:
        return None
    return payload[8:8 + object_size], payload[8 + object_size:]


def save(path: Path, object_code: bytes, bitcode: bytes) -> None:
    """Write the pair for the next process: whole or not at all (a temporary file renamed into place)."""
    payload = struct.pack("<Q", len(object_code)) + object_code + bitcode
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # readable as numba's cache is
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError:
        pass


def compile_or_load(ctx):
    """numba's runtime library for ``ctx``: loaded from the cache when it holds this very module, else compiled."""
    nrtdynmod = sys.modules[RUNTIME_MODULE]
    codegen = ctx.codegen()
    if not hasattr(codegen, "magic_tuple"):
        return _numbas_compile(ctx)
    module, library = nrtdynmod.create_nrt_module(ctx)
    path = kernel_cache_root() / f"{FILE_PREFIX}{cache_key(codegen, str(module))}.bin"
    saved = read_saved(path)
    if saved is not None:
        return type(library)._unserialize(codegen, (library.name, "object", saved))
    library.enable_object_caching()
    library.add_ir_module(module)
    library.finalize()
    _, _, (object_code, bitcode) = library.serialize_using_object_code()
    save(path, object_code, bitcode)
    return library


def _replace(nrtdynmod) -> None:
    global _numbas_compile
    numbas = getattr(nrtdynmod, "compile_nrt_functions", None)
    if callable(numbas) and numbas is not compile_or_load and callable(getattr(nrtdynmod, "create_nrt_module", None)):
        _numbas_compile = numbas
        nrtdynmod.compile_nrt_functions = compile_or_load


def install() -> None:
    """Replace numba's runtime compilation as soon as its module is imported (now, if it already is)."""
    after_import(RUNTIME_MODULE, _replace)
