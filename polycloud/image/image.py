"""One image, chosen for a platform: its digest, configuration and layers, from any store.

``open_image`` reads an archive on disk (OCI layout or docker save), ``pull_image`` a registry; both
read only the manifests and the configuration until the files are asked for.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from polycloud.image.archive import DockerArchive, open_archive
from polycloud.image.manifest import (
    Descriptor,
    ImageError,
    Platform,
    descriptors,
    digest_of,
    is_index,
    parse_json,
)
from polycloud.image.reference import ImageReference

if TYPE_CHECKING:
    from polycloud.image.filesystem import ImageFilesystem
    from polycloud.image.registry import RegistryClient

__all__ = ["Image", "ImageConfig", "ImageStore", "PlatformNotFoundError", "open_image", "pull_image"]

LayerOpener = Callable[[], contextlib.AbstractContextManager[IO[bytes]]]


class ImageStore(Protocol):
    """Where manifests and blobs come from: a registry repository or an OCI layout."""

    where: str

    def manifest(self, lookup: str) -> tuple[bytes, str]:
        """Manifest bytes and media type by tag or digest."""

    def blob(self, digest: str) -> bytes:
        """A whole blob."""

    def open_blob(self, digest: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """A blob as a stream."""


class PlatformNotFoundError(ImageError):
    """A multi-platform index has no manifest for the platform asked for."""

    def __init__(self, where: str, wanted: Platform, available: list[Platform], digest: str | None) -> None:
        self.wanted, self.available, self.digest = wanted, available, digest
        shown = ", ".join(str(p) for p in available) or "none"
        super().__init__(f"{where}: the index has no {wanted} image (it has: {shown})")


@dataclass(frozen=True)
class ImageConfig:
    """What the image configuration says about running it."""

    os: str = ""
    architecture: str = ""
    variant: str | None = None
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    exposed_ports: list[str] = field(default_factory=list)
    working_dir: str = ""
    user: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImageConfig:
        """Parse an OCI / Docker image configuration document."""
        run = data.get("config") or {}
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in run.get("Env") or [])
        return cls(os=str(data.get("os", "")), architecture=str(data.get("architecture", "")),
                   variant=data.get("variant"), entrypoint=list(run.get("Entrypoint") or []),
                   cmd=list(run.get("Cmd") or []), env=env, exposed_ports=sorted(run.get("ExposedPorts") or {}),
                   working_dir=str(run.get("WorkingDir") or ""), user=str(run.get("User") or ""),
                   labels=dict(run.get("Labels") or {}))

    @property
    def platform(self) -> Platform:
        """``os/architecture[/variant]``."""
        return Platform(self.os, self.architecture, self.variant)

    @property
    def command(self) -> list[str]:
        """What the container runs: entrypoint then cmd."""
        return [*self.entrypoint, *self.cmd]

    @property
    def runs_as_root(self) -> bool:
        """True when ``USER`` is unset, ``root`` or uid 0."""
        name = self.user.split(":")[0]
        return name in ("", "root", "0")


@dataclass
class Image:
    """An image for one platform: where it came from, its digest, configuration and layers.

    ``digest`` is what a reference pins (the index digest for a multi-platform image), ``manifest_digest``
    the chosen platform's manifest; both are None for a legacy ``docker save`` archive.
    """

    where: str
    config: ImageConfig
    layers: list[tuple[str, LayerOpener]]
    digest: str | None = None
    manifest_digest: str | None = None
    platforms: list[Platform] = field(default_factory=list)
    store: ImageStore | None = None
    _filesystem: ImageFilesystem | None = None

    @property
    def is_multi_platform(self) -> bool:
        """True when the reference names an index of several platforms."""
        return bool(self.platforms)

    def filesystem(self) -> ImageFilesystem:
        """The merged files of every layer (read once, on first use)."""
        if self._filesystem is None:
            from polycloud.image.filesystem import ImageFilesystem

            self._filesystem = ImageFilesystem.read(self.layers)
        return self._filesystem


def _checked(store: ImageStore, digest: str) -> tuple[bytes, str]:
    raw, media_type = store.manifest(digest)
    if digest_of(raw) != digest:
        raise ImageError(f"{store.where}: manifest {digest} does not match its digest")
    return raw, media_type


def _from_store(store: ImageStore, digest: str | None, raw: bytes, media_type: str, platform: Platform) -> Image:
    document = parse_json(raw, f"{store.where}: manifest")
    platforms: list[Platform] = []
    manifest_digest = digest
    if is_index(media_type, document):
        entries = [d for d in descriptors(document, "manifests", f"{store.where}: index")
                   if d.platform is not None and d.platform.os != "unknown"]  # skip attestations
        platforms = [d.platform for d in entries if d.platform is not None]
        chosen = next((d for d in entries if d.platform is not None and d.platform.matches(platform)), None)
        if chosen is None:
            raise PlatformNotFoundError(store.where, platform, platforms, digest)
        manifest_digest = chosen.digest
        raw, media_type = _checked(store, chosen.digest)
        document = parse_json(raw, f"{store.where}: manifest {chosen.digest}")
    config_descriptor = Descriptor.from_json(document.get("config"), f"{store.where}: manifest config")
    config_raw = store.blob(config_descriptor.digest)
    if digest_of(config_raw) != config_descriptor.digest:
        raise ImageError(f"{store.where}: config {config_descriptor.digest} does not match its digest")
    config = ImageConfig.from_json(parse_json(config_raw, f"{store.where}: image config"))
    layers = [(layer.digest, _opener(store, layer.digest))
              for layer in descriptors(document, "layers", f"{store.where}: manifest")]
    return Image(where=store.where, config=config, layers=layers, digest=digest, manifest_digest=manifest_digest,
                 platforms=platforms, store=store)


def _opener(store: ImageStore, digest: str) -> LayerOpener:
    return lambda: store.open_blob(digest)


def _from_docker_archive(archive: DockerArchive) -> Image:
    config = ImageConfig.from_json(parse_json(archive.config(), f"{archive.where}: {archive.config_name}"))
    layers = [(name, _archive_opener(archive, name)) for name in archive.layer_names]
    return Image(where=archive.where, config=config, layers=layers)


def _archive_opener(archive: DockerArchive, name: str) -> LayerOpener:
    return lambda: archive.open_layer(name)


def open_image(path: str | Path, platform: Platform, *, tag: str | None = None) -> Image:
    """The image in an OCI layout (directory or tar) or a docker/podman save tarball, for ``platform``.

    Raises:
        PlatformNotFoundError: a multi-platform layout has no image for ``platform``.
        ImageError: the archive cannot be read.
    """
    archive = open_archive(path)
    if isinstance(archive, DockerArchive):
        return _from_docker_archive(archive)
    if tag:
        raw, media_type = archive.manifest(tag)
        return _from_store(archive, digest_of(raw), raw, media_type, platform)
    digest, raw, media_type = archive.root()
    return _from_store(archive, digest, raw, media_type, platform)


def pull_image(reference: str | ImageReference, client: RegistryClient, platform: Platform) -> Image:
    """The image a reference names now in its registry, for ``platform`` (only manifests and config are read).

    Raises:
        PlatformNotFoundError: the index has no image for ``platform``.
        RegistryUnreachableError: the registry cannot be reached.
        ImageError: the registry refuses, or the reference does not exist.
    """
    ref = ImageReference.parse(reference) if isinstance(reference, str) else reference
    store = client.store(ref)
    raw, media_type = store.manifest(ref.lookup)
    digest = digest_of(raw)
    if ref.digest and digest != ref.digest:
        raise ImageError(f"{store.where}: manifest {ref.digest} does not match its digest")
    return _from_store(store, digest, raw, media_type, platform)
