"""polycloud's Azure Functions adapter (provider key ``azure-functions``, alias ``azure``).

A spec becomes a Linux container function app (``functionapp,linux,container``) on an Elastic
Premium App Service plan. Importing this package imports no Azure SDK: azure-mgmt-web and
azure-identity are loaded on the first API call. ``polycloud_azure.rules`` holds the offline checks.
"""

from polycloud_azure.adapter import AzureFunctionsAdapter

__all__ = ["AzureFunctionsAdapter"]
