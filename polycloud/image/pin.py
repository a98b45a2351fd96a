"""Pin image references to digests, and warn (offline) about references whose tag can move.

A plan that compares image *strings* misses a tag pushed again with new content: every cloud keeps
the digest it resolved at deploy. ``pin`` resolves the digest now, so the core can compare and deploy
``name@sha256:...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from polycloud.findings import Finding
from polycloud.image.manifest import INDEX_TYPES
from polycloud.image.reference import ImageReference, mutable_tag_reason
from polycloud.image.rules import IMAGE_PATH, image_finding
from polycloud.spec import FunctionSpec

if TYPE_CHECKING:
    from polycloud.image.registry import RegistryClient

__all__ = ["PinnedImage", "mutable_tag_findings", "pin", "resolve_digest"]


@dataclass(frozen=True)
class PinnedImage:
    """A reference as written and the digest it named when resolved; ``pinned`` is what to deploy.

    ``media_type`` tells an image manifest from an index (``is_index``): Lambda refuses an index.
    """

    reference: str
    digest: str
    media_type: str = ""

    @property
    def is_index(self) -> bool:
        """True when the digest names a multi-platform index (OCI index or Docker manifest list)."""
        return self.media_type in INDEX_TYPES

    @property
    def pinned(self) -> str:
        """``name@sha256:...`` (the tag dropped: the digest alone decides what runs)."""
        return ImageReference.parse(self.reference).pinned(self.digest)


def pin(reference: str, client: RegistryClient) -> PinnedImage:
    """The digest ``reference`` names in its registry now.

    A reference that already carries a digest is checked against the registry (it must exist).

    Raises:
        ValueError: ``reference`` is not an image reference.
        RegistryUnreachableError: the registry cannot be reached (the caller decides whether to go on).
        ImageError: the registry refuses, or the tag or digest does not exist.
    """
    digest, media_type = client.resolve(ImageReference.parse(reference))
    return PinnedImage(reference=reference, digest=digest, media_type=media_type)


def resolve_digest(reference: str, client: RegistryClient | None = None) -> str:
    """``name@sha256:...`` for ``reference``, through the registry (a new anonymous client when none given).

    Raises:
        the errors of ``pin``.
    """
    if client is None:
        from polycloud.image.registry import RegistryClient

        client = RegistryClient()
    return pin(reference, client).pinned


def _image_paths(spec: FunctionSpec) -> list[tuple[str, str]]:
    paths = [(IMAGE_PATH, spec.image)]
    for section, settings in spec.providers.set_sections().items():
        override = getattr(settings, "image", None)
        if override:
            paths.append((f"providers.{section}.image", override))
    return paths


def mutable_tag_findings(spec: FunctionSpec) -> list[Finding]:
    """A warning for each image reference of the spec whose tag can move (offline)."""
    findings = []
    for path, text in _image_paths(spec):
        try:
            reference = ImageReference.parse(text)
        except ValueError:
            continue  # the adapters' rules report malformed references
        reason = mutable_tag_reason(reference)
        if reason is None:
            continue
        finding = image_finding(
            "image-mutable-tag", f"{path} {text!r} {reason}: a new push under the same tag is not a change for "
            "plan, and each cloud keeps running the digest it resolved at the last deploy",
            f"pin it by digest: {reference.name}@sha256:<digest> (`docker buildx imagetools inspect {text}` or "
            f"`crane digest {text}` prints it)")
        findings.append(Finding(finding.rule, finding.severity, finding.message, path, hint=finding.hint))
    return findings
