"""Fleet deploys and migrations (``deploy_all``, ``migrate_all``, ``deploy FILE... --jobs N``, ``migrate NAME...
--jobs N``): one failure never stops the others, the summary names it, the exit code reflects it, and running
in parallel ends in the same state, with the same calls per function, as running one at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from polycloud import FleetResult, NotFoundError, OwnershipError, SpecError, deploy_all, export, migrate_all
from polycloud.cli import main
from polycloud.testing import sandbox

from .conftest import PROVIDERS, WHERE, Cli, fleet_spec, made_by_hand, settings_of, write_specs

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/"
TO_GCP = ["--target-setting", "project=acme", "--target-setting", "region=europe-west1",
          "--image-map", f"{ECR}=europe-docker.pkg.dev/acme/apps/"]


def _fleet(tmp_path: Path, *, bad: int | None = None, count: int = 5) -> list[str]:
    specs = [fleet_spec(f"fn-{index}") for index in range(count)]
    if bad is not None:
        specs[bad]["memory"] = "99GiB"  # above every provider's maximum
    return write_specs(tmp_path, specs)


@PROVIDERS
def test_one_bad_spec_in_the_middle_fails_alone(clouds: None, tmp_path: Path, provider: str) -> None:
    paths = _fleet(tmp_path, bad=2)
    results = deploy_all(paths, provider, jobs=3, settings=settings_of(provider))
    assert [r.item for r in results] == paths  # input order, whatever order they finished in
    assert [r.ok for r in results] == [True, True, False, True, True]
    assert isinstance(results[2].error, SpecError) and results[2].exit_code == 1
    assert "memory 99GiB" in results[2].describe_error() and results[2].result is None
    assert all(r.deployment is not None and r.deployment.action == "created" for r in results if r.ok)
    section = WHERE[provider]
    with pytest.raises(NotFoundError):
        export("fn-2", provider, settings={**section, **settings_of(provider)})
    assert export("fn-4", provider, settings={**section, **settings_of(provider)}).spec.name == "fn-4"


def test_cli_fleet_deploy_prints_a_summary_and_exits_with_the_worst_items_code(cli: Cli, tmp_path: Path) -> None:
    paths = _fleet(tmp_path, bad=1, count=3)
    made_by_hand("gcp", "fn-2")  # not polycloud's: that deploy is refused (exit 3 beats a spec's 1)
    ran = cli("deploy", *paths, "-p", "gcp", "--sandbox", "--jobs", "2")
    assert ran.code == 3
    lines = ran.out.splitlines()
    assert lines[0].split() == ["ITEM", "RESULT", "DETAIL"]
    assert lines[1].split()[:2] == [paths[0], "created"]
    assert lines[2].split()[:2] == [paths[1], "FAILED"] and "memory 99GiB" in lines[2]
    assert lines[3].split()[:2] == [paths[2], "FAILED"] and "polycloud did not create it" in lines[3]
    assert lines[-1].startswith("deploy: 1 of 3 ok, 2 failed (") and lines[-1].endswith("--jobs 2)")
    as_json = cli("deploy", *paths, "-p", "gcp", "--sandbox", "--jobs", "2", "-f", "json")
    summary = as_json.json()
    assert (as_json.code, summary["ok"], summary["succeeded"], summary["failed"]) == (3, False, 1, 2)
    assert summary["results"][0]["result"]["action"] == "unchanged"
    assert [r["error"]["exit_code"] for r in summary["results"][1:]] == [1, 3]
    assert summary["results"][2]["error"]["type"] == "OwnershipError"


def test_cli_fleet_of_good_specs_exits_0_and_a_single_file_keeps_the_single_output(cli: Cli, tmp_path: Path) -> None:
    paths = _fleet(tmp_path, count=3)
    ran = cli("deploy", *paths, "-p", "aws", "--sandbox")
    assert ran.code == 0 and ran.out.splitlines()[-1].startswith("deploy: 3 of 3 ok, 0 failed")
    single = cli("deploy", paths[0], "-p", "aws", "--sandbox")
    assert single.code == 0 and single.out.startswith("deploy aws-lambda fn-0: unchanged")


def _state(provider: str) -> dict[str, dict[str, object]]:
    adapter = sandbox.open_sandbox(server=False).adapter_for(provider, **WHERE[provider])
    return {row.name: export(row.name, adapter).spec.model_dump(mode="json") for row in adapter.list()}


def _calls(provider: str) -> int:
    fake = sandbox.open_sandbox(server=False).fake(provider)
    return len(fake.calls)


@PROVIDERS
def test_jobs_above_one_end_in_the_same_state_with_the_same_calls_as_one_at_a_time(
        clouds: None, tmp_path: Path, provider: str) -> None:
    paths = _fleet(tmp_path, count=6)
    finals, calls = [], []
    for jobs in (1, 4):
        sandbox.reset()
        made_by_hand(provider, "fn-3")  # the same refusal in both runs
        before = _calls(provider)
        results = deploy_all(paths, provider, jobs=jobs, settings=settings_of(provider))
        assert [r.ok for r in results] == [True, True, True, False, True, True]
        assert isinstance(results[3].error, OwnershipError)
        calls.append(_calls(provider) - before)
        finals.append(_state(provider))
    assert finals[0] == finals[1] and sorted(finals[0]) == [f"fn-{index}" for index in range(6)]
    assert calls[0] == calls[1]  # parallelism changes when calls are made, not which


def test_jobs_must_be_at_least_one(clouds: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        deploy_all([], "aws", jobs=0)
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        main(["deploy", *_fleet(tmp_path, count=2), "-p", "aws", "--sandbox", "--jobs", "0"])
    assert exited.value.code == 2 and "--jobs must be at least 1, not 0" in capsys.readouterr().err


def test_migrate_all_migrates_each_name_and_a_missing_one_fails_alone(clouds: None, tmp_path: Path) -> None:
    deploy_all(_fleet(tmp_path, count=3), "aws", settings=settings_of("aws"))
    results = migrate_all(["fn-0", "missing", "fn-2"], "aws", "gcp", jobs=2,
                          source_settings=settings_of("aws"), target_settings=settings_of("gcp"),
                          providers={"project": "acme", "region": "europe-west1"},
                          image_map={ECR: "europe-docker.pkg.dev/acme/apps/"})
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, NotFoundError) and results[1].exit_code == 3
    assert all(isinstance(r, FleetResult) for r in results)
    assert results[2].deployment is not None and results[2].deployment.provider == "gcp-cloud-run"
    assert export("fn-2", "gcp",
                  settings={"project": "acme", "region": "europe-west1", **settings_of("gcp")}).spec.image == (
        "europe-docker.pkg.dev/acme/apps/fleet:1")
    with pytest.raises(ValueError, match="new_name"):
        migrate_all(["fn-0", "fn-1"], "aws", "gcp", new_name="one")


def test_cli_migrate_over_many_names(cli: Cli, tmp_path: Path) -> None:
    assert cli("deploy", *_fleet(tmp_path, count=2), "-p", "aws", "--sandbox").code == 0
    ran = cli("migrate", "fn-0", "nope", "fn-1", "--from", "aws", "--to", "gcp", "--sandbox", "--jobs", "2", *TO_GCP)
    assert ran.code == 3
    rows = [line.split()[:2] for line in ran.out.splitlines()[1:4]]
    assert rows == [["fn-0", "created"], ["nope", "FAILED"], ["fn-1", "created"]]
    assert ran.out.splitlines()[-1].startswith("migrate: 2 of 3 ok, 1 failed")
    renamed = cli("migrate", "fn-0", "fn-1", "--from", "aws", "--to", "gcp", "--sandbox", "--name", "x", *TO_GCP)
    assert renamed.code == 2 and "--name renames one function" in renamed.err
