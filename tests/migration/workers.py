"""The issue's worker (``polycloud.migration.samples``) as CLI flags."""

from __future__ import annotations

from polycloud.migration.samples import REGISTRY, SECRET, TARGET_SETTINGS, mapping, worker

__all__ = ["ACR", "ARTIFACT_REGISTRY", "ECR", "REGISTRY", "SECRET", "migration_flags", "source_flags", "worker"]

ECR, ARTIFACT_REGISTRY, ACR = REGISTRY["aws"], REGISTRY["gcp"], REGISTRY["azure"]


def _text(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value).lower() if isinstance(value, bool) else str(value)


def migration_flags(source: str, target: str) -> list[str]:
    """The ``polycloud migrate`` flags that carry the worker from ``source`` to ``target`` (lists as a,b)."""
    options = mapping(source, target)
    flags = [f"--secret=DB_PASSWORD={SECRET[target]}", f"--image-map={REGISTRY[source]}={REGISTRY[target]}", "--fit"]
    for key, value in options["providers"].items():
        if key != "subscription_id":  # the sandbox's own
            flags.append(f"--target-setting={key}={_text(value)}")
    return flags


def source_flags(source: str) -> list[str]:
    """The flags that find the worker on ``source`` (where a name alone does not)."""
    settings = TARGET_SETTINGS[source]
    if source == "azure":
        return ["--resource-group", settings["resource_group"]]
    flags = ["--region", settings["region"]]
    return ["--project", settings["project"], *flags] if source == "gcp" else flags
