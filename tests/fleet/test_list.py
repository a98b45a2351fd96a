"""``polycloud list`` and ``list_functions``: every function where the provider's settings point, polycloud's
and others', with image, memory and URL, on each provider's fake (every page of the listing read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from polycloud import Listed, list_functions
from polycloud.testing.sandbox import open_sandbox

from .conftest import AREA, IMAGES, PROVIDERS, Cli, fleet_spec, made_by_hand, settings_of, write_specs

MEMORY_BY_HAND = {"aws": 256, "azure": 7168, "gcp": 256}
"""What the hand-made function has: 256 MiB on Lambda and Cloud Run; EP2's instance size on Azure."""
MEMORY_DEPLOYED = {"aws": 512, "azure": 3584, "gcp": 512}


@PROVIDERS
def test_list_shows_owned_and_not_owned_functions_with_image_memory_and_url(cli: Cli, tmp_path: Path,
                                                                            provider: str) -> None:
    (path,) = write_specs(tmp_path, [fleet_spec("ours")])
    assert cli("deploy", path, "-p", provider, "--sandbox", "--no-pin").code == 0  # the tag, as the hand-made one
    made_by_hand(provider, "theirs")
    ran = cli("list", "-p", provider, "--sandbox", "-f", "json", *AREA[provider])
    assert ran.code == 0, ran.err
    rows = {row["name"]: row for row in ran.json()["functions"]}
    assert sorted(rows) == ["ours", "theirs"]
    assert (rows["ours"]["owned"], rows["theirs"]["owned"]) == (True, False)
    assert rows["ours"]["image"] == rows["theirs"]["image"] == IMAGES[provider]
    assert (rows["ours"]["memory"], rows["theirs"]["memory"]) == (MEMORY_DEPLOYED[provider], MEMORY_BY_HAND[provider])
    assert rows["ours"]["url"].startswith("https://") and rows["theirs"]["resource_id"]
    text = cli("list", "-p", provider, "--sandbox", *AREA[provider])
    lines = {line.split()[0]: line.split() for line in text.out.splitlines()[1:-1]}
    assert (lines["ours"][1], lines["theirs"][1]) == ("yes", "no")
    assert text.out.splitlines()[-1] == "2 functions, 1 owned by polycloud"


@PROVIDERS
def test_an_empty_area_lists_nothing(cli: Cli, provider: str) -> None:
    ran = cli("list", "-p", provider, "--sandbox", *AREA[provider])
    assert (ran.code, ran.out) == (0, f"no functions on {open_sandbox(server=False).adapter_for(provider).name} "
                                      "here\n")


def test_lambda_listing_reads_every_page_and_lists_zip_functions_without_an_image(clouds: None) -> None:
    """ListFunctions answers 50 functions at most per call (the extended moto too): 53 need two pages."""
    settings = settings_of("aws")
    role = settings["iam_client"].create_role(RoleName="zip-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    for index in range(53):
        settings["client"].create_function(FunctionName=f"zip-{index:02d}", Runtime="python3.12", Handler="a.b",
                                           Role=role, Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
    first = settings["client"].list_functions()
    assert len(first["Functions"]) == 50 and first["NextMarker"]  # the fake pages as Lambda does
    found = list_functions("aws", settings=settings)
    assert [row.name for row in found] == [f"zip-{index:02d}" for index in range(53)]
    assert found[0] == Listed(name="zip-00", owned=False, image=None, memory=128, url=None,
                              resource_id=found[0].resource_id)


def test_azure_listing_follows_next_links_skips_web_apps_and_reads_the_image_the_list_leaves_out(
        cli: Cli, tmp_path: Path) -> None:
    arm = open_sandbox(server=False).fake("azure")
    arm.list_page_size = 2
    paths = write_specs(tmp_path, [fleet_spec(f"app-{index}") for index in range(3)])
    assert cli("deploy", *paths, "-p", "azure", "--sandbox", "--jobs", "3", "--no-pin").code == 0
    web = settings_of("azure")["client"]
    plan_id = web.web_apps.get("rg-fleet", "app-0").server_farm_id
    web.web_apps.begin_create_or_update("rg-fleet", "a-web-app", {
        "location": "westeurope", "kind": "app,linux", "properties": {"serverFarmId": plan_id}}).result()
    listing = web.web_apps.list_by_resource_group("rg-fleet")
    assert all(site.site_config is None for site in listing)  # ARM's list leaves siteConfig out
    found = list_functions("azure", settings={"resource_group": "rg-fleet", **settings_of("azure")})
    assert [(row.name, row.image) for row in found] == [(f"app-{index}", IMAGES["azure"]) for index in range(3)]


def test_cloud_run_listing_reads_every_page(cli: Cli, tmp_path: Path) -> None:
    run = open_sandbox(server=False).fake("gcp")
    run.list_page_size = 2
    paths = write_specs(tmp_path, [fleet_spec(f"svc-{index}") for index in range(5)])
    assert cli("deploy", *paths, "-p", "gcp", "--sandbox").code == 0
    run.reset_calls()
    found = list_functions("gcp", settings={"project": "acme", "region": "europe-west1", **settings_of("gcp")})
    assert [row.name for row in found] == [f"svc-{index}" for index in range(5)]
    assert all(row.owned and row.memory == 512 for row in found)
    assert [call.query.get("pageToken") for call in run.calls] == [None, "2", "4"]


def test_list_needs_the_area_it_lists(cli: Cli) -> None:
    ran = cli("list", "-p", "gcp", "--sandbox")
    assert ran.code == 2 and "providers.gcp.project" in ran.err


def test_an_adapter_that_cannot_list_is_a_clear_error(clouds: None) -> None:
    from polycloud import AdapterError
    from polycloud.adapter import BaseAdapter
    from polycloud_aws import LambdaAdapter

    class OlderAdapter(LambdaAdapter):  # a third-party adapter written before list: the base's answer
        list = BaseAdapter.list

    class BareAdapter:  # one on the bare protocol, without list
        name = "bare"

    with pytest.raises(AdapterError, match="cannot list functions"):
        list_functions(OlderAdapter(**settings_of("aws")))
    with pytest.raises(AdapterError, match="bare adapter cannot list functions"):
        list_functions(BareAdapter())  # type: ignore[arg-type]
