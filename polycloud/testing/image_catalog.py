"""Test images for every image contract and architecture, and one broken image per failure class.

``correct_image(contract, architecture)`` is an image ``validate --image-archive`` passes;
``BROKEN`` maps each failure class to a builder, the spec it is checked with, and the rule that
must refuse it. Everything is built in Python (see ``polycloud.testing.images``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polycloud.testing.images import MUSL_LOADERS, ImageBuilder, elf_binary, index_of, write_oci_layout

__all__ = ["BROKEN", "BrokenImage", "OCI_ARCH", "correct_image", "spec_for"]

OCI_ARCH = {"x86_64": "amd64", "arm64": "arm64"}
ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:" + "a" * 64
PUBLIC_IMAGE = "europe-docker.pkg.dev/project/repo/app@sha256:" + "b" * 64
_PROVIDERS = {"lambda-runtime-api": {"aws": {"region": "us-east-1"}},
              # the Functions host needs its worker runtime and host storage (rule azure-functions-host)
              "azure-functions-host": {"azure": {"subscription_id": "00000000-0000-0000-0000-000000000000",
                                                 "resource_group": "rg", "location": "westeurope",
                                                 "worker_runtime": "python", "storage": "imagetestsa"}},
              "http": {"gcp": {"project": "p", "region": "europe-west1"}}}


def spec_for(contract: str = "http", architecture: str = "x86_64", **extra: Any) -> dict[str, Any]:
    """A valid spec document for one contract, targeting the provider that runs it natively."""
    spec: dict[str, Any] = {"name": "image-test", "image": ECR_IMAGE if contract == "lambda-runtime-api"
                            else PUBLIC_IMAGE, "image_contract": contract, "architecture": architecture,
                            "providers": _PROVIDERS[contract]}
    if contract == "azure-functions-host":
        spec["network"] = {"ingress": "internal"}  # Azure cannot enforce iam auth on a public container app
    spec.update(extra)
    return spec


def _lambda(builder: ImageBuilder) -> ImageBuilder:
    builder.glibc_base()
    builder.file("/lambda-entrypoint.sh", "#!/bin/sh\nexec /var/runtime/bootstrap \"$@\"\n", 0o755)
    builder.file("/var/runtime/bootstrap", "#!/usr/bin/python3\nimport awslambdaric.__main__\n", 0o755)
    builder.file("/var/lang/lib/python3.12/site-packages/awslambdaric/__init__.py", "")
    builder.layer()
    builder.file("/var/task/app.py", "def handler(event, context):\n    return {'ok': True}\n")
    builder.file("/var/task/lib/_speedups.so", elf_binary(builder.architecture, None), 0o755)
    builder.env.update(LAMBDA_TASK_ROOT="/var/task", LAMBDA_RUNTIME_DIR="/var/runtime")
    builder.working_dir = "/var/task"
    builder.entrypoint, builder.cmd = ["/lambda-entrypoint.sh"], ["app.handler"]
    return builder


def _azure(builder: ImageBuilder) -> ImageBuilder:
    from polycloud.testing.images import LOADERS

    builder.glibc_base()
    host = "/azure-functions-host/Microsoft.Azure.WebJobs.Script.WebHost"
    builder.file(host, elf_binary(builder.architecture, LOADERS[builder.architecture]), 0o755)
    builder.layer()
    builder.file("/home/site/wwwroot/function_app.py", "import azure.functions as func\n")
    builder.file("/home/site/wwwroot/host.json", '{"version": "2.0"}\n')
    builder.env["AzureWebJobsScriptRoot"] = "/home/site/wwwroot"
    builder.cmd = [host]
    return builder


def _http(builder: ImageBuilder) -> ImageBuilder:
    from polycloud.testing.images import LOADERS

    builder.glibc_base()
    builder.layer()
    builder.file("/app/server", elf_binary(builder.architecture, LOADERS[builder.architecture]), 0o755)
    builder.file("/app/static/index.html", "<h1>hello</h1>\n")
    builder.entrypoint, builder.working_dir, builder.user = ["/app/server"], "/app", "65532"
    builder.exposed_ports = ["8080/tcp"]
    return builder


_CONTRACTS: dict[str, Callable[[ImageBuilder], ImageBuilder]] = {
    "lambda-runtime-api": _lambda, "azure-functions-host": _azure, "http": _http}


def correct_image(contract: str = "http", architecture: str = "x86_64") -> ImageBuilder:
    """An image that passes every image rule for ``contract`` on ``architecture`` (a spec architecture)."""
    return _CONTRACTS[contract](ImageBuilder(OCI_ARCH[architecture]))


@dataclass(frozen=True)
class BrokenImage:
    """One failure class: how to write its image, the spec to check it with, the rule that refuses it."""

    name: str
    rule: str
    write: Callable[[Path], Path]
    spec: dict[str, Any] = field(default_factory=spec_for)
    in_message: str = ""


def _docker(build: Callable[[], ImageBuilder]) -> Callable[[Path], Path]:
    return lambda folder: build().write_docker_archive(folder / "image.tar")


def _mutate(contract: str, change: Callable[[ImageBuilder], object], architecture: str = "x86_64") -> Callable[
        [Path], Path]:
    def build() -> ImageBuilder:
        builder = correct_image(contract, architecture)
        change(builder)
        return builder
    return _docker(build)


def _arm_only_index(folder: Path) -> Path:
    index = index_of(correct_image("http", "arm64").artifact())
    return write_oci_layout(folder / "layout", index)


def _lambda_with_attestation(folder: Path) -> Path:
    """What `docker buildx build --platform linux/amd64 --push` makes by default: an index of the image and
    its provenance attestation (platform unknown/unknown)."""
    attestation = ImageBuilder(architecture="unknown", os="unknown").artifact()
    index = index_of(correct_image("lambda-runtime-api").artifact(), attestation)
    return write_oci_layout(folder / "layout", index)


def _glibc_on_musl() -> ImageBuilder:
    from polycloud.testing.images import LOADERS

    builder = ImageBuilder("amd64").musl_base()
    builder.layer().file("/app/server", elf_binary("amd64", LOADERS["amd64"]), 0o755)
    builder.entrypoint, builder.working_dir, builder.exposed_ports = ["/app/server"], "/app", ["8080/tcp"]
    return builder


def _too_big(builder: ImageBuilder) -> None:
    builder.layer().file("/var/task/model.bin", b"\0" * (3 * 1024 * 1024))


BROKEN: tuple[BrokenImage, ...] = (
    BrokenImage("arm64 image, x86_64 spec", "image-platform",
                _docker(lambda: correct_image("http", "arm64")), in_message="linux/arm64"),
    BrokenImage("x86_64 image, arm64 spec", "image-platform", _docker(lambda: correct_image("lambda-runtime-api")),
                spec_for("lambda-runtime-api", "arm64"), in_message="exec format error"),
    BrokenImage("index without the spec's platform", "image-platform-missing", _arm_only_index,
                in_message="linux/amd64"),
    BrokenImage("index with a provenance attestation, on Lambda", "image-lambda-index", _lambda_with_attestation,
                spec_for("lambda-runtime-api"), in_message="--provenance=false"),
    BrokenImage("windows image", "image-os", _mutate("http", lambda b: setattr(b, "os", "windows")),
                in_message="windows"),
    BrokenImage("no ENTRYPOINT or CMD", "image-no-command",
                _mutate("http", lambda b: setattr(b, "entrypoint", None))),
    BrokenImage("entrypoint not in the image", "image-entrypoint-missing",
                _mutate("http", lambda b: setattr(b, "entrypoint", ["/app/missing"])), in_message="/app/missing"),
    BrokenImage("entrypoint without execute bit", "image-not-executable",
                _mutate("lambda-runtime-api", lambda b: b.layer().file(
                    "/lambda-entrypoint.sh", "#!/bin/sh\nexec /var/runtime/bootstrap\n", 0o644)),
                spec_for("lambda-runtime-api"), in_message="chmod 755 /lambda-entrypoint.sh"),
    BrokenImage("entrypoint script with CRLF", "image-shebang-crlf",
                _mutate("lambda-runtime-api", lambda b: b.layer().file(
                    "/lambda-entrypoint.sh", "#!/bin/sh\r\nexec /var/runtime/bootstrap\r\n", 0o755)),
                spec_for("lambda-runtime-api"), in_message="dos2unix /lambda-entrypoint.sh"),
    BrokenImage("script interpreter not in the image", "image-interpreter-missing",
                _mutate("lambda-runtime-api", lambda b: b.layer().file(
                    "/var/task/run.sh", "#!/bin/bash\necho hi\n", 0o755)),
                spec_for("lambda-runtime-api"), in_message="/bin/bash"),
    BrokenImage("env interpreter not on PATH", "image-interpreter-missing",
                _mutate("lambda-runtime-api", lambda b: b.layer().file(
                    "/var/task/tool", "#!/usr/bin/env node\n", 0o755)),
                spec_for("lambda-runtime-api"), in_message="'node'"),
    BrokenImage("code not readable by the runtime user", "image-permissions",
                _mutate("lambda-runtime-api", lambda b: b.layer().file(
                    "/var/task/app.py", "def handler(e, c):\n    return 1\n", 0o600)),
                spec_for("lambda-runtime-api"), in_message="/var/task/app.py (0600)"),
    BrokenImage("task root directory not searchable", "image-permissions",
                _mutate("lambda-runtime-api", lambda b: b.layer().directory("/var/task/lib", 0o700)),
                spec_for("lambda-runtime-api"), in_message="chmod -R o+rX /var/task"),
    BrokenImage("arm64 binary in an x86_64 image", "image-elf-machine",
                _mutate("http", lambda b: b.layer().file("/app/server", elf_binary(
                    "arm64", "/lib/ld-linux-aarch64.so.1"), 0o755)), in_message="/app/server (aarch64 (arm64))"),
    BrokenImage("foreign library under the task root", "image-elf-machine",
                _mutate("lambda-runtime-api", lambda b: b.layer().file(
                    "/var/task/lib/_speedups.so", elf_binary("arm64"), 0o755)),
                spec_for("lambda-runtime-api"), in_message="/var/task/lib/_speedups.so"),
    BrokenImage("musl binary in a glibc image", "image-loader-missing",
                _mutate("http", lambda b: b.layer().file("/app/server", elf_binary(
                    "amd64", MUSL_LOADERS["amd64"]), 0o755)), in_message="build the binary on a glibc base"),
    BrokenImage("glibc binary in a musl image", "image-loader-missing", _docker(_glibc_on_musl),
                in_message="build the binary on a musl base"),
    BrokenImage("lambda contract without runtime client", "image-contract-lambda",
                _docker(lambda: correct_image("http")), spec_for("lambda-runtime-api"),
                in_message="awslambdaric"),
    BrokenImage("azure contract without the Functions host", "image-contract-azure",
                _docker(lambda: correct_image("http")), spec_for("azure-functions-host"),
                in_message="/azure-functions-host"),
    BrokenImage("EXPOSE contradicts port", "image-contract-port",
                _mutate("http", lambda b: setattr(b, "exposed_ports", ["80/tcp"])), in_message="EXPOSEs 80"),
    BrokenImage("over the Lambda size limit (limit lowered to 2 MiB by --limits)", "image-size",
                _mutate("lambda-runtime-api", _too_big), spec_for("lambda-runtime-api"), in_message="MiB"),
)
