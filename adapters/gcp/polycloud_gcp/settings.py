"""``providers.gcp``: what only Cloud Run needs. Imports no SDK (the registry reads it to compose the spec)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from polycloud.spec import SettingsModel

__all__ = ["GcpSettings"]


class GcpSettings(SettingsModel):
    """What only Cloud Run needs."""

    secret_reference: ClassVar[str] = "projects/P/secrets/S/versions/V"
    secret_reference_pattern: ClassVar[str] = r"projects/[^/]+/secrets/"
    vpc_fields: ClassVar[tuple[str, ...]] = ("network", "subnetwork", "connector")

    project: str | None = None
    region: str | None = None
    image: str | None = None
    service_account: str | None = None
    network: str | None = None
    subnetwork: str | None = None
    connector: str | None = Field(None, description="Serverless VPC Access connector instead of direct VPC.")
    vpc_all_traffic: bool = Field(False, description="Route all egress through the VPC, not only private ranges.")
    execution_environment: Literal["gen1", "gen2"] | None = None
