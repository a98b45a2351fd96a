"""Statements in the docs that are easy to get wrong, checked against what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from polycloud import FunctionSpec, registry
from polycloud.cli import main

ROOT = Path(__file__).resolve().parents[2]


def readme_spec() -> FunctionSpec:
    import yaml

    block = re.search(r"```yaml\n(# polycloud.yaml\n.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"),
                      re.DOTALL)
    assert block is not None
    return FunctionSpec.model_validate(yaml.safe_load(block[1]))


@pytest.mark.parametrize(("provider", "section", "settings"), [
    ("aws-lambda", "aws", {"region": "us-east-1"}),
    ("gcp-cloud-run", "gcp", {"project": "acme", "region": "europe-west1"}),
])
def test_the_round_trip_of_architecture_md(provider: str, section: str, settings: dict[str, str]) -> None:
    """docs/architecture.md: other providers' sections are dropped and providers.<p>.image comes back as image."""
    spec = readme_spec()
    assert spec.named_providers() == ["aws-lambda", "gcp-cloud-run"]
    adapter = registry.load(provider)(**settings)
    back = adapter.to_spec(adapter.translate(spec)).spec
    assert back != spec
    own = getattr(spec.providers, section)
    expected = spec.model_copy(update={
        "image": spec.image_for(section),
        "providers": spec.providers.model_copy(update={
            s: (own.model_copy(update={"image": None}) if s == section else None) for s in ("aws", "azure", "gcp")}),
    })
    assert back == expected
    assert "other providers under `providers:` are dropped" in \
        " ".join((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").split())


def test_the_missing_location_message_azure_md_quotes(tmp_path: Path, fresh_sandbox: None,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "polycloud.yaml"
    spec.write_text("name: hello-api\nimage: acme.azurecr.io/hello-api:1.0.0\nnetwork: {auth: none}\n"
                    "providers:\n  azure: {subscription_id: 00000000-0000-0000-0000-000000000000, "
                    "resource_group: rg}\n", encoding="utf-8")
    assert main(["-q", "plan", str(spec), "-p", "azure", "--sandbox"]) == 2
    printed = capsys.readouterr().err.strip()
    assert printed.startswith("polycloud: error: location is not set")
    assert f"`{printed}`" in (ROOT / "docs" / "azure.md").read_text(encoding="utf-8")
