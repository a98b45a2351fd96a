"""Images on disk: an OCI image layout (directory or tarball) and a ``docker save`` / ``podman save`` tarball.

Both answer the same questions as a registry (``ImageStore``): a manifest by tag or digest, a blob by
digest. A ``docker save`` archive in the legacy format has no manifests; ``DockerArchive`` describes its
one image directly.
"""

from __future__ import annotations

import contextlib
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

from polycloud.image.manifest import ImageError, descriptors, digest_of, parse_json

__all__ = ["DockerArchive", "OciLayout", "open_archive"]

REF_NAME = "org.opencontainers.image.ref.name"
_CONTAINERD_NAME = "io.containerd.image.name"


class _Files(Protocol):
    where: str

    def exists(self, name: str) -> bool: ...

    def read(self, name: str) -> bytes: ...

    def open(self, name: str) -> contextlib.AbstractContextManager[IO[bytes]]: ...


class _DirectoryFiles:
    def __init__(self, root: Path) -> None:
        self.root, self.where = root, str(root)

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def read(self, name: str) -> bytes:
        try:
            return (self.root / name).read_bytes()
        except OSError as exc:
            raise ImageError(f"{self.where}: cannot read {name}: {exc.strerror or exc}") from None

    def open(self, name: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        try:
            return (self.root / name).open("rb")
        except OSError as exc:
            raise ImageError(f"{self.where}: cannot read {name}: {exc.strerror or exc}") from None


class _TarFiles:
    def __init__(self, path: Path) -> None:
        self.path, self.where = path, str(path)
        try:
            with tarfile.open(path) as tar:
                self.members = {m.name.removeprefix("./"): m for m in tar.getmembers() if m.isfile()}
        except (OSError, tarfile.TarError) as exc:
            raise ImageError(f"{path}: not a readable tar archive ({exc})") from None

    def exists(self, name: str) -> bool:
        return name in self.members

    def read(self, name: str) -> bytes:
        with self.open(name) as stream:
            return stream.read()

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        member = self.members.get(name)
        if member is None:
            raise ImageError(f"{self.where}: the archive has no {name}")
        with tarfile.open(self.path) as tar:
            stream = tar.extractfile(member)
            if stream is None:  # pragma: no cover - members are regular files
                raise ImageError(f"{self.where}: {name} is not a regular file")
            yield stream


def _blob_path(digest: str) -> str:
    algorithm, _, hex_digest = digest.partition(":")
    return f"blobs/{algorithm}/{hex_digest}"


class OciLayout:
    """An OCI image layout (``oci-layout``, ``index.json``, ``blobs/``), as a directory or a tarball."""

    def __init__(self, files: _Files) -> None:
        self.files, self.where = files, f"OCI layout {files.where}"
        self.index = parse_json(files.read("index.json"), f"{self.where}: index.json")

    def root(self) -> tuple[str | None, bytes, str]:
        """The image the layout holds: ``(digest, manifest bytes, media type)``.

        With one image entry (signatures aside) that entry; with several, index.json itself is the index.
        """
        entries = [d for d in descriptors(self.index, "manifests", f"{self.where}: index.json")
                   if not d.annotations.get(REF_NAME, "").endswith((".sig", ".att", ".sbom"))]
        if len(entries) == 1:
            raw, media_type = self.manifest(entries[0].digest)
            return entries[0].digest, raw, media_type or entries[0].media_type
        return None, self.files.read("index.json"), str(self.index.get("mediaType", ""))

    def manifest(self, reference: str) -> tuple[bytes, str]:
        """A manifest by digest, or by the tag in its ``ref.name`` annotation."""
        digest = reference if reference.startswith("sha256:") else self._tagged(reference)
        raw = self.blob(digest)
        return raw, str(parse_json(raw, f"{self.where}: manifest {digest}").get("mediaType", ""))

    def _tagged(self, tag: str) -> str:
        for entry in descriptors(self.index, "manifests", f"{self.where}: index.json"):
            names = (entry.annotations.get(REF_NAME, ""), entry.annotations.get(_CONTAINERD_NAME, ""))
            if any(name == tag or name.endswith(":" + tag) for name in names):
                return entry.digest
        raise ImageError(f"{self.where}: no manifest is tagged {tag!r}")

    def blob(self, digest: str) -> bytes:
        """A whole blob, checked against its digest."""
        data = self.files.read(_blob_path(digest))
        if digest_of(data) != digest:
            raise ImageError(f"{self.where}: blob {digest} does not match its digest")
        return data

    def open_blob(self, digest: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """A blob as a stream (layers)."""
        return self.files.open(_blob_path(digest))


class DockerArchive:
    """A ``docker save`` / ``podman save`` tarball in the legacy format (``manifest.json``)."""

    def __init__(self, files: _Files) -> None:
        self.files, self.where = files, f"docker archive {files.where}"
        import json

        try:
            entries = json.loads(files.read("manifest.json"))
            entry = entries[0]
            self.config_name: str = entry["Config"]
            self.layer_names: list[str] = list(entry["Layers"])
        except (ValueError, LookupError, TypeError) as exc:
            raise ImageError(f"{self.where}: manifest.json does not describe an image ({exc})") from None
        self.repo_tags: list[str] = list(entry.get("RepoTags") or [])

    def config(self) -> bytes:
        """The image configuration JSON."""
        return self.files.read(self.config_name)

    def open_layer(self, name: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """One layer tar (plain or compressed)."""
        return self.files.open(name)


def open_archive(path: str | Path) -> OciLayout | DockerArchive:
    """An OCI layout (directory or tar) or a docker/podman save tarball at ``path``.

    Raises:
        ImageError: nothing at ``path`` is an image archive.
    """
    target = Path(path)
    if not target.exists():
        raise ImageError(f"{target}: no such file or directory")
    files: _Files = _DirectoryFiles(target) if target.is_dir() else _TarFiles(target)
    if files.exists("index.json"):
        return OciLayout(files)
    if files.exists("manifest.json"):
        return DockerArchive(files)
    raise ImageError(f"{target}: neither an OCI image layout (index.json) nor a docker save archive "
                     "(manifest.json); write one with `docker save IMAGE -o image.tar` or "
                     "`skopeo copy docker://IMAGE oci:DIR`")

