"""Refuse, before any cloud call, a pinned image that breaks an image rule (issue 12).

With ``inspect_image=True`` (CLI ``--inspect-image``) on ``plan``/``deploy`` the image is always pinned, and the
image its digest names is read from its registry through the same client (manifests, config, then the layers,
cached by digest) and checked with every ``image-*`` rule for the target provider
(``polycloud.image.inspect_reference``). An error is a ``SpecError`` placed at the line of the spec's
``image:`` (or of ``providers.<section>.image`` when that overrides it); warnings and info become plan notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from polycloud._signing import raise_at_image
from polycloud.errors import ConfigurationError, ProviderError
from polycloud.findings import Severity

if TYPE_CHECKING:
    from polycloud.adapter import Adapter
    from polycloud.image.registry import RegistryClient
    from polycloud.source import SpecSource
    from polycloud.spec import FunctionSpec

__all__ = ["check_inspection_allowed", "refuse_broken_image"]


def check_inspection_allowed(pin_images: bool | None, adapter: Adapter) -> None:
    """Inspection reads the image the digest names, so it cannot go with deploying the tag as written.

    Raises:
        ConfigurationError: ``pin_images=False`` with ``inspect_image=True``.
    """
    if pin_images is False:
        raise ConfigurationError("inspect_image reads the image its digest names, so the image must be pinned: "
                                 "drop pin_images=False (CLI: --no-pin) or inspect_image (CLI: --inspect-image)",
                                 provider=adapter.name, setting="pin_images")


def refuse_broken_image(spec: FunctionSpec, adapter: Adapter, client: RegistryClient, source: SpecSource | None,
                        limits: Mapping[str, Any] | None) -> list[str]:
    """The notes of the image rules over the pinned image of ``spec`` on ``adapter``; refuse on an error.

    Raises:
        SpecError: an ``image-*`` rule finds an error (placed at ``image:``); nothing was deployed.
        ProviderError: the registry cannot be reached (``code="RegistryUnreachable"``) or cannot give the
            image (``code="ImageNotResolved"``); nothing was deployed.
    """
    from polycloud.image import ImageError, RegistryUnreachableError, inspect_reference

    reference = spec.image_for(adapter.section)
    try:
        findings = inspect_reference(reference, client, spec, [adapter.name], limits=limits)
    except RegistryUnreachableError as exc:
        raise ProviderError(f"cannot inspect image {reference}: {exc}. Nothing was deployed",
                            provider=adapter.name, operation="inspect image",
                            code="RegistryUnreachable", transient=True) from None
    except (ImageError, ValueError) as exc:
        raise ProviderError(f"cannot inspect image {reference}: {exc}. Nothing was deployed",
                            provider=adapter.name, operation="inspect image", code="ImageNotResolved") from None
    if any(f.severity is Severity.ERROR for f in findings):
        raise_at_image(findings, spec, adapter, source)
    return [f"image {reference} inspected: no image rule found an error"] + [f.describe() for f in findings]
