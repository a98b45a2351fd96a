"""Property, for all three adapters: for any valid spec, translate -> to_spec equals it on every field the
portability report calls exact, and differs exactly where the report says (no silent loss); the same holds
when the spec migrates to each other adapter."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from polycloud import FunctionSpec, portability, registry, validate
from polycloud.migration import Status
from polycloud.migration.paths import field_paths, get_path
from tests.property.specs import aws_specs, azure_specs, gcp_specs

STRATEGIES = {"aws-lambda": aws_specs, "azure-functions": azure_specs, "gcp-cloud-run": gcp_specs}
PLACES: dict[str, dict[str, Any]] = {
    "aws-lambda": {"region": "us-east-1", "subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"]},
    "gcp-cloud-run": {"project": "proj", "region": "europe-west1", "network": "default"},
    "azure-functions": {"subscription_id": "00000000-0000-0000-0000-000000000000", "resource_group": "rg",
                        "location": "westeurope", "registry_managed_identity": True,
                        "subnet_id": "/subscriptions/0/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/"
                                     "v/subnets/s"},
}
"""Where the migrated function goes (its network too, for specs with VPC egress)."""
IMAGES = {"aws-lambda": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
          "gcp-cloud-run": "europe-docker.pkg.dev/proj/apps/app:1", "azure-functions": "acme.azurecr.io/app:1"}
SECRETS = {"aws-lambda": "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf",
           "gcp-cloud-run": "projects/proj/secrets/s/versions/1",
           "azure-functions": "https://vault1.vault.azure.net/secrets/s"}


def _valid(document: dict[str, Any], provider: str) -> FunctionSpec:
    try:
        spec = FunctionSpec.model_validate(document)
    except ValueError:
        assume(False)
        raise
    assume(validate(spec, [provider]).ok)  # the neutral rules too (an env var and a secret of one name...)
    return spec


def _read_back(spec: FunctionSpec, provider: str) -> dict[str, Any]:
    cls = registry.load(provider)
    adapter = cls(**cls.settings_from(spec))
    return adapter.to_spec(adapter.translate(spec)).spec.model_dump(mode="json")


def _tag(document: dict[str, Any], path: str) -> Any:
    value = get_path(document, path)
    if value is None and path.startswith("tags."):  # a label the target lowercased
        value = (document.get("tags") or {}).get(path.removeprefix("tags.").lower())
    return value


@pytest.mark.parametrize("provider", list(STRATEGIES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_report_matches_the_round_trip(provider: str, data: st.DataObject) -> None:
    spec = _valid(data.draw(STRATEGIES[provider]()), provider)
    report = portability(spec, provider)
    source, back = spec.model_dump(mode="json"), _read_back(spec, provider)
    source["image"] = spec.image_for(registry.load(provider).section)  # the image the provider runs
    assert not report.refused
    rows = {row.field: row for row in report.rows}
    for path in field_paths(spec):
        row = rows[path]
        same = _tag(back, path) == get_path(source, path)
        if row.status == Status.EXACT:
            assert same, (path, row)
        else:
            assert not same or row.status == Status.EMULATED, (path, row)
            assert row.message, path


@pytest.mark.parametrize(("source", "target"), [(s, t) for s in STRATEGIES for t in STRATEGIES if s != t])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_migrated_exact_rows_read_back_equal(source: str, target: str, data: st.DataObject) -> None:
    spec = _valid(data.draw(STRATEGIES[source]()), source)
    report = portability(spec, target, providers=PLACES[target], image=IMAGES[target], fit=True,
                         secrets={name: SECRETS[target] for name in spec.secrets})
    rows = {row.field: row for row in report.rows}
    assert set(field_paths(spec)) <= set(rows)
    if any("not read back" in row.message for row in report.rows):
        assert report.refused  # the target refuses the spec before translating it: nothing is called exact
        return
    assert report.spec is not None
    source_doc = spec.model_dump(mode="json")
    source_doc["image"] = spec.image_for(registry.load(source).section)
    back = _read_back(report.spec, target)
    for path in field_paths(spec):
        if path.startswith("secrets."):
            continue  # a secret always changes store: its reference differs by design (adjusted or emulated)
        row, same = rows[path], _tag(back, path) == get_path(source_doc, path)
        if row.status == Status.EXACT:
            assert same, (path, row)
        else:
            assert row.message, (path, row)
            assert not same or row.status in (Status.EMULATED, Status.REFUSED) or row.rule, (path, row)
    assert all(rows[p].status != Status.EXACT for p in field_paths(spec) if p.startswith("secrets."))
