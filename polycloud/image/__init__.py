"""The container image itself: read it, check it against the spec, pin its digest, verify its signature.

Reading: ``open_image`` (an OCI layout directory or tarball, a ``docker save`` / ``podman save``
tarball) and ``pull_image`` (a registry, through ``RegistryClient``), each for one platform.
Checking: ``check_image`` / ``inspect_archive`` / ``validate_image`` give ``image-*`` findings.
Digests: ``pin`` / ``resolve_digest``; ``mutable_tag_findings`` warns offline about moving tags.
Signatures: ``SignaturePolicy`` (a cosign public key) and ``verify_signature``.
Registry logins: ``ecr_credentials``, ``google_credentials``, ``acr_credentials``, ``chain``.

Importing this package imports neither ``requests`` nor ``pyelftools`` nor ``cryptography``
(the ``image`` extra); each is loaded by the first call that needs it.
"""

from polycloud.image.credentials import acr_credentials, chain, ecr_credentials, google_credentials
from polycloud.image.image import Image, ImageConfig, PlatformNotFoundError, open_image, pull_image
from polycloud.image.inspection import check_image, inspect_archive, inspect_reference, validate_image
from polycloud.image.manifest import ImageError, Platform, platform_for
from polycloud.image.pin import PinnedImage, mutable_tag_findings, pin, resolve_digest
from polycloud.image.reference import ImageReference
from polycloud.image.registry import CredentialProvider, RegistryClient, RegistryUnreachableError
from polycloud.image.rules import RULES
from polycloud.image.signature import SignaturePolicy, verify_signature

__all__ = [
    "RULES",
    "CredentialProvider",
    "Image",
    "ImageConfig",
    "ImageError",
    "ImageReference",
    "PinnedImage",
    "Platform",
    "PlatformNotFoundError",
    "RegistryClient",
    "RegistryUnreachableError",
    "SignaturePolicy",
    "acr_credentials",
    "chain",
    "check_image",
    "ecr_credentials",
    "google_credentials",
    "inspect_archive",
    "inspect_reference",
    "mutable_tag_findings",
    "open_image",
    "pin",
    "platform_for",
    "pull_image",
    "resolve_digest",
    "validate_image",
    "verify_signature",
]
