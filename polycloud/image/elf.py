"""ELF headers (machine and dynamic loader) from the first page of a binary, read with pyelftools."""

from __future__ import annotations

import io
from dataclasses import dataclass

__all__ = ["ElfInfo", "MACHINES", "read_elf"]

MACHINES = {"x86_64": "EM_X86_64", "arm64": "EM_AARCH64"}
"""Spec architecture -> the ELF ``e_machine`` its binaries carry."""

_NAMES = {"EM_X86_64": "x86-64", "EM_AARCH64": "aarch64 (arm64)", "EM_386": "i386 (32-bit x86)",
          "EM_ARM": "32-bit ARM", "EM_RISCV": "RISC-V", "EM_PPC64": "PowerPC 64", "EM_S390": "s390x"}
_PT_INTERP = "PT_INTERP"


@dataclass(frozen=True)
class ElfInfo:
    """What matters for running a binary: its machine, and the loader it asks the kernel for (if dynamic)."""

    machine: str
    interpreter: str | None

    @property
    def machine_name(self) -> str:
        """A readable machine name (``x86-64``, ``aarch64 (arm64)``)."""
        return _NAMES.get(self.machine, self.machine)

    @property
    def libc(self) -> str | None:
        """``musl`` or ``glibc`` by the loader's name, or None for a static binary."""
        if self.interpreter is None:
            return None
        return "musl" if "ld-musl" in self.interpreter else "glibc"


def read_elf(head: bytes) -> ElfInfo | None:
    """The machine and ``PT_INTERP`` of an ELF file from its first bytes, or None when they are not ELF.

    Only the ELF header and program headers are read (pyelftools would otherwise seek to the section
    headers at the end of the file, which the first page does not hold).
    """
    from elftools.common.exceptions import ELFError
    from elftools.common.utils import struct_parse
    from elftools.elf.elffile import ELFFile

    stream = io.BytesIO(head)
    try:
        elf = ELFFile(stream)
        machine = str(elf["e_machine"])
        interpreter = None
        for number in range(elf["e_phnum"]):
            header = struct_parse(elf.structs.Elf_Phdr, stream, elf["e_phoff"] + number * elf["e_phentsize"])
            if header["p_type"] == _PT_INTERP:
                raw = head[header["p_offset"]:header["p_offset"] + header["p_filesz"]]
                interpreter = raw.split(b"\x00", 1)[0].decode("utf-8", "replace") or None
                break
    except (ELFError, ValueError, KeyError, EOFError):
        return None
    except Exception as exc:  # construct's StreamError and friends on a truncated header
        if type(exc).__module__.startswith(("construct", "elftools")):
            return None
        raise
    return ElfInfo(machine=machine, interpreter=interpreter)
