"""Provider-neutral rules: the model's ranges and the checks every provider shares."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from polycloud import FunctionSpec, Severity, UnknownProviderError, validate
from polycloud._validate import target_providers

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"


def make(**fields: Any) -> FunctionSpec:
    return FunctionSpec.model_validate({"name": "fn", "image": ECR, **fields})


def neutral(spec: FunctionSpec) -> list[tuple[str, Severity, str]]:
    return [(f.rule, f.severity, f.path) for f in validate(spec, ["aws"]) if f.provider is None]


@pytest.mark.parametrize(("field", "ok", "bad"), [
    ("port", [1, 65535], [0, 65536]),
    ("memory", [1], [0, -1]),
    ("timeout", [1], [0, -5]),
    ("ephemeral_storage", [1, None], [0]),
    ("cpu", [0.5, 1, None], [0, -1]),
])
def test_neutral_ranges(field, ok, bad):
    for value in ok:
        make(**{field: value})
    for value in bad:
        with pytest.raises(ValidationError):
            make(**{field: value})


@pytest.mark.parametrize(("concurrency", "valid"), [
    ({"min_instances": 0}, True),
    ({"min_instances": -1}, False),
    ({"per_instance": 1}, True),
    ({"per_instance": 0}, False),
    ({"max_instances": 1}, True),
    ({"max_instances": 0}, False),
    ({"min_instances": 3, "max_instances": 3}, True),
    ({"min_instances": 4, "max_instances": 3}, False),
    ({"min_instances": 40}, True),  # no max: the provider's default cap applies
])
def test_concurrency_ranges(concurrency, valid):
    if valid:
        make(concurrency=concurrency)
    else:
        with pytest.raises(ValidationError):
            make(concurrency=concurrency)


def test_defaults_raise_no_neutral_findings():
    assert neutral(make()) == []


def test_vpc_egress_needs_a_network_somewhere():
    assert neutral(make(network={"egress": "vpc"}))[0] == ("spec-vpc-settings", Severity.ERROR, "network.egress")
    assert neutral(make(network={"egress": "vpc"}, providers={"gcp": {"network": "default"}})) == []
    assert neutral(make(network={"egress": "vpc"}, providers={"aws": {"subnet_ids": ["s-1"]}})) == []


def test_open_auth_without_ingress_warns():
    assert neutral(make(network={"ingress": "none", "auth": "none"})) == [
        ("spec-auth-unreachable", Severity.WARNING, "network.auth")]
    assert neutral(make(network={"ingress": "public", "auth": "none"})) == []


def test_secret_and_environment_clash():
    spec = make(environment={"DB": "x"}, secrets={"DB": {"aws": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}})
    assert ("spec-secret-clash", Severity.ERROR, "secrets.DB") in neutral(spec)


@pytest.mark.parametrize(("value", "expected"), [("x86_64", "x86_64"), ("AMD64", "x86_64"), ("aarch64", "arm64"),
                                                 ("ARM64", "arm64")])
def test_architecture_aliases(value, expected):
    assert make(architecture=value).architecture == expected


def test_booleans_in_text_fields_must_be_quoted():
    with pytest.raises(ValidationError, match="quote it"):
        make(environment={"DEBUG": True})
    assert make(environment={"COUNT": 3, "RATIO": 0.5}).environment == {"COUNT": "3", "RATIO": "0.5"}


def test_target_providers():
    assert target_providers(make(), None) == ["aws-lambda", "azure-functions", "gcp-cloud-run"]
    named = make(providers={"gcp": {"project": "p"}, "aws": {"region": "us-east-1"}})
    assert target_providers(named, None) == ["aws-lambda", "gcp-cloud-run"]
    assert target_providers(named, ["azure", "aws", "aws-lambda"]) == ["azure-functions", "aws-lambda"]


def test_unknown_provider_raises():
    with pytest.raises(UnknownProviderError, match="'ibm'"):
        validate(make(), ["ibm"])


TEXT = st.text(max_size=12)
SPECS = st.builds(
    FunctionSpec,
    name=st.text(min_size=1, max_size=70),
    image=st.sampled_from([ECR, "europe-docker.pkg.dev/a/b/c:1", "gcr.io/a/b", "docker.io/a/b:1",
                           "acme.azurecr.io/a:1"]) | st.text(min_size=1, max_size=40),
    image_contract=st.sampled_from(["http", "lambda-runtime-api", "azure-functions-host"]),
    memory=st.integers(1, 10**6),
    timeout=st.integers(1, 10**6),
    cpu=st.none() | st.sampled_from([0.08, 0.5, 1, 2, 4, 6, 8]) | st.floats(0.001, 1e4),
    architecture=st.sampled_from(["x86_64", "arm64"]),
    ephemeral_storage=st.none() | st.integers(1, 10**5),
    concurrency=st.fixed_dictionaries({"min_instances": st.integers(0, 3000), "per_instance": st.integers(1, 3000)}),
    network=st.fixed_dictionaries({"ingress": st.sampled_from(["public", "internal", "none"]),
                                   "auth": st.sampled_from(["iam", "none"]),
                                   "egress": st.sampled_from(["default", "vpc"])}),
    environment=st.dictionaries(TEXT, TEXT, max_size=4),
    secrets=st.dictionaries(TEXT, st.fixed_dictionaries({"aws": st.none() | TEXT, "gcp": st.none() | TEXT}),
                            max_size=2),
    tags=st.dictionaries(TEXT, TEXT, max_size=4),
    providers=st.fixed_dictionaries({
        "aws": st.none() | st.fixed_dictionaries({"region": st.none() | TEXT, "role": st.none() | TEXT}),
        "azure": st.none() | st.fixed_dictionaries({"plan": st.sampled_from(
            ["consumption", "flex-512", "flex-2048", "flex-4096", "EP1", "EP2", "EP3", "bogus"])}),
        "gcp": st.none() | st.fixed_dictionaries({"network": st.none() | TEXT}),
    }),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SPECS)
def test_validate_never_raises_on_a_spec(spec):
    report = validate(spec, ["aws", "azure", "gcp"])
    assert report.providers == ["aws-lambda", "azure-functions", "gcp-cloud-run"]
    for finding in report:
        assert finding.message and finding.rule
        assert finding.provider in {None, *report.providers}
