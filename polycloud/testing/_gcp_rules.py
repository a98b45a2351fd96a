"""Server-side rules of the fake Cloud Run v2 API: enum names, quantities, validation, defaults.

Pure functions on camelCase proto-JSON dicts, no I/O and no SDK import. The limits follow
Cloud Run's documentation (2026; sources in ``schemas/limits``); the fake reads quantities and
durations with the same grammar as the adapter (``polycloud.units``).
"""

from __future__ import annotations

import math
import re
from typing import Any

from polycloud.units import (
    MIB,
    format_bytes_quantity,
    memory_from_quantity,
    millicores,
    parse_proto_duration,
)

__all__ = [
    "ENUMS", "RuleViolation", "apply_defaults", "normalise_enums", "validate_service", "validate_service_id",
]

_MI = MIB
_GI = 1024 * MIB

#: Enum tables of the fields the fake reads, integer -> name (the SDK sends integers).
ENUMS: dict[str, dict[int, str]] = {
    "ingress": {
        0: "INGRESS_TRAFFIC_UNSPECIFIED",
        1: "INGRESS_TRAFFIC_ALL",
        2: "INGRESS_TRAFFIC_INTERNAL_ONLY",
        3: "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
        4: "INGRESS_TRAFFIC_NONE",
    },
    "launchStage": {
        0: "LAUNCH_STAGE_UNSPECIFIED", 1: "EARLY_ACCESS", 2: "ALPHA", 3: "BETA",
        4: "GA", 5: "DEPRECATED", 6: "UNIMPLEMENTED", 7: "PRELAUNCH",
    },
    "executionEnvironment": {
        0: "EXECUTION_ENVIRONMENT_UNSPECIFIED",
        1: "EXECUTION_ENVIRONMENT_GEN1",
        2: "EXECUTION_ENVIRONMENT_GEN2",
    },
    "egress": {0: "VPC_EGRESS_UNSPECIFIED", 1: "ALL_TRAFFIC", 2: "PRIVATE_RANGES_ONLY"},
    "scalingMode": {0: "SCALING_MODE_UNSPECIFIED", 1: "AUTOMATIC", 2: "MANUAL"},
    "encryptionKeyRevocationAction": {
        0: "ENCRYPTION_KEY_REVOCATION_ACTION_UNSPECIFIED", 1: "PREVENT_NEW", 2: "SHUTDOWN",
    },
    "trafficType": {
        0: "TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED",
        1: "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST",
        2: "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
    },
}

_RESERVED_ENV = frozenset({"PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION"})
_RESERVED_LABEL_PREFIXES = ("run.googleapis.com", "cloud.googleapis.com", "serving.knative.dev",
                            "autoscaling.knative.dev")
_FULL_CPU = (1000, 2000, 4000, 6000, 8000)  # millicores; fractional 80..1000 by 1
_SERVICE_ID = re.compile(r"[a-z0-9-]*")
_LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")
_ANNOTATION_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_ANNOTATIONS_MAX_BYTES = 256 * 1024


class RuleViolation(ValueError):
    """A request the real API answers with 400 INVALID_ARGUMENT; ``field`` is the proto field path."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description


def _memory_bytes(text: str) -> int:
    """Bytes in a memory quantity ("512Mi", "1Gi", "512M", "1G", "1073741824"), rounded up to a byte."""
    return math.ceil(memory_from_quantity(text).bytes)


def _fmt_cpu(milli: int) -> str:
    return f"{milli / 1000:g}"


def duration_seconds(text: Any, field: str) -> float:
    """Seconds in a proto-JSON Duration ("300s", "1.5s").

    Raises:
        RuleViolation: the value is not a Duration string.
    """
    try:
        return float(parse_proto_duration(text))
    except ValueError:
        raise RuleViolation(field, f"invalid duration {text!r}; expected e.g. '300s'") from None


def validate_service_id(service_id: str) -> None:
    """Check a Cloud Run service id.

    Raises:
        RuleViolation: empty, >= 50 chars, not starting with a lowercase letter, other characters
            than lowercase letters, digits and hyphens, or ending with a hyphen.
    """
    field = "service_id"
    if not service_id:
        raise RuleViolation(field, "service_id is required")
    if len(service_id) >= 50:
        raise RuleViolation(field, "service_id must contain fewer than 50 characters "
                            f"(got {len(service_id)})")
    if not ("a" <= service_id[0] <= "z"):
        raise RuleViolation(field, f"service_id {service_id!r} must begin with a lowercase letter")
    if not _SERVICE_ID.fullmatch(service_id):
        raise RuleViolation(
            field, f"service_id {service_id!r} may contain only lowercase letters, digits and hyphens"
        )
    if service_id.endswith("-"):
        raise RuleViolation(field, f"service_id {service_id!r} cannot end with a hyphen")


def _enum(holder: Any, key: str, table: str, field: str) -> None:
    if not isinstance(holder, dict) or key not in holder:
        return
    names = ENUMS[table]
    value = holder[key]
    if isinstance(value, int) and not isinstance(value, bool) and value in names:
        name = names[value]
    elif isinstance(value, str) and value in names.values():
        name = value
    else:
        raise RuleViolation(field, f"invalid value {value!r} for enum {table}")
    if name == names[0]:
        del holder[key]  # proto3: the zero value is "unset"
    else:
        holder[key] = name


def normalise_enums(service: dict[str, Any]) -> None:
    """Rewrite the known enum fields of ``service`` to their names, in place; drop zero values.

    Raises:
        RuleViolation: an unknown integer or name.
    """
    _enum(service, "ingress", "ingress", "service.ingress")
    _enum(service, "launchStage", "launchStage", "service.launch_stage")
    _enum(service.get("scaling"), "scalingMode", "scalingMode", "service.scaling.scaling_mode")
    for i, target in enumerate(service.get("traffic") or []):
        _enum(target, "type", "trafficType", f"service.traffic[{i}].type")
    template = service.get("template")
    if isinstance(template, dict):
        _enum(template, "executionEnvironment", "executionEnvironment",
              "service.template.execution_environment")
        _enum(template, "encryptionKeyRevocationAction", "encryptionKeyRevocationAction",
              "service.template.encryption_key_revocation_action")
        _enum(template.get("vpcAccess"), "egress", "egress", "service.template.vpc_access.egress")


def _check_labels(mapping: Any, field: str, *, labels: bool) -> None:
    if not mapping:
        return
    if not isinstance(mapping, dict):
        raise RuleViolation(field, "must be a map of strings")
    if labels and len(mapping) > 64:
        raise RuleViolation(field, f"at most 64 labels are allowed (got {len(mapping)})")
    for key, value in mapping.items():
        if any(key.startswith(p) or f".{p}" in key.split("/")[0] for p in _RESERVED_LABEL_PREFIXES):
            raise RuleViolation(f"{field}[{key}]", f"the key {key!r} uses a system-reserved namespace")
        if labels and not _LABEL_KEY.fullmatch(key):
            raise RuleViolation(f"{field}[{key}]", f"label key {key!r} must be 1-63 characters, start "
                                "with a lowercase letter, and use only lowercase letters, digits, _ and -")
        if labels and not (isinstance(value, str) and _LABEL_VALUE.fullmatch(value)):
            raise RuleViolation(f"{field}[{key}]", f"label value {value!r} must be 0-63 characters of "
                                "lowercase letters, digits, _ and -")


def _check_annotations(mapping: Any, field: str) -> None:
    """Kubernetes annotation rules (Cloud Run v2 follows them) and the reserved namespaces.

    A key is ``[prefix/]name``: the name 1-63 characters, alphanumeric at both ends with ``-_.``
    between; the prefix a DNS subdomain of at most 253 characters (keys are compared lowercased, as
    Kubernetes does). Keys and values together hold at most 256 KiB.
    """
    _check_labels(mapping, field, labels=False)
    if not mapping:
        return
    size = 0
    for key, value in mapping.items():
        if not isinstance(value, str):
            raise RuleViolation(f"{field}[{key}]", f"annotation value of {key!r} must be a string")
        prefix, slash, name = str(key).lower().rpartition("/")
        if not _ANNOTATION_NAME.fullmatch(name) or len(name) > 63:
            raise RuleViolation(f"{field}[{key}]", f"annotation key {key!r}: the name part must be 1-63 "
                                "characters, alphanumeric at both ends, with '-', '_' or '.' between")
        if slash and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
            raise RuleViolation(f"{field}[{key}]", f"annotation key {key!r}: the prefix must be a DNS "
                                "subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)")
        size += len(str(key).encode()) + len(value.encode())
    if size > _ANNOTATIONS_MAX_BYTES:
        raise RuleViolation(field, f"annotations hold {size} bytes; at most 256KiB are allowed")


def _count(holder: dict[str, Any], key: str, field: str, maximum: int | None = None) -> int:
    value = holder.get(key, 0)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RuleViolation(f"{field}.{key}", f"must be a non-negative integer (got {value!r})")
    if maximum is not None and value > maximum:
        raise RuleViolation(f"{field}.{key}", f"must be at most {maximum} (got {value})")
    return value


def _check_scaling(scaling: Any, field: str) -> None:
    if not isinstance(scaling, dict):
        return
    low = _count(scaling, "minInstanceCount", field)
    high = _count(scaling, "maxInstanceCount", field)
    if high and low > high:
        raise RuleViolation(field, f"minInstanceCount ({low}) cannot exceed maxInstanceCount ({high})")


def _check_container(container: Any, field: str, gen2: bool) -> int:
    """Validate one container; returns its CPU in millicores."""
    if not isinstance(container, dict) or not container.get("image"):
        raise RuleViolation(f"{field}.image", "the container image is required")
    if any(ch.isspace() for ch in container["image"]):
        raise RuleViolation(f"{field}.image", f"invalid image reference {container['image']!r}")
    env = container.get("env") or []
    if len(env) > 1000:
        raise RuleViolation(f"{field}.env", f"at most 1000 environment variables (got {len(env)})")
    for i, var in enumerate(env):
        name = var.get("name", "") if isinstance(var, dict) else ""
        if not name or "=" in name:
            raise RuleViolation(f"{field}.env[{i}].name", f"invalid environment variable name {name!r}")
        if name in _RESERVED_ENV:
            raise RuleViolation(f"{field}.env[{i}].name", f"the environment variable {name!r} is reserved "
                                "by Cloud Run and cannot be set")
        if "value" in var and "valueSource" in var:
            raise RuleViolation(f"{field}.env[{i}]", "set either value or value_source, not both")
    ports = container.get("ports") or []
    if len(ports) > 1:
        raise RuleViolation(f"{field}.ports", f"at most one container port is allowed (got {len(ports)})")
    for port in ports:
        number = port.get("containerPort", 8080)
        if not isinstance(number, int) or not 1 <= number <= 65535:
            raise RuleViolation(f"{field}.ports[0].container_port",
                                f"must be within 1-65535 (got {number!r})")
        if port.get("name", "http1") not in ("http1", "h2c"):
            raise RuleViolation(f"{field}.ports[0].name", f"must be 'http1' or 'h2c' (got {port['name']!r})")
    limits = (container.get("resources") or {}).get("limits") or {}
    unknown = sorted(set(limits) - {"cpu", "memory", "nvidia.com/gpu"})
    if unknown:
        raise RuleViolation(f"{field}.resources.limits", f"unsupported resource(s) {unknown}")
    try:
        memory = _memory_bytes(limits.get("memory", "512Mi"))
    except ValueError as exc:
        raise RuleViolation(f"{field}.resources.limits.memory", str(exc)) from None
    try:
        cpu = millicores(limits.get("cpu", "1"))
    except ValueError as exc:
        raise RuleViolation(f"{field}.resources.limits.cpu", str(exc)) from None
    _check_compute(memory, cpu, f"{field}.resources.limits", gen2)
    return cpu


def _check_compute(memory: int, cpu: int, field: str, gen2: bool) -> None:
    minimum = 512 * _MI if gen2 else 128 * _MI
    if memory < minimum:
        where = " in the gen2 execution environment" if gen2 else ""
        raise RuleViolation(f"{field}.memory", f"memory must be at least {format_bytes_quantity(minimum)}{where} "
                            f"(got {format_bytes_quantity(memory)})")
    if memory > 32 * _GI:
        raise RuleViolation(f"{field}.memory", f"memory must be at most 32Gi (got {format_bytes_quantity(memory)})")
    if not (80 <= cpu <= 1000 or cpu in _FULL_CPU):
        raise RuleViolation(f"{field}.cpu", f"cpu must be between 0.08 and 1, or one of 1, 2, 4, 6, 8 "
                            f"(got {_fmt_cpu(cpu)})")
    for above, need in ((24 * _GI, 8000), (16 * _GI, 6000), (8 * _GI, 4000), (4 * _GI, 2000),
                        (1 * _GI, 1000), (512 * _MI, 500)):
        if memory > above:
            if cpu < need:
                raise RuleViolation(f"{field}.cpu", f"memory {format_bytes_quantity(memory)} requires at least "
                                    f"{_fmt_cpu(need)} CPU (got {_fmt_cpu(cpu)})")
            break
    floor = 4 * _GI if cpu >= 6000 else 2 * _GI if cpu >= 4000 else 0
    if memory < floor:
        raise RuleViolation(f"{field}.memory", f"{_fmt_cpu(cpu)} CPU requires at least {format_bytes_quantity(floor)} "
                            f"memory (got {format_bytes_quantity(memory)})")


def validate_service(service: dict[str, Any]) -> None:
    """Check a (normalised) Service body the way Cloud Run does before accepting it.

    Raises:
        RuleViolation: the first broken rule, with the proto field path.
    """
    if len(service.get("description", "")) > 512:
        raise RuleViolation("service.description", "must be at most 512 characters")
    _check_labels(service.get("labels"), "service.labels", labels=True)
    _check_annotations(service.get("annotations"), "service.annotations")
    _check_scaling(service.get("scaling"), "service.scaling")
    template = service.get("template")
    if not isinstance(template, dict):
        raise RuleViolation("service.template", "the revision template is required")
    field = "service.template"
    _check_labels(template.get("labels"), f"{field}.labels", labels=True)
    _check_annotations(template.get("annotations"), f"{field}.annotations")
    _check_scaling(template.get("scaling"), f"{field}.scaling")
    containers = template.get("containers") or []
    if len(containers) != 1:
        raise RuleViolation(f"{field}.containers",
                            f"exactly one container is required (got {len(containers)})")
    gen2 = template.get("executionEnvironment") == "EXECUTION_ENVIRONMENT_GEN2"
    cpu = _check_container(containers[0], f"{field}.containers[0]", gen2)
    if "timeout" in template:
        seconds = duration_seconds(template["timeout"], f"{field}.timeout")
        if not 1 <= seconds <= 3600:
            raise RuleViolation(f"{field}.timeout",
                                f"timeout must be between 1s and 3600s (got {seconds:g}s)")
    concurrency = _count(template, "maxInstanceRequestConcurrency", field, maximum=1000)
    if cpu < 1000:
        if concurrency > 1:
            raise RuleViolation(f"{field}.max_instance_request_concurrency", "CPU below 1 requires a maximum "
                                f"concurrency of 1 (got {concurrency})")
        if gen2:
            raise RuleViolation(f"{field}.execution_environment",
                                "CPU below 1 requires the gen1 execution environment")
    vpc = template.get("vpcAccess") or {}
    if vpc.get("connector") and vpc.get("networkInterfaces"):
        raise RuleViolation(f"{field}.vpc_access", "set either connector or network_interfaces, not both")
    if len(vpc.get("networkInterfaces") or []) > 1:
        raise RuleViolation(f"{field}.vpc_access.network_interfaces",
                            "only one network interface is supported")


def apply_defaults(service: dict[str, Any], project_number: str) -> None:
    """Fill in what the real service fills in when a field is unset, in place (call after validating)."""
    service.setdefault("ingress", "INGRESS_TRAFFIC_ALL")
    service.setdefault("launchStage", "GA")
    service.setdefault("traffic", [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}])
    template = service["template"]
    template.setdefault("timeout", "300s")
    template.setdefault("serviceAccount", f"{project_number}-compute@developer.gserviceaccount.com")
    template.setdefault("scaling", {}).setdefault("maxInstanceCount", 100)
    container = template["containers"][0]
    if "resources" not in container:  # cpu_idle defaults to true only when resources is unset
        container["resources"] = {"cpuIdle": True}
    limits = container["resources"].setdefault("limits", {})
    limits.setdefault("cpu", "1000m")
    limits.setdefault("memory", "512Mi")
    if not template.get("maxInstanceRequestConcurrency"):
        template["maxInstanceRequestConcurrency"] = 80 if millicores(limits["cpu"]) >= 1000 else 1
    ports = container.setdefault("ports", [{}])
    ports[0].setdefault("name", "http1")
    ports[0].setdefault("containerPort", 8080)
