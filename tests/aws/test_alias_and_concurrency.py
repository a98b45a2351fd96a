"""The alias every deploy publishes to, the URL on it, and concurrency ordering; against moto (extended)."""

from __future__ import annotations

from typing import Any

import pytest

from polycloud import ProviderError, deploy, export, plan

from .conftest import make_spec

WRITES_OF_CONCURRENCY = ("PutProvisionedConcurrencyConfig", "DeleteProvisionedConcurrencyConfig",
                         "PutFunctionConcurrency", "DeleteFunctionConcurrency")


def _warm(minimum: int, maximum: int | None = None, **changes: Any) -> Any:
    return make_spec(concurrency={"min_instances": minimum, "max_instances": maximum}, **changes)


def _concurrency_writes(faults: Any) -> list[str]:
    return [c for c in faults.writes if c in WRITES_OF_CONCURRENCY]


# -- F9: the URL stays on the alias ------------------------------------------------------------------------
def test_url_address_stays_when_min_instances_crosses_zero(aws: dict[str, Any],
                                                           adapter_settings: dict[str, Any]) -> None:
    addresses = [deploy(_warm(minimum, 10), "aws", settings=adapter_settings).url for minimum in (0, 2, 0)]
    assert addresses[0] and addresses == [addresses[0]] * 3
    lam = aws["client"]
    assert lam.get_function_url_config(FunctionName="orders", Qualifier="live")["FunctionUrl"] == addresses[0]
    assert lam.list_provisioned_concurrency_configs(FunctionName="orders")["ProvisionedConcurrencyConfigs"] == []


def test_alias_follows_every_change_and_catches_up_after_a_failure(aws: dict[str, Any],
                                                                   adapter_settings: dict[str, Any]) -> None:
    lam, faults = aws["client"], aws["faults"]
    deploy(make_spec(), "aws", settings=adapter_settings)
    faults.inject(1, status=400, operation="PublishVersion")
    with pytest.raises(ProviderError) as caught:
        deploy(make_spec(memory="2GiB"), "aws", settings=adapter_settings)
    assert caught.value.changed == ["updated configuration"]
    assert lam.get_function_configuration(FunctionName="orders", Qualifier="live")["MemorySize"] == 1536
    # $LATEST has the new memory, the alias does not: the next deploy publishes, and says why
    behind = plan(make_spec(memory="2GiB"), "aws", settings=adapter_settings)
    assert [(c.path, c.old, c.new) for c in behind.changes] == [("alias.Current", False, True)]
    faults.calls.clear()
    deploy(make_spec(memory="2GiB"), "aws", settings=adapter_settings)
    assert faults.writes == ["PublishVersion", "UpdateAlias"]
    assert lam.get_function_configuration(FunctionName="orders", Qualifier="live")["MemorySize"] == 2048
    assert deploy(make_spec(memory="2GiB"), "aws", settings=adapter_settings).action == "unchanged"


def test_renaming_the_alias_moves_url_and_provisioned_and_deletes_the_old_alias(
        aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    lam = aws["client"]
    deploy(_warm(2, 10), "aws", settings=adapter_settings)
    renamed = _warm(2, 10, providers={"aws": {"region": "us-east-1", "alias": "prod"}})
    result = deploy(renamed, "aws", settings=adapter_settings)
    assert [a["Name"] for a in lam.list_aliases(FunctionName="orders")["Aliases"]] == ["prod"]
    assert result.url == lam.get_function_url_config(FunctionName="orders", Qualifier="prod")["FunctionUrl"]
    assert any("moved to alias prod" in note for note in result.notes)
    configs = lam.list_provisioned_concurrency_configs(FunctionName="orders")["ProvisionedConcurrencyConfigs"]
    assert [c["FunctionArn"].rsplit(":", 1)[-1] for c in configs] == ["prod"]
    assert export("orders", "aws", settings=adapter_settings).spec == renamed
    assert deploy(renamed, "aws", settings=adapter_settings).action == "unchanged"


def test_a_url_on_the_unqualified_function_moves_to_the_alias_with_a_note(aws: dict[str, Any],
                                                                          adapter_settings: dict[str, Any]) -> None:
    lam = aws["client"]
    deploy(make_spec(), "aws", settings=adapter_settings)
    # what deploys before the alias design left: the URL on the function itself and no alias
    lam.delete_function_url_config(FunctionName="orders", Qualifier="live")
    lam.delete_alias(FunctionName="orders", Name="live")
    old = lam.create_function_url_config(FunctionName="orders", AuthType="AWS_IAM")["FunctionUrl"]
    exported = export("orders", "aws", settings=adapter_settings)
    assert any("unqualified function" in note for note in exported.notes)
    result = deploy(make_spec(), "aws", settings=adapter_settings)
    assert f"the function URL moved to alias live, so its address changed (was {old})" in result.notes
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="orders")
    assert result.url == lam.get_function_url_config(FunctionName="orders", Qualifier="live")["FunctionUrl"] != old


# -- F10: provisioned never above reserved, in either direction ----------------------------------------------
def test_moto_refuses_reserved_below_provisioned(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    deploy(_warm(5, 10), "aws", settings=adapter_settings)
    with pytest.raises(aws["client"].exceptions.InvalidParameterValueException):
        aws["client"].put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=3)


def test_lowering_both_lowers_provisioned_first(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    deploy(_warm(5, 10), "aws", settings=adapter_settings)
    aws["faults"].calls.clear()
    assert deploy(_warm(2, 3), "aws", settings=adapter_settings).action == "updated"
    assert _concurrency_writes(aws["faults"]) == ["PutProvisionedConcurrencyConfig", "PutFunctionConcurrency"]
    aws["faults"].calls.clear()
    deploy(_warm(0, 1), "aws", settings=adapter_settings)
    assert _concurrency_writes(aws["faults"]) == ["DeleteProvisionedConcurrencyConfig", "PutFunctionConcurrency"]
    assert aws["client"].get_function_concurrency(FunctionName="orders")["ReservedConcurrentExecutions"] == 1


def test_raising_both_raises_reserved_first(aws: dict[str, Any], adapter_settings: dict[str, Any]) -> None:
    deploy(_warm(2, 3), "aws", settings=adapter_settings)
    aws["faults"].calls.clear()
    assert deploy(_warm(8, 10), "aws", settings=adapter_settings).action == "updated"
    assert _concurrency_writes(aws["faults"]) == ["PutFunctionConcurrency", "PutProvisionedConcurrencyConfig"]
    pc = aws["client"].get_provisioned_concurrency_config(FunctionName="orders", Qualifier="live")
    assert pc["RequestedProvisionedConcurrentExecutions"] == 8
    assert deploy(_warm(8, 10), "aws", settings=adapter_settings).action == "unchanged"


# -- F14: updates moto used to ignore now converge ------------------------------------------------------------
@pytest.mark.parametrize(("field", "value", "read_back"), [
    ("ephemeral_storage", "2GiB", lambda conf: conf["EphemeralStorage"]["Size"] == 2048),
    ("architecture", "x86_64", lambda conf: conf["Architectures"] == ["x86_64"]),
])
def test_ephemeral_storage_and_architecture_changes_converge(aws: dict[str, Any], adapter_settings: dict[str, Any],
                                                             field: str, value: str, read_back: Any) -> None:
    deploy(make_spec(), "aws", settings=adapter_settings)
    changed = make_spec(**{field: value})
    assert deploy(changed, "aws", settings=adapter_settings).action == "updated"
    assert read_back(aws["client"].get_function_configuration(FunctionName="orders"))
    assert deploy(changed, "aws", settings=adapter_settings).action == "unchanged"
    assert export("orders", "aws", settings=adapter_settings).spec == changed
