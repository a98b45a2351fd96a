"""The CLI end to end against moto running as a server on 127.0.0.1 (boto3's standard chain)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polycloud import export, load_spec
from polycloud.cli import main
from polycloud.errors import ConfigurationError

from .conftest import IMAGE, REGION

SPEC = f"""\
name: cli-fn
image: {IMAGE}
memory: 1GiB
timeout: 45s
concurrency:
  min_instances: 1
  max_instances: 5
environment:
  STAGE: test
tags:
  owner: cli
providers:
  aws:
    region: {REGION}
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "polycloud.yaml"
    path.write_text(SPEC)
    return path


def _lambda(endpoint: str):  # noqa: ANN202
    import boto3

    return boto3.client("lambda", region_name=REGION, endpoint_url=endpoint)


def test_deploy_plan_export_through_the_server(server_env: str, spec_file: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "deploy", str(spec_file), "-p", "aws", "--no-pin", "--format", "json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["action"] == "created"
    assert created["resource_id"].endswith(":function:cli-fn")

    lam = _lambda(server_env)
    conf = lam.get_function_configuration(FunctionName="cli-fn")
    assert (conf["MemorySize"], conf["Timeout"]) == (1024, 45)
    assert lam.get_function_concurrency(FunctionName="cli-fn")["ReservedConcurrentExecutions"] == 5
    provisioned = lam.get_provisioned_concurrency_config(FunctionName="cli-fn", Qualifier="live")
    assert provisioned["RequestedProvisionedConcurrentExecutions"] == 1

    assert main(["-q", "deploy", str(spec_file), "-p", "aws", "--no-pin"]) == 0
    assert "cli-fn: unchanged" in capsys.readouterr().out

    spec_file.write_text(SPEC.replace("timeout: 45s", "timeout: 60s"))
    assert main(["plan", str(spec_file), "-p", "aws", "--no-pin", "--format", "json"]) == 0
    planned = json.loads(capsys.readouterr().out)
    assert planned["dry_run"] is True
    assert [(c["path"], c["old"], c["new"]) for c in planned["changes"]] == [("function.Timeout", 45, 60)]
    assert lam.get_function_configuration(FunctionName="cli-fn")["Timeout"] == 45

    exported = tmp_path / "exported.yaml"
    assert main(["export", "cli-fn", "-p", "aws", "--region", REGION, "-o", str(exported)]) == 0
    assert load_spec(exported) == load_spec(spec_file).model_copy(update={"timeout": 45})


def test_invalid_spec_exits_1_before_any_call(server_env: str, spec_file: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    spec_file.write_text(SPEC.replace("memory: 1GiB", "memory: 12GiB"))
    assert main(["deploy", str(spec_file), "-p", "aws", "--no-pin"]) == 1
    err = capsys.readouterr().err
    assert "polycloud.yaml:3:1" in err and "aws-memory" in err and "10240" in err
    assert _lambda(server_env).list_functions()["Functions"] == []


def test_api_failure_exits_3_with_code_and_request_id(server_env: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "no-such-fn", "-p", "aws", "--region", REGION]) == 3
    err = capsys.readouterr().err
    assert "aws-lambda GetFunction" not in err or "ResourceNotFound" in err
    assert "no-such-fn" in err


def test_no_region_exits_2_naming_where_to_set_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    for key in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))  # no region in an AWS config either
    assert main(["export", "x", "-p", "aws"]) == 2
    err = capsys.readouterr().err
    assert "AWS region is not set" in err and "NoRegionError" not in err
    assert "providers.aws.region" in err and "--region" in err and "AWS_DEFAULT_REGION" in err
    with pytest.raises(ConfigurationError, match="providers.aws.region") as caught:
        export("x", "aws")
    assert (caught.value.provider, caught.value.setting) == ("aws-lambda", "region")


def test_a_name_botocore_refuses_exits_2_without_a_call(capsys: pytest.CaptureFixture[str]) -> None:
    from polycloud.testing import sandbox

    sandbox.reset()
    try:
        sandbox.sandbox_settings("aws-lambda")
        assert main(["export", "", "-p", "aws", "--sandbox"]) == 2
        err = capsys.readouterr().err
        assert "GetFunction was not sent to AWS" in err and "FunctionName" in err and "function name" in err
        assert sandbox.fakes["aws-lambda"].calls == []  # refused by botocore before the call
    finally:
        sandbox.reset()


def test_zip_function_is_neither_deployed_over_nor_exported(server_env: str, spec_file: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import boto3

    role = boto3.client("iam", region_name=REGION, endpoint_url=server_env).create_role(
        RoleName="zip", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    _lambda(server_env).create_function(FunctionName="cli-fn", Runtime="python3.12", Handler="app.handler",
                                        Role=role, Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
    assert main(["deploy", str(spec_file), "-p", "aws", "--no-pin"]) == 3
    assert "cannot convert a function's package type" in capsys.readouterr().err
    assert main(["export", "cli-fn", "-p", "aws", "--region", REGION]) == 3
    assert "Zip package: not exportable as a container spec" in capsys.readouterr().err
    assert _lambda(server_env).get_function_configuration(FunctionName="cli-fn")["PackageType"] == "Zip"


def test_a_function_polycloud_did_not_create_needs_set_adopt(server_env: str, spec_file: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import boto3

    role = boto3.client("iam", region_name=REGION, endpoint_url=server_env).create_role(
        RoleName="own", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    _lambda(server_env).create_function(FunctionName="cli-fn", PackageType="Image", Code={"ImageUri": IMAGE},
                                        Role=role)
    assert main(["deploy", str(spec_file), "-p", "aws", "--no-pin"]) == 3
    assert "--set adopt=true" in capsys.readouterr().err
    assert main(["-q", "deploy", str(spec_file), "-p", "aws", "--no-pin", "--set", "adopt=true"]) == 0
    assert "adopted function cli-fn" in capsys.readouterr().out
    assert main(["-q", "deploy", str(spec_file), "-p", "aws", "--no-pin"]) == 0
    assert "cli-fn: unchanged" in capsys.readouterr().out


def test_api_failure_midway_exits_3_and_says_what_changed(spec_file: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from polycloud.testing import sandbox

    sandbox.reset()
    try:
        sandbox.sandbox_settings("aws-lambda")
        sandbox.fakes["aws-lambda"].inject(1, status=400, operation="PutFunctionConcurrency")
        assert main(["deploy", str(spec_file), "-p", "aws", "--no-pin", "--sandbox", "--format", "json"]) == 3
        out = json.loads(capsys.readouterr().out)
        assert out["ok"] is False
        assert (out["error"]["operation"], out["error"]["status"]) == ("PutFunctionConcurrency", 400)
        assert out["error"]["request_id"] == "fault-injected"
        assert out["error"]["changed"] == [
            "created role polycloud-lambda-logs", "set the CloudWatch Logs policy of role polycloud-lambda-logs",
            "created function cli-fn", "published version 1",
            "pointed alias live at version 1"]
        assert main(["deploy", str(spec_file), "-p", "aws", "--no-pin", "--sandbox"]) == 0
        assert "cli-fn: updated" in capsys.readouterr().out
    finally:
        sandbox.reset()
