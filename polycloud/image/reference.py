"""Image references (``registry/repository:tag@digest``) parsed the way Docker and OCI clients read them."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DOCKER_HUB", "ImageReference", "is_digest", "mutable_tag_reason"]

DOCKER_HUB = "docker.io"
"""The registry a reference without a host names."""

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_BRANCH_TAGS = frozenset({
    "latest", "main", "master", "develop", "development", "dev", "trunk", "head", "edge", "nightly",
    "stable", "unstable", "current", "prod", "production", "staging", "stage", "test", "testing", "qa",
    "release", "canary", "beta", "alpha", "next", "preview", "snapshot",
})


def is_digest(text: str) -> bool:
    """True for ``sha256:<64 hex>``."""
    return bool(_DIGEST.fullmatch(text))


@dataclass(frozen=True)
class ImageReference:
    """A parsed image reference; ``name`` is the part before the tag and digest, as written."""

    name: str
    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, text: str) -> ImageReference:
        """Parse ``[host[:port]/]path[:tag][@sha256:...]``.

        Raises:
            ValueError: not a reference; the message says which part is wrong.
        """
        rest, digest = text.strip(), None
        if "@" in rest:
            rest, digest = rest.split("@", 1)
            if not is_digest(digest):
                raise ValueError(f"image {text!r}: digest {digest!r} is not sha256:<64 lowercase hex digits>")
        tag = None
        last = rest.rsplit("/", 1)[-1]
        if ":" in last:
            rest, tag = rest.rsplit(":", 1)
            if not _TAG.fullmatch(tag):
                raise ValueError(f"image {text!r}: tag {tag!r} is not valid (letters, digits, '_', '.', '-')")
        if not rest or rest.startswith("/") or rest.endswith("/") or "//" in rest:
            raise ValueError(f"image {text!r}: no repository name")
        first, _, remainder = rest.partition("/")
        if remainder and ("." in first or ":" in first or first == "localhost"):
            registry, repository = first, remainder
        else:
            registry, repository = DOCKER_HUB, rest
        if registry in ("index.docker.io", "registry-1.docker.io"):
            registry = DOCKER_HUB
        if registry == DOCKER_HUB and "/" not in repository:
            repository = f"library/{repository}"
        if repository != repository.lower():
            raise ValueError(f"image {text!r}: repository {repository!r} must be lowercase")
        return cls(name=rest, registry=registry, repository=repository, tag=tag, digest=digest)

    @property
    def api_host(self) -> str:
        """The host serving the distribution API (Docker Hub's is ``registry-1.docker.io``)."""
        return "registry-1.docker.io" if self.registry == DOCKER_HUB else self.registry

    @property
    def lookup(self) -> str:
        """What to ask the registry for: the digest when pinned, else the tag (``latest`` when none)."""
        return self.digest or self.tag or "latest"

    def pinned(self, digest: str) -> str:
        """``name@digest``: this image pinned to one manifest (the tag is dropped)."""
        return f"{self.name}@{digest}"

    def __str__(self) -> str:
        text = self.name + (f":{self.tag}" if self.tag else "")
        return text + (f"@{self.digest}" if self.digest else "")


def mutable_tag_reason(reference: ImageReference) -> str | None:
    """Why the reference is sure to move under the same text, or None when it is pinned or looks like one build.

    Version tags (``:1``, ``:1.2``) are not flagged: many teams push each version once (ECR can make tags
    immutable), and the fix for every tag is the same: deploy by digest.
    """
    if reference.digest:
        return None
    if reference.tag is None:
        return "has no tag, so it means ':latest'"
    tag = reference.tag.lower()
    if tag in _BRANCH_TAGS:
        return f"uses ':{reference.tag}', a tag that names a branch or channel, not one build"
    return None
