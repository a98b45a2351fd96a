"""``providers.azure``: what only Azure Functions needs. Imports no SDK (the registry reads it to compose the
spec)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from polycloud.spec import SettingsModel

__all__ = ["AzureSettings", "WorkerRuntime"]

WorkerRuntime = Literal["dotnet-isolated", "node", "python", "java", "powershell", "custom"]
"""``FUNCTIONS_WORKER_RUNTIME`` values polycloud deploys (``polycloud_azure.images.WORKER_RUNTIMES``)."""


class AzureSettings(SettingsModel):
    """What only Azure Functions needs."""

    secret_reference: ClassVar[str] = "Key Vault secret URI."
    # an app setting that is a Key Vault reference, or a Key Vault URI
    secret_reference_pattern: ClassVar[str] = r"@Microsoft\.KeyVault\(|https://[^/]+\.vault\.azure\.net/"
    vpc_fields: ClassVar[tuple[str, ...]] = ("subnet_id",)

    subscription_id: str | None = None
    resource_group: str | None = None
    location: str | None = None
    plan: str = Field("EP1", description="consumption | flex-512 | flex-2048 | flex-4096 | EP1 | EP2 | EP3")
    plan_name: str | None = Field(None, description="App Service plan to create or reuse; default <name>-plan.")
    image: str | None = None
    storage: str | None = Field(None, description="Host storage: a connection string or an account name.")
    subnet_id: str | None = None
    registry_username: str | None = None
    registry_password: str | None = Field(None, description="Prefer a Key Vault reference.")
    registry_managed_identity: bool = False
    worker_runtime: WorkerRuntime | None = Field(
        None, description="FUNCTIONS_WORKER_RUNTIME of an azure-functions-host image (custom: a custom handler); "
        "required for that contract.")
