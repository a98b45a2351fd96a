"""Issue 9 (AWS items 1, 3, 8, 9): behaviour of the real Lambda and IAM that moto lacked, now modelled by
polycloud's moto extension (``polycloud.testing.aws``), and what polycloud does about it. Through the
public API, against moto in-process."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from polycloud import ProviderError, RefusedError, deploy, plan
from polycloud.retry import RetryPolicy
from polycloud.testing.aws import moto_behaviour

from .conftest import IMAGE, REGION, make_spec

PUBLIC = {"polycloud-url-public", "polycloud-url-public-invoke"}
VPC = {"network": {"egress": "vpc"},
       "providers": {"aws": {"region": REGION, "subnet_ids": ["subnet-a"], "security_group_ids": ["sg-a"]}}}
NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda"
GENERAL_ATTEMPTS = RetryPolicy().attempts


# -- item 1: a new role is not usable at once ------------------------------------------------------------------
def test_first_deploy_with_a_managed_role_waits_out_iam_propagation(
        aws: dict[str, Any], adapter_settings: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    refusals = GENERAL_ATTEMPTS + 4  # more than the general budget has attempts
    caplog.set_level(logging.DEBUG, logger="polycloud_aws")
    with moto_behaviour(role_propagation_calls=refusals):
        result = deploy(make_spec(), "aws", settings=adapter_settings)
    assert result.action == "created"
    assert aws["faults"].calls.count("CreateFunction") == refusals + 1
    waits = [r for r in caplog.records if r.name == "polycloud_aws.propagation"]
    assert any("IAM is still propagating" in r.getMessage() and "polycloud-lambda-logs" in r.getMessage()
               for r in waits)
    assert [getattr(r, "progress", None) for r in waits if hasattr(r, "progress")][0] == "start"
    assert getattr(waits[-1], "progress", None) == "end"


def test_the_cli_shows_the_wait_for_iam_as_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from polycloud.cli import main
    from polycloud.testing import sandbox

    spec_file = tmp_path / "fn.yaml"
    spec_file.write_text(f"name: fresh\nimage: {IMAGE}\nproviders:\n  aws:\n    region: {REGION}\n")
    sandbox.reset()
    try:
        with moto_behaviour(role_propagation_calls=GENERAL_ATTEMPTS + 1):
            assert main(["deploy", str(spec_file), "-p", "aws", "--sandbox"]) == 0
    finally:
        sandbox.reset()
    err = capsys.readouterr().err
    assert "Lambda cannot use role polycloud-lambda-logs yet" in err and "IAM is still propagating" in err


def test_the_vpc_permission_answer_is_waited_out_after_polycloud_made_the_role(
        aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    with moto_behaviour(role_propagation_calls=GENERAL_ATTEMPTS + 2):
        assert deploy(make_spec(**VPC), "aws", settings=adapter_settings).action == "created"
    assert aws["faults"].calls.count("CreateFunction") == GENERAL_ATTEMPTS + 3


def test_propagation_has_its_own_budget_which_ends(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    settings = {**adapter_settings, "propagation_retry": RetryPolicy.no_wait(attempts=3)}
    with moto_behaviour(role_propagation_calls=10), pytest.raises(ProviderError) as caught:
        deploy(make_spec(), "aws", settings=settings)
    assert NOT_ASSUMABLE in str(caught.value)
    assert aws["faults"].calls.count("CreateFunction") == 1 + 3
    assert caught.value.changed == ["created role polycloud-lambda-logs",
                                    "set the CloudWatch Logs policy of role polycloud-lambda-logs"]


def test_a_users_own_new_role_keeps_the_general_budget(aws: dict[str, Any],
                                                       adapter_settings: dict[str, Any]) -> None:
    with moto_behaviour(role_propagation_calls=GENERAL_ATTEMPTS + 4):
        arn = aws["iam_client"].create_role(RoleName="mine", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        with pytest.raises(ProviderError) as caught:
            deploy(make_spec(providers={"aws": {"region": REGION, "role": arn}}), "aws", settings=adapter_settings)
    assert NOT_ASSUMABLE in str(caught.value)
    assert aws["faults"].calls.count("CreateFunction") == GENERAL_ATTEMPTS


def test_the_fake_refuses_a_new_role_as_lambda_does(aws: dict[str, Any]) -> None:
    with moto_behaviour(role_propagation_calls=1):
        arn = aws["iam_client"].create_role(RoleName="fresh", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        create = {"FunctionName": "f", "PackageType": "Image", "Role": arn,
                  "Code": {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"}}
        with pytest.raises(aws["client"].exceptions.InvalidParameterValueException, match=NOT_ASSUMABLE):
            aws["client"].create_function(**create)
        assert aws["client"].create_function(**create)["FunctionName"] == "f"
    with moto_behaviour(role_propagation_seconds=600):  # or for a time
        arn = aws["iam_client"].create_role(RoleName="slow", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        in_vpc = {**create, "FunctionName": "g", "Role": arn,
                  "VpcConfig": {"SubnetIds": ["subnet-a"], "SecurityGroupIds": ["sg-a"]}}
        with pytest.raises(aws["client"].exceptions.InvalidParameterValueException,
                           match="does not have permissions to call CreateNetworkInterface on EC2"):
            aws["client"].create_function(**in_vpc)
    assert aws["client"].create_function(**in_vpc)["FunctionName"] == "g"  # the time has passed


# -- item 3: reserved concurrency on a low-quota account -------------------------------------------------------
def test_reserved_concurrency_beyond_a_low_quota_is_refused_before_any_write(
        aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    with moto_behaviour(concurrency_quota=10), pytest.raises(RefusedError) as caught:
        deploy(make_spec(), "aws", settings=adapter_settings)  # max_instances 25
    message = str(caught.value)
    assert caught.value.code == "ReservedConcurrencyQuota"
    assert "concurrency.max_instances 25" in message and "quota is 10" in message
    assert "remove concurrency.max_instances" in message and "quota" in message
    assert caught.value.changed == []
    assert aws["faults"].writes == [] and aws["iam_faults"].writes == []


def test_the_quota_is_read_at_plan_time_so_plan_and_dry_run_refuse_too(
        aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    with moto_behaviour(concurrency_quota=10):
        for attempt in (lambda: plan(make_spec(), "aws", settings=adapter_settings),
                        lambda: deploy(make_spec(), "aws", dry_run=True, settings=adapter_settings)):
            with pytest.raises(RefusedError, match="quota is 10"):
                attempt()
    assert aws["faults"].writes == [] and aws["iam_faults"].writes == []


def test_reserved_concurrency_is_checked_against_what_the_account_has_left(
        aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    with moto_behaviour(concurrency_quota=150):  # 50 above the 100 Lambda keeps unreserved
        deploy(make_spec(name="other", concurrency={"max_instances": 20}), "aws", settings=adapter_settings)
        with pytest.raises(RefusedError) as caught:
            deploy(make_spec(concurrency={"max_instances": 31}), "aws", settings=adapter_settings)
        assert "at most 30 can be reserved for orders" in str(caught.value)
        assert deploy(make_spec(concurrency={"max_instances": 30}), "aws",
                      settings=adapter_settings).action == "created"
        # its own reservation counts as available when it changes
        assert deploy(make_spec(concurrency={"max_instances": 25}), "aws",
                      settings=adapter_settings).action == "updated"
        assert deploy(make_spec(concurrency={"max_instances": 30}), "aws",
                      settings=adapter_settings).action == "updated"


def test_a_quota_the_credentials_may_not_read_is_not_checked_with_a_note(
        aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    aws["faults"].inject(1, status=403, code="AccessDeniedException", operation="GetAccountSettings")
    result = deploy(make_spec(), "aws", settings=adapter_settings)
    assert result.action == "created"
    assert any("was denied (AccessDeniedException)" in note and "lambda:GetAccountSettings" in note
               for note in result.notes)


def test_the_fake_refuses_reservations_below_the_minimum_as_lambda_does(aws: dict[str, Any],
                                                                        adapter_settings: dict[str, Any]) -> None:
    deploy(make_spec(concurrency={"max_instances": None}), "aws", settings=adapter_settings)
    lam = aws["client"]
    with moto_behaviour(concurrency_quota=10):
        assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 10
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as caught:
            lam.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=1)
    assert caught.value.response["Error"]["Message"] == (
        "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
        "below its minimum value of [10].")
    with moto_behaviour(concurrency_quota=1000):
        lam.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=900)
        assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 100
        with pytest.raises(lam.exceptions.InvalidParameterValueException, match=r"minimum value of \[100\]"):
            lam.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=901)


# -- item 8: a "make private" deploy that stopped between its two RemovePermission calls ------------------------
def _statements(lam: Any) -> set[str]:
    try:
        policy = json.loads(lam.get_policy(FunctionName="orders", Qualifier="live")["Policy"])
    except lam.exceptions.ResourceNotFoundException:
        return set()
    return {s["Sid"] for s in policy["Statement"]}


def test_a_public_statement_left_by_a_failed_make_private_is_removed_next_time(
        aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    lam, faults = aws["client"], aws["faults"]
    deploy(make_spec(network={"auth": "none"}), "aws", settings=adapter_settings)
    faults.inject(1, status=403, operation="RemovePermission", after=1)  # the second one fails
    with pytest.raises(ProviderError):
        deploy(make_spec(), "aws", settings=adapter_settings)
    assert _statements(lam) == {"polycloud-url-public-invoke"}  # InvokeFunction for principal * is left
    behind = plan(make_spec(), "aws", settings=adapter_settings)
    assert [(c.path, c.old, c.new) for c in behind.changes] == [
        ("url.Public", ["polycloud-url-public-invoke"], False)]
    assert deploy(make_spec(), "aws", settings=adapter_settings).action == "updated"
    assert _statements(lam) == set()
    assert deploy(make_spec(), "aws", settings=adapter_settings).action == "unchanged"


# -- item 9: errors that escaped untranslated, and what .changed says -----------------------------------------
def test_an_answer_botocore_cannot_parse_is_a_provider_error_with_changed(
        aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    from botocore.parsers import ResponseParserError

    aws["iam_faults"].inject(1, garbled=True, operation="PutRolePolicy")
    with pytest.raises(ProviderError) as caught:
        deploy(make_spec(), "aws", settings=adapter_settings)
    assert isinstance(caught.value.__cause__, ResponseParserError)
    assert (caught.value.operation, caught.value.code) == ("PutRolePolicy", "ResponseParserError")
    assert "botocore could not parse the answer to PutRolePolicy" in str(caught.value)
    assert caught.value.changed == ["created role polycloud-lambda-logs"]
    assert deploy(make_spec(), "aws", settings=adapter_settings).action == "created"


@pytest.mark.parametrize("operation", ["CreateAlias", "UpdateAlias"])
def test_a_version_published_before_the_alias_call_failed_is_in_changed(
        operation: str, aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    lam, faults = aws["client"], aws["faults"]
    if operation == "UpdateAlias":
        deploy(make_spec(), "aws", settings=adapter_settings)
    faults.inject(1, status=400, operation=operation)
    with pytest.raises(ProviderError) as caught:
        deploy(make_spec(memory="2GiB"), "aws", settings=adapter_settings)
    version = "2" if operation == "UpdateAlias" else "1"
    assert caught.value.changed[-1] == f"published version {version}"
    assert lam.list_versions_by_function(FunctionName="orders")["Versions"][-1]["Version"] == version
    assert deploy(make_spec(memory="2GiB"), "aws", settings=adapter_settings).action == "updated"
    assert lam.get_function_configuration(FunctionName="orders", Qualifier="live")["MemorySize"] == 2048


@pytest.mark.parametrize(("operation", "changed_last"), [
    ("CreateFunction", "created function orders"),  # it was: the answer only was unreadable
    ("PublishVersion", "created function orders"),
    ("CreateFunctionUrlConfig", "set reserved concurrency to 25"),
])
def test_a_json_answer_cut_short_is_a_provider_error_with_changed(
        operation: str, changed_last: str, aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    # botocore reads undecodable JSON as {"message": ...} rather than raising: the missing field shows it
    aws["faults"].inject(1, garbled=True, operation=operation)
    with pytest.raises(ProviderError) as caught:
        deploy(make_spec(network={"auth": "none"}), "aws", settings=adapter_settings)
    assert (caught.value.operation, caught.value.code) == (operation, "MalformedResponse")
    assert caught.value.changed[-1] == changed_last
    assert deploy(make_spec(network={"auth": "none"}), "aws",
                  settings=adapter_settings).action in ("created", "updated")
    assert deploy(make_spec(network={"auth": "none"}), "aws", settings=adapter_settings).action == "unchanged"


# -- item 10 (the fake side is tests/aws/test_stock_endpoints.py): LocalStack's answer for what it lacks ------------
def test_an_operation_an_emulator_lacks_is_read_as_absent_once(aws: dict[str, Any],
                                                               adapter_settings: dict[str, Any]) -> None:
    from polycloud import export

    deploy(make_spec(), "aws", settings=adapter_settings)
    faults = aws["faults"]
    faults.calls.clear()
    # LocalStack: 501 InternalFailure (https://github.com/localstack/localstack/pull/12547)
    faults.inject(1, status=501, code="InternalFailure", operation="ListProvisionedConcurrencyConfigs")
    imported = export("orders", "aws", settings=adapter_settings)
    assert faults.calls.count("ListProvisionedConcurrencyConfigs") == 1  # not retried
    assert any("does not implement ListProvisionedConcurrencyConfigs" in note and "extend_moto()" in note
               for note in imported.notes)
    assert imported.spec == make_spec()
