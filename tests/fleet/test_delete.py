"""``polycloud delete`` and ``polycloud.delete``: what polycloud owns is deleted, what it does not is refused unless
adopted, and a dry run writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from polycloud import Deleted, NotFoundError, OwnershipError, delete, list_functions
from polycloud.testing.sandbox import open_sandbox

from .conftest import AREA, PROVIDERS, WHERE, Cli, fleet_spec, made_by_hand, settings_of, write_specs


def _names(provider: str) -> list[str]:
    return [row.name for row in list_functions(provider, settings={**WHERE[provider], **settings_of(provider)})]


def _writes(provider: str) -> int:
    fake = open_sandbox(server=False).fake(provider)
    return len(fake.writes)


@PROVIDERS
def test_delete_refuses_what_polycloud_does_not_own_unless_adopted(cli: Cli, provider: str) -> None:
    made_by_hand(provider, "theirs")
    before = _writes(provider)
    refused = cli("delete", "theirs", "-p", provider, "--sandbox", *AREA[provider])
    assert refused.code == 3
    assert "polycloud did not create it" in refused.err and "--set adopt=true" in refused.err
    assert _writes(provider) == before and _names(provider) == ["theirs"]
    adopted = cli("delete", "theirs", "-p", provider, "--sandbox", "--set", "adopt=true", "-f", "json",
                  *AREA[provider])
    assert adopted.code == 0, adopted.err
    assert adopted.json()["deleted"] is True and adopted.json()["owned"] is False
    assert _names(provider) == []


@PROVIDERS
def test_delete_deletes_what_polycloud_owns_and_a_dry_run_writes_nothing(cli: Cli, tmp_path: Path,
                                                                        provider: str) -> None:
    (path,) = write_specs(tmp_path, [fleet_spec("ours")])
    assert cli("deploy", path, "-p", provider, "--sandbox").code == 0
    before = _writes(provider)
    dry = cli("delete", "ours", "-p", provider, "--sandbox", "--dry-run", *AREA[provider])
    assert dry.code == 0 and dry.out.startswith(f"would delete {open_sandbox(server=False).adapter_for(provider).name}"
                                                " ours (dry run: nothing was deleted)")
    assert _writes(provider) == before and _names(provider) == ["ours"]
    done = cli("delete", "ours", "-p", provider, "--sandbox", *AREA[provider])
    assert done.code == 0 and done.out.startswith("deleted ")
    assert _names(provider) == []


def test_delete_of_a_missing_function_is_exit_3_and_says_so(cli: Cli) -> None:
    ran = cli("delete", "nowhere", "-p", "aws", "--sandbox", "-f", "json")
    assert ran.code == 3
    assert ran.json()["error"]["message"].startswith("nowhere does not exist")


def test_delete_in_python(clouds: None) -> None:
    made_by_hand("gcp", "theirs")
    settings = {**WHERE["gcp"], **settings_of("gcp")}
    with pytest.raises(OwnershipError) as caught:
        delete("theirs", "gcp", settings=settings)
    assert caught.value.code == "NotOwned"
    planned = delete("theirs", "gcp", dry_run=True, settings={"adopt": True, **settings})
    assert planned == Deleted(provider="gcp-cloud-run", name="theirs", owned=False,
                              resource_id="projects/acme/locations/europe-west1/services/theirs", dry_run=True,
                              notes=planned.notes)
    assert _names("gcp") == ["theirs"]
    delete("theirs", "gcp", settings={"adopt": True, **settings})
    with pytest.raises(NotFoundError):
        delete("theirs", "gcp", settings=settings)
