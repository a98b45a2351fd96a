"""What moto cannot show: Lambda's InProgress update status and its 'update in progress' conflict.

A real boto3 Lambda client with ``botocore.stub.Stubber`` answers every call in turn, so the waiters
and the retry of transient conflicts run exactly as against AWS (nothing of polycloud is mocked).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from polycloud import ConflictError, FunctionSpec, ProviderError, deploy
from polycloud.retry import RetryPolicy
from polycloud_aws import LambdaAdapter
from polycloud_aws.translate import publish_stamp, translate

from .conftest import IMAGE, REGION

ARN = f"arn:aws:lambda:{REGION}:123456789012:function:orders"
ROLE = "arn:aws:iam::123456789012:role/app"
IN_PROGRESS = f"The operation cannot be performed at this time. An update is in progress for resource: {ARN}"


def _spec(memory: int) -> FunctionSpec:
    return FunctionSpec.model_validate({
        "name": "orders", "image": IMAGE, "memory": memory, "network": {"ingress": "internal"},
        "providers": {"aws": {"region": REGION, "role": ROLE}}})


def _function(memory: int, status: str = "Successful") -> dict[str, Any]:
    return {"FunctionName": "orders", "FunctionArn": ARN, "Description": "managed-by: polycloud", "Role": ROLE,
            "MemorySize": memory, "Timeout": 30,
            "EphemeralStorage": {"Size": 512}, "Environment": {"Variables": {"AWS_LWA_PORT": "8080"}},
            "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": []}, "Architectures": ["x86_64"],
            "PackageType": "Image", "State": "Active", "LastUpdateStatus": status}


def _get_function(memory: int, status: str = "Successful") -> dict[str, Any]:
    return {"Configuration": _function(memory, status), "Code": {"RepositoryType": "ECR", "ImageUri": IMAGE},
            "Tags": {}}


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Any]]:
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("lambda", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _reads(stubber: Any, memory: int) -> None:
    """What read() asks of a function deployed with ``memory``, no URL and alias live current."""
    stubber.add_response("get_function", _get_function(memory), {"FunctionName": "orders"})
    stamp = publish_stamp(translate(_spec(memory)))
    stubber.add_response("list_aliases", {"Aliases": [{"Name": "live", "FunctionVersion": "1", "Description": stamp,
                                                      "AliasArn": f"{ARN}:live"}]})
    stubber.add_response("list_provisioned_concurrency_configs", {"ProvisionedConcurrencyConfigs": []})
    for _ in range(2):  # on the alias, then on the function itself
        stubber.add_client_error("get_function_url_config", "ResourceNotFoundException", "not found", 404)


def _publish(stubber: Any, memory: int) -> None:
    stubber.add_response("publish_version", _function(memory) | {"Version": "2"},
                         {"FunctionName": "orders", "Description": publish_stamp(translate(_spec(memory)))})
    stubber.add_response("update_alias", {"Name": "live", "FunctionVersion": "2"}, {
        "FunctionName": "orders", "Name": "live", "FunctionVersion": "2",
        "Description": publish_stamp(translate(_spec(memory)))})


def _adapter(client: Any) -> LambdaAdapter:
    return LambdaAdapter(client=client, region=REGION, retry=RetryPolicy.no_wait(), waiter_delay=0)


def test_update_waits_while_lambda_reports_in_progress(stubbed: tuple[Any, Any]) -> None:
    client, stubber = stubbed
    _reads(stubber, 512)
    stubber.add_response("update_function_configuration", _function(1024, "InProgress"))
    stubber.add_response("get_function", _get_function(1024, "InProgress"))  # function_updated_v2 polls...
    stubber.add_response("get_function", _get_function(1024, "InProgress"))
    stubber.add_response("get_function", _get_function(1024, "Successful"))  # ...until Successful
    _publish(stubber, 1024)  # only then is a version published
    result = deploy(_spec(1024), _adapter(client))
    assert (result.action, [c.path for c in result.changes]) == ("updated", ["function.MemorySize"])


def test_update_in_progress_conflict_is_retried_then_succeeds(stubbed: tuple[Any, Any]) -> None:
    client, stubber = stubbed
    _reads(stubber, 512)
    stubber.add_client_error("update_function_configuration", "ResourceConflictException", IN_PROGRESS, 409)
    stubber.add_response("update_function_configuration", _function(1024, "InProgress"),
                         {"FunctionName": "orders", "Description": "managed-by: polycloud", "Role": ROLE,
                          "MemorySize": 1024, "Timeout": 30,
                          "EphemeralStorage": {"Size": 512}, "Environment": {"Variables": {"AWS_LWA_PORT": "8080"}},
                          "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": []}})
    stubber.add_response("get_function", _get_function(1024, "Successful"))
    _publish(stubber, 1024)
    assert deploy(_spec(1024), _adapter(client)).action == "updated"


def test_failed_update_stops_the_waiter_with_lambdas_reason(stubbed: tuple[Any, Any]) -> None:
    client, stubber = stubbed
    _reads(stubber, 512)
    stubber.add_response("update_function_configuration", _function(1024, "InProgress"))
    failed = _get_function(1024, "Failed")
    failed["Configuration"]["LastUpdateStatusReason"] = "The image manifest could not be read"
    stubber.add_response("get_function", failed)
    with pytest.raises(ProviderError) as caught:
        deploy(_spec(1024), _adapter(client))
    assert (caught.value.operation, caught.value.transient) == ("function_updated_v2", False)
    assert "The image manifest could not be read" in str(caught.value)
    assert caught.value.changed == ["updated configuration"]


@pytest.mark.parametrize("message", [
    "Function already exist: orders",
    "The statement id (polycloud-url-public) provided already exists. Please provide a new statement id, or "
    "remove the existing statement.",
    f"Failed to create function url config for [functionArn = {ARN}]. Error message:  FunctionUrlConfig exists "
    "for this Lambda function",
])
def test_conflicts_that_waiting_cannot_fix_are_not_retried(stubbed: tuple[Any, Any], message: str) -> None:
    client, stubber = stubbed
    stubber.add_client_error("publish_version", "ResourceConflictException", message, 409)
    with pytest.raises(ConflictError) as caught:
        _adapter(client).call("PublishVersion", lambda: client.publish_version(FunctionName="orders"))
    assert (caught.value.transient, caught.value.status) == (False, 409)


@pytest.mark.parametrize("message", [
    IN_PROGRESS, "The operation cannot be performed at this time. The function is currently in the following "
    "state: Pending"])
def test_busy_conflicts_are_retried(stubbed: tuple[Any, Any], message: str) -> None:
    client, stubber = stubbed
    stubber.add_client_error("publish_version", "ResourceConflictException", message, 409)
    stubber.add_response("publish_version", _function(512) | {"Version": "3"})
    adapter = _adapter(client)
    assert adapter.call("PublishVersion", lambda: client.publish_version(FunctionName="orders"))["Version"] == "3"
