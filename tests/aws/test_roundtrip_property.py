"""Property: to_spec(translate(s)) == s for every spec Lambda can represent (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from polycloud import FunctionSpec
from polycloud_aws.translate import to_spec, translate

NAMES = st.from_regex(r"[a-zA-Z0-9_-]{1,64}", fullmatch=True)
ENV_NAMES = st.from_regex(r"[A-Z][A-Z0-9_]{1,20}", fullmatch=True).filter(
    lambda n: not n.endswith("_SECRET_ARN") and n != "AWS_LWA_PORT")
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20)


@st.composite
def lambda_specs(draw: st.DrawFn) -> FunctionSpec:
    contract = draw(st.sampled_from(["http", "lambda-runtime-api"]))
    warm = draw(st.integers(0, 5))
    most = draw(st.one_of(st.none(), st.integers(max(warm, 1), 900)))
    ingress = draw(st.sampled_from(["public", "internal"]))
    vpc = draw(st.booleans())
    env = draw(st.dictionaries(ENV_NAMES, TEXT, max_size=4))
    secret_names = st.from_regex(r"S[A-Z0-9_]{1,10}", fullmatch=True).filter(lambda n: n not in env)
    secrets = draw(st.dictionaries(secret_names, st.just(
        {"aws": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf"}), max_size=2))
    data: dict[str, Any] = {
        "name": draw(NAMES),
        "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:" + draw(st.from_regex(r"[a-z0-9]{1,8}",
                                                                                             fullmatch=True)),
        "image_contract": contract,
        "port": draw(st.integers(1, 65535)) if contract == "http" else 8080,
        "memory": draw(st.integers(128, 10240)),
        "timeout": draw(st.integers(1, 900)),
        "architecture": draw(st.sampled_from(["x86_64", "arm64"])),
        "ephemeral_storage": draw(st.one_of(st.none(), st.integers(513, 10240))),
        "concurrency": {"min_instances": warm, "max_instances": most},
        "network": {"ingress": ingress,
                    "auth": draw(st.sampled_from(["iam", "none"])) if ingress == "public" else "iam",
                    "egress": "vpc" if vpc else "default"},
        "environment": env,
        "secrets": secrets,
        "tags": draw(st.dictionaries(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True), TEXT, max_size=3)),
        "providers": {"aws": {
            "region": "us-east-1",
            "role": draw(st.one_of(st.none(), st.just("arn:aws:iam::123456789012:role/app"))),
            "subnet_ids": ["subnet-1", "subnet-2"] if vpc else [],
            "security_group_ids": ["sg-1"] if vpc else [],
            "alias": draw(st.sampled_from(["live", "prod"])),
        }},
    }
    return FunctionSpec.model_validate(data)


@settings(max_examples=150, deadline=None)
@given(lambda_specs())
def test_round_trip(spec: FunctionSpec) -> None:
    assert to_spec(translate(spec), region="us-east-1").spec == spec
