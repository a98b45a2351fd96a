"""The ``image-*`` rules: their documentation (docs/rules.md) and how their findings are built."""

from __future__ import annotations

from polycloud.checks import RuleInfo
from polycloud.findings import Finding, Severity

__all__ = ["IMAGE_PATH", "RULES", "image_finding"]

IMAGE_PATH = "image"
"""Spec path every image finding points at (the line of ``image:``)."""

_E, _W = Severity.ERROR, Severity.WARNING
_LAMBDA = "https://docs.aws.amazon.com/lambda/latest/dg/"
_OCI = "https://github.com/opencontainers/image-spec/blob/main/"

RULES: tuple[RuleInfo, ...] = (
    RuleInfo("image-mutable-tag", _W, "The image is referenced by a tag that moves (none, :latest, a branch or "
             "channel name); pin it by digest.", "https://docs.aws.amazon.com/lambda/latest/api/"
             "API_UpdateFunctionCode.html"),
    RuleInfo("image-platform", _E, "The image's architecture is not the spec's architecture (exec format error).",
             _OCI + "config.md"),
    RuleInfo("image-platform-missing", _E, "A multi-platform index has no linux image for the spec's architecture.",
             _OCI + "image-index.md"),
    RuleInfo("image-lambda-index", _E, "Lambda refuses an image index (multi-platform, or buildx provenance/SBOM "
             "attestations): push a single-platform manifest.", _LAMBDA + "images-create.html"),
    RuleInfo("image-os", _E, "The image is not a Linux image.", _LAMBDA + "images-create.html"),
    RuleInfo("image-no-command", _E, "The image has neither ENTRYPOINT nor CMD.", _OCI + "config.md"),
    RuleInfo("image-entrypoint-missing", _E, "The entrypoint (or CMD) program is not in the image or on its PATH.",
             _OCI + "config.md"),
    RuleInfo("image-not-executable", _E, "The entrypoint has no execute bit for the runtime user "
             "(Permission denied).", _LAMBDA + "lambda-deploy-functions.html"),
    RuleInfo("image-shebang-crlf", _E, "A script's #! line ends in CR (written on Windows): bad interpreter.",
             "polycloud"),
    RuleInfo("image-interpreter-missing", _E, "The interpreter a script's #! line names is not in the image.",
             "polycloud"),
    RuleInfo("image-permissions", _E, "Files under the task root are not readable by a non-root runtime user "
             "(files 644, directories and scripts 755).", _LAMBDA + "lambda-deploy-functions.html"),
    RuleInfo("image-elf-machine", _E, "A binary (entrypoint or under the task root) is built for another "
             "architecture.", _LAMBDA + "foundation-arch.html"),
    RuleInfo("image-loader-missing", _E, "A binary's dynamic loader (PT_INTERP) is not in the image "
             "(musl vs glibc).", "polycloud"),
    RuleInfo("image-contract-lambda", _E, "image_contract lambda-runtime-api but no Lambda base image or runtime "
             "interface client.", _LAMBDA + "images-create.html"),
    RuleInfo("image-contract-azure", _E, "image_contract azure-functions-host but no Functions host "
             "(/azure-functions-host).", "https://learn.microsoft.com/azure/azure-functions/"
             "functions-how-to-custom-container"),
    RuleInfo("image-contract-port", _E, "image_contract http but the image EXPOSEs ports that do not include "
             "the spec's port.", "https://cloud.google.com/run/docs/container-contract"),
    RuleInfo("image-size", _E, "The image is larger uncompressed than the provider allows.",
             _LAMBDA + "gettingstarted-limits.html"),
    RuleInfo("image-signature", _E, "Under a signature policy, the image digest has no valid cosign signature.",
             "https://docs.sigstore.dev/cosign/verifying/verify/"),
)

_SEVERITY = {rule.id: rule.severity for rule in RULES}


def image_finding(rule: str, message: str, hint: str, *, provider: str | None = None) -> Finding:
    """A finding of an ``image-*`` rule, at the spec's ``image:`` key, with the rule's own severity."""
    return Finding(rule=rule, severity=_SEVERITY[rule], message=message, path=IMAGE_PATH, provider=provider,
                   hint=hint)
