"""Check an image against a spec and its target providers, and place the findings at ``image:``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from polycloud.findings import Finding, Report
from polycloud.image.check_config import (
    LAMBDA,
    command_findings,
    lambda_index_findings,
    missing_platform_findings,
    platform_findings,
    port_findings,
    size_findings,
)
from polycloud.image.check_contract import contract_findings, task_root
from polycloud.image.check_files import file_findings
from polycloud.image.image import Image, PlatformNotFoundError, open_image
from polycloud.image.manifest import platform_for
from polycloud.image.rules import image_finding
from polycloud.image.signature import SignaturePolicy, verify_signature
from polycloud.spec import FunctionSpec

if TYPE_CHECKING:
    from polycloud.image.registry import RegistryClient

__all__ = ["check_image", "inspect_archive", "inspect_reference", "validate_image"]

SIZE_LIMIT = "image_size"
"""Key of the uncompressed image size limit in a provider's limits data (MiB)."""


def check_image(image: Image, spec: FunctionSpec, providers: Sequence[str] = (), *,
                limits: Mapping[str, Any] | None = None, signature: SignaturePolicy | None = None) -> list[Finding]:
    """Every image rule over ``image`` for ``spec`` on ``providers`` (unplaced findings, path ``image``).

    Lambda runs code as a non-root user whatever the image's USER says, so permission rules apply
    when ``aws-lambda`` is a target or the image sets a non-root USER.
    """
    config, where = image.config, image.where
    findings = lambda_index_findings(image.platforms, providers, spec, where)
    foreign = platform_findings(config, spec, where)
    if foreign:  # the files of a foreign image would only repeat it
        return findings + foreign + signature_findings(image, signature)
    findings += command_findings(config, where)
    findings += port_findings(config, spec, where)
    fs = image.filesystem()
    runs_as_root = config.runs_as_root and LAMBDA not in providers
    findings += file_findings(config, fs, spec, task_root(config, spec.image_contract), runs_as_root=runs_as_root)
    findings += contract_findings(config, fs, spec, where)
    findings += _size_findings(fs.size, providers, limits, where)
    return findings + signature_findings(image, signature)


def _size_findings(size: int, providers: Sequence[str], limits: Mapping[str, Any] | None,
                   where: str) -> list[Finding]:
    from polycloud.limits import load_limits

    findings = []
    for provider in providers:
        try:
            table = load_limits(provider, limits)
        except FileNotFoundError:
            continue  # a third-party provider without limits data
        findings += size_findings(size, table.profile().get(SIZE_LIMIT), provider, table.title, where)
    return findings


def signature_findings(image: Image, policy: SignaturePolicy | None) -> list[Finding]:
    """Under a policy, a finding unless the image's digest carries a valid cosign signature."""
    if policy is None:
        return []
    if image.store is None or image.digest is None:
        return [image_finding("image-signature", f"{image.where} has no manifest digest to check a signature "
                              "against (a legacy docker save archive)",
                              "check the image in its registry, or as an OCI layout with its signatures: "
                              "`cosign save IMAGE --dir DIR`")]
    digests = list(dict.fromkeys(d for d in (image.digest, image.manifest_digest) if d))
    reasons = []
    for digest in digests:
        reason = verify_signature(image.store, digest, policy)
        if reason is None:
            return []
        reasons.append(reason)
    return [image_finding("image-signature", f"{image.where}@{image.digest} is refused by the signature policy: "
                          + "; ".join(reasons),
                          f"sign the digest: `cosign sign --key cosign.key IMAGE@{image.digest}` (with the private "
                          f"half of {policy.key_name})")]


def inspect_archive(path: str | Path, spec: FunctionSpec, providers: Sequence[str] = (), *,
                    limits: Mapping[str, Any] | None = None, signature: SignaturePolicy | None = None,
                    tag: str | None = None) -> list[Finding]:
    """``check_image`` over an OCI layout or docker/podman save tarball, choosing the spec's platform.

    Raises:
        ImageError: the archive cannot be read.
    """
    try:
        image = open_image(path, platform_for(spec.architecture), tag=tag)
    except PlatformNotFoundError as missing:
        return (lambda_index_findings(missing.available, providers, spec, f"the image at {path}")
                + missing_platform_findings(missing, spec))
    return check_image(image, spec, providers, limits=limits, signature=signature)


def inspect_reference(reference: str, client: RegistryClient, spec: FunctionSpec, providers: Sequence[str] = (), *,
                      limits: Mapping[str, Any] | None = None,
                      signature: SignaturePolicy | None = None) -> list[Finding]:
    """``check_image`` over the image a reference names in its registry now (what plan and deploy check).

    Raises:
        RegistryUnreachableError: the registry cannot be reached.
        ImageError: the registry refuses, or the reference does not exist.
    """
    from polycloud.image.image import pull_image

    try:
        image = pull_image(reference, client, platform_for(spec.architecture))
    except PlatformNotFoundError as missing:
        return (lambda_index_findings(missing.available, providers, spec, reference)
                + missing_platform_findings(missing, spec))
    return check_image(image, spec, providers, limits=limits, signature=signature)


def validate_image(spec: FunctionSpec | str | Path, archive: str | Path, providers: Sequence[str] | None = None, *,
                   limits: Mapping[str, Any] | None = None, signature: SignaturePolicy | None = None) -> Report:
    """The image findings of a spec (object or file) and an image archive, placed at the file's ``image:``.

    A spec file that does not load gives an empty report: ``validate`` reports why.

    Raises:
        ImageError: the archive cannot be read.
    """
    from polycloud._validate import load_input, target_providers
    from polycloud.errors import SpecError
    from polycloud.input_limits import bounded

    try:
        loaded, source = load_input(spec)
    except SpecError:
        return Report()
    targets = target_providers(loaded, providers)
    findings = [bounded(source.place(f) if source is not None else f)
                for f in inspect_archive(archive, loaded, targets, limits=limits, signature=signature)]
    return Report(findings, files=[source.file] if source and source.file else [], providers=targets)
