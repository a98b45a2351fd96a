"""`polycloud sandbox`: every bundled example rehearsed on the offline fakes of all three clouds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from polycloud.cli import main
from polycloud.testing import sandbox

EXAMPLES = sorted(str(p) for p in (Path(__file__).resolve().parent.parent / "examples").iterdir()
                  if p.suffix in (".yaml", ".json", ".toml"))


@pytest.fixture(autouse=True)
def _fresh_sandbox() -> Iterator[None]:
    sandbox.reset()
    yield
    sandbox.reset()


def test_every_example_deploys_then_redeploys_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "sandbox", *EXAMPLES, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["provider"] for row in rows} == {"aws-lambda", "azure-functions", "gcp-cloud-run"}
    for row in rows:
        assert (row["error"], row["deploy"], row["redeploy"], row["redeploy_changes"]) == \
            (None, "created", "unchanged", 0), row
    # Azure sizes memory by plan (EP1 = 3.5 GiB), so an export reads the plan's memory back; an http image
    # runs without the Functions host, so its timeout and per-instance concurrency are not Azure's to keep.
    azure = {row["file"].rsplit("/", 1)[-1]: row["export_differs"] for row in rows
             if row["provider"] == "azure-functions"}
    assert azure == {"hello-api.yaml": ["concurrency", "memory", "timeout"], "azure-premium.json": ["memory"]}
    aws = [row for row in rows if row["provider"] == "aws-lambda"]
    assert all(row["export_differs"] == [] for row in aws)


def test_an_invalid_spec_is_refused_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "big.yaml"
    spec.write_text("name: big\nimage: europe-docker.pkg.dev/acme/r/big:1\nmemory: 9GiB\n"
                    "providers: {gcp: {project: acme, region: europe-west1}}\n")
    assert main(["-q", "sandbox", str(spec)]) == 1
    out = capsys.readouterr().out
    assert "refused" in out and "gcp-memory" in out
    assert sandbox.fakes["gcp-cloud-run"].calls == []
