"""The provider-neutral function spec (pydantic v2, unknown keys are errors).

In Python ``spec.memory`` and ``spec.ephemeral_storage`` are MiB and ``spec.timeout`` is
seconds, all ints; spec files may write them as ``"1GiB"`` or ``"15m"`` (see ``polycloud.units``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from polycloud.redact import redact
from polycloud.units import parse_duration, parse_memory

__all__ = [
    "AwsSettings",
    "AzureSettings",
    "Concurrency",
    "FunctionSpec",
    "GcpSettings",
    "Network",
    "ProviderSettings",
    "SecretRef",
]

PROVIDER_SECTIONS: dict[str, str] = {"aws": "aws-lambda", "azure": "azure-functions", "gcp": "gcp-cloud-run"}
"""Section name under ``providers:`` -> provider key."""

_ARCHITECTURE_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "x86-64": "x86_64", "aarch64": "arm64"}


def _architecture(value: object) -> object:
    if isinstance(value, str):
        return _ARCHITECTURE_ALIASES.get(value.lower(), value.lower())
    return value


def _scalar_text(value: object) -> object:
    """Environment values and tags are text; YAML numbers become text, booleans must be quoted."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a boolean; quote it (\"{str(value).lower()}\") to make it text")
    if isinstance(value, (int, float)):
        return str(value)
    return value


MiB = Annotated[int, BeforeValidator(parse_memory), Field(gt=0)]
Seconds = Annotated[int, BeforeValidator(parse_duration), Field(gt=0)]
Text = Annotated[str, BeforeValidator(_scalar_text)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)

    def __repr_args__(self) -> Any:
        """repr() and str() hide secret values (see polycloud.redact); the model keeps them."""
        for name, value in super().__repr_args__():
            yield name, redact(name, value) if name else value


class Concurrency(_Model):
    """How many instances run and how many requests each serves at once."""

    min_instances: int = Field(0, ge=0, description="Instances kept warm (provisioned / always-ready / min).")
    max_instances: int | None = Field(None, ge=1, description="Cap on instances; unset = provider default.")
    per_instance: int = Field(1, ge=1, description="Requests one instance serves at once.")

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Concurrency:
        if self.max_instances is not None and self.min_instances > self.max_instances:
            raise ValueError(
                f"min_instances ({self.min_instances}) is greater than max_instances "
                f"({self.max_instances}); raise max_instances or lower min_instances"
            )
        return self


class Network(_Model):
    """Who can reach the function and where its outbound traffic goes."""

    ingress: Literal["public", "internal", "none"] = "public"
    auth: Literal["iam", "none"] = Field("iam", description="'none' lets anyone invoke; never the default.")
    egress: Literal["default", "vpc"] = "default"


class SecretRef(_Model):
    """One secret, named in each provider's secret store."""

    aws: str | None = Field(None, description="Secrets Manager ARN or SSM parameter ARN.")
    azure: str | None = Field(None, description="Key Vault secret URI.")
    gcp: str | None = Field(None, description="projects/P/secrets/S/versions/V")


class AwsSettings(_Model):
    """What only AWS Lambda needs."""

    region: str | None = None
    role: str | None = Field(None, description="Execution role ARN; created when absent.")
    image: str | None = Field(None, description="Overrides the top-level image for Lambda.")
    subnet_ids: list[str] = Field(default_factory=list)
    security_group_ids: list[str] = Field(default_factory=list)
    alias: str = Field("live", description="Alias that carries provisioned concurrency.")


class AzureSettings(_Model):
    """What only Azure Functions needs."""

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


class GcpSettings(_Model):
    """What only Cloud Run needs."""

    project: str | None = None
    region: str | None = None
    image: str | None = None
    service_account: str | None = None
    network: str | None = None
    subnetwork: str | None = None
    connector: str | None = Field(None, description="Serverless VPC Access connector instead of direct VPC.")
    vpc_all_traffic: bool = Field(False, description="Route all egress through the VPC, not only private ranges.")
    execution_environment: Literal["gen1", "gen2"] | None = None


SECTION_MODELS: dict[str, type[BaseModel]] = {"aws": AwsSettings, "azure": AzureSettings, "gcp": GcpSettings}
"""Section name under ``providers:`` -> its settings model."""


class ProviderSettings(_Model):
    """Per-provider settings; only what a provider needs."""

    aws: AwsSettings | None = None
    azure: AzureSettings | None = None
    gcp: GcpSettings | None = None


class FunctionSpec(_Model):
    """One serverless function, described once for every provider."""

    name: str = Field(min_length=1, description="Checked against every target's naming rules.")
    image: str = Field(min_length=1, description="Container image reference.")
    image_contract: Literal["http", "lambda-runtime-api", "azure-functions-host"] = Field(
        "http", description="http: serves HTTP on $PORT; or the runtime API the image is built on."
    )
    port: int = Field(8080, ge=1, le=65535, description="Port the image serves HTTP on.")
    memory: MiB = Field(512, description="MiB; '1GiB' etc. in files.")
    timeout: Seconds = Field(30, description="Seconds; '90s', '15m', '1h' in files.")
    cpu: float | None = Field(None, gt=0, description="vCPU (Cloud Run); derived from memory where unset.")
    architecture: Annotated[Literal["x86_64", "arm64"], BeforeValidator(_architecture)] = "x86_64"
    ephemeral_storage: MiB | None = Field(None, description="MiB of writable /tmp.")
    concurrency: Concurrency = Field(default_factory=Concurrency)
    network: Network = Field(default_factory=Network)
    environment: dict[str, Text] = Field(default_factory=dict)
    secrets: dict[str, SecretRef] = Field(default_factory=dict)
    tags: dict[str, Text] = Field(default_factory=dict)
    providers: ProviderSettings = Field(default_factory=ProviderSettings)

    def image_for(self, section: str) -> str:
        """The image for one provider section ('aws', 'azure', 'gcp'), honouring its override."""
        settings = getattr(self.providers, section, None)
        override = getattr(settings, "image", None)
        return override or self.image

    def named_providers(self) -> list[str]:
        """Provider keys of the sections present under ``providers:``, in file order."""
        return [PROVIDER_SECTIONS[s] for s in PROVIDER_SECTIONS if getattr(self.providers, s) is not None]

    def to_document(self) -> dict[str, Any]:
        """A plain dict for a spec file: defaults left out, sizes and durations human-readable."""
        from polycloud.units import format_duration, format_memory

        doc = self.model_dump(mode="json", exclude_defaults=True)
        doc["name"], doc["image"] = self.name, self.image
        if "memory" in doc:
            doc["memory"] = format_memory(self.memory)
        if "timeout" in doc:
            doc["timeout"] = format_duration(self.timeout)
        if self.ephemeral_storage is not None:
            doc["ephemeral_storage"] = format_memory(self.ephemeral_storage)
        order = list(type(self).model_fields)
        return {key: doc[key] for key in order if key in doc and doc[key] not in ({}, None)}
