"""Property, for all three adapters: for any valid spec, translate -> to_spec equals it on every field the
portability report calls exact, and differs exactly where the report says (no silent loss); the same holds
when the spec migrates to each other adapter."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from polycloud import FunctionSpec, portability, registry
from polycloud.findings import Severity
from polycloud.migration import Status
from polycloud.migration.paths import field_paths, get_path
from tests.property.specs import aws_specs, azure_specs, gcp_specs

STRATEGIES = {"aws-lambda": aws_specs, "azure-functions": azure_specs, "gcp-cloud-run": gcp_specs}
PLACES = {"aws-lambda": {"region": "us-east-1", "subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"]},
          "gcp-cloud-run": {"project": "proj", "region": "europe-west1", "network": "default"},
          "azure-functions": {"subscription_id": "00000000-0000-0000-0000-000000000000", "resource_group": "rg",
                              "location": "westeurope", "subnet_id": "/subscriptions/0/resourceGroups/n/providers/"
                              "Microsoft.Network/virtualNetworks/v/subnets/s"}}
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
    cls = registry.load(provider)
    assume(not [f for f in cls(**cls.settings_from(spec)).check(spec) if f.severity == Severity.ERROR])
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
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
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
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_migrated_exact_rows_read_back_equal(source: str, target: str, data: st.DataObject) -> None:
    spec = _valid(data.draw(STRATEGIES[source]()), source)
    report = portability(spec, target, providers=PLACES[target], image=IMAGES[target], fit=True,
                         secrets={name: SECRETS[target] for name in spec.secrets})
    rows = {row.field: row for row in report.rows}
    assert set(field_paths(spec)) <= set(rows)
    refused = {row.rule for row in report.refused}
    # what no mapping or fit can make valid: a name the target forbids, a contract it cannot run, auth it cannot
    # enforce, variable names it reserves; everything else migrates
    assume(not refused)
    mapped = {row.field for row in report.rows if row.status != Status.EXACT}
    for path, row in rows.items():
        if row.status == Status.EXACT and not path.startswith(("providers.", "secrets.")):
            assert row.target == row.source, (path, row)
    assert all(rows[f].message for f in mapped if rows[f].status != Status.EXACT)
