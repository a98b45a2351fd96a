"""The public API's shape (issue 8): specs as mappings, adapter settings passed explicitly, one name for limit
overrides, and polycloud.plan the function (implementation modules are private)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

import polycloud
from polycloud import SpecError, deploy, plan, validate
from polycloud.testing import sandbox

SPEC: dict[str, Any] = {"name": "hello-api", "image": "europe-docker.pkg.dev/acme/apps/hello-api:1",
                        "providers": {"gcp": {"project": "acme", "region": "europe-west1"}}}


@pytest.fixture
def on_gcp() -> Any:
    sandbox.reset()
    yield sandbox.sandbox_settings("gcp-cloud-run")
    sandbox.reset()


def test_a_spec_can_be_a_plain_mapping(on_gcp: dict[str, Any]) -> None:
    assert deploy(SPEC, "gcp", settings=on_gcp).action == "created"
    assert plan(SPEC, "gcp", settings=on_gcp).action == "unchanged"
    with pytest.raises(SpecError) as caught:
        deploy({**SPEC, "port": "eighty"}, "gcp", settings=on_gcp)
    assert [f.path for f in caught.value.report.errors] == ["port"]


def test_adapter_settings_as_keywords_still_work_but_are_deprecated(on_gcp: dict[str, Any]) -> None:
    with pytest.warns(DeprecationWarning, match=r"settings=\{\.\.\.\}"):
        assert deploy(SPEC, "gcp", **on_gcp).action == "created"
    with pytest.warns(DeprecationWarning, match="settings="):
        assert plan(SPEC, "gcp", **on_gcp).action == "unchanged"


def test_limit_overrides_is_the_one_name_and_limits_is_deprecated() -> None:
    aws = {"name": "hello-api", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1", "memory": "11GiB"}
    overrides = {"aws-lambda": {"common": {"memory": {"max": 12288}}}}
    assert not validate(aws, ["aws"]).ok
    assert validate(aws, ["aws"], limit_overrides=overrides).ok
    with pytest.warns(DeprecationWarning, match="limit_overrides="):
        assert validate(aws, ["aws"], limits=overrides).ok


def test_polycloud_plan_is_the_function_and_the_modules_are_private() -> None:
    assert polycloud.plan is plan and callable(polycloud.plan)
    for private in ("polycloud._plan", "polycloud._deploy", "polycloud._validate"):
        importlib.import_module(private)
    for public_name in ("polycloud.plan", "polycloud.deploy", "polycloud.validate"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(public_name)
