"""moto (5.x) Lambda, taught the real service's rules where polycloud's tests depend on them.

Installed by ``polycloud.testing.aws.extend_moto()``; in-process and in ``ThreadedMotoServer`` alike.

- Provisioned concurrency (Put/Get/Delete/List ProvisionedConcurrencyConfig), which moto lacks: an
  alias or version qualifier, never $LATEST; never above the reserved concurrency.
- PutFunctionConcurrency refuses reserved concurrency below the function's provisioned concurrency.
- RevisionId: a new one (and LastModified) with every configuration or code update, and a stale one refused
  with 412 PreconditionFailedException (``_moto_revision``).
- UpdateFunctionConfiguration stores EphemeralStorage and UpdateFunctionCode stores Architectures
  (moto ignores both).
- Function URLs per qualifier (moto keeps one per function and ignores Qualifier); a second
  CreateFunctionUrlConfig on the same qualifier is a ResourceConflictException, as on AWS.
- AddPermission with a statement id already in the policy is a ResourceConflictException, as on AWS.
- The account's concurrency quota: GetAccountSettings, and PutFunctionConcurrency refusing to leave less
  than the minimum unreserved (``_moto_account``).
- CreateFunction and UpdateFunctionCode refuse an ImageUri with both a tag and a digest (``_moto_image``).
- ListFunctions answers pages of at most 50 functions with a ``NextMarker`` (``_moto_listing``).
- A new IAM role is not usable by Lambda at once, for as long as ``MotoBehaviour`` says
  (``_moto_propagation``).
- IAM knows the AWS managed policy AWSLambdaVPCAccessExecutionRole (moto loads AWS managed policies
  only when asked, which costs about 1.7 s per mock), copied from moto's own snapshot of them.

State lives on moto's function object, so it goes away with the function. Error messages follow the
real service's where known (URL and statement conflicts); the reserved-below-provisioned message is
polycloud's wording.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

__all__ = ["MANAGED_POLICIES", "PROVISIONED_PATH", "install"]

MANAGED_POLICIES = ("AWSLambdaVPCAccessExecutionRole",)

Response = tuple[int, dict[str, str], str]
Handler = Callable[..., Any]

PROVISIONED_PATH = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"


def install() -> None:
    """Patch moto's Lambda responses and models (call once)."""
    from moto.awslambda import urls
    from moto.awslambda.models import LambdaFunction
    from moto.awslambda.responses import LambdaResponse
    from moto.iam.models import IAMBackend

    from polycloud.testing import _moto_account, _moto_image, _moto_listing, _moto_propagation, _moto_revision

    urls.url_paths[PROVISIONED_PATH] = LambdaResponse.dispatch
    urls.url_paths[_moto_account.ACCOUNT_SETTINGS_PATH] = LambdaResponse.dispatch
    patches: dict[str, Handler] = {
        "put_provisioned_concurrency_config": _put_provisioned,
        "get_provisioned_concurrency_config": _get_provisioned,
        "delete_provisioned_concurrency_config": _delete_provisioned,
        "list_provisioned_concurrency_configs": _list_provisioned,
        "put_function_concurrency": _moto_account.within_quota(
            _reserved_not_below_provisioned(LambdaResponse.put_function_concurrency)),
        "get_account_settings": _moto_account.get_account_settings,
        "create_function": _moto_image.refusing_tag_and_digest(
            _moto_propagation.refusing_new_roles(LambdaResponse.create_function)),
        "update_function_configuration": _moto_revision.checking_revision(_moto_propagation.refusing_new_roles(
            LambdaResponse.update_function_configuration)),
        "update_function_code": _moto_image.refusing_tag_and_digest(
            _moto_revision.checking_revision(LambdaResponse.update_function_code)),
        "publish_version": _moto_revision.checking_revision(LambdaResponse.publish_version),
        "add_permission": _unique_statement_ids(LambdaResponse.add_permission),
        "create_function_url_config": _create_url,
        "get_function_url_config": _get_url,
        "update_function_url_config": _update_url,
        "delete_function_url_config": _delete_url,
        "list_functions": _moto_listing.paged_list_functions(LambdaResponse.list_functions),
    }
    model_patches: list[tuple[type, str, Callable[[Handler], Handler]]] = [
        (LambdaFunction, "get_configuration", _moto_revision.with_revision),
        (LambdaFunction, "update_configuration", lambda original: _moto_revision.new_revision(
            _storing_ephemeral_storage(original))),
        (LambdaFunction, "update_function_code", lambda original: _moto_revision.new_revision(
            _storing_architectures(original))),
        (IAMBackend, "_init_aws_policies", _with_lambda_policies),
        (IAMBackend, "create_role", _moto_propagation.recording_creation),
    ]
    for attribute, handler in patches.items():
        setattr(LambdaResponse, attribute, handler)
    for cls, attribute, wrap in model_patches:
        setattr(cls, attribute, wrap(getattr(cls, attribute)))


# -- helpers ----------------------------------------------------------------------------------------
def _error(status: int, code: str, message: str) -> Response:
    return status, {"x-amzn-errortype": code, "status": str(status)}, json.dumps({"Type": "User",
                                                                                   "message": message})


def _function(response: Any) -> tuple[Any, Response | None]:
    """moto's $LATEST function object for the request path, or an error response."""
    name = unquote(response.path.split("?")[0].rstrip("/").split("/")[-2])
    name = name.rsplit(":function:", 1)[-1].split(":")[0]
    try:
        return response.backend.get_function(name), None
    except Exception:
        return None, _error(404, "ResourceNotFoundException", f"Function not found: {name}")


def _qualifier(response: Any) -> str | None:
    value = response.querystring.get("Qualifier", [None])[0]
    return str(value) if value else None


def _state(function: Any, key: str) -> dict[str, Any]:
    attribute = f"polycloud_{key}"
    if not hasattr(function, attribute):
        setattr(function, attribute, {})
    store: dict[str, Any] = getattr(function, attribute)
    return store


def _arn(function: Any, qualifier: str | None) -> str:
    unqualified = re.sub(r":\$LATEST$|:\d+$", "", function.function_arn)
    return f"{unqualified}:{qualifier}" if qualifier else unqualified


def _aliases(response: Any, function: Any) -> set[str]:
    return {alias.name for alias in response.backend.list_aliases(function.function_name)}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


# -- provisioned concurrency -----------------------------------------------------------------------------
def _qualifier_error(response: Any, function: Any, qualifier: str | None) -> Response | None:
    if not qualifier or qualifier == "$LATEST":
        return _error(400, "InvalidParameterValueException",
                      "Provisioned concurrency requires a published version or alias; $LATEST is not allowed")
    name = function.function_name
    versions = {str(v.version) for v in response.backend.list_versions_by_function(name)}
    if qualifier not in _aliases(response, function) and qualifier not in versions:
        return _error(404, "ResourceNotFoundException", f"Qualifier {qualifier} not found for function {name}")
    return None


def _provisioned_body(function: Any, qualifier: str, count: int) -> dict[str, Any]:
    return {"FunctionArn": _arn(function, qualifier), "RequestedProvisionedConcurrentExecutions": count,
            "AvailableProvisionedConcurrentExecutions": count, "AllocatedProvisionedConcurrentExecutions": count,
            "Status": "READY", "LastModified": "2026-01-01T00:00:00.000+0000"}


def _put_provisioned(self: Any) -> Response:
    function, problem = _function(self)
    qualifier = _qualifier(self)
    problem = problem or _qualifier_error(self, function, qualifier)
    if problem:
        return problem
    count = int(json.loads(self.body or "{}").get("ProvisionedConcurrentExecutions", 0))
    reserved = function.reserved_concurrency
    if count < 1:
        return _error(400, "InvalidParameterValueException", "ProvisionedConcurrentExecutions must be >= 1")
    if reserved is not None and count > int(reserved):
        return _error(400, "InvalidParameterValueException",
                      f"Provisioned concurrency {count} exceeds the reserved concurrency {reserved}")
    _state(function, "provisioned")[str(qualifier)] = count
    body = _provisioned_body(function, str(qualifier), count)
    return 202, {}, json.dumps({k: v for k, v in body.items() if k != "FunctionArn"} | {"Status": "IN_PROGRESS"})


def _get_provisioned(self: Any) -> Response:
    function, problem = _function(self)
    if problem:
        return problem
    qualifier = str(_qualifier(self))
    count = _state(function, "provisioned").get(qualifier)
    if count is None:
        return _error(404, "ProvisionedConcurrencyConfigNotFoundException",
                      f"No Provisioned Concurrency Config found for this function ({qualifier})")
    body = _provisioned_body(function, qualifier, count)
    return 200, {}, json.dumps({k: v for k, v in body.items() if k != "FunctionArn"})


def _delete_provisioned(self: Any) -> Response:
    function, problem = _function(self)
    if problem:
        return problem
    qualifier = str(_qualifier(self))
    if _state(function, "provisioned").pop(qualifier, None) is None:
        return _error(404, "ProvisionedConcurrencyConfigNotFoundException",
                      f"No Provisioned Concurrency Config found for this function ({qualifier})")
    return 204, {}, ""


def _list_provisioned(self: Any) -> Response:
    function, problem = _function(self)
    if problem:
        return problem
    items = [_provisioned_body(function, q, c) for q, c in sorted(_state(function, "provisioned").items())]
    return 200, {}, json.dumps({"ProvisionedConcurrencyConfigs": items})


def _reserved_not_below_provisioned(original: Handler) -> Handler:
    def put_function_concurrency(self: Any) -> Any:
        function, problem = _function(self)
        if problem:
            return problem
        reserved = json.loads(self.body or "{}").get("ReservedConcurrentExecutions")
        provisioned = sum(_state(function, "provisioned").values())
        if reserved is not None and int(reserved) < provisioned:
            return _error(400, "InvalidParameterValueException",
                          f"ReservedConcurrentExecutions {reserved} is below the provisioned concurrency "
                          f"{provisioned} of function {function.function_name}; lower it first")
        return original(self)

    return put_function_concurrency


# -- configuration updates moto ignores -------------------------------------------------------------------
def _storing_ephemeral_storage(original: Handler) -> Handler:
    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = original(self, config_updates)
        size = (config_updates.get("EphemeralStorage") or {}).get("Size")
        if size is not None:
            self.ephemeral_storage = int(size)
            result = self.get_configuration()
        return result

    return update_configuration


def _storing_architectures(original: Handler) -> Handler:
    def update_function_code(self: Any, updated_spec: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = original(self, updated_spec)
        if updated_spec.get("Architectures"):
            self.architectures = list(updated_spec["Architectures"])
            result = self.get_configuration()
        return result

    return update_function_code


def _with_lambda_policies(original: Handler) -> Handler:
    def _init_aws_policies(self: Any) -> Any:
        policies = original(self)
        if policies:  # moto loaded them all
            return policies
        from moto.iam.aws_managed_policies import aws_managed_policies_data
        from moto.iam.models import AWSManagedPolicy

        loaded = []
        for name in MANAGED_POLICIES:
            key = json.dumps(name) + ":"
            start = aws_managed_policies_data.index(key) + len(key)
            while aws_managed_policies_data[start].isspace():
                start += 1
            data, _ = json.JSONDecoder().raw_decode(aws_managed_policies_data, start)
            loaded.append(AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data))
        return loaded

    return _init_aws_policies


# -- permissions --------------------------------------------------------------------------------------
def _unique_statement_ids(original: Handler) -> Handler:
    def add_permission(self: Any) -> Any:
        function, problem = _function(self)
        if problem:
            return problem
        sid = json.loads(self.body or "{}").get("StatementId")
        try:
            wire = json.loads(self.backend.get_policy(function.function_name, _qualifier(self)))
            policy = json.loads(wire["Policy"]) if isinstance(wire.get("Policy"), str) else wire
        except Exception:
            policy = {}
        if any(s.get("Sid") == sid for s in policy.get("Statement", [])):
            return _error(409, "ResourceConflictException",
                          f"The statement id ({sid}) provided already exists. Please provide a new statement id, "
                          "or remove the existing statement.")
        return original(self)

    return add_permission


# -- function URLs per qualifier ----------------------------------------------------------------------------
def _url_target(self: Any) -> tuple[Any, str | None, Response | None]:
    function, problem = _function(self)
    qualifier = _qualifier(self)
    if problem is None and qualifier and qualifier not in _aliases(self, function):
        problem = _error(404, "ResourceNotFoundException", f"Alias not found: {_arn(function, qualifier)}")
    return function, qualifier, problem


def _url_missing(function: Any, qualifier: str | None) -> Response:
    return _error(404, "ResourceNotFoundException",
                  f"The resource you requested does not exist. ({_arn(function, qualifier)})")


def _create_url(self: Any) -> Response:
    function, qualifier, problem = _url_target(self)
    if problem:
        return problem
    urls = _state(function, "urls")
    arn = _arn(function, qualifier)
    if (qualifier or "$LATEST") in urls:
        return _error(409, "ResourceConflictException", f"Failed to create function url config for "
                      f"[functionArn = {arn}]. Error message:  FunctionUrlConfig exists for this Lambda function")
    body = json.loads(self.body or "{}")
    config = {"FunctionUrl": f"https://{uuid.uuid4().hex}.lambda-url.{function.region}.on.aws/",
              "FunctionArn": arn, "AuthType": body.get("AuthType"), "InvokeMode": body.get("InvokeMode") or "BUFFERED",
              "CreationTime": _now(), "LastModifiedTime": _now()}
    if body.get("Cors"):
        config["Cors"] = body["Cors"]
    urls[qualifier or "$LATEST"] = config
    return 201, {}, json.dumps({k: v for k, v in config.items() if k != "LastModifiedTime"})


def _get_url(self: Any) -> Response:
    function, qualifier, problem = _url_target(self)
    if problem:
        return problem
    config = _state(function, "urls").get(qualifier or "$LATEST")
    return (200, {}, json.dumps(config)) if config else _url_missing(function, qualifier)


def _update_url(self: Any) -> Response:
    function, qualifier, problem = _url_target(self)
    if problem:
        return problem
    config = _state(function, "urls").get(qualifier or "$LATEST")
    if config is None:
        return _url_missing(function, qualifier)
    body = json.loads(self.body or "{}")
    config.update({k: body[k] for k in ("AuthType", "Cors", "InvokeMode") if body.get(k)})
    config["LastModifiedTime"] = _now()
    return 200, {}, json.dumps(config)


def _delete_url(self: Any) -> Response:
    function, qualifier, problem = _url_target(self)
    if problem:
        return problem
    if _state(function, "urls").pop(qualifier or "$LATEST", None) is None:
        return _url_missing(function, qualifier)
    return 204, {}, ""
