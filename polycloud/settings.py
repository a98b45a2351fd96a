"""An adapter's settings: the fields of its settings model (a spec's ``providers.<section>``) and the keyword
parameters of its constructor (clients, credentials, ``adopt``, ``waiter_delay``...).

``deploy(..., **settings)`` and the CLI's ``--set KEY=VALUE`` take both kinds. A settings-model field given
this way replaces the spec's value, so the checks see what the deploy will use; a constructor parameter goes to
the adapter. Text from the command line is typed by the settings model where the key is one of its fields.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from polycloud.adapter import Adapter

__all__ = ["constructor_settings", "from_text", "setting_names", "split"]

_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


def constructor_settings(cls: type[Adapter]) -> dict[str, inspect.Parameter]:
    """The keyword settings an adapter class's constructor takes."""
    parameters = inspect.signature(cls).parameters.values()
    return {p.name: p for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}


def setting_names(cls: type[Adapter]) -> list[str]:
    """Every setting ``cls`` takes: its settings model's fields, then its other constructor parameters."""
    fields = list(cls.settings_model.model_fields)
    return fields + [name for name in constructor_settings(cls) if name not in fields]


def split(cls: type[Adapter], settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``settings`` as (values for the spec's ``providers.<section>``, keywords for the constructor).

    A setting that is both (``region``) goes to both; None never replaces a spec value.

    Raises:
        ValueError: a setting is neither a field of the settings model nor a constructor parameter.
    """
    fields, parameters = cls.settings_model.model_fields, constructor_settings(cls)
    unknown = sorted(set(settings) - set(fields) - set(parameters))
    if unknown:
        raise ValueError(f"{cls.name} takes no setting {', '.join(unknown)}; its settings are "
                         f"{', '.join(setting_names(cls))}")
    section = {key: value for key, value in settings.items() if key in fields and value is not None}
    keywords = {key: value for key, value in settings.items() if key in parameters}
    return section, keywords


def from_text(cls: type[Adapter], key: str, text: str) -> Any:
    """``text`` (a ``--set`` value) as the type of setting ``key``: a list field takes comma-separated items.

    Raises:
        ValueError: ``cls`` has no such setting, or ``text`` is not a value of its type.
    """
    fields = cls.settings_model.model_fields
    if key in fields:
        annotation: Any = fields[key].annotation
        listed = any(typing.get_origin(a) is list for a in (annotation, *typing.get_args(annotation)))
        value: Any = [item.strip() for item in text.split(",") if item.strip()] if listed else text
        try:
            return TypeAdapter(annotation).validate_python(value)
        except ValidationError as exc:
            reason = exc.errors(include_url=False)[0]["msg"]
            raise ValueError(f"--set {key}={text}: {reason} (providers.{cls.section}.{key})") from None
    parameters = constructor_settings(cls)
    if key not in parameters:
        raise ValueError(f"{cls.name} has no setting {key!r}; settings: {', '.join(setting_names(cls))}")
    return _parameter_from_text(cls, key, str(parameters[key].annotation), text)


def _parameter_from_text(cls: type[Adapter], key: str, annotation: str, text: str) -> Any:
    """Constructor annotations are text (``from __future__ import annotations``): read the scalar kinds in it."""
    kinds = {kind for kind in ("bool", "int", "float", "str") if kind in annotation.replace("None", "")}
    try:
        if "bool" in kinds:
            if text.lower() not in _TRUE + _FALSE:
                raise ValueError(text)
            return text.lower() in _TRUE
        if "float" in kinds:
            return float(text)
        if "int" in kinds:
            return int(text)
    except ValueError:
        raise ValueError(f"--set {key}={text}: expected {' or '.join(sorted(kinds))}") from None
    if "str" not in kinds:
        raise ValueError(f"{cls.name} setting {key!r} ({annotation}) cannot be set from the command line; "
                         "use the Python API")
    return text
