"""Check requests against the providers' own published API models, offline.

An SDK sends what it is given: botocore checks types and required members but not the lengths, ranges,
patterns and enums its service models publish; azure-mgmt-web's models accept any key; a Cloud Run
``Service`` parses whatever fits its proto. The real services refuse what breaks those models (400
``ValidationException`` / ``InvalidParameterValue`` / ``INVALID_ARGUMENT``), or silently drop what they do
not know. These checkers apply the published models to a request before it is sent:

- ``botocore_violations``: an AWS operation's input shape from botocore's service model (the AWS API
  reference's constraints: ``min``/``max`` on lengths, counts and values, ``pattern``, ``enum``), plus
  botocore's own parameter validation (types, required members);
- ``arm_violations``: an ARM body against an ``azure.mgmt.web.models`` model: unknown properties,
  read-only properties, value types (integers are 32-bit), documented enum values, required properties
  (azure-mgmt-web 11's models, generated from TypeSpec, carry no lengths, ranges or patterns), and
  ``arm_path_violations`` for the subscription and resource group of a request's path (the REST reference's);
- ``cloud_run_violations``: a Cloud Run v2 Service (proto JSON) parsed by ``google.cloud.run_v2.Service``
  and checked by the fake Cloud Run's server rules (``_gcp_rules``).

``RequestRecorder`` captures every request a boto3 client builds (after its arguments are final, before
botocore validates them), so a test can run a real deploy against moto and check what was sent. Each
checker returns a list of violations (empty: the model accepts the request) and imports its SDK lazily.
"""

from __future__ import annotations

import copy
import enum
import json
import re
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any

__all__ = ["CapturedRequest", "RequestRecorder", "arm_path_violations", "arm_violations", "botocore_violations",
           "cloud_run_violations"]


# -- AWS: botocore service models -------------------------------------------------------------------

@cache
def _service_model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


_UNICODE_CLASSES = ("\\p{L}\\p{Z}\\p{N}", "\\w\u0020\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000")
"""AWS tag patterns are Java regular expressions with Unicode classes that Python's ``re`` lacks. Inside one
character class that also holds ``_`` (as in every AWS tag pattern), ``\\p{L}\\p{N}`` plus ``_`` is exactly
Python's Unicode ``\\w``, and ``\\p{Z}`` is the 19 space and separator characters listed."""


@cache
def _pattern(text: str) -> re.Pattern[str]:
    java, python = _UNICODE_CLASSES
    if java in text and "_" in text:
        text = text.replace(java, python)
    if "\\p{" in text:
        raise ValueError(f"the model's pattern {text!r} has a Unicode class polycloud cannot translate")
    return re.compile(text)


def botocore_violations(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    """What botocore's model of ``service`` (``lambda``, ``iam``...) says is wrong with ``params`` for
    ``operation`` (e.g. ``CreateFunction``): botocore's own validation, then every ``min``, ``max``,
    ``pattern`` and ``enum`` of the input shape tree.

    Patterns are matched against the whole value, as the AWS services do ("Member must satisfy regular
    expression pattern"); lengths count characters, as the services do for strings.
    """
    from botocore.exceptions import ParamValidationError
    from botocore.validate import validate_parameters

    shape = _service_model(service).operation_model(operation).input_shape
    found: list[str] = []
    try:
        validate_parameters(params, shape)
    except ParamValidationError as exc:
        found.append(str(exc))
    _check_shape(shape, params, operation, found)
    return found


def _check_shape(shape: Any, value: Any, path: str, found: list[str]) -> None:
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                _check_shape(member, value[name], f"{path}.{name}", found)
        return
    if kind == "list" and isinstance(value, (list, tuple)):
        _bounds(len(value), meta, path, "number of items", found)
        for i, item in enumerate(value):
            _check_shape(shape.member, item, f"{path}[{i}]", found)
        return
    if kind == "map" and isinstance(value, dict):
        _bounds(len(value), meta, path, "number of entries", found)
        for key, item in value.items():
            _check_shape(shape.key, key, f"{path} key {key!r}", found)
            _check_shape(shape.value, item, f"{path}[{key!r}]", found)
        return
    if kind == "string" and isinstance(value, str):
        _bounds(len(value), meta, path, "length", found)
        if "pattern" in meta and not _pattern(meta["pattern"]).fullmatch(value):
            found.append(f"{path}: {value!r} does not match the pattern {meta['pattern']!r} "
                         f"(shape {shape.name})")
        allowed = list(getattr(shape, "enum", None) or [])
        if allowed and value not in allowed:
            found.append(f"{path}: {value!r} is not one of {allowed} (shape {shape.name})")
        return
    if kind in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        _bounds(value, meta, path, "value", found)
    elif kind == "blob" and isinstance(value, (bytes, str)):
        _bounds(len(value), meta, path, "length", found)


def _bounds(size: float, meta: dict[str, Any], path: str, what: str, found: list[str]) -> None:
    if "min" in meta and size < meta["min"]:
        found.append(f"{path}: {what} {size:g} is below the model's min {meta['min']}")
    if "max" in meta and size > meta["max"]:
        found.append(f"{path}: {what} {size:g} is above the model's max {meta['max']}")


@dataclass(frozen=True)
class CapturedRequest:
    """One API request a boto3 client built: its service, operation and final parameters."""

    service: str
    operation: str
    params: dict[str, Any]

    def violations(self) -> list[str]:
        """``botocore_violations`` of this request."""
        return botocore_violations(self.service, self.operation, self.params)


@dataclass
class RequestRecorder:
    """Records every request of the boto3 clients it is attached to (``attach(client)``), as sent.

    It listens to botocore's ``before-parameter-build`` event, which fires after the caller's arguments
    are final and before botocore validates them, so even a request botocore would refuse is recorded.
    """

    requests: list[CapturedRequest] = field(default_factory=list)

    def attach(self, client: Any) -> Any:
        """Record ``client``'s requests from now on; returns the client."""
        service = client.meta.service_model.service_name
        client.meta.events.register("before-parameter-build",
                                    lambda params, model, **_: self._record(service, model.name, params))
        return client

    def _record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        self.requests.append(CapturedRequest(service, operation, copy.deepcopy(params)))

    def operations(self) -> list[str]:
        """The operations recorded, in order."""
        return [r.operation for r in self.requests]

    def violations(self) -> list[str]:
        """Every violation of every recorded request."""
        return [problem for request in self.requests for problem in request.violations()]


# -- Azure: azure-mgmt-web models --------------------------------------------------------------------

def arm_violations(model: str, body: Any) -> list[str]:
    """What ``azure.mgmt.web.models.<model>`` (``Site``, ``SitePatchResource``, ``AppServicePlan``,
    ``StringDictionary``...) says is wrong with the JSON ``body``: a property the model does not have (the
    service ignores it), a read-only property (ignored), a value of the wrong type, a value outside the
    enum's documented values, a missing required property.
    """
    from azure.mgmt.web import models

    found: list[str] = []
    _check_model(getattr(models, model), body, model, found)
    return found


_ARM_PATH = re.compile(r"/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)/.*", re.IGNORECASE)
_RESOURCE_GROUP = re.compile(r"[-\w._()]+[^.]")
_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_RESOURCE_GROUP_MAX = 90


def arm_path_violations(path: str) -> list[str]:
    """What Microsoft.Web's REST API reference says is wrong with a request path's subscription and resource
    group: the subscription is a GUID, the resource group at most 90 characters matching ``^[-\\w\\._\\(\\)]+[^\\.]$``
    (https://learn.microsoft.com/rest/api/appservice/web-apps/create-or-update, URI parameters; the
    TypeSpec-generated azure-mgmt-web 11 no longer checks them). ``path`` is as sent (percent-encoded).
    """
    from urllib.parse import unquote

    match = _ARM_PATH.fullmatch(path)
    if match is None:
        return []
    found = []
    subscription, group = unquote(match["subscription"]), unquote(match["group"])
    if not _GUID.fullmatch(subscription):
        found.append(f"subscriptionId {subscription!r} is not a GUID")
    if len(group) > _RESOURCE_GROUP_MAX or not _RESOURCE_GROUP.fullmatch(group):
        found.append(f"resourceGroupName {group!r} is not at most {_RESOURCE_GROUP_MAX} characters matching "
                     f"^[-\\w\\._\\(\\)]+[^\\.]$")
    return found


_INT32 = (-(2**31), 2**31 - 1)
"""Microsoft.Web's integers are 32-bit (``format: int32`` in its REST API specification; ``int?`` in the .NET
SDK, e.g. https://learn.microsoft.com/dotnet/api/azure.resourcemanager.appservice.siteconfigdata.minimumelasticinstancecount);
the Python models only say ``int``."""


@cache
def _model_fields(cls: type) -> dict[str, tuple[Any, bool]]:
    """REST name -> (type, read-only) of a model's properties."""
    from azure.mgmt.web import models

    cls()  # the generated base computes its REST field table on first use
    hints = typing.get_type_hints(cls, globalns={**vars(models), "_models": models})
    table = getattr(cls, "_attr_to_rest_field")  # noqa: B009 (the generated models' field table)
    return {rf._rest_name: (hints.get(attr, Any), list(rf._visibility or []) == ["read"])
            for attr, rf in table.items()}


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and hasattr(kind, "_is_model")


def _check_model(cls: type, body: Any, path: str, found: list[str]) -> None:
    if not isinstance(body, dict):
        found.append(f"{path}: expected an object ({cls.__name__}), got {type(body).__name__}")
        return
    fields = _model_fields(cls)
    for key, value in body.items():
        if key not in fields:
            found.append(f"{path}.{key}: {cls.__name__} has no property {key!r}; the service ignores it")
            continue
        kind, readonly = fields[key]
        if readonly:
            found.append(f"{path}.{key}: read-only in {cls.__name__}; the service ignores it")
        _check_value(kind, value, f"{path}.{key}", found)
    for key, (kind, readonly) in fields.items():
        if not readonly and not _optional(kind) and key not in body:
            found.append(f"{path}.{key}: required by {cls.__name__} but missing")


def _optional(kind: Any) -> bool:
    return type(None) in typing.get_args(kind)


def _check_value(kind: Any, value: Any, path: str, found: list[str]) -> None:
    if value is None:
        if not _optional(kind):
            found.append(f"{path}: null where a value is required")
        return
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        enums = [a for a in options if isinstance(a, type) and issubclass(a, enum.Enum)]
        if enums:
            allowed = [m.value for e in enums for m in e]
            if value not in allowed:
                found.append(f"{path}: {value!r} is not one of the documented values {allowed}")
            return
        if len(options) == 1:
            _check_value(options[0], value, path, found)
        return
    if origin is list:
        if not isinstance(value, list):
            found.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _check_value(args[0], item, f"{path}[{i}]", found)
        return
    if origin is dict:
        if not isinstance(value, dict):
            found.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        for key, item in value.items():
            _check_value(args[1], item, f"{path}[{key!r}]", found)
        return
    if _is_model(kind):
        _check_model(kind, value, path, found)
        return
    expected = {str: (str,), int: (int,), float: (int, float), bool: (bool,)}.get(kind)
    wrong_bool = kind in (int, float) and isinstance(value, bool)
    if expected is not None and (not isinstance(value, expected) or wrong_bool):
        found.append(f"{path}: expected {kind.__name__}, got {type(value).__name__} {value!r}")
    elif kind is int and not _INT32[0] <= value <= _INT32[1]:
        found.append(f"{path}: {value} is outside the 32-bit integer the service reads")


# -- Google Cloud Run: the v2 protos and the server rules ---------------------------------------------

def cloud_run_violations(service: dict[str, Any], service_id: str | None = None) -> list[str]:
    """What Cloud Run says is wrong with a v2 ``Service`` (proto JSON) and, when given, its service id:
    ``google.cloud.run_v2.Service.from_json`` must parse it (field names, types, int32 ranges, enum
    names), then the server rules the fake Cloud Run enforces (``_gcp_rules``) must accept it.
    """
    from google.cloud import run_v2

    from polycloud.testing import _gcp_rules

    found: list[str] = []
    try:
        run_v2.Service.from_json(json.dumps(service))
    except Exception as exc:  # the proto runtime raises ParseError, or ValueError/TypeError on a value
        found.append(f"service: run_v2.Service cannot parse it: {type(exc).__name__}: {exc}")
    try:
        if service_id is not None:
            _gcp_rules.validate_service_id(service_id)
        normalised = copy.deepcopy(service)
        _gcp_rules.normalise_enums(normalised)
        _gcp_rules.validate_service(normalised)
    except _gcp_rules.RuleViolation as exc:
        found.append(f"{exc.field}: {exc.description}")
    return found
