"""OCI and Docker manifest shapes: media types, descriptors, platforms, and choosing one from an index."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from polycloud.errors import PolycloudError

__all__ = [
    "ACCEPT_MANIFESTS",
    "INDEX_TYPES",
    "MANIFEST_TYPES",
    "Descriptor",
    "ImageError",
    "Platform",
    "digest_of",
    "parse_json",
    "platform_for",
]

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
ACCEPT_MANIFESTS = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST))
"""The Accept header of a manifest request: indexes first, so a multi-arch tag shows all its platforms."""

_ARCHITECTURE_TO_OCI = {"x86_64": "amd64", "arm64": "arm64"}


class ImageError(PolycloudError):
    """An image cannot be read: a bad archive, a missing blob, a registry that refuses or is unreachable."""


def digest_of(data: bytes) -> str:
    """``sha256:<hex>`` of some bytes (how OCI names every blob and manifest)."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_json(data: bytes, what: str) -> dict[str, Any]:
    """A JSON object, or ImageError naming ``what`` was malformed."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImageError(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ImageError(f"{what} is not a JSON object")
    return value


@dataclass(frozen=True)
class Platform:
    """``os/architecture[/variant]`` as OCI writes it (``linux/amd64``, ``linux/arm64/v8``)."""

    os: str
    architecture: str
    variant: str | None = None

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)

    def matches(self, wanted: Platform) -> bool:
        """Same OS and architecture (the variant counts only when both name one)."""
        same_variant = not (self.variant and wanted.variant) or self.variant == wanted.variant
        return self.os == wanted.os and self.architecture == wanted.architecture and same_variant


def platform_for(architecture: str) -> Platform:
    """The OCI platform of a spec architecture: ``x86_64`` -> ``linux/amd64``, ``arm64`` -> ``linux/arm64``."""
    return Platform("linux", _ARCHITECTURE_TO_OCI.get(architecture, architecture))


@dataclass(frozen=True)
class Descriptor:
    """A pointer to a blob or manifest: media type, digest, size, and for index entries the platform."""

    media_type: str
    digest: str
    size: int = 0
    platform: Platform | None = None
    annotations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any, what: str) -> Descriptor:
        """Parse one descriptor object.

        Raises:
            ImageError: it has no digest.
        """
        if not isinstance(data, dict) or not isinstance(data.get("digest"), str):
            raise ImageError(f"{what}: a descriptor without a digest")
        plat = data.get("platform")
        platform = None
        if isinstance(plat, dict):
            platform = Platform(str(plat.get("os", "")), str(plat.get("architecture", "")), plat.get("variant"))
        return cls(media_type=str(data.get("mediaType", "")), digest=data["digest"], size=int(data.get("size", 0)),
                   platform=platform, annotations=dict(data.get("annotations") or {}))


def descriptors(document: dict[str, Any], key: str, what: str) -> list[Descriptor]:
    """The descriptors listed under ``key`` (``manifests`` of an index, ``layers`` of a manifest)."""
    items = document.get(key)
    if not isinstance(items, list):
        raise ImageError(f"{what} has no {key!r} list")
    return [Descriptor.from_json(item, f"{what} {key}[{i}]") for i, item in enumerate(items)]


def is_index(media_type: str, document: dict[str, Any]) -> bool:
    """True for an OCI index or Docker manifest list (by media type, or by shape when it has none)."""
    declared = str(document.get("mediaType") or media_type)
    return declared in INDEX_TYPES or ("manifests" in document and "layers" not in document)
