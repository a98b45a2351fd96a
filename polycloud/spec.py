"""The provider-neutral function spec (pydantic v2, unknown keys are errors).

In Python ``spec.memory`` and ``spec.ephemeral_storage`` are MiB and ``spec.timeout`` is
seconds, all ints; spec files may write them as ``"1GiB"`` or ``"15m"`` (see ``polycloud.units``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler, model_validator
from pydantic_core import core_schema

from polycloud.units import parse_duration, parse_memory

__all__ = [
    "Concurrency",
    "FunctionSpec",
    "Network",
    "ProviderSettings",
    "SecretRef",
    "SettingsModel",
    "recompose",
]

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


class SettingsModel(BaseModel):
    """Base of an adapter's settings model: what only that provider needs, under ``providers.<section>``.

    An adapter names its model in ``settings_model``; the registry composes the ``providers:`` mapping, the
    ``secrets.<NAME>`` references, the JSON Schema and the ``--set`` typing from the installed adapters' models.
    Unknown keys are errors. The class facts below tell the core what it may need to know, without naming a cloud.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True)

    secret_reference: ClassVar[str] = "The secret in the provider's secret store."
    """What ``secrets.<NAME>.<section>`` holds (its description in the JSON Schema)."""
    secret_reference_pattern: ClassVar[str | None] = None
    """A regular expression matching the start of a reference to the provider's secret store: such values name a
    secret without being one, so plan and deploy output show them."""
    vpc_fields: ClassVar[tuple[str, ...]] = ()
    """The fields that name a subnet or network for ``network.egress: vpc`` (the first is named in hints)."""

    def names_vpc(self) -> bool:
        """True when one of ``vpc_fields`` is set."""
        return any(getattr(self, name) for name in self.vpc_fields)


def _sections() -> dict[str, type[SettingsModel]]:
    from polycloud import registry

    return {name: section.model for name, section in registry.sections().items()}


class ComposedSections(BaseModel):
    """A mapping with one optional entry per installed adapter's section, read as attributes.

    Its schema is composed from the registry when first used (and again by ``recompose``), so an adapter
    installed from another package brings its own section. Unknown sections are errors.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    @classmethod
    def _entry_schema(cls, model: type[SettingsModel], handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        raise NotImplementedError

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        fields = {name: core_schema.model_field(core_schema.with_default_schema(
            cls._entry_schema(model, handler), default=None)) for name, model in _sections().items()}
        return core_schema.model_schema(
            cls, core_schema.model_fields_schema(fields, model_name=cls.__name__, extra_behavior="forbid"),
            config=core_schema.CoreConfig(title=cls.__name__, extra_fields_behavior="forbid"),
            ref=f"{cls.__module__}.{cls.__qualname__}")

    @classmethod
    def known(cls) -> list[str]:
        """The section names the installed adapters bring, in registry order."""
        return list(_sections())

    @classmethod
    def entry_model(cls, name: str) -> type[BaseModel] | None:
        """The model of section ``name``'s value, when it is a model."""
        return None

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> Any: ...
    else:
        def __getattr__(self, name: str) -> Any:
            # an adapter registered after this object was made: its section is simply not set
            if not name.startswith("_") and name in _sections():
                return None
            return super().__getattr__(name)

    def set_sections(self) -> dict[str, Any]:
        """The sections that are set, by name."""
        return {name: value for name, value in self.__dict__.items() if value is not None}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ComposedSections):
            return NotImplemented
        return type(other) is type(self) and self.set_sections() == other.set_sections()

    __hash__ = None  # type: ignore[assignment]

    def __repr_args__(self) -> Iterator[tuple[str, Any]]:
        yield from self.set_sections().items()


class SecretRef(ComposedSections):
    """One secret, named in each provider's secret store (one entry per installed adapter's section)."""

    def __init__(self, **references: str | None) -> None:
        super().__init__(**references)

    @classmethod
    def _entry_schema(cls, model: type[SettingsModel], handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return handler.generate_schema(Annotated[str | None, Field(description=model.secret_reference)])


class ProviderSettings(ComposedSections):
    """Per-provider settings; only what a provider needs, one section per installed adapter."""

    def __init__(self, **sections: SettingsModel | dict[str, Any] | None) -> None:
        super().__init__(**sections)

    @classmethod
    def _entry_schema(cls, model: type[SettingsModel], handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.nullable_schema(handler.generate_schema(model))

    @classmethod
    def entry_model(cls, name: str) -> type[BaseModel] | None:
        """The settings model of section ``name`` (None when no installed adapter brings it)."""
        return _sections().get(name)


class FunctionSpec(_Model):
    """One serverless function, described once for every provider."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, populate_by_name=True, defer_build=True)

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
        """The image for one provider section (e.g. ``aws``): its ``image`` setting, else the spec's."""
        settings = getattr(self.providers, section, None)
        override = getattr(settings, "image", None)
        return override or self.image

    def named_providers(self) -> list[str]:
        """Provider keys of the sections set under ``providers:``, in registry order."""
        from polycloud import registry

        sections = registry.sections()
        return [sections[name].provider for name in self.providers.set_sections() if name in sections]

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


def recompose() -> None:
    """Rebuild the models composed from the installed adapters (the registry calls this when they change)."""
    for model in (ProviderSettings, SecretRef, FunctionSpec):
        if model.__pydantic_complete__:
            model.model_rebuild(force=True)
