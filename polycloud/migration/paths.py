"""Dotted paths into a spec document (``concurrency.max_instances``, ``environment.LOG_LEVEL``) and the rows
a portability report has: every FunctionSpec field, one per variable, tag and secret."""

from __future__ import annotations

from typing import Any

from polycloud.spec import FunctionSpec

__all__ = ["KEYED", "SCALARS", "field_paths", "get_path", "set_path"]

SCALARS = ("name", "image", "image_contract", "port", "memory", "timeout", "cpu", "architecture",
           "ephemeral_storage", "concurrency.min_instances", "concurrency.max_instances",
           "concurrency.per_instance", "network.ingress", "network.auth", "network.egress")
"""Every FunctionSpec field that holds one value, in report order."""
KEYED = ("environment", "tags", "secrets")
"""The FunctionSpec fields that are mappings: one row per key."""


def get_path(document: dict[str, Any], path: str) -> Any:
    """The value at ``path`` in a spec document, or None when a part is missing."""
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` in a spec document, making the mappings on the way."""
    *parents, last = path.split(".")
    holder = document
    for part in parents:
        nxt = holder.get(part)
        if not isinstance(nxt, dict):
            nxt = holder[part] = {}
        holder = nxt
    holder[last] = value


def field_paths(spec: FunctionSpec) -> list[str]:
    """The report rows of ``spec``: its scalar fields, then one per variable, tag and secret."""
    rows = list(SCALARS)
    for keyed in KEYED:
        rows += [f"{keyed}.{key}" for key in getattr(spec, keyed)]
    return rows
