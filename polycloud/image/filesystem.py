"""The files of an image: its layers merged in order, with OCI whiteouts applied.

Each layer tar is streamed once. Per file the metadata is kept (mode, owner, size, link target) and,
for scripts (``#!``) and ELF binaries only, the first page of content, which is all the checks need;
``read_file`` streams a layer again for a whole file.
"""

from __future__ import annotations

import posixpath
import stat
import tarfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO

from polycloud.image.manifest import ImageError

__all__ = ["FileEntry", "ImageFilesystem"]

HEAD_BYTES = 4096
_MAGIC = (b"#!", b"\x7fELF")
_WHITEOUT = ".wh."
_OPAQUE = ".wh..wh..opq"
_MAX_HOPS = 40


@dataclass(frozen=True)
class FileEntry:
    """One path in the merged image."""

    path: str
    kind: str  # file, dir, symlink, other
    mode: int  # permission bits, e.g. 0o755
    size: int = 0
    uid: int = 0
    gid: int = 0
    link: str = ""
    layer: int = 0
    member: str = ""
    head: bytes = b""

    @property
    def is_file(self) -> bool:
        """A regular file."""
        return self.kind == "file"

    @property
    def is_script(self) -> bool:
        """A file that starts with ``#!``."""
        return self.head.startswith(b"#!")

    @property
    def is_elf(self) -> bool:
        """A file that starts with the ELF magic."""
        return self.head.startswith(b"\x7fELF")

    @property
    def permissions(self) -> str:
        """``0755``-style octal text."""
        return f"{self.mode & 0o7777:04o}"


def _normal(name: str) -> str:
    return "/" + posixpath.normpath("/" + name).lstrip("/") if name.strip("./") else "/"


class ImageFilesystem:
    """The merged file tree of an image's layers."""

    def __init__(self, entries: dict[str, FileEntry], layer_openers: Sequence[Callable[[], AbstractContextManager[
            IO[bytes]]]], layer_bytes: int) -> None:
        self.entries = entries
        self._openers = list(layer_openers)
        self.size = layer_bytes
        """Bytes of file content over all layers (files later deleted still count: they ship)."""

    @classmethod
    def read(cls, layers: Sequence[tuple[str, Callable[[], AbstractContextManager[IO[bytes]]]]]) -> ImageFilesystem:
        """Stream every layer and merge it over the ones before.

        Raises:
            ImageError: a layer is not a readable tar (plain, gzip, bzip2 or xz).
        """
        entries: dict[str, FileEntry] = {}
        total = 0
        for index, (name, opener) in enumerate(layers):
            try:
                with opener() as stream, tarfile.open(fileobj=stream, mode="r|*") as tar:
                    total += _merge_layer(tar, index, entries)
            except tarfile.TarError as exc:
                raise ImageError(f"layer {name} is not a readable tar: {exc}") from None
        return cls(entries, [opener for _, opener in layers], total)

    def get(self, path: str) -> FileEntry | None:
        """The entry at exactly ``path`` (no links followed)."""
        return self.entries.get(_normal(path))

    def resolve(self, path: str) -> FileEntry | None:
        """The entry ``path`` leads to, following symbolic links in every component."""
        parts = [p for p in path.split("/") if p]
        done: list[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == ".":
                continue
            if part == "..":
                if done:
                    done.pop()
                continue
            entry = self.entries.get("/" + "/".join([*done, part]))
            if entry is not None and entry.kind == "symlink":
                hops += 1
                if hops > _MAX_HOPS:
                    return None
                if entry.link.startswith("/"):
                    done = []
                parts = [p for p in entry.link.split("/") if p] + parts
                continue
            done.append(part)
        return self.entries.get("/" + "/".join(done)) if done else FileEntry("/", "dir", 0o755)

    def exists(self, path: str) -> bool:
        """True when ``path`` leads to a file or directory."""
        return self.resolve(path) is not None

    def under(self, root: str) -> Iterator[FileEntry]:
        """Every entry below directory ``root`` (the root itself included)."""
        base = _normal(root)
        prefix = base.rstrip("/") + "/"
        for path, entry in self.entries.items():
            if path == base or path.startswith(prefix):
                yield entry

    def which(self, command: str, search_path: str) -> FileEntry | None:
        """The file a command name runs: itself when it has a '/', else the first match on ``search_path``."""
        if "/" in command:
            return self.resolve(command)
        for directory in search_path.split(":"):
            if directory:
                found = self.resolve(posixpath.join(directory, command))
                if found is not None and found.kind == "file":
                    return found
        return None

    def read_file(self, entry: FileEntry, limit: int = 256 * 1024 * 1024) -> bytes:
        """The whole content of a regular file (streams its layer again)."""
        with self._openers[entry.layer]() as stream, tarfile.open(fileobj=stream, mode="r|*") as tar:
            for member in tar:
                if member.name == entry.member:
                    extracted = tar.extractfile(member)
                    return extracted.read(limit) if extracted is not None else b""
        return entry.head


def _merge_layer(tar: tarfile.TarFile, index: int, entries: dict[str, FileEntry]) -> int:
    total = 0
    added: dict[str, FileEntry] = {}
    for member in tar:
        path = _normal(member.name)
        directory, base = posixpath.split(path)
        if base == _OPAQUE:
            _remove_below(entries, directory, keep_self=True)
            continue
        if base.startswith(_WHITEOUT):
            _remove_below(entries, posixpath.join(directory, base[len(_WHITEOUT):]), keep_self=False)
            continue
        head = b""
        kind = "other"
        if member.isfile():
            kind, total = "file", total + member.size
            extracted = tar.extractfile(member)
            if extracted is not None:
                start = extracted.read(4)
                head = start + extracted.read(HEAD_BYTES - 4) if start.startswith(_MAGIC) else start
        elif member.islnk():  # a hard link: the same content as an earlier member of this layer
            target = added.get(_normal(member.linkname))
            if target is not None:
                entry = FileEntry(path, "file", member.mode & 0o7777, target.size, member.uid, member.gid,
                                  layer=index, member=target.member, head=target.head)
                entries[path] = added[path] = entry
            continue
        elif member.isdir():
            kind = "dir"
        elif member.issym():
            kind = "symlink"
        entry = FileEntry(path, kind, member.mode & 0o7777, member.size, member.uid, member.gid, member.linkname,
                          index, member.name, head)
        if kind == "dir" and path in entries and entries[path].kind == "dir":
            entries[path] = entry  # a directory re-listed keeps its children
        else:
            if path in entries and entries[path].kind == "dir":
                _remove_below(entries, path, keep_self=False)
            entries[path] = entry
        added[path] = entry
    return total


def _remove_below(entries: dict[str, FileEntry], path: str, *, keep_self: bool) -> None:
    prefix = path.rstrip("/") + "/"
    for name in [n for n in entries if n.startswith(prefix) or (n == path and not keep_self)]:
        del entries[name]


def executable_by(entry: FileEntry, *, root: bool) -> bool:
    """True when the runtime user may execute the file (root: any x bit; others: the 'other' x bit)."""
    return bool(entry.mode & (0o111 if root else stat.S_IXOTH))
