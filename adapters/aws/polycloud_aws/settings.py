"""``providers.aws``: what only AWS Lambda needs. Imports no SDK (the registry reads it to compose the spec)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from polycloud.spec import SettingsModel

__all__ = ["AwsSettings"]


class AwsSettings(SettingsModel):
    """What only AWS Lambda needs."""

    secret_reference: ClassVar[str] = "Secrets Manager ARN or SSM parameter ARN."
    secret_reference_pattern: ClassVar[str] = r"arn:"
    vpc_fields: ClassVar[tuple[str, ...]] = ("subnet_ids",)

    region: str | None = None
    role: str | None = Field(None, description="Execution role ARN; created when absent.")
    image: str | None = Field(None, description="Overrides the top-level image for Lambda.")
    subnet_ids: list[str] = Field(default_factory=list)
    security_group_ids: list[str] = Field(default_factory=list)
    alias: str = Field("live", description="Alias that carries provisioned concurrency.")
