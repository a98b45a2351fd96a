"""Golden tests of the pure Lambda translation, and its inverse."""

from __future__ import annotations

from polycloud import FunctionSpec
from polycloud_aws.translate import MANAGED_ROLE, MANAGED_VPC_ROLE, publish_stamp, to_spec, translate

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"


def test_minimal_spec_golden() -> None:
    spec = FunctionSpec(name="hello", image=IMAGE)
    config = translate(spec)
    assert (config.name, config.notes, config.id, config.url) == ("hello", [], None, None)
    assert config == {
        "function": {
            "Description": "managed-by: polycloud",
            "Role": MANAGED_ROLE,
            "MemorySize": 512,
            "Timeout": 30,
            "EphemeralStorage": {"Size": 512},
            "Environment": {"Variables": {"AWS_LWA_PORT": "8080"}},
            "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": []},
        },
        "code": {"ImageUri": IMAGE, "Architectures": ["x86_64"]},
        "tags": {},
        "alias": {"Name": "live", "Current": True},
        "concurrency": {"reserved": None, "provisioned": None},
        "url": {"AuthType": "AWS_IAM", "Qualifier": "live", "Public": False},
    }


def test_full_spec_golden() -> None:
    spec = FunctionSpec.model_validate({
        "name": "api", "image": "docker.io/x:1", "port": 3000, "memory": "2GiB", "timeout": "5m",
        "architecture": "arm64", "ephemeral_storage": "1GiB",
        "concurrency": {"min_instances": 3, "max_instances": 50},
        "network": {"ingress": "public", "auth": "none", "egress": "vpc"},
        "environment": {"MODE": "prod"},
        "secrets": {"TOKEN": {"aws": "arn:aws:ssm:us-east-1:123456789012:parameter/token"}},
        "tags": {"team": "a"},
        "providers": {"aws": {"role": "arn:aws:iam::123456789012:role/r", "image": IMAGE,
                              "subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"], "alias": "warm"}},
    })
    config = translate(spec)
    assert config["function"] == {
        "Description": "managed-by: polycloud",
        "Role": "arn:aws:iam::123456789012:role/r",
        "MemorySize": 2048,
        "Timeout": 300,
        "EphemeralStorage": {"Size": 1024},
        "Environment": {"Variables": {"MODE": "prod",
                                      "TOKEN_SECRET_ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/token",
                                      "AWS_LWA_PORT": "3000"}},
        "VpcConfig": {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
    }
    assert config["code"] == {"ImageUri": IMAGE, "Architectures": ["arm64"]}
    assert config["alias"] == {"Name": "warm", "Current": True}
    assert config["concurrency"] == {"reserved": 50, "provisioned": 3}
    assert config["url"] == {"AuthType": "NONE", "Qualifier": "warm", "Public": True}
    assert config.notes == ["secrets are passed as ARNs (TOKEN_SECRET_ARN); the function resolves them itself, "
                                "e.g. with the AWS Parameters and Secrets Lambda Extension"]


def test_internal_ingress_has_no_url_and_runtime_api_image_no_adapter_port() -> None:
    spec = FunctionSpec(name="worker", image=IMAGE, image_contract="lambda-runtime-api",
                        network={"ingress": "internal"})
    config = translate(spec)
    assert config["url"] is None
    assert "AWS_LWA_PORT" not in config["function"]["Environment"]["Variables"]
    back = to_spec(config)
    assert back.spec.image_contract == "lambda-runtime-api"
    assert back.spec.network.ingress == "internal"
    assert any("internal" in note for note in back.notes)


def test_default_ephemeral_storage_reads_back_as_unset() -> None:
    spec = FunctionSpec(name="hello", image=IMAGE, providers={"aws": {}})
    assert to_spec(translate(spec)).spec == spec


def test_vpc_egress_without_a_role_gets_the_managed_vpc_role() -> None:
    spec = FunctionSpec.model_validate({"name": "db", "image": IMAGE, "network": {"egress": "vpc"},
                                        "providers": {"aws": {"subnet_ids": ["subnet-1"],
                                                              "security_group_ids": ["sg-1"]}}})
    assert translate(spec)["function"]["Role"] == MANAGED_VPC_ROLE
    outside = FunctionSpec(name="db", image=IMAGE)
    assert translate(outside)["function"]["Role"] == MANAGED_ROLE
    assert to_spec(translate(spec)).spec == spec


def test_publish_stamp_follows_function_and_code_only() -> None:
    config = translate(FunctionSpec(name="hello", image=IMAGE))
    same = translate(FunctionSpec(name="hello", image=IMAGE, tags={"a": "b"}, concurrency={"max_instances": 3}))
    other = translate(FunctionSpec(name="hello", image=IMAGE, memory="1GiB"))
    assert publish_stamp(config) == publish_stamp(same) != publish_stamp(other)
    assert publish_stamp(config).startswith("polycloud ")
