"""LambdaAdapter against moto: every field lands, concurrency, URLs, faults, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from polycloud import ProviderError, SpecError, ThrottledError, deploy, export, plan
from polycloud.retry import RetryPolicy
from polycloud_aws import LambdaAdapter

from .conftest import IMAGE, REGION
from .conftest import make_spec as _spec


def test_every_field_is_visible_in_lambda(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    result = deploy(_spec(), "aws", settings=adapter_settings)
    lam = aws["client"]
    conf = lam.get_function_configuration(FunctionName="orders")
    assert conf["PackageType"] == "Image"
    assert conf["MemorySize"] == 1536
    assert conf["Timeout"] == 90
    assert conf["Architectures"] == ["arm64"]
    assert conf["EphemeralStorage"] == {"Size": 1024}
    assert conf["Environment"]["Variables"] == {"LOG_LEVEL": "info", "AWS_LWA_PORT": "8081"}
    assert conf["Role"].endswith(":role/polycloud-lambda-logs")
    assert lam.get_function(FunctionName="orders")["Code"]["ImageUri"] == IMAGE
    assert lam.get_function_concurrency(FunctionName="orders")["ReservedConcurrentExecutions"] == 25
    assert lam.list_tags(Resource=conf["FunctionArn"])["Tags"] == {"team": "payments"}
    alias = lam.get_alias(FunctionName="orders", Name="live")
    published = lam.get_function_configuration(FunctionName="orders", Qualifier=alias["FunctionVersion"])
    assert published["MemorySize"] == 1536
    url = lam.get_function_url_config(FunctionName="orders", Qualifier="live")
    assert url["AuthType"] == "AWS_IAM"
    assert url["FunctionArn"].endswith(":function:orders:live")
    assert (result.action, result.resource_id, result.url) == ("created", conf["FunctionArn"], url["FunctionUrl"])


def test_managed_role_is_created_once_with_logs_only(aws: dict[str, Any],
                                                     adapter_settings: dict[str, Any]) -> None:
    deploy(_spec(), "aws", settings=adapter_settings)
    deploy(_spec(name="orders-2"), "aws", settings=adapter_settings)
    iam = aws["iam_client"]
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert roles.count("polycloud-lambda-logs") == 1
    policy = iam.get_role_policy(RoleName="polycloud-lambda-logs", PolicyName="cloudwatch-logs")
    actions = policy["PolicyDocument"]["Statement"][0]["Action"]
    assert sorted(actions) == ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


def test_no_op_redeploy_makes_no_write(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    deploy(_spec(), "aws", settings=adapter_settings)
    faults = aws["faults"]
    faults.calls.clear()
    result = deploy(_spec(), "aws", settings=adapter_settings)
    assert result.action == "unchanged"
    assert faults.writes == []


def test_memory_change_updates_only_memory(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    deploy(_spec(), "aws", settings=adapter_settings)
    faults = aws["faults"]
    faults.calls.clear()
    result = deploy(_spec(memory="2GiB"), "aws", settings=adapter_settings)
    assert [c.path for c in result.changes] == ["function.MemorySize"]
    # the configuration, then a version with it for the alias the URL is on
    assert faults.writes == ["UpdateFunctionConfiguration", "PublishVersion", "UpdateAlias"]
    assert aws["client"].get_function_configuration(FunctionName="orders")["MemorySize"] == 2048
    assert aws["client"].get_function_configuration(FunctionName="orders", Qualifier="live")["MemorySize"] == 2048


def test_provisioned_concurrency_on_an_alias_and_its_removal(aws: dict[str, Any],
                                                           adapter_settings: dict[str, Any]) -> None:
    lam = aws["client"]
    deploy(_spec(concurrency={"min_instances": 2, "max_instances": 10}), "aws", settings=adapter_settings)
    alias = lam.get_alias(FunctionName="orders", Name="live")
    assert alias["FunctionVersion"] != "$LATEST"
    pc = lam.get_provisioned_concurrency_config(FunctionName="orders", Qualifier="live")
    assert pc["RequestedProvisionedConcurrentExecutions"] == 2
    url = lam.get_function_url_config(FunctionName="orders", Qualifier="live")
    assert url["AuthType"] == "AWS_IAM"
    assert deploy(_spec(concurrency={"min_instances": 2, "max_instances": 10}), "aws",
                  settings=adapter_settings).action == "unchanged"
    deploy(_spec(concurrency={"max_instances": 10}), "aws", settings=adapter_settings)
    assert lam.list_provisioned_concurrency_configs(FunctionName="orders")["ProvisionedConcurrencyConfigs"] == []
    deploy(_spec(concurrency={}), "aws", settings=adapter_settings)
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="orders")


def test_public_url_only_when_auth_none(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    lam = aws["client"]
    deploy(_spec(network={"auth": "none"}), "aws", settings=adapter_settings)
    assert lam.get_function_url_config(FunctionName="orders", Qualifier="live")["AuthType"] == "NONE"
    statements = json.loads(lam.get_policy(FunctionName="orders", Qualifier="live")["Policy"])["Statement"]
    assert {s["Sid"] for s in statements} == {"polycloud-url-public", "polycloud-url-public-invoke"}
    assert {s["Resource"] for s in statements} == {lam.get_alias(FunctionName="orders", Name="live")["AliasArn"]}
    deploy(_spec(), "aws", settings=adapter_settings)
    assert lam.get_function_url_config(FunctionName="orders", Qualifier="live")["AuthType"] == "AWS_IAM"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName="orders", Qualifier="live")


def test_internal_ingress_removes_the_url(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    lam = aws["client"]
    deploy(_spec(), "aws", settings=adapter_settings)
    result = deploy(_spec(network={"ingress": "internal"}), "aws", settings=adapter_settings)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="orders", Qualifier="live")
    assert result.url is None
    assert any("ingress internal: no function URL" in note for note in result.notes)


def test_export_round_trips_every_representable_field(adapter_settings: dict[str, Any]) -> None:
    spec = _spec(secrets={"DB": {"aws": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-x1"}},
                 network={"auth": "none", "egress": "vpc"},
                 providers={"aws": {"region": REGION, "subnet_ids": ["subnet-a"], "security_group_ids": ["sg-a"]}})
    deploy(spec, "aws", settings=adapter_settings)
    assert export("orders", "aws", settings=adapter_settings).spec == spec


def test_plan_shows_changes_without_writing(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    deploy(_spec(), "aws", settings=adapter_settings)
    aws["faults"].calls.clear()
    the_plan = plan(_spec(timeout="2m"), "aws", settings=adapter_settings)
    assert the_plan.action == "updated"
    assert [(c.path, c.old, c.new) for c in the_plan.changes] == [("function.Timeout", 90, 120)]
    assert aws["faults"].writes == []


def test_invalid_spec_is_refused_before_any_call(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    with pytest.raises(SpecError) as caught:
        deploy(_spec(memory="11GiB", timeout="16m"), "aws", settings=adapter_settings)
    assert {f.rule for f in caught.value.report.errors} == {"aws-memory", "aws-timeout"}
    assert aws["faults"].calls == []


@pytest.mark.parametrize("fault", [{"status": 429, "retry_after": 0.01}, {"status": 500}, {"drop": True}])
def test_faults_converge_without_duplicates(aws: dict[str, Any], adapter_settings: dict[str, Any],
                                            fault: dict[str, Any]) -> None:
    faults = aws["faults"]
    faults.inject(3, **fault)
    assert deploy(_spec(), "aws", settings=adapter_settings).action == "created"
    assert [f["FunctionName"] for f in aws["client"].list_functions()["Functions"]] == ["orders"]
    assert faults.calls.count("CreateFunction") == 1
    faults.inject(2, **fault)
    assert deploy(_spec(memory="2GiB"), "aws", settings=adapter_settings).action == "updated"
    assert deploy(_spec(memory="2GiB"), "aws", settings=adapter_settings).action == "unchanged"


def test_throttling_beyond_the_budget_fails_with_what_changed(aws: dict[str, Any],
                                                              adapter_settings: dict[str, Any]) -> None:
    settings = {**adapter_settings, "retry": RetryPolicy.no_wait(attempts=2)}
    deploy(_spec(), "aws", settings=settings)
    aws["faults"].inject(5, status=429, operation="TagResource")
    with pytest.raises(ThrottledError) as caught:
        deploy(_spec(memory="2GiB", tags={"team": "risk"}), "aws", settings=settings)
    error = caught.value
    assert (error.operation, error.status, error.code) == ("TagResource", 429, "TooManyRequestsException")
    assert error.changed == ["updated configuration"]
    assert "already changed before the failure: updated configuration" in str(error)
    assert aws["client"].get_function_configuration(FunctionName="orders")["MemorySize"] == 2048


def test_api_error_carries_code_and_request_id(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    adapter = LambdaAdapter(**adapter_settings)
    with pytest.raises(ProviderError) as caught:
        adapter.delete("missing-function")
    assert caught.value.code == "ResourceNotFoundException"
    assert caught.value.request_id
    assert caught.value.operation == "DeleteFunction"


def test_notes_reach_every_deployment(adapter_settings: dict[str, Any]) -> None:
    spec = _spec(cpu=1, network={"ingress": "none"}, concurrency={"per_instance": 4},
                 secrets={"DB": {"aws": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-x1"}})
    results = [deploy(spec, "aws", dry_run=True, settings=adapter_settings),
               deploy(spec, "aws", settings=adapter_settings),
               deploy(spec, "aws", settings=adapter_settings),
               deploy(spec.model_copy(update={"timeout": 60}), "aws", settings=adapter_settings)]
    assert [r.action for r in results] == ["created", "created", "unchanged", "updated"]
    for result in results:  # the rules' findings (from the core) and the adapter's own notes, once each
        assert len(result.notes) == len(set(result.notes)) == 4
        assert [rule for rule in ("(aws-ingress)", "(aws-per-instance)", "(aws-cpu)")
                if any(note.endswith(rule) for note in result.notes)] == ["(aws-ingress)", "(aws-per-instance)",
                                                                         "(aws-cpu)"]
        assert "secrets are passed as ARNs (DB_SECRET_ARN)" in result.notes[-1]
