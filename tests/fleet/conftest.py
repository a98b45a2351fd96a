"""Fixtures of the fleet tests: the in-process CLI and sandbox of the migration tests, spec files of a fleet,
and functions made by hand (not by polycloud) on each provider's fake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from polycloud.testing.sandbox import open_sandbox
from tests.migration.conftest import Cli, Ran, cli, clouds

__all__ = ["AREA", "PROVIDERS", "WHERE", "Cli", "Ran", "cli", "clouds", "fleet_spec", "made_by_hand", "settings_of",
           "write_specs"]

IMAGES = {"aws": "123456789012.dkr.ecr.us-east-1.amazonaws.com/fleet:1",
          "azure": "acme.azurecr.io/fleet:1", "gcp": "europe-docker.pkg.dev/acme/apps/fleet:1"}
AREA = {"aws": ["--region", "us-east-1"], "azure": ["--resource-group", "rg-fleet"],
        "gcp": ["--project", "acme", "--region", "europe-west1"]}
"""The CLI flags that point ``list`` and ``delete`` where the fleet's specs deploy."""
WHERE: dict[str, dict[str, Any]] = {"aws": {}, "azure": {"resource_group": "rg-fleet"},
                                    "gcp": {"project": "acme", "region": "europe-west1"}}
"""The same as adapter settings."""


def fleet_spec(name: str, **fields: Any) -> dict[str, Any]:
    """A spec of the fleet, deployable to each of the three providers."""
    return {"name": name, "image": IMAGES["aws"], "memory": "512MiB", "timeout": "30s",
            "network": {"ingress": "public", "auth": "none"}, "tags": {"team": "fleet"},
            "providers": {"aws": {"region": "us-east-1"},
                          "azure": {"subscription_id": "00000000-0000-0000-0000-000000000000",
                                    "resource_group": "rg-fleet", "location": "westeurope", "plan": "EP1",
                                    "image": IMAGES["azure"]},
                          "gcp": {"project": "acme", "region": "europe-west1", "image": IMAGES["gcp"]}},
            **fields}


def write_specs(directory: Path, specs: list[dict[str, Any]]) -> list[str]:
    """Each spec as ``<name>.yaml`` in ``directory``; returns the paths in order."""
    paths = []
    for spec in specs:
        path = directory / f"{spec['name']}.yaml"
        path.write_text(yaml.safe_dump(spec), encoding="utf-8")
        paths.append(str(path))
    return paths


def settings_of(provider: str) -> dict[str, Any]:
    """The in-process sandbox's adapter settings for ``provider`` (a section name)."""
    return open_sandbox(server=False).settings(provider)


def made_by_hand(provider: str, name: str) -> None:
    """A function ``name`` made without polycloud (no ownership mark) on ``provider``'s fake, where the
    fleet's specs deploy: what a console, a CLI or Terraform would have made."""
    settings = settings_of(provider)
    if provider == "aws":
        role = settings["iam_client"].create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")
        settings["client"].create_function(FunctionName=name, PackageType="Image", Code={"ImageUri": IMAGES["aws"]},
                                           Role=role["Role"]["Arn"], Description="hand-made", MemorySize=256)
    elif provider == "azure":
        web = settings["client"]
        farm = web.app_service_plans.begin_create_or_update("rg-fleet", f"{name}-plan", {
            "location": "westeurope", "kind": "elastic", "sku": {"name": "EP2", "tier": "ElasticPremium"},
            "properties": {"reserved": True}}).result()
        web.web_apps.begin_create_or_update("rg-fleet", name, {
            "location": "westeurope", "kind": "functionapp,linux,container", "tags": {"team": "theirs"},
            "properties": {"serverFarmId": farm.id, "reserved": True,
                           "siteConfig": {"linuxFxVersion": f"DOCKER|{IMAGES['azure']}"}}}).result()
    else:
        from google.cloud import run_v2

        from polycloud.testing.gcp import fast_polling

        body = {"annotations": {"team.example.com/owner": "payments"},
                "template": {"containers": [{"image": IMAGES["gcp"],
                                             "resources": {"limits": {"cpu": "1", "memory": "256Mi"}}}]}}
        settings["client"].create_service(parent="projects/acme/locations/europe-west1",
                                          service=run_v2.Service.from_json(json.dumps(body)), service_id=name,
                                          retry=None).result(polling=fast_polling())


PROVIDERS = pytest.mark.parametrize("provider", ["aws", "azure", "gcp"])
