"""Image checks that need only the configuration: platform, OS, command, exposed port, size."""

from __future__ import annotations

from collections.abc import Sequence

from polycloud.findings import Finding
from polycloud.image.image import ImageConfig, PlatformNotFoundError
from polycloud.image.manifest import Platform, platform_for
from polycloud.image.rules import image_finding
from polycloud.limits import Limit
from polycloud.spec import FunctionSpec

__all__ = ["LAMBDA", "command_findings", "lambda_index_findings", "missing_platform_findings", "platform_findings",
           "port_findings", "size_findings"]

LAMBDA = "aws-lambda"


def _build_hint(spec: FunctionSpec) -> str:
    wanted = platform_for(spec.architecture)
    return (f"rebuild for {wanted}: `docker build --platform {wanted} ...` (or `docker buildx build --platform "
            f"{wanted} --push` for a registry), or set architecture to match the image")


def platform_findings(config: ImageConfig, spec: FunctionSpec, where: str) -> list[Finding]:
    """The image is Linux and built for the spec's architecture."""
    if config.os and config.os != "linux":
        return [image_finding("image-os", f"{where} is a {config.os} image ({config.platform}); serverless "
                              "containers on Lambda, Azure Functions and Cloud Run run Linux images only",
                              "rebuild FROM a Linux base image: `docker build --platform "
                              f"{platform_for(spec.architecture)} ...`")]
    wanted = platform_for(spec.architecture)
    if config.architecture and config.architecture != wanted.architecture:
        return [image_finding("image-platform", f"{where} is built for {config.platform} but architecture is "
                              f"{spec.architecture} ({wanted}): the first invocation fails with 'exec format "
                              "error'", _build_hint(spec))]
    return []


def missing_platform_findings(error: PlatformNotFoundError, spec: FunctionSpec) -> list[Finding]:
    """A multi-platform index without the spec's platform."""
    shown = ", ".join(str(p) for p in error.available) or "none"
    wanted = platform_for(spec.architecture)
    return [image_finding("image-platform-missing", f"the image index has no {wanted} image for architecture "
                          f"{spec.architecture} (it has: {shown})",
                          f"add {wanted} to the build: `docker buildx build --platform {wanted},... --push`, or "
                          "set architecture to one the index has")]


def lambda_index_findings(platforms: list[Platform], providers: Sequence[str], spec: FunctionSpec,
                          where: str) -> list[Finding]:
    """Lambda takes a single image manifest, never an index (multi-platform or with attestations)."""
    if not platforms or LAMBDA not in providers:
        return []
    shown = ", ".join(str(p) for p in platforms)
    wanted = platform_for(spec.architecture)
    return [image_finding(
        "image-lambda-index", f"{where} is an image index ({shown}); Lambda does not support multi-architecture "
        "images and refuses an index with 'The image manifest, config or layer media type for the source image "
        "... is not supported' (buildx makes an index of a single platform too, for provenance attestations)",
        f"push one platform as a plain manifest: `docker buildx build --platform {wanted} --provenance=false "
        "--sbom=false --push ...`", provider=LAMBDA)]


def command_findings(config: ImageConfig, where: str) -> list[Finding]:
    """The image says what to run."""
    if config.entrypoint or config.cmd:
        return []
    return [image_finding("image-no-command", f"{where} has neither ENTRYPOINT nor CMD, so nothing starts",
                          'add `ENTRYPOINT ["/path/to/program"]` (or CMD) to the Dockerfile')]


def port_findings(config: ImageConfig, spec: FunctionSpec, where: str) -> list[Finding]:
    """An http image that EXPOSEs ports agrees with the spec's port."""
    if spec.image_contract != "http" or not config.exposed_ports:
        return []
    ports = sorted({int(p.split("/")[0]) for p in config.exposed_ports if p.split("/")[0].isdigit()})
    if not ports or spec.port in ports:
        return []
    shown = ", ".join(str(p) for p in ports)
    return [image_finding("image-contract-port", f"{where} EXPOSEs {shown} but the spec's port is {spec.port}: "
                          f"the platform sends requests to {spec.port} and the health check fails",
                          f"set port: {ports[0]} in the spec, or make the server listen on $PORT and "
                          f"`EXPOSE {spec.port}`")]


def size_findings(size: int, limit: Limit | None, provider: str, title: str, where: str) -> list[Finding]:
    """The uncompressed image fits the provider's limit (``limit`` in MiB)."""
    if limit is None or limit.max is None:
        return []
    mib = size / (1024 * 1024)
    if mib <= limit.max:
        return []
    return [image_finding("image-size", f"{where} is {mib:,.0f} MiB uncompressed, above the {title} maximum of "
                          f"{limit.max:,.0f} MiB (source: {limit.source})",
                          "make the image smaller: a slimmer base image, a multi-stage build that copies only "
                          "the build output, no caches (`pip install --no-cache-dir`); inspect layers with "
                          "`dive IMAGE`", provider=provider)]
