"""Pin the spec's image to a digest at plan time, so a tag pushed again is an update (issue 12).

``pin_spec`` asks the image's registry which digest the tag names now and gives back the spec with the
image written ``name@sha256:...`` for the target provider: the adapters translate and compare that, so
the plan sees a moved tag as a changed image and the same digest as no change.

Which registry client is used:

- ``image_registry=`` given to ``plan``/``deploy``: pinned with that client (unless ``pin_images=False``);
- ``pin_images=True`` (the CLI's default) without a client: the in-process sandbox's fake registries while
  the sandbox runs (``use_registry``), else a ``RegistryClient`` logging in with each cloud's default
  credential chain (``default_registry_client``);
- ``pin_images=None`` (the Python default) without a client: the tag is deployed as written (a note says
  so when the tag is sure to move), so code and tests on fake clients never reach for a registry;
- ``pin_images=False`` (CLI ``--no-pin``): the tag is deployed as written, with a note.

An image already given by digest is deployed as written (no registry call).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from polycloud.errors import ProviderError
from polycloud.spec import FunctionSpec

if TYPE_CHECKING:
    from polycloud.adapter import Adapter
    from polycloud.image.registry import RegistryClient

__all__ = ["NO_PIN_HINT", "default_registry_client", "pin_spec", "registry_client", "sandbox_registry_active",
           "use_registry"]

NO_PIN_HINT = "pin_images=False (CLI: --no-pin)"
"""How to deploy the tag as written when the registry cannot be asked."""

_configured: list[RegistryClient] = []


def use_registry(client: RegistryClient | None) -> None:
    """Make ``client`` the registry that ``plan``/``deploy`` pin with under ``pin_images=True`` when given
    none (None: the clouds' default credential chains); the in-process sandbox sets its fake registries here
    while it runs."""
    _configured.clear()
    if client is not None:
        _configured.append(client)


def sandbox_registry_active() -> bool:
    """True while the in-process sandbox serves image registries (``use_registry``)."""
    return bool(_configured)


class _LazyAzureCredential:
    """``DefaultAzureCredential``, made on the first token asked for (so no SDK loads before an ACR login)."""

    def __init__(self) -> None:
        self._credential: Any = None

    def get_token(self, *scopes: str) -> Any:
        if self._credential is None:
            from azure.identity import DefaultAzureCredential

            self._credential = DefaultAzureCredential()
        return self._credential.get_token(*scopes)


def default_registry_client() -> RegistryClient:
    """A registry client that logs in to ECR, Artifact Registry / gcr.io and ACR with each cloud's default
    credential chain (boto3's, ``google.auth.default()``, ``DefaultAzureCredential``), and anonymously elsewhere."""
    from polycloud.image import RegistryClient, acr_credentials, chain, ecr_credentials, google_credentials

    return RegistryClient(credentials=chain(ecr_credentials(), google_credentials(),
                                            acr_credentials(_LazyAzureCredential())))


def registry_client(client: RegistryClient | None) -> RegistryClient:
    """The registry client pinning asks under ``pin_images=True``: ``client``, else the in-process sandbox's
    registries while it runs, else each cloud's default credential chain."""
    return client or (_configured[0] if _configured else default_registry_client())


def _with_image(spec: FunctionSpec, section: str, image: str) -> FunctionSpec:
    """``spec`` deploying ``image`` on ``section``: where the spec wrote the image (its override or ``image``)."""
    settings = getattr(spec.providers, section, None)
    if settings is not None and getattr(settings, "image", None):
        providers = spec.providers.model_copy(update={section: settings.model_copy(update={"image": image})})
        return spec.model_copy(update={"providers": providers})
    return spec.model_copy(update={"image": image})


def _unpinned_note(reference: str) -> list[str]:
    """A note for a tag deployed as written because no registry is configured: only for a tag that is sure
    to move (no tag, ``:latest``, a branch name), where pinning matters most."""
    from polycloud.image.reference import ImageReference, mutable_tag_reason

    try:
        reason = mutable_tag_reason(ImageReference.parse(reference))
    except ValueError:
        return []
    if reason is None:
        return []
    return [f"image {reference} deployed as written, not pinned to a digest: no image registry is configured "
            "(pass pin_images=True, or image_registry=RegistryClient(...), to pin it)"]


def pin_spec(spec: FunctionSpec, adapter: Adapter, *, pin_images: bool | None,
             client: RegistryClient | None) -> tuple[FunctionSpec, list[str]]:
    """``spec`` with its image for ``adapter`` pinned to the digest its tag names now, and notes saying what
    was done (see the module docstring for which registry is asked).

    Raises:
        ProviderError: the registry cannot be reached (``code="RegistryUnreachable"``), refuses, or does not
            have the image; the message names the registry and ``NO_PIN_HINT``.
    """
    reference = spec.image_for(adapter.section)
    if "@" in reference:
        return spec, []
    if pin_images is False:
        return spec, [f"image {reference} deployed as written, not pinned to a digest ({NO_PIN_HINT}): a new "
                      "push under the same tag will not be a change for plan"]
    from polycloud.image import ImageError, ImageReference, RegistryUnreachableError, pin

    if client is None and pin_images is None:
        return spec, _unpinned_note(reference)

    try:
        pinned = pin(reference, registry_client(client))
    except RegistryUnreachableError as exc:
        host = ImageReference.parse(reference).api_host
        raise ProviderError(f"cannot resolve the digest of image {reference}: {exc}. Nothing was deployed; to "
                            f"deploy the tag as written without asking registry {host}, pass {NO_PIN_HINT}",
                            provider=adapter.name, operation="resolve image digest",
                            code="RegistryUnreachable", transient=True) from None
    except (ImageError, ValueError) as exc:
        raise ProviderError(f"cannot resolve the digest of image {reference}: {exc}. Nothing was deployed; "
                            f"push the image, fix the reference, or pass {NO_PIN_HINT}",
                            provider=adapter.name, operation="resolve image digest", code="ImageNotResolved") from None
    notes = [f"image {reference} pinned to {pinned.digest}: deploying {pinned.pinned}"]
    if pinned.is_index and adapter.section == "aws":
        notes.append(f"warning: image {reference} is a multi-platform index ({pinned.media_type}), which Lambda "
                     "refuses (image-lambda-index, docs/images.md): push one platform's image, e.g. `docker buildx "
                     "build --platform linux/amd64 --provenance=false --sbom=false --push`")
    return _with_image(spec, adapter.section, pinned.pinned), notes
