"""Deploys that meet something unexpected: a Zip function of the same name, lost answers, a half-made
public URL or role, a function in a VPC. All against moto (extended), through the public API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from polycloud import OwnershipError, ProviderError, RefusedError, deploy, export, plan
from polycloud_aws import LambdaAdapter

from .conftest import IMAGE, REGION, make_spec

PUBLIC = {"polycloud-url-public", "polycloud-url-public-invoke"}
VPC = {"network": {"egress": "vpc"},
       "providers": {"aws": {"region": REGION, "subnet_ids": ["subnet-a"], "security_group_ids": ["sg-a"]}}}


def _zip_function(aws: dict[str, Any]) -> None:
    role = aws["iam_client"].create_role(RoleName="zip-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    aws["client"].create_function(FunctionName="orders", Runtime="python3.12", Handler="app.handler", Role=role,
                                  Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
                                  Environment={"Variables": {"KEEP": "me"}})
    aws["faults"].calls.clear()
    aws["iam_faults"].calls.clear()


def _statements(lam: Any) -> set[str]:
    policy = json.loads(lam.get_policy(FunctionName="orders", Qualifier="live")["Policy"])
    return {s["Sid"] for s in policy["Statement"]}


# -- F3: never take over a Zip function -------------------------------------------------------------
def test_zip_function_of_the_same_name_is_refused_before_any_write(aws: dict[str, Any],
                                                                  adapter_settings: dict[str, Any]) -> None:
    _zip_function(aws)
    with pytest.raises(RefusedError) as caught:
        deploy(make_spec(), "aws", settings=adapter_settings)
    assert not isinstance(caught.value, OwnershipError)
    assert "Zip package" in str(caught.value) and "cannot convert" in str(caught.value)
    assert caught.value.changed == []
    assert aws["faults"].writes == [] and aws["iam_faults"].writes == []
    conf = aws["client"].get_function_configuration(FunctionName="orders")
    assert (conf["PackageType"], conf["Environment"]["Variables"]) == ("Zip", {"KEEP": "me"})
    with pytest.raises(RefusedError):
        plan(make_spec(), "aws", settings=adapter_settings)


def test_export_of_a_zip_function_is_a_clear_refusal(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    _zip_function(aws)
    with pytest.raises(RefusedError) as caught:
        export("orders", "aws", settings=adapter_settings)
    assert "Zip package: not exportable as a container spec" in str(caught.value)
    assert (caught.value.operation, caught.value.code) == ("GetFunction", "PackageTypeMismatch")
    assert aws["faults"].calls == ["GetFunction"]  # refused on what GetFunction answered; nothing failed


# -- an image function polycloud did not create is adopted only when asked ---------------------------------
def _image_function(aws: dict[str, Any], **extra: Any) -> None:
    role = aws["iam_client"].create_role(RoleName="own-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    aws["client"].create_function(FunctionName="orders", PackageType="Image", Code={"ImageUri": IMAGE}, Role=role,
                                  Description="hand-made", **extra)
    aws["faults"].calls.clear()
    aws["iam_faults"].calls.clear()


def test_image_function_polycloud_did_not_create_is_refused_unless_adopted(
        aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    _image_function(aws)
    the_plan = plan(make_spec(), "aws", settings=adapter_settings)
    assert ("function.Description", "hand-made", "managed-by: polycloud") in [
        (c.path, c.old, c.new) for c in the_plan.changes]
    with pytest.raises(OwnershipError) as caught:
        deploy(make_spec(), "aws", settings=adapter_settings)
    assert "polycloud did not create it" in str(caught.value) and "adopt=True" in str(caught.value)
    assert "'managed-by: polycloud'" in str(caught.value) and caught.value.changed == []
    assert aws["faults"].writes == [] and aws["iam_faults"].writes == []
    result = deploy(make_spec(), "aws", settings={"adopt": True, **adapter_settings})
    assert result.action == "updated"
    assert any(note.startswith("adopted function orders") for note in result.notes)
    assert aws["client"].get_function_configuration(FunctionName="orders")["Description"] == "managed-by: polycloud"
    assert deploy(make_spec(), "aws", settings=adapter_settings).action == "unchanged"


def test_read_says_whether_polycloud_created_the_function(aws: dict[str, Any],
                                                          adapter_settings: dict[str, Any]) -> None:
    adapter = LambdaAdapter(**adapter_settings)
    _image_function(aws)
    live = adapter.read("orders")
    assert live is not None and live.owned is False
    planned = plan(make_spec(), adapter)
    assert {c.path.split(".")[0] for c in planned.changes} <= set(planned.desired)  # facts are never changes
    assert any("polycloud did not create it" in note for note in planned.notes)
    deploy(make_spec(name="fresh"), adapter)
    created = adapter.read("fresh")
    assert created is not None and created.owned is True
    assert not any("did not create" in note for note in plan(make_spec(name="fresh"), adapter).notes)


def test_a_function_made_by_hand_while_creating_is_not_taken_over(aws: dict[str, Any],
                                                                  adapter_settings: dict[str, Any]) -> None:
    adapter = LambdaAdapter(**adapter_settings)
    the_plan = plan(make_spec(), adapter)
    _image_function(aws)
    with pytest.raises(OwnershipError) as caught:
        adapter.apply(the_plan)
    assert "polycloud did not create it" in str(caught.value)
    assert aws["faults"].writes == ["CreateFunction"]
    assert aws["client"].get_function_configuration(FunctionName="orders")["Description"] == "hand-made"


# -- F4: a create whose answer is lost, and other conflicts -------------------------------------------
@pytest.mark.parametrize("loss", [{"status": 500}, {"drop": True}], ids=["500", "dropped"])
def test_create_whose_answer_is_lost_converges_to_one_function(aws: dict[str, Any], adapter_settings: dict[str, Any],
                                                              loss: dict[str, Any]) -> None:
    expected = plan(make_spec(), "aws", settings=adapter_settings).changes
    faults = aws["faults"]
    faults.inject(1, lost=True, operation="CreateFunction", **loss)
    result = deploy(make_spec(), "aws", settings=adapter_settings)
    assert (result.action, result.changes) == ("created", expected)
    assert faults.calls.count("CreateFunction") == 2  # created, answer lost; retried: "already exist"
    assert [f["FunctionName"] for f in aws["client"].list_functions()["Functions"]] == ["orders"]
    assert result.resource_id == aws["client"].get_function_configuration(FunctionName="orders")["FunctionArn"]
    assert deploy(make_spec(), "aws", settings=adapter_settings).action == "unchanged"


def test_lost_create_then_a_failure_reports_the_create_as_changed(aws: dict[str, Any],
                                                                  adapter_settings: dict[str, Any]) -> None:
    aws["faults"].inject(1, lost=True, operation="CreateFunction")
    aws["faults"].inject(1, status=400, operation="PutFunctionConcurrency")
    with pytest.raises(ProviderError) as caught:
        deploy(make_spec(), "aws", settings=adapter_settings)
    assert caught.value.changed == [
        "created role polycloud-lambda-logs", "set the CloudWatch Logs policy of role polycloud-lambda-logs",
        "created function orders", "published version 1",
        "pointed alias live at version 1"]
    assert deploy(make_spec(), "aws", settings=adapter_settings).action == "updated"


def test_function_created_by_someone_else_meanwhile_is_updated_not_duplicated(
        aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    adapter = LambdaAdapter(**adapter_settings)
    the_plan = plan(make_spec(), adapter)  # nothing there yet
    deploy(make_spec(memory="2GiB", tags={}), "aws", settings=adapter_settings)  # the other deploy
    result = adapter.apply(the_plan)
    assert result.action == "updated"
    assert [c.path for c in result.changes] == ["function.MemorySize", "tags.team"]
    assert any("created by another deploy" in note for note in result.notes)
    assert aws["client"].get_function_configuration(FunctionName="orders")["MemorySize"] == 1536
    assert deploy(make_spec(), adapter).action == "unchanged"


def test_lost_answers_of_url_alias_and_permission_creates_are_verified(aws: dict[str, Any],
                                                                       adapter_settings: dict[str, Any]) -> None:
    faults = aws["faults"]
    for operation in ("CreateAlias", "CreateFunctionUrlConfig", "AddPermission"):
        faults.inject(1, lost=True, operation=operation)
    result = deploy(make_spec(network={"auth": "none"}), "aws", settings=adapter_settings)
    lam = aws["client"]
    assert result.url == lam.get_function_url_config(FunctionName="orders", Qualifier="live")["FunctionUrl"]
    assert [faults.calls.count(op) for op in ("CreateAlias", "UpdateAlias", "CreateFunctionUrlConfig")] == [2, 1, 2]
    assert _statements(lam) == PUBLIC
    assert deploy(make_spec(network={"auth": "none"}), "aws", settings=adapter_settings).action == "unchanged"


def test_a_statement_conflict_not_found_on_reading_back_is_raised(aws: dict[str, Any],
                                                                  adapter_settings: dict[str, Any]) -> None:
    aws["faults"].inject(1, status=409, operation="AddPermission")  # 409 that is no duplicate id
    with pytest.raises(ProviderError) as caught:
        deploy(make_spec(network={"auth": "none"}), "aws", settings=adapter_settings)
    assert caught.value.operation == "AddPermission"
    assert aws["faults"].calls.count("AddPermission") == 1  # a conflict is not retried


# -- F5: a public URL needs both statements ----------------------------------------------------------------
def test_missing_public_statement_is_added_back(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    spec = make_spec(network={"auth": "none"})
    deploy(spec, "aws", settings=adapter_settings)
    lam, faults = aws["client"], aws["faults"]
    lam.remove_permission(FunctionName="orders", Qualifier="live", StatementId="polycloud-url-public-invoke")
    the_plan = plan(spec, "aws", settings=adapter_settings)
    # the one statement left reads as half-public state: a change, whichever way the spec goes
    assert [(c.path, c.old, c.new) for c in the_plan.changes] == [("url.Public", ["polycloud-url-public"], True)]
    faults.calls.clear()
    result = deploy(spec, "aws", settings=adapter_settings)
    assert result.action == "updated"
    assert faults.writes.count("AddPermission") == 1
    assert _statements(lam) == PUBLIC
    assert deploy(spec, "aws", settings=adapter_settings).action == "unchanged"


def test_each_added_statement_is_in_changed(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    deploy(make_spec(), "aws", settings=adapter_settings)
    aws["faults"].inject(1, status=400, operation="AddPermission")
    aws["faults"].calls.clear()
    with pytest.raises(ProviderError) as caught:
        deploy(make_spec(network={"auth": "none"}), "aws", settings=adapter_settings)
    assert caught.value.changed == ["set function URL auth to NONE"]
    assert deploy(make_spec(network={"auth": "none"}), "aws", settings=adapter_settings).action == "updated"
    assert _statements(aws["client"]) == PUBLIC


# -- F6: the managed roles -----------------------------------------------------------------------------------
def test_vpc_function_gets_a_separate_role_with_the_vpc_policy(aws: dict[str, Any],
                                                               adapter_settings: dict[str, Any]) -> None:
    iam, iam_faults = aws["iam_client"], aws["iam_faults"]
    deploy(make_spec(name="plain"), "aws", settings=adapter_settings)
    iam_faults.calls.clear()
    deploy(make_spec(**VPC), "aws", settings=adapter_settings)
    assert iam_faults.writes == ["CreateRole", "PutRolePolicy", "AttachRolePolicy"]
    conf = aws["client"].get_function_configuration(FunctionName="orders")
    assert conf["Role"].endswith(":role/polycloud-lambda-vpc")
    attached = iam.list_attached_role_policies(RoleName="polycloud-lambda-vpc")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"]
    assert iam.list_role_policies(RoleName="polycloud-lambda-vpc")["PolicyNames"] == ["cloudwatch-logs"]
    assert iam.list_attached_role_policies(RoleName="polycloud-lambda-logs")["AttachedPolicies"] == []
    assert export("orders", "aws", settings=adapter_settings).spec == make_spec(**VPC)
    # leaving the VPC moves the function back to the logs-only role
    result = deploy(make_spec(), "aws", settings=adapter_settings)
    assert "function.Role" in [c.path for c in result.changes]
    assert aws["client"].get_function_configuration(FunctionName="orders")["Role"].endswith("/polycloud-lambda-logs")


def test_half_created_role_is_completed(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    iam = aws["iam_client"]
    iam.create_role(RoleName="polycloud-lambda-logs", AssumeRolePolicyDocument="{}")  # a deploy died here
    deploy(make_spec(), "aws", settings=adapter_settings)
    policy = iam.get_role_policy(RoleName="polycloud-lambda-logs", PolicyName="cloudwatch-logs")
    assert sorted(policy["PolicyDocument"]["Statement"][0]["Action"]) == [
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


def test_role_writes_are_in_changed_when_the_create_fails(aws: dict[str, Any],
                                                          adapter_settings: dict[str, Any]) -> None:
    aws["faults"].inject(1, status=400, operation="CreateFunction")
    with pytest.raises(ProviderError) as caught:
        deploy(make_spec(**VPC), "aws", settings=adapter_settings)
    assert caught.value.changed == [
        "created role polycloud-lambda-vpc", "set the CloudWatch Logs policy of role polycloud-lambda-vpc",
        "attached AWSLambdaVPCAccessExecutionRole to role polycloud-lambda-vpc"]
    assert deploy(make_spec(**VPC), "aws", settings=adapter_settings).action == "created"
