"""Pure translation between a FunctionSpec and the Cloud Run Admin API v2 Service (proto JSON).

The provider config (what ``translate`` makes and ``live_config`` reads back)::

    facts (``ProviderConfig`` attributes, never diffed): name (the service id), id
    (projects/P/locations/R/services/NAME), url (live only), owned (live only: the service carries
    polycloud's ownership mark), notes (what translate changed on the way, e.g. labels lowercased), and
    ``private``: the live Service JSON as the API returned it.
    service:  the Service fields polycloud manages, camelCase with enum names:
        annotations (only polycloud's ownership mark, ``polycloud.dev/managed-by: polycloud``),
        labels, ingress, invokerIamDisabled (``network.auth: none``),
        template: timeout, maxInstanceRequestConcurrency, scaling{minInstanceCount, maxInstanceCount},
                  serviceAccount, executionEnvironment, vpcAccess,
                  containers[0]: image, resources{limits{cpu, memory}, cpuIdle},
                                 env{NAME: {value} | {valueSource: {secretKeyRef: {secret, version}}}},
                                 ports[{containerPort}]
    allUsersInvoker: True when allUsers holds roles/run.invoker. polycloud never grants it: a public
              service has its invoker IAM check disabled instead, which Google recommends and which works
              under the domain-restricted-sharing organisation policy that refuses ``allUsers``
              (https://cloud.google.com/run/docs/authenticating/public#invoker_check). A binding made
              earlier or by hand is removed; either one makes the service public when read.
    ready:    False when the latest revision failed, so the next deploy retries it

``containers[0]`` and ``env`` are keyed (not lists) so a change names one field, e.g.
``service.template.containers[0].resources.limits.memory``. Values the server would default
are sent explicitly (cpu, max instances, concurrency) and what it returns is normalised
(``1000m`` -> ``1``, ``1Gi`` -> ``1024Mi``), so a redeploy of the same spec diffs empty.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from decimal import ROUND_CEILING
from typing import Any, Literal

from polycloud.adapter import Imported
from polycloud.config import ProviderConfig
from polycloud.limits import ProviderLimits
from polycloud.spec import Concurrency, FunctionSpec, Network, ProviderSettings, SecretRef
from polycloud.units import (
    format_cpu,
    format_mib,
    format_proto_duration,
    memory_from_quantity,
    parse_cpu,
    parse_proto_duration,
)
from polycloud_gcp.settings import GcpSettings

__all__ = ["CONTAINER", "DEFAULT_MAX_INSTANCES", "INVOKER_ROLE", "OWNER", "OWNER_ANNOTATION", "PUBLIC_MEMBER",
           "derived_cpu", "is_polycloud", "live_config", "service_body", "to_spec", "translate"]

CONTAINER = "containers[0]"
"""Config key of the serving container (the API's ``template.containers[0]``)."""
DEFAULT_MAX_INSTANCES = 100
"""Cloud Run's default max instance count: sent when the spec leaves max_instances unset."""
INVOKER_ROLE = "roles/run.invoker"
PUBLIC_MEMBER = "allUsers"
OWNER_ANNOTATION = "polycloud.dev/managed-by"
"""The Service annotation that marks a service polycloud created (labels are the user's tags)."""
OWNER = "polycloud"
"""The value of ``OWNER_ANNOTATION`` on a service of polycloud's."""

_INGRESS = {"public": "INGRESS_TRAFFIC_ALL", "internal": "INGRESS_TRAFFIC_INTERNAL_ONLY",
            "none": "INGRESS_TRAFFIC_NONE"}
_INGRESS_BACK: dict[str, Literal["public", "internal", "none"]] = {
    "INGRESS_TRAFFIC_ALL": "public", "INGRESS_TRAFFIC_INTERNAL_ONLY": "internal", "INGRESS_TRAFFIC_NONE": "none",
    "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER": "internal"}
_GENERATIONS = {"gen1": "EXECUTION_ENVIRONMENT_GEN1", "gen2": "EXECUTION_ENVIRONMENT_GEN2"}
_GENERATIONS_BACK: dict[str, Literal["gen1", "gen2"]] = {
    "EXECUTION_ENVIRONMENT_GEN1": "gen1", "EXECUTION_ENVIRONMENT_GEN2": "gen2"}
_SECRET_VERSION = re.compile(r"(?P<secret>projects/[^/]+/secrets/[^/]+)/versions/(?P<version>[^/]+)")
_DEFAULT_ACCOUNT = re.compile(r"\d+-compute@developer\.gserviceaccount\.com")
_SERVICE_NAME = re.compile(r"projects/(?P<project>[^/]+)/locations/(?P<region>[^/]+)/services/(?P<id>[^/]+)")
_OUTPUT_ONLY = frozenset({
    "uid", "generation", "createTime", "updateTime", "deleteTime", "expireTime", "creator", "lastModifier",
    "observedGeneration", "terminalCondition", "conditions", "latestReadyRevision", "latestCreatedRevision",
    "trafficStatuses", "uri", "urls", "satisfiesPzs", "reconciling", "etag",
})


def is_polycloud(annotations: Mapping[str, Any] | None) -> bool:
    """True when a Service's (or a config's) annotations carry polycloud's ownership mark."""
    return (annotations or {}).get(OWNER_ANNOTATION) == OWNER


def derived_cpu(memory: int, limits: ProviderLimits) -> int:
    """The vCPU sent when the spec leaves cpu unset: the smallest whole-cpu profile holding ``memory`` MiB.

    With polycloud's limits data that is 1 up to 4 GiB and 2 up to 8 GiB (the default profile's
    ceiling); bigger values, only reachable through limit overrides, take 4, 6 or 8.
    """
    wholes = sorted(int(name[4:]) for name in limits.profiles if re.fullmatch(r"cpu-\d+", name))
    fits = []
    for cpu in wholes:
        limit = limits.profile(f"cpu-{cpu}").get("memory")
        if limit is None or limit.max is None or memory <= limit.max:
            fits.append((limit is not None and limit.min is not None and memory < limit.min, cpu))
    return min(fits)[1] if fits else wholes[-1]


def _service_id(name: str, project: str | None, region: str | None) -> str | None:
    return f"projects/{project}/locations/{region}/services/{name}" if project and region else None


def _env(spec: FunctionSpec) -> dict[str, Any]:
    env: dict[str, Any] = {name: {"value": value} for name, value in spec.environment.items()}
    for name, ref in spec.secrets.items():
        match = _SECRET_VERSION.fullmatch(ref.gcp or "")
        if match is not None:  # the rules refuse a missing or malformed reference before this
            env[name] = {"valueSource": {"secretKeyRef": {"secret": match["secret"], "version": match["version"]}}}
    return env


def _vpc_access(spec: FunctionSpec, gcp: GcpSettings) -> dict[str, Any] | None:
    if spec.network.egress != "vpc":
        return None
    access: dict[str, Any] = {"egress": "ALL_TRAFFIC" if gcp.vpc_all_traffic else "PRIVATE_RANGES_ONLY"}
    if gcp.connector:
        access["connector"] = gcp.connector
    else:
        interface = {k: v for k, v in (("network", gcp.network), ("subnetwork", gcp.subnetwork)) if v}
        access["networkInterfaces"] = [interface]
    return access


def _default_max(concurrency: Concurrency) -> int:
    """What an unset max_instances sends: Cloud Run's default, raised to min_instances (min > max is refused)."""
    return max(DEFAULT_MAX_INSTANCES, concurrency.min_instances)


def _account(value: str | None) -> str | None:
    """None for the project's default compute account: Cloud Run fills it in when none is sent."""
    return None if value is None or _DEFAULT_ACCOUNT.fullmatch(value) else value


def translate(spec: FunctionSpec, limits: ProviderLimits, *, project: str | None = None,
              region: str | None = None) -> ProviderConfig[Any]:
    """Spec -> the Cloud Run config polycloud deploys (see the module docstring for its shape)."""
    gcp = spec.providers.gcp or GcpSettings.model_validate({})
    cpu = spec.cpu if spec.cpu is not None else derived_cpu(spec.memory, limits)
    labels = {key.lower(): value.lower() for key, value in spec.tags.items()}
    notes = [f"tag {key}={value} is deployed as the Cloud Run label {key.lower()}={value.lower()} "
             "(labels are lowercase)" for key, value in spec.tags.items()
             if (key, value) != (key.lower(), value.lower())]
    settings = {
        "service": {
            "annotations": {OWNER_ANNOTATION: OWNER},
            "labels": labels,
            "ingress": _INGRESS[spec.network.ingress],
            "invokerIamDisabled": spec.network.auth == "none",
            "template": {
                "timeout": format_proto_duration(spec.timeout),
                "maxInstanceRequestConcurrency": spec.concurrency.per_instance,
                "scaling": {"minInstanceCount": spec.concurrency.min_instances,
                            "maxInstanceCount": spec.concurrency.max_instances or _default_max(spec.concurrency)},
                "serviceAccount": _account(gcp.service_account),
                "executionEnvironment": _GENERATIONS.get(gcp.execution_environment or ""),
                "vpcAccess": _vpc_access(spec, gcp),
                CONTAINER: {
                    "image": spec.image_for("gcp"),
                    "resources": {"limits": {"cpu": format_cpu(cpu), "memory": format_mib(spec.memory)},
                                  "cpuIdle": True},
                    "env": _env(spec),
                    "ports": [{"containerPort": spec.port}],
                },
            },
        },
        "allUsersInvoker": False,
        "ready": True,
    }
    return ProviderConfig(settings, name=spec.name, notes=notes,
                          id=_service_id(spec.name, project or gcp.project, region or gcp.region))


# -- live -> config ---------------------------------------------------------------------------

def _live_memory(text: Any) -> Any:
    try:
        memory = memory_from_quantity(str(text))
    except ValueError:
        return text
    return format_mib(memory.mib) if memory.exact else text


def _live_cpu(text: Any) -> Any:
    try:
        return format_cpu(parse_cpu(str(text)))
    except ValueError:
        return text


def _live_timeout(text: Any) -> Any:
    try:
        return format_proto_duration(parse_proto_duration(str(text)))
    except ValueError:
        return text


def _live_env(entries: list[dict[str, Any]], project: str | None) -> dict[str, Any]:
    env: dict[str, Any] = {}
    for entry in entries:
        ref = (entry.get("valueSource") or {}).get("secretKeyRef")
        if ref is None:
            env[entry.get("name", "")] = {"value": entry.get("value", "")}
            continue
        secret = str(ref.get("secret", ""))
        if "/" not in secret and project:  # same-project short form
            secret = f"projects/{project}/secrets/{secret}"
        env[entry.get("name", "")] = {"valueSource": {"secretKeyRef": {
            "secret": secret, "version": str(ref.get("version") or "latest")}}}
    return env


def _live_vpc(access: dict[str, Any] | None) -> dict[str, Any] | None:
    if not access or not (access.get("connector") or access.get("networkInterfaces")):
        return None
    live: dict[str, Any] = {"egress": access.get("egress") or "PRIVATE_RANGES_ONLY"}
    if access.get("connector"):
        live["connector"] = access["connector"]
    else:
        live["networkInterfaces"] = [{k: i[k] for k in ("network", "subnetwork") if i.get(k)}
                                     for i in access["networkInterfaces"]]
    return live


def _ready(raw: dict[str, Any]) -> bool:
    condition = raw.get("terminalCondition") or {}
    return raw.get("reconciling") is True or condition.get("state") in (None, "CONDITION_SUCCEEDED")


def live_config(raw: dict[str, Any], *, all_users_invoker: bool) -> ProviderConfig[dict[str, Any]]:
    """A Service as the API returns it (proto JSON, enum names) -> the shape ``translate`` makes."""
    named = _SERVICE_NAME.fullmatch(str(raw.get("name", "")))
    project = named["project"] if named else None
    template = raw.get("template") or {}
    container = (template.get("containers") or [{}])[0]
    resources = container.get("resources") or {}
    limits = resources.get("limits") or {}
    scaling = template.get("scaling") or {}
    cpu = _live_cpu(limits.get("cpu", "1"))
    concurrency = template.get("maxInstanceRequestConcurrency") or (1 if str(cpu).startswith("0.") else 80)
    ports = container.get("ports") or [{}]
    settings = {
        "service": {
            # Only the mark: the user's annotations are kept by every update but are not diffed.
            "annotations": {k: v for k, v in (raw.get("annotations") or {}).items() if k == OWNER_ANNOTATION},
            "labels": dict(raw.get("labels") or {}),
            "ingress": raw.get("ingress", "INGRESS_TRAFFIC_ALL"),
            "invokerIamDisabled": bool(raw.get("invokerIamDisabled")),
            "template": {
                "timeout": _live_timeout(template.get("timeout", "300s")),
                "maxInstanceRequestConcurrency": int(concurrency),
                "scaling": {"minInstanceCount": int(scaling.get("minInstanceCount") or 0),
                            "maxInstanceCount": int(scaling.get("maxInstanceCount") or DEFAULT_MAX_INSTANCES)},
                "serviceAccount": _account(template.get("serviceAccount")),
                "executionEnvironment": template.get("executionEnvironment"),
                "vpcAccess": _live_vpc(template.get("vpcAccess")),
                CONTAINER: {
                    "image": container.get("image"),
                    "resources": {"limits": {"cpu": cpu, "memory": _live_memory(limits.get("memory", "512Mi"))},
                                  "cpuIdle": bool(resources.get("cpuIdle", "resources" not in container))},
                    "env": _live_env(container.get("env") or [], project),
                    "ports": [{"containerPort": int(ports[0].get("containerPort") or 8080)}],
                },
            },
        },
        "allUsersInvoker": all_users_invoker,
        "ready": _ready(raw),
    }
    return ProviderConfig(settings, name=str(named["id"] if named else raw.get("name")), id=raw.get("name"),
                          url=raw.get("uri"), owned=is_polycloud(raw.get("annotations")), private=raw)


# -- config -> request body -------------------------------------------------------------------

def _set(holder: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        holder.pop(key, None)
    else:
        holder[key] = copy.deepcopy(value)


def service_body(config: ProviderConfig[Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Service JSON to send: ``config``'s managed fields written over ``base`` (the live service).

    For a create ``base`` is None. For an update it is the live Service, so fields polycloud does
    not manage (probes, volumes, traffic, the user's annotations, sidecars...) are kept; its
    output-only fields and any fixed revision name are dropped. The ownership mark is added to
    the annotations (the only one polycloud writes).
    """
    managed = config["service"]
    body = {k: copy.deepcopy(v) for k, v in (base or {}).items() if k not in _OUTPUT_ONLY}
    annotations = {**(body.get("annotations") or {}), **(managed.get("annotations") or {})}
    if annotations:
        body["annotations"] = annotations
    body["labels"] = dict(managed["labels"])
    body["ingress"] = managed["ingress"]
    body["invokerIamDisabled"] = managed["invokerIamDisabled"]
    want = managed["template"]
    template = body.setdefault("template", {})
    template.pop("revision", None)  # a fixed revision name would clash with the new revision
    for key in ("timeout", "maxInstanceRequestConcurrency", "serviceAccount", "executionEnvironment", "vpcAccess"):
        _set(template, key, want[key])
    template["scaling"] = {**(template.get("scaling") or {}), **want["scaling"]}
    containers = template.setdefault("containers", [{}])
    wanted, container = want[CONTAINER], containers[0]
    container["image"] = wanted["image"]
    resources = container.setdefault("resources", {})
    resources["limits"] = {**(resources.get("limits") or {}), **wanted["resources"]["limits"]}
    resources["cpuIdle"] = wanted["resources"]["cpuIdle"]
    container["env"] = [{"name": name, **copy.deepcopy(value)} for name, value in wanted["env"].items()]
    port = (container.get("ports") or [{}])[0]
    container["ports"] = [{**port, **wanted["ports"][0]}]
    return body


# -- config -> spec ---------------------------------------------------------------------------

def _unmanaged_notes(raw: dict[str, Any]) -> list[str]:
    """What the live service holds that a spec cannot say (kept as is by later deploys)."""
    notes = []
    template = raw.get("template") or {}
    containers = template.get("containers") or []
    if len(containers) > 1:
        notes.append(f"the service runs {len(containers)} containers; only the first (serving) one is exported")
    first = containers[0] if containers else {}
    for key, what in (("command", "container command"), ("args", "container args"),
                      ("volumeMounts", "volume mounts"), ("livenessProbe", "liveness probe"),
                      ("startupProbe", "startup probe")):
        if first.get(key):
            notes.append(f"the {what} is not part of a spec; redeploying keeps it")
    if template.get("volumes"):
        notes.append("volumes are not part of a spec; redeploying keeps them")
    theirs = sorted(k for k in raw.get("annotations") or {} if k != OWNER_ANNOTATION)
    if theirs:
        notes.append(f"annotations ({', '.join(theirs)}) are not part of a spec; redeploying keeps them")
    if raw.get("scaling", {}).get("minInstanceCount") or raw.get("scaling", {}).get("scalingMode") == "MANUAL":
        notes.append("service-level scaling (minimum or manual instances) is not part of a spec")
    return notes


def to_spec(config: ProviderConfig[Any], limits: ProviderLimits, *, project: str | None = None,
            region: str | None = None) -> Imported:
    """A Cloud Run config -> spec, with notes on what did not map exactly."""
    notes: list[str] = []
    named = _SERVICE_NAME.fullmatch(str(config.id or ""))
    project, region = (named["project"], named["region"]) if named else (project, region)
    service = config["service"]
    template = service["template"]
    container = template[CONTAINER]
    limits_now = container["resources"]["limits"]

    memory = memory_from_quantity(str(limits_now["memory"]))
    if memory.note():
        notes.append(str(memory.note()))
    cpu = float(parse_cpu(str(limits_now["cpu"])))
    timeout = parse_proto_duration(str(template["timeout"]))
    seconds = int(timeout.to_integral_value(rounding=ROUND_CEILING))
    if timeout != seconds:
        notes.append(f"timeout {template['timeout']} is not a whole number of seconds; exported as {seconds}s")
    if not container["resources"]["cpuIdle"]:
        notes.append("CPU is always allocated (cpu_idle false); a spec cannot say so and a deploy of it "
                     "sets request-based billing")
    ingress = service["ingress"]
    if ingress == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER":
        notes.append("ingress internal-and-cloud-load-balancing is exported as internal")

    environment: dict[str, str] = {}
    secrets: dict[str, SecretRef] = {}
    for name, entry in container["env"].items():
        ref = (entry.get("valueSource") or {}).get("secretKeyRef")
        if ref is None:
            environment[name] = str(entry.get("value", ""))
        else:
            secrets[name] = SecretRef.model_validate({"gcp": f"{ref['secret']}/versions/{ref['version']}"})

    vpc = template.get("vpcAccess")
    interface = ((vpc or {}).get("networkInterfaces") or [{}])[0]
    gcp = GcpSettings(
        project=project, region=region, service_account=template.get("serviceAccount"),
        network=interface.get("network"), subnetwork=interface.get("subnetwork"),
        connector=(vpc or {}).get("connector"), vpc_all_traffic=(vpc or {}).get("egress") == "ALL_TRAFFIC",
        execution_environment=_GENERATIONS_BACK.get(str(template.get("executionEnvironment"))),
    )
    scaling = template["scaling"]
    low, high = scaling["minInstanceCount"], scaling["maxInstanceCount"]
    spec = FunctionSpec(
        name=config.name,
        image=str(container["image"]),
        image_contract="http",
        port=int(container["ports"][0]["containerPort"]),
        memory=memory.mib,
        timeout=seconds,
        ephemeral_storage=None,
        cpu=None if cpu == derived_cpu(memory.mib, limits) else cpu,
        concurrency=Concurrency(min_instances=low,
                                max_instances=None if high == max(DEFAULT_MAX_INSTANCES, low) else high,
                                per_instance=template["maxInstanceRequestConcurrency"]),
        network=Network(ingress=_INGRESS_BACK.get(ingress, "public"),
                        auth="none" if service["invokerIamDisabled"] or config["allUsersInvoker"] else "iam",
                        egress="vpc" if vpc else "default"),
        environment=environment,
        secrets=secrets,
        tags=dict(service["labels"]),
        providers=ProviderSettings(gcp=gcp),
    )
    if config.get("ready") is False:
        condition = (config.private or {}).get("terminalCondition") or {}
        notes.append(f"the latest revision is not ready: {condition.get('message', 'it failed')}")
    notes += _unmanaged_notes(config.private or {})
    return Imported(spec=spec, notes=notes)
