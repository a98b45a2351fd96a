"""What each ``image_contract`` means on Azure Functions, as data the rules, the deploy notes and a migration
report share (pure; no SDK).

**http images.** Microsoft documents a containerised function app as one built "from a supported base
image" with the Functions host inside (https://learn.microsoft.com/azure/azure-functions/container-concepts;
"Custom handlers / other: ``mcr.microsoft.com/azure-functions/base:4``"). App Service still runs any Linux
container that answers HTTP on ``WEBSITES_PORT``
(https://learn.microsoft.com/azure/app-service/configure-custom-container), so polycloud deploys an http
image as it is, as a plain custom container in the function app, and says what that means
(``http_image_effects``): the host settings polycloud writes for a Functions image
(``AzureFunctionsJobHost__functionTimeout``, ``...__maxConcurrentRequests``) override host.json
(https://learn.microsoft.com/azure/azure-functions/functions-app-settings#azurefunctionsjobhost__) and nothing
reads them without the host, so polycloud does not write them for an http image.

**azure-functions-host images** need ``FUNCTIONS_WORKER_RUNTIME`` (``WORKER_RUNTIMES``; without it the host
raises diagnostic event AZFD0011, https://learn.microsoft.com/azure/azure-functions/errors-diagnostics/
diagnostic-events/azfd0011) and host storage ``AzureWebJobsStorage`` ("Required", and "must be provided and
valid at creation time. An automated deployment that doesn't contain these settings results in a function app
that won't run, even if the settings are added later":
https://learn.microsoft.com/azure/azure-functions/functions-recover-storage-account).
"""

from __future__ import annotations

from typing import Final, get_args

from polycloud.spec import FunctionSpec
from polycloud_azure.settings import WorkerRuntime

__all__ = [
    "BASE_IMAGES", "CONTAINER_CONCEPTS", "CUSTOM_HANDLER_HOWTO", "CUSTOM_HANDLERS", "HOST_STORAGE",
    "WORKER_RUNTIME_DOC", "WORKER_RUNTIMES", "http_image_effects",
]

CONTAINER_CONCEPTS: Final = "https://learn.microsoft.com/azure/azure-functions/container-concepts"
CUSTOM_HANDLERS: Final = "https://learn.microsoft.com/azure/azure-functions/functions-custom-handlers"
WORKER_RUNTIME_DOC: Final = ("https://learn.microsoft.com/azure/azure-functions/functions-app-settings"
                             "#functions_worker_runtime")
HOST_STORAGE: Final = "https://learn.microsoft.com/azure/azure-functions/functions-recover-storage-account"

WORKER_RUNTIMES: Final[tuple[str, ...]] = get_args(WorkerRuntime)
"""``FUNCTIONS_WORKER_RUNTIME`` values for a Functions 4.x container (WORKER_RUNTIME_DOC). ``dotnet`` (the
in-process model) is left out: its support ended on 2026-11-10 (CONTAINER_CONCEPTS, base image table)."""

BASE_IMAGES: Final[dict[str, str]] = {
    "dotnet-isolated": "mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated8.0",
    "node": "mcr.microsoft.com/azure-functions/node:4-node22",
    "python": "mcr.microsoft.com/azure-functions/python:4-python3.12",
    "java": "mcr.microsoft.com/azure-functions/java:4-java21",
    "powershell": "mcr.microsoft.com/azure-functions/powershell:4-powershell7.4",
    "custom": "mcr.microsoft.com/azure-functions/base:4",
}
"""The base image Microsoft lists for each worker runtime (CONTAINER_CONCEPTS, "Maintaining custom containers")."""

CUSTOM_HANDLER_HOWTO: Final = (
    f"to get the Functions host on Azure, build an Azure-only image FROM {BASE_IMAGES['custom']} with the server "
    "as a custom handler: host.json with \"customHandler\": {\"description\": {\"defaultExecutablePath\": "
    "\"<your server>\"}, \"enableForwardingHttpRequest\": true}, one HTTP-triggered function whose route is "
    "{*path}, and the server listening on $FUNCTIONS_CUSTOMHANDLER_PORT; then deploy it with image_contract: "
    f"azure-functions-host and providers.azure.worker_runtime: custom (source: {CUSTOM_HANDLERS})"
)


def http_image_effects(spec: FunctionSpec) -> list[str]:
    """What applies and what does not when ``spec``'s http image runs in a function app (one line each).

    Empty unless ``spec.image_contract`` is ``http``. The ``azure-http-image`` finding says the same; a
    migration report can list these lines as they are.
    """
    if spec.image_contract != "http":
        return []
    effects = [
        f"the image runs as a plain App Service custom container in the function app: Microsoft documents "
        f"containerised function apps as built from an Azure Functions base image (source: {CONTAINER_CONCEPTS})",
        f"written as for a Functions image (site settings of the platform, not of the host): the image, port "
        f"(WEBSITES_PORT and PORT={spec.port}), environment, Key Vault secret references, network settings, "
        "min_instances (minimumElasticInstanceCount) and max_instances (functionAppScaleLimit); HTTP responses "
        "are cut at 230 s (Azure Load Balancer) as for any app",
        f"not enforced: timeout {spec.timeout} s (host.json functionTimeout, AzureFunctionsJobHost__functionTimeout) "
        f"and concurrency.per_instance {spec.concurrency.per_instance} (extensions.http.maxConcurrentRequests): "
        "without the Functions host nothing reads them, so polycloud does not write them",
        "no Functions features: no function keys, triggers other than HTTP, or host.json settings",
        CUSTOM_HANDLER_HOWTO,
    ]
    return effects
