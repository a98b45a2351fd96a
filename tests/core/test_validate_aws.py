"""Every AWS Lambda rule at its boundary: at the limit valid, one unit over invalid.

Each finding must name the field (path), the value, the limit, the provider, the source of
the limit and a fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from polycloud import FunctionSpec, Severity, load_limits, validate
from polycloud.ruledocs import all_rules

AWS = "aws-lambda"
REGION = "us-east-1"
ECR = f"123456789012.dkr.ecr.{REGION}.amazonaws.com/hello:1"
PROFILE = load_limits(AWS).profile()
RULE_SOURCES = {rule.id: rule.source for rule in all_rules()}


def make(**fields: Any) -> FunctionSpec:
    """A spec that passes every Lambda rule, with ``fields`` merged over it."""
    data: dict[str, Any] = {"name": "fn", "image": ECR, "providers": {"aws": {"region": REGION}}}
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return FunctionSpec.model_validate(data)


def aws_findings(spec: FunctionSpec):
    report = validate(spec, ["aws"])
    assert report.providers == [AWS]
    return report.findings


def assert_clean(spec: FunctionSpec) -> None:
    findings = aws_findings(spec)
    assert findings == [], [f.describe() for f in findings]


def the_finding(spec: FunctionSpec, rule: str, path: str, severity: Severity = Severity.ERROR, *,
                source: str | None = None, says: tuple[str, ...] = ()):
    """The one finding of ``spec``: its rule, level, provider, path, message and hint."""
    findings = [f for f in aws_findings(spec) if f.provider is not None]
    assert len(findings) == 1, [f.describe() for f in findings]
    finding = findings[0]
    assert (finding.rule, finding.severity, finding.provider, finding.path) == (rule, severity, AWS, path)
    expected_source = source or RULE_SOURCES[rule]
    assert expected_source.startswith("https://")
    assert f"source: {expected_source}" in finding.message, finding.message
    for text in says:
        assert text in finding.message, (text, finding.message)
    if severity is not Severity.INFO:
        assert finding.hint, finding
    return finding


def limit_source(key: str) -> str:
    return PROFILE[key].source


def test_the_baseline_is_clean():
    assert_clean(make())
    assert validate(make(), ["aws"]).ok


# -- sizes and durations ---------------------------------------------------------------------

@pytest.mark.parametrize("memory", [128, 10240, "10GiB", "128MiB"])
def test_memory_in_range(memory):
    assert_clean(make(memory=memory))


@pytest.mark.parametrize(
    ("memory", "says"),
    [
        (10241, ("memory 10241 MiB", "maximum of 10GiB (10240 MiB)", "profile standard")),
        (127, ("memory 127 MiB", "minimum of 128 MiB")),
        ("11GiB", ("memory 11GiB (11264 MiB)", "maximum of 10GiB (10240 MiB)")),
    ],
)
def test_memory_out_of_range(memory, says):
    finding = the_finding(make(memory=memory), "aws-memory", "memory", source=limit_source("memory"), says=says)
    assert "10240" in finding.hint or "128" in finding.hint


def test_non_positive_memory_is_a_spec_error_not_a_lambda_one():
    with pytest.raises(ValueError, match="greater than 0"):
        make(memory=0)


@pytest.mark.parametrize("timeout", [1, 900, "15m"])
def test_timeout_in_range(timeout):
    assert_clean(make(timeout=timeout))


def test_timeout_over():
    finding = the_finding(make(timeout=901), "aws-timeout", "timeout", source=limit_source("timeout"),
                          says=("timeout 901s", "maximum of 15m (900 s)"))
    assert finding.hint == "set timeout to at most 15m (900 s)"


@pytest.mark.parametrize("size", [512, 10240])
def test_ephemeral_storage_in_range(size):
    assert_clean(make(ephemeral_storage=size))


@pytest.mark.parametrize(("size", "says"), [(511, ("511 MiB", "minimum of 512 MiB")),
                                            (10241, ("10241 MiB", "maximum of 10GiB (10240 MiB)"))])
def test_ephemeral_storage_out_of_range(size, says):
    the_finding(make(ephemeral_storage=size), "aws-ephemeral-storage", "ephemeral_storage",
                source=limit_source("ephemeral_storage"), says=says)


# -- naming --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["a" * 64, "A", "fn_1-x"])
def test_name_valid(name):
    assert_clean(make(name=name))


@pytest.mark.parametrize("name", ["a" * 65, "my.fn", "fn!", "fn name"])
def test_name_invalid(name):
    the_finding(make(name=name), "aws-name", "name", source=limit_source("name"),
                says=(repr(name), "1-64 letters, digits, hyphens or underscores"))


# -- environment ---------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["AB", "a1", "LOG_LEVEL", "x_"])
def test_env_name_valid(key):
    assert_clean(make(environment={key: "v"}))


@pytest.mark.parametrize("key", ["A", "1A", "_A", "A-B", "A.B"])
def test_env_name_invalid(key):
    the_finding(make(environment={key: "v"}), "aws-env-name", f"environment.{key}",
                source=limit_source("env_name"), says=(repr(key), "at least two characters"))


@pytest.mark.parametrize("key", ["AWS_REGION", "AWS_DEFAULT_REGION", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_RUNTIME_API"])
def test_env_reserved(key):
    the_finding(make(environment={key: "v"}), "aws-env-reserved", f"environment.{key}",
                source=limit_source("env_reserved"), says=(key, "reserved"))


def test_env_reserved_with_an_invalid_name_reports_both():
    findings = aws_findings(make(environment={"_HANDLER": "app.handler"}))
    assert sorted(f.rule for f in findings) == ["aws-env-name", "aws-env-reserved"]
    assert {f.path for f in findings} == {"environment._HANDLER"}


def test_env_reserved_as_a_secret_name():
    spec = make(secrets={"AWS_REGION": {"aws": "arn:aws:ssm:us-east-1:123456789012:parameter/r"}})
    the_finding(spec, "aws-env-reserved", "secrets.AWS_REGION", source=limit_source("env_reserved"))


def test_tz_is_a_warning():
    the_finding(make(environment={"TZ": "UTC"}), "aws-env-tz", "environment.TZ", Severity.WARNING,
                source=limit_source("env_reserved_soft"), says=("TZ",))


# The rule counts the UTF-8 bytes of every variable Lambda will hold: the spec's own, plus
# AWS_LWA_PORT=<port> for http images (the Web Adapter) and <NAME>_SECRET_ARN=<arn> for secrets.
LWA = len("AWS_LWA_PORT") + len("8080")


def big_env(total: int, **fields: Any) -> FunctionSpec:
    value_bytes = total - LWA - len("BIG")
    return make(environment={"BIG": "x" * value_bytes}, **fields)


def test_env_total_at_the_limit():
    assert PROFILE["env_total"].max == 4096
    assert_clean(big_env(4096))


def test_env_total_one_byte_over():
    the_finding(big_env(4097), "aws-env-size", "environment", source=limit_source("env_total"),
                says=("4097 bytes", "4096 bytes"))


def test_env_total_counts_the_web_adapter_port_only_for_http_images():
    # the same variables fit when Lambda adds no AWS_LWA_PORT (a Runtime API image)
    assert_clean(big_env(4096 + LWA, image_contract="lambda-runtime-api"))
    the_finding(big_env(4096 + LWA, image_contract="http"), "aws-env-size", "environment",
                source=limit_source("env_total"), says=(f"{4096 + LWA} bytes",))


def test_env_total_counts_port_digits():
    # port 80 is two bytes shorter than 8080
    assert_clean(big_env(4098, port=80))
    the_finding(big_env(4099, port=80), "aws-env-size", "environment", source=limit_source("env_total"))


def test_env_total_counts_bytes_not_characters():
    room = 4096 - LWA - len("BIG")
    assert_clean(make(environment={"BIG": "é" * (room // 2)}))  # 2 bytes each
    the_finding(make(environment={"BIG": "é" * (room // 2 + 1)}), "aws-env-size", "environment",
                source=limit_source("env_total"))


def test_env_total_counts_secret_arns():
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"
    secret = len("DB_SECRET_ARN") + len(arn)
    fits = 4096 - LWA - secret - len("BIG")
    assert_clean(make(environment={"BIG": "x" * fits}, secrets={"DB": {"aws": arn}}))
    the_finding(make(environment={"BIG": "x" * (fits + 1)}, secrets={"DB": {"aws": arn}}), "aws-env-size",
                "environment", source=limit_source("env_total"), says=("4097 bytes",))


def test_secret_without_aws_reference():
    spec = make(secrets={"DB": {"gcp": "projects/p/secrets/db/versions/1"}})
    finding = the_finding(spec, "aws-secret-ref", "secrets.DB", says=("DB", "Secrets Manager"))
    assert "arn:aws:secretsmanager" in finding.hint


# -- image ---------------------------------------------------------------------------------

@pytest.mark.parametrize("image", ["docker.io/library/nginx:1", "ghcr.io/acme/hello:1",
                                   "europe-docker.pkg.dev/acme/r/hello:1", "nginx",
                                   "123456789012.dkr.ecr.us-east-1.amazonaws.com"])
def test_image_not_in_ecr(image):
    the_finding(make(image=image), "aws-image-registry", "image", source=limit_source("image_registry"),
                says=(repr(image), "Amazon ECR"))


def test_image_in_another_region():
    image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/hello:1"
    finding = the_finding(make(image=image), "aws-image-registry", "image",
                          source=limit_source("image_registry"), says=("us-west-2", "us-east-1"))
    assert "us-east-1" in finding.hint


def test_image_in_the_same_region_from_another_account():
    assert_clean(make(image="210987654321.dkr.ecr.us-east-1.amazonaws.com/hello@sha256:abc"))


def test_ecr_image_without_a_region_setting_is_fine():
    assert_clean(make(image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello:1", providers={"aws": {}}))


def test_aws_image_override_is_checked_at_its_path():
    spec = make(image="ghcr.io/acme/hello:1",
                providers={"aws": {"region": REGION, "image": "docker.io/acme/hello:1"}})
    the_finding(spec, "aws-image-registry", "providers.aws.image", source=limit_source("image_registry"),
                says=("docker.io/acme/hello:1",))
    assert_clean(make(image="ghcr.io/acme/hello:1", providers={"aws": {"region": REGION, "image": ECR}}))


def test_azure_functions_host_contract():
    the_finding(make(image_contract="azure-functions-host"), "aws-image-contract", "image_contract",
                says=("azure-functions-host",))


@pytest.mark.parametrize("contract", ["http", "lambda-runtime-api"])
def test_lambda_drivable_contracts(contract):
    assert_clean(make(image_contract=contract))


# -- concurrency and cpu -------------------------------------------------------------------

def test_per_instance_above_one_is_a_warning():
    assert_clean(make(concurrency={"per_instance": 1}))
    the_finding(make(concurrency={"per_instance": 2}), "aws-per-instance", "concurrency.per_instance",
                Severity.WARNING, source=limit_source("per_instance"), says=("per_instance 2",))


def test_max_instances_boundary():
    assert_clean(make(concurrency={"max_instances": 900}))
    the_finding(make(concurrency={"max_instances": 901}), "aws-max-instances", "concurrency.max_instances",
                Severity.WARNING, source=limit_source("max_instances"), says=("901", "900"))


def test_cpu_is_a_warning():
    the_finding(make(cpu=2), "aws-cpu", "cpu", Severity.WARNING, says=("cpu 2",))


@pytest.mark.parametrize("architecture", ["x86_64", "arm64", "amd64", "aarch64"])
def test_architectures(architecture):
    assert_clean(make(architecture=architecture))


# -- tags ----------------------------------------------------------------------------------

def test_tag_count_boundary():
    assert_clean(make(tags={f"k{i}": "v" for i in range(50)}))
    the_finding(make(tags={f"k{i}": "v" for i in range(51)}), "aws-tags", "tags",
                source=limit_source("tags_count"), says=("51 tags", "maximum of 50"))


def test_tag_key_length_boundary():
    assert_clean(make(tags={"k" * 128: "v"}))
    key = "k" * 129
    the_finding(make(tags={key: "v"}), "aws-tags", f"tags.{key}", source=limit_source("tag_key_length"),
                says=("129 characters", "maximum of 128 characters"))


def test_tag_value_length_boundary():
    assert_clean(make(tags={"k": "v" * 256}))
    the_finding(make(tags={"k": "v" * 257}), "aws-tags", "tags.k", source=limit_source("tag_value_length"),
                says=("257 characters", "maximum of 256 characters"))


@pytest.mark.parametrize("key", ["aws:team", "AWS:team"])
def test_tag_aws_prefix(key):
    the_finding(make(tags={key: "v"}), "aws-tags", f"tags.{key}", says=(repr(key), "aws:"))


def test_tag_characters():
    assert_clean(make(tags={"team/owner": "a b_c.d:e=f+g-h@i"}))
    the_finding(make(tags={"team": "a#b"}), "aws-tags", "tags.team", source=limit_source("tag_chars"),
                says=("'a#b'",))


@pytest.mark.parametrize("text", ["a\u00a0b", "a\u3000b", "a\u2028b", "a\u2029b", "a\u202fb", "Équipe données 1"])
def test_tag_unicode_separators_letters_and_digits_are_allowed(text):
    """TagKey/TagValue allow [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*: every separator (category Z) is a space."""
    assert_clean(make(tags={text: text}))


@pytest.mark.parametrize(("key", "value", "shown"), [
    ("team", "a\tb", "'\\t'"), ("team\n", "a", "'\\n'"), ("team", "a\rb\x0bc", "'\\r', '\\x0b'"),
    ("team", "a\x85b", "'\\x85'"), ("team", "a\x1fb", "'\\x1f'"),
])
def test_tag_control_characters_are_refused(key, value, shown):
    """Python's \\s also matches tab, newline and other controls, which Lambda's pattern refuses."""
    finding = the_finding(make(tags={key: value}), "aws-tags", f"tags.{key}", source=limit_source("tag_chars"),
                          says=(f"({shown})", "not tab, newline or other control characters"))
    assert shown in finding.hint


# -- network -------------------------------------------------------------------------------

def vpc(subnets: int, groups: int) -> FunctionSpec:
    return make(network={"egress": "vpc"},
                providers={"aws": {"region": REGION, "subnet_ids": [f"subnet-{i}" for i in range(subnets)],
                                   "security_group_ids": [f"sg-{i}" for i in range(groups)]}})


def test_vpc_without_subnets():
    spec = make(network={"egress": "vpc"})
    the_finding(spec, "aws-vpc", "providers.aws", says=("subnet_ids",))
    neutral = [f for f in validate(spec, ["aws"]).findings if f.provider is None]
    assert [f.rule for f in neutral] == ["spec-vpc-settings"]


def test_vpc_without_security_groups():
    the_finding(vpc(1, 0), "aws-vpc", "providers.aws", says=("security_group_ids",))


@pytest.mark.parametrize(("subnets", "groups"), [(1, 1), (16, 1), (1, 5), (16, 5)])
def test_vpc_in_range(subnets, groups):
    assert_clean(vpc(subnets, groups))


def test_vpc_too_many_subnets():
    the_finding(vpc(17, 1), "aws-vpc", "providers.aws.subnet_ids", source=limit_source("subnet_ids"),
                says=("number of subnets 17", "maximum of 16"))


@pytest.mark.parametrize(("subnet", "group"), [("subnet-0a1b2c3d", "sg-0123456789abcdef0"), ("subnet-", "sg-"),
                                               ("subnet-" + "a" * 100, "sg-AbC09")])
def test_vpc_ids_of_the_right_form(subnet, group):
    assert_clean(make(network={"egress": "vpc"},
                      providers={"aws": {"region": REGION, "subnet_ids": [subnet], "security_group_ids": [group]}}))


@pytest.mark.parametrize(("subnet", "group", "path", "key", "value"), [
    ("my-subnet", "sg-1", "providers.aws.subnet_ids[0]", "subnet_id", "my-subnet"),
    ("subnet-0A1B", "sg-1", "providers.aws.subnet_ids[0]", "subnet_id", "subnet-0A1B"),
    ("subnet-1", "SG-1", "providers.aws.security_group_ids[0]", "security_group_id", "SG-1"),
    ("subnet-1", "sg-web_1", "providers.aws.security_group_ids[0]", "security_group_id", "sg-web_1"),
])
def test_vpc_ids_of_another_form(subnet, group, path, key, value):
    """VpcConfig: SubnetIds subnet-[0-9a-z]*, SecurityGroupIds sg-[0-9a-zA-Z]*; a name or an ARN is refused here,
    not by CreateFunction after the role is made."""
    spec = make(network={"egress": "vpc"},
                providers={"aws": {"region": REGION, "subnet_ids": [subnet], "security_group_ids": [group]}})
    finding = the_finding(spec, "aws-vpc", path, source=limit_source(key), says=(repr(value), str(PROFILE[key].value)))
    assert path in (finding.hint or "")


def test_vpc_too_many_security_groups():
    the_finding(vpc(1, 6), "aws-vpc", "providers.aws.security_group_ids",
                source=limit_source("security_group_ids"), says=("number of security groups 6", "maximum of 5"))


@pytest.mark.parametrize("role", ["arn:aws:iam::123456789012:role/hello",
                                  "arn:aws:iam::123456789012:role/service-role/hello",
                                  "arn:aws-cn:iam::123456789012:role/hello"])
def test_role_valid(role):
    assert_clean(make(providers={"aws": {"region": REGION, "role": role}}))


@pytest.mark.parametrize("role", ["hello", "arn:aws:iam::1234:role/hello",
                                  "arn:aws:iam::123456789012:user/hello",
                                  "arn:aws:sts::123456789012:role/hello"])
def test_role_invalid(role):
    the_finding(make(providers={"aws": {"region": REGION, "role": role}}), "aws-role", "providers.aws.role",
                source=limit_source("role"), says=(repr(role), "IAM role ARN"))


@pytest.mark.parametrize("alias", ["live", "a", "x" * 128, "prod-v2_1", "v1", "1a", "_"])
def test_alias_valid(alias):
    assert_clean(make(providers={"aws": {"region": REGION, "alias": alias}}))


@pytest.mark.parametrize("alias", ["2024", "1", "x" * 129, "live.v2", "", "$LATEST", "prod v2", "café"])
def test_alias_invalid(alias):
    """CreateAlias Name: 1-128 characters matching (?!^[0-9]+$)([a-zA-Z0-9-_]+) (all digits is a version)."""
    the_finding(make(providers={"aws": {"region": REGION, "alias": alias}}), "aws-alias", "providers.aws.alias",
                source=limit_source("alias"), says=(f"providers.aws.alias {alias!r}", "1-128", "not all digits"))


@pytest.mark.parametrize("ingress", ["internal", "none"])
def test_non_public_ingress_is_info(ingress):
    finding = the_finding(make(network={"ingress": ingress}), "aws-ingress", "network.ingress", Severity.INFO,
                          says=(ingress,))
    assert validate(make(network={"ingress": ingress}), ["aws"]).passes(strict=True)
    assert finding.severity is Severity.INFO


# -- the rule catalogue --------------------------------------------------------------------

def test_every_aws_rule_documented_is_exercised_here():
    documented = {rule.id for rule in all_rules() if rule.id.startswith("aws-")}
    source = Path(__file__).read_text(encoding="utf-8")
    untested = sorted(r for r in documented if f'"{r}"' not in source)
    assert untested == []


def test_limits_override_moves_the_boundary():
    overrides = {AWS: {"common": {"memory": {"max": 12288}}}}
    assert validate(make(memory="11GiB"), ["aws"], limit_overrides=overrides).ok
    report = validate(make(memory=12289), ["aws"], limit_overrides=overrides)
    assert [f.rule for f in report.findings] == ["aws-memory"]
    assert "12GiB (12288 MiB)" in report.findings[0].message
