"""Start-up: parse a cached kernel's linking module only when something links it.

numba caches a compiled kernel as two things: its machine code (an object
file) and an LLVM bitcode copy of the kernel, the *linking module*, kept so
that a kernel compiled later in the process can inline it. Loading from the
cache runs the machine code; yet numba parses the bitcode at once, and then
lists its functions and globals one FFI call at a time to learn which
symbols the kernel defines. For a small run those two steps are most of its
first tick: 14 kernel loads cost about 65 ms, of which about 48 ms go to
bitcode nobody links.

:func:`install` (an import hook, :func:`vmt.engine.import_hooks.after_import`,
on ``numba.core.codegen``) replaces the cache load of a kernel whose machine
code is an ELF object (Linux) with one that

* reads the defined symbols from the object file's own symbol table
  (:func:`object_symbols`) -- the same names the bitcode lists, checked on
  every built-in scenario's kernels by the tests --,
* reads the undefined ones too, and has numba build its registries first
  when one of them is not yet defined anywhere in the process (see
  :mod:`vmt.engine.deferred_registries`: numba's cache load no longer
  builds them, and importing them is what defines a few symbols), and
* keeps the bitcode unparsed until ``_get_module_for_linking`` is asked for
  it, which is how numba links a cached kernel into a new one.

Everything else of the load is numba's: the object file is installed the
same way and the kernel runs the same machine code, so results are
bit-identical. Other object formats (macOS, Windows) and cache entries of
another kind take numba's own path, registries first; if numba's code
library changes shape, nothing is replaced.
"""

from __future__ import annotations

import struct

from vmt.engine.import_hooks import after_import

#: The numba module that defines the cached code library.
CODEGEN_MODULE = "numba.core.codegen"

_ELF64_LITTLE_ENDIAN = b"\x7fELF\x02\x01"
_SYMBOL_TABLE = 2  # section type SHT_SYMTAB
_UNDEFINED_SECTION = 0  # SHN_UNDEF: a symbol the object uses but does not define
_SECTION_OR_FILE = (3, 4)  # STT_SECTION, STT_FILE: not names of code or data


def object_symbols(object_code: bytes) -> tuple[set[str], set[str]] | None:
    """(defined, undefined) names of an ELF64 object file's functions and globals; None if it is not one.

    Reads the section headers, then every symbol table: a symbol is defined
    when it lives in a section of the object, undefined when the object
    only refers to it (the linker must find it elsewhere); section and
    source-file entries are not names of code or data.
    """
    if object_code[:6] != _ELF64_LITTLE_ENDIAN:
        return None
    (section_offset,) = struct.unpack_from("<Q", object_code, 0x28)
    entry_size, entries = struct.unpack_from("<HH", object_code, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", object_code, section_offset + i * entry_size) for i in range(entries)]
    defined: set[str] = set()
    undefined: set[str] = set()
    for _, kind, _, _, offset, size, link, _, _, symbol_size in sections:
        if kind != _SYMBOL_TABLE:
            continue
        strings = sections[link][4]
        for entry in range(offset + symbol_size, offset + size, symbol_size):  # entry 0 is the null symbol
            name_at, info, _, section = struct.unpack_from("<IBBH", object_code, entry)
            if info & 0xF in _SECTION_OR_FILE:
                continue
            start = strings + name_at
            name = object_code[start:object_code.index(b"\0", start)].decode()
            (undefined if section == _UNDEFINED_SECTION else defined).add(name)
    undefined.discard("")
    return defined, undefined


def readable_symbols(object_code: bytes) -> tuple[set[str], set[str]] | None:
    """:func:`object_symbols`, or None if the object file cannot be read as ELF64 (numba's own load decides)."""
    try:
        return object_symbols(object_code)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError):
        return None


def process_address(name: str) -> int | None:
    """The address the process gives ``name`` (a C function, or a symbol numba registered); None if none."""
    from llvmlite import binding

    return binding.address_of_symbol(name)


def unresolved(undefined: set[str], engine, address_of) -> list[str]:
    """The names in ``undefined`` that neither the JIT engine's loaded code nor the process defines."""
    return sorted(name for name in undefined if name not in engine._defined_symbols and not address_of(name))


def _load_lazily(codegen_module) -> None:
    """Replace ``CPUCodeLibrary``'s cache load and linking-module getter (if they have the expected shape)."""
    library = getattr(codegen_module, "CPUCodeLibrary", None)
    needed = ("_unserialize", "_get_module_for_linking", "enable_object_caching", "_set_compiled_object",
              "_finalize_final_module")
    if library is None or not all(hasattr(library, name) for name in needed) or getattr(library, "_vmt_lazy", False):
        return
    from vmt.engine import deferred_registries

    numbas_load = library._unserialize.__func__
    numbas_linking_module = library._get_module_for_linking

    def _unserialize(cls, codegen, state):
        name, kind, data = state
        symbols = readable_symbols(data[0]) if kind == "object" else None
        engine = getattr(codegen, "_engine", None)
        if symbols is None or not isinstance(getattr(engine, "_defined_symbols", None), set):
            deferred_registries.build_registries()  # numba's own load follows numba's own refresh
            return numbas_load(cls, codegen, state)
        defined, undefined = symbols
        if unresolved(undefined, engine, process_address):
            deferred_registries.build_registries()  # importing numba's modules defines some symbols (hash secret)
        self = codegen.create_library(name)
        self.enable_object_caching()
        self._set_compiled_object(data[0])
        self._unparsed_linking_bitcode = data[1]
        self._finalize_final_module()
        engine._defined_symbols |= defined
        return self

    def _get_module_for_linking(self):
        bitcode = getattr(self, "_unparsed_linking_bitcode", None)
        if bitcode is not None:
            from llvmlite import binding

            self._shared_module = binding.parse_bitcode(bitcode)
            self._unparsed_linking_bitcode = None
        return numbas_linking_module(self)

    library._unserialize = classmethod(_unserialize)
    library._get_module_for_linking = _get_module_for_linking
    library._vmt_lazy = True


def install() -> None:
    """Replace the cache load as soon as numba's codegen is imported (now, if it already is)."""
    after_import(CODEGEN_MODULE, _load_lazily)
