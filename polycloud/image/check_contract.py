"""Evidence in the image that it speaks the spec's ``image_contract`` (Lambda Runtime API, Functions host)."""

from __future__ import annotations

import re

from polycloud.findings import Finding
from polycloud.image.filesystem import ImageFilesystem
from polycloud.image.image import ImageConfig
from polycloud.image.rules import image_finding
from polycloud.spec import FunctionSpec

__all__ = ["AZURE_HOST", "LAMBDA_MARKERS", "contract_findings", "lambda_evidence", "task_root"]

LAMBDA_MARKERS = re.compile(r"awslambdaric|aws[-_]lambda[-_]ric|aws-lambda-java-runtime-interface-client"
                            r"|Amazon\.Lambda\.RuntimeSupport")
"""Runtime interface clients by name: Python, Node.js and Ruby, Java, .NET (in a path or the command)."""

LAMBDA_BASE_FILES = ("/lambda-entrypoint.sh", "/var/runtime/bootstrap")
"""Files every AWS Lambda base image (public.ecr.aws/lambda/*) has."""

RUNTIME_API_VARIABLE = b"AWS_LAMBDA_RUNTIME_API"
"""Every Runtime API client reads this variable; a compiled entrypoint that talks to Lambda contains it."""

AZURE_HOST = "/azure-functions-host"
"""Where the Azure Functions base images (mcr.microsoft.com/azure-functions/*) keep the host."""

DEFAULT_ROOTS = {"lambda-runtime-api": "/var/task", "azure-functions-host": "/home/site/wwwroot"}
_ROOT_VARIABLES = {"lambda-runtime-api": "LAMBDA_TASK_ROOT", "azure-functions-host": "AzureWebJobsScriptRoot"}


def task_root(config: ImageConfig, contract: str) -> str | None:
    """Where the function's code lives: the contract's variable or default, else WORKDIR (http); None for /."""
    variable = _ROOT_VARIABLES.get(contract)
    root = (config.env.get(variable) if variable else None) or DEFAULT_ROOTS.get(contract) or config.working_dir
    return root if root and root.strip("/") else None  # WORKDIR / would check the whole system, not the code


def lambda_evidence(config: ImageConfig, fs: ImageFilesystem) -> str | None:
    """What shows the image implements the Lambda Runtime API, or None."""
    for path in LAMBDA_BASE_FILES:
        if fs.exists(path):
            return f"Lambda base image ({path})"
    in_command = LAMBDA_MARKERS.search(" ".join(config.command))
    if in_command:
        return f"runtime interface client in the command ({in_command.group()})"
    for path in fs.entries:
        if LAMBDA_MARKERS.search(path):
            return f"runtime interface client {path}"
    from polycloud.image.check_files import entrypoint_of

    _, entry = entrypoint_of(config, fs)
    if entry is not None and entry.is_file and entry.is_elf and RUNTIME_API_VARIABLE in fs.read_file(entry):
        return f"{entry.path} reads AWS_LAMBDA_RUNTIME_API"
    return None


def contract_findings(config: ImageConfig, fs: ImageFilesystem, spec: FunctionSpec, where: str) -> list[Finding]:
    """The image has what its contract needs."""
    if spec.image_contract == "lambda-runtime-api" and lambda_evidence(config, fs) is None:
        return [image_finding(
            "image-contract-lambda", f"image_contract is lambda-runtime-api but {where} has no Lambda base image "
            "files (/lambda-entrypoint.sh), no runtime interface client (awslambdaric, aws-lambda-ric, ...) and "
            "its entrypoint does not read AWS_LAMBDA_RUNTIME_API: Lambda would time out at init",
            "build FROM public.ecr.aws/lambda/<runtime> or add the client: `pip install awslambdaric` with "
            'ENTRYPOINT ["python", "-m", "awslambdaric"]; or set image_contract: http for a web server image')]
    if spec.image_contract == "azure-functions-host" and not fs.exists(AZURE_HOST):
        return [image_finding(
            "image-contract-azure", f"image_contract is azure-functions-host but {where} has no Functions host "
            f"at {AZURE_HOST}", "build FROM mcr.microsoft.com/azure-functions/<stack> (e.g. python:4-python3.12), "
            "or set image_contract: http for a plain web server image")]
    return []
