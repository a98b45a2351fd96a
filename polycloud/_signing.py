"""Refuse, before any cloud call, an image whose pinned digest has no valid cosign signature (issue 12).

Under a ``SignaturePolicy`` (``deploy(..., signature=...)``, CLI ``--cosign-key``) the image is always pinned
(the digest is what cosign signs), and the signatures stored beside that digest in its registry
(``sha256-<hex>.sig``) are checked with the policy's public key through the same registry client
(``polycloud.image.verify_signature``). An unsigned image, or one signed with another key, is a
``SpecError`` with an ``image-signature`` finding at the line of the spec's ``image:`` (or of
``providers.<section>.image`` when that overrides it for the target).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, NoReturn

from polycloud.errors import ConfigurationError, ProviderError, SpecError
from polycloud.findings import Finding, Report

if TYPE_CHECKING:
    from polycloud.adapter import Adapter
    from polycloud.image.registry import RegistryClient
    from polycloud.image.signature import SignaturePolicy
    from polycloud.source import SpecSource
    from polycloud.spec import FunctionSpec

__all__ = ["check_pinning_allowed", "raise_at_image", "refuse_unsigned"]


def check_pinning_allowed(pin_images: bool | None, adapter: Adapter) -> None:
    """A signature policy verifies a digest, so it cannot go with deploying the tag as written.

    Raises:
        ConfigurationError: ``pin_images=False`` with a signature policy.
    """
    if pin_images is False:
        raise ConfigurationError("a signature policy verifies the image's digest, so the image must be pinned: "
                                 "drop pin_images=False (CLI: --no-pin) or the policy (CLI: --cosign-key)",
                                 provider=adapter.name, setting="pin_images")


def _image_path(spec: FunctionSpec, section: str) -> str:
    """Where the spec names the image ``section`` deploys: its override, else ``image``."""
    settings = getattr(spec.providers, section, None)
    return f"providers.{section}.image" if settings is not None and getattr(settings, "image", None) else "image"


def refuse_unsigned(spec: FunctionSpec, adapter: Adapter, client: RegistryClient, policy: SignaturePolicy,
                    source: SpecSource | None) -> list[str]:
    """A note when the pinned image of ``spec`` on ``adapter`` is signed under ``policy``; else refuse.

    Raises:
        SpecError: no valid signature by the policy's key (finding ``image-signature`` at ``image:``).
        ProviderError: the registry cannot be reached (``code="RegistryUnreachable"``); nothing was deployed.
    """
    from polycloud.image import ImageError, ImageReference, RegistryUnreachableError, verify_signature
    from polycloud.image.rules import image_finding

    reference = spec.image_for(adapter.section)
    parsed = ImageReference.parse(reference)
    digest = parsed.digest or ""
    try:
        reason = verify_signature(client.store(parsed), digest, policy)
    except RegistryUnreachableError as exc:
        raise ProviderError(f"cannot check the signature of image {reference}: {exc}. Nothing was deployed",
                            provider=adapter.name, operation="verify image signature",
                            code="RegistryUnreachable", transient=True) from None
    except ImageError as exc:
        reason = str(exc)
    if reason is None:
        return [f"image {reference}: cosign signature verified with {policy.key_name}"]
    finding = image_finding("image-signature", f"image {reference} is refused by the signature policy: {reason}; "
                            "nothing was deployed",
                            f"sign the digest: `cosign sign --key cosign.key {reference}` (with the private half "
                            f"of {policy.key_name})", provider=adapter.name)
    raise_at_image([finding], spec, adapter, source)


def raise_at_image(findings: list[Finding], spec: FunctionSpec, adapter: Adapter,
                   source: SpecSource | None) -> NoReturn:
    """Refuse the image ``spec`` deploys on ``adapter`` with ``findings``, placed at the line of its ``image:``
    (or of ``providers.<section>.image`` when that overrides it).

    Raises:
        SpecError: always.
    """
    path = _image_path(spec, adapter.section)
    placed = [source.place(dataclasses.replace(f, path=path)) if source is not None
              else dataclasses.replace(f, path=path) for f in findings]
    files = [source.file] if source is not None and source.file else []
    raise SpecError(Report(placed, files=files, providers=[adapter.name]))
