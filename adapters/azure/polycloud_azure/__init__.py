"""polycloud's Azure Functions adapter (provider key ``azure-functions``, alias ``azure``).

A spec becomes a Linux container function app (``functionapp,linux,container``) on an Elastic
Premium App Service plan. Importing this package imports no Azure SDK: azure-mgmt-web and
azure-identity are loaded on the first API call. ``polycloud_azure.rules`` holds the offline checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from polycloud_azure.adapter import AzureFunctionsAdapter

__all__ = ["AzureFunctionsAdapter"]


def __getattr__(name: str) -> Any:
    # imported on first use, so that the registry can read ``polycloud_azure.settings`` (to compose the
    # spec) without importing the adapter
    if name == "AzureFunctionsAdapter":
        from polycloud_azure.adapter import AzureFunctionsAdapter

        return AzureFunctionsAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
