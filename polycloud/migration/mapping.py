"""The target spec of a migration: the source spec with the user's mappings (rename, image, image map,
secrets, overrides, the target's settings), what the target says another way (its ``carry``), and, when asked,
fitted to the target's limits. Every change is an ``Adjustment`` for the report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from polycloud.errors import SpecError
from polycloud.findings import Finding, Report
from polycloud.limits import ProviderLimits
from polycloud.migration import fitting
from polycloud.migration.hooks import Portability
from polycloud.migration.paths import get_path, set_path
from polycloud.migration.types import Adjustment
from polycloud.source import findings_from_validation
from polycloud.spec import FunctionSpec

__all__ = ["MigrationOptions", "Target", "build_target", "mapped_image"]


@dataclass(frozen=True)
class MigrationOptions:
    """What the user maps or changes on the way (``migrate``'s and ``portability``'s keyword arguments)."""

    name: str | None = None
    """A new name on the target."""
    image: str | None = None
    """The image for the target."""
    image_map: Mapping[str, str] = field(default_factory=dict)
    """Registry prefixes: an image starting with a key moves to the value's registry."""
    secrets: Mapping[str, str] = field(default_factory=dict)
    """Secret name -> the reference in the target's secret store."""
    overrides: Mapping[str, Any] = field(default_factory=dict)
    """Spec fields by dotted path (``memory``: ``2GiB``, ``network.auth``: ``none``)."""
    providers: Mapping[str, Any] = field(default_factory=dict)
    """Values of the target's ``providers.<section>`` (region, project, subnet_ids...)."""
    fit: bool = False
    """Take the nearest value the target allows where its rules refuse one."""


@dataclass
class Target:
    """The spec to deploy on the target and every change made to get it."""

    spec: FunctionSpec
    adjustments: list[Adjustment]
    image_named: bool
    """The user named the target's image (``--image``/``--image-map``)."""
    section: str
    """The target's section under ``providers:`` (``aws``)."""

    def adjusted(self, path: str) -> list[Adjustment]:
        """The adjustments made to ``path``."""
        return [a for a in self.adjustments if a.field == path]


def mapped_image(image: str, options: MigrationOptions) -> tuple[str, str] | None:
    """The target image and how it was named, or None when the user named none for ``image``."""
    if options.image:
        return options.image, "the image for the target (image=, --image)"
    prefixes = sorted((p for p in options.image_map if image.startswith(p)), key=len, reverse=True)
    if prefixes:
        source = prefixes[0]
        return (options.image_map[source] + image[len(source):],
                f"the image moved by the registry mapping {source}={options.image_map[source]} (--image-map)")
    return None


def _validated(document: dict[str, Any], target: str) -> FunctionSpec:
    try:
        return FunctionSpec.model_validate(document)
    except ValidationError as exc:
        raise SpecError(Report(findings_from_validation(exc), providers=[target])) from None


def _usage(message: str, path: str, target: str) -> SpecError:
    from polycloud.findings import Severity

    return SpecError(Report([Finding("migrate-option", Severity.ERROR, message, path, target)], providers=[target]))


def _map_secrets(source: FunctionSpec, section: str | None, to: str, options: MigrationOptions, target: str,
                 document: dict[str, Any], made: list[Adjustment]) -> None:
    unknown = sorted(set(options.secrets) - set(source.secrets))
    if unknown:
        raise _usage(f"the function has no secret {', '.join(unknown)} to map; its secrets: "
                     f"{', '.join(source.secrets) or 'none'}", f"secrets.{unknown[0]}", target)
    secrets: dict[str, Any] = {}
    for name, ref in source.secrets.items():
        refs = ref.set_sections()
        before = refs.get(section) if section else refs
        after = options.secrets.get(name) or refs.get(to)
        secrets[name] = {to: after} if after else {}
        if name in options.secrets:
            made.append(Adjustment(f"secrets.{name}", before, after,
                                   "mapped to the target's secret store (secrets=, --secret)"))
    document["secrets"] = secrets


def build_target(source: FunctionSpec, section: str | None, to: str, target: str, options: MigrationOptions,
                 portability: Portability, limits: ProviderLimits,
                 check: Callable[[FunctionSpec], list[Finding]]) -> Target:
    """The spec to deploy on ``target`` (whose section is ``to``) from ``source`` (read from ``section``).

    Raises:
        SpecError: a mapping or override is not valid (nothing was called).
    """
    made: list[Adjustment] = []
    document = source.model_dump(exclude={"providers"})
    image = source.image_for(section) if section else source.image
    document["image"] = image
    named = mapped_image(image, options)
    if named is not None:
        document["image"] = named[0]
        made.append(Adjustment("image", image, named[0], named[1]))
    if options.name and options.name != source.name:
        document["name"] = options.name
        made.append(Adjustment("name", source.name, options.name, "renamed on the target (name=, --name)"))
    _map_secrets(source, section, to, options, target, document, made)
    own = getattr(source.providers, to, None)
    section_values = {**(own.model_dump(exclude_unset=True) if own is not None else {}), **options.providers}
    section_values.pop("image", None)  # the image is the top-level one, mapped above
    document["providers"] = {to: section_values}
    spec = _validated(document, target)

    # what the target says another way; a spec already written for the target is taken as it is
    carried = [a for a in portability.carry(spec) if a.field not in options.overrides] if section != to else []
    if carried:
        spec = fitting.apply(spec, carried)
        made += carried
    if options.overrides:
        document = spec.model_dump()
        for path, value in options.overrides.items():
            if path.split(".")[0] not in FunctionSpec.model_fields:
                raise _usage(f"override {path}: the spec has no field {path.split('.')[0]!r}", path, target)
            before = get_path(document, path)
            set_path(document, path, value)
            made.append(Adjustment(path, before, value, "set by overrides= (--override)"))
        spec = _validated(document, target)
        for adjustment in made:
            if adjustment.field in options.overrides:  # the value as the spec holds it (2GiB -> 2048)
                index = made.index(adjustment)
                made[index] = Adjustment(adjustment.field, adjustment.before,
                                         get_path(spec.model_dump(mode="json"), adjustment.field), adjustment.message)
    if options.fit:
        spec, fits = fitting.fit(spec, check, limits, portability.fitters, image_named=named is not None)
        made += fits
    return Target(spec, made, named is not None, to)
