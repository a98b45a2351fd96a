"""FakeArmWeb driven by the real azure-mgmt-web ``WebSiteManagementClient`` (offline, no sleeps)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
)
from azure.mgmt.web import models as m

from polycloud.testing.azure import DEFAULT_SUBSCRIPTION, FakeArmWeb, FakeCredential
from polycloud.testing.fakes import FakeRequest

SUB = DEFAULT_SUBSCRIPTION
RG = "rg-fn"
LOC = "westeurope"
PLAN_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Web/serverfarms/plan1"
SUBNET = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/fn"
OP_MARK = "/operationresults/"


@pytest.fixture
def fake():
    fake = FakeArmWeb()
    with fake.activate():
        yield fake


@pytest.fixture
def client(fake):
    return fake.client()


def new_plan(client, rg=RG, name="plan1", sku="EP1", location=LOC):
    plan = m.AppServicePlan(location=location, kind="elastic", sku=m.SkuDescription(name=sku), reserved=True)
    return client.app_service_plans.begin_create_or_update(rg, name, plan).result()


def new_site(client, name="app1", rg=RG, plan_id=PLAN_ID, location=LOC, settings=None):
    settings = {"FUNCTIONS_EXTENSION_VERSION": "~4", "A": "1"} if settings is None else settings
    site = m.Site(
        location=location,
        kind="functionapp,linux,container",
        server_farm_id=plan_id,
        reserved=True,
        https_only=True,
        tags={"managed-by": "polycloud"},
        identity=m.ManagedServiceIdentity(type="SystemAssigned"),
        site_config=m.SiteConfig(
            linux_fx_version="DOCKER|reg.azurecr.io/img:1",
            app_settings=[m.NameValuePair(name=k, value=v) for k, v in settings.items()],
            function_app_scale_limit=10,
            minimum_elastic_instance_count=1,
            vnet_route_all_enabled=True,
        ),
    )
    return client.web_apps.begin_create_or_update(rg, name, site).result()


def shape(calls):
    """(method, 'op' | last path segment) of each call."""
    return [(c.method, "op" if OP_MARK in c.path.lower() else c.path.rsplit("/", 1)[-1]) for c in calls]


def raw(fake, method, path, body=None, query=None, auth=True):
    headers = {"authorization": "Bearer t"} if auth else {}
    query = {"api-version": "2025-05-01"} if query is None else query
    return fake.handle(FakeRequest(method, path, query=query, headers=headers, body=body))


# -- plans and LROs ----------------------------------------------------------------------------
def test_plan_create_goes_through_a_real_lro():
    fake = FakeArmWeb(lro_polls=2)
    with fake.activate():
        plan = new_plan(fake.client())
    assert shape(fake.calls) == [
        ("PUT", "plan1"),
        ("GET", "op"),
        ("GET", "op"),
        ("GET", "op"),
        ("GET", "plan1"),
    ]
    assert all(c.query["api-version"] == "2025-05-01" for c in fake.calls)
    assert plan.id == PLAN_ID and plan.sku.tier == "ElasticPremium" and plan.reserved is True
    assert fake.plan(RG, "plan1")["properties"]["provisioningState"] == "Succeeded"


def test_resource_is_invisible_until_its_operation_succeeds():
    fake = FakeArmWeb(lro_polls=1)
    path = PLAN_ID
    put = raw(fake, "PUT", path, {"location": LOC, "sku": {"name": "Y1"}})
    assert put.status == 202 and put.body is None and "Retry-After" not in put.headers
    op_url = put.headers["Azure-AsyncOperation"]
    assert op_url.startswith(fake.base_url) and "api-version=2025-05-01" in op_url
    op_path = op_url[len(fake.base_url) :].split("?")[0]
    assert raw(fake, "GET", path).status == 404
    assert raw(fake, "GET", op_path).body["status"] == "InProgress"
    assert raw(fake, "GET", path).status == 404
    assert raw(fake, "GET", op_path).body["status"] == "Succeeded"
    assert raw(fake, "GET", path).body["sku"] == {
        "name": "Y1",
        "tier": "Dynamic",
        "size": "Y1",
        "family": "Y",
        "capacity": 0,
    }


def test_plan_validation(client, fake):
    with pytest.raises(HttpResponseError) as exc:
        client.app_service_plans.begin_create_or_update(RG, "p", {"location": LOC, "sku": {"name": "XX9"}})
    assert exc.value.status_code == 400 and exc.value.error.code == "InvalidSku"
    with pytest.raises(HttpResponseError) as exc:
        client.app_service_plans.begin_create_or_update(RG, "p", {"sku": {"name": "EP1"}})
    assert exc.value.status_code == 400 and exc.value.error.code == "LocationRequired"
    assert fake.plan(RG, "p") is None


def test_failed_operation_raises_and_creates_nothing(client, fake):
    new_plan(client)
    fake.fail_next_operation("Conflict", "plan full")
    with pytest.raises(HttpResponseError, match="plan full"):
        new_site(client)
    assert fake.site(RG, "app1") is None
    site = new_site(client)  # the name was released, and the next operation succeeds
    assert site.name == "app1"


# -- sites ---------------------------------------------------------------------------------------
def test_create_site_with_app_settings(client, fake):
    new_plan(client)
    fake.reset_calls()
    site = new_site(client)
    assert shape(fake.calls) == [("PUT", "app1"), ("GET", "op"), ("GET", "op"), ("GET", "app1")]
    sent = fake.writes[0].body
    assert sent["properties"]["siteConfig"]["appSettings"][0] == {
        "name": "FUNCTIONS_EXTENSION_VERSION",
        "value": "~4",
    }
    assert site.default_host_name == "app1.azurewebsites.net" and site.state == "Running"
    assert site.server_farm_id == PLAN_ID and site.tags == {"managed-by": "polycloud"}
    assert site.identity.principal_id and site.identity.tenant_id
    assert fake.app_settings(RG, "app1") == {"FUNCTIONS_EXTENSION_VERSION": "~4", "A": "1"}
    assert fake.plan(RG, "plan1")["properties"]["numberOfSites"] == 1


def test_get_site_omits_app_settings_but_keeps_site_config(client, fake):
    new_plan(client)
    new_site(client)
    site = client.web_apps.get(RG, "app1")
    assert site.site_config.app_settings is None
    assert site.site_config.linux_fx_version == "DOCKER|reg.azurecr.io/img:1"
    assert site.site_config.function_app_scale_limit == 10
    assert fake.site(RG, "app1")["properties"]["siteConfig"]["appSettings"] is None


def test_names_match_case_insensitively_and_keep_their_case(client, fake):
    new_plan(client)
    new_site(client, name="MyApp")
    site = client.web_apps.get(RG.upper(), "myapp")
    assert site.name == "MyApp" and site.default_host_name == "myapp.azurewebsites.net"
    lowered = raw(fake, "GET", PLAN_ID.lower())
    assert lowered.status == 200 and lowered.body["name"] == "plan1"


@pytest.mark.parametrize("name", ["a", "-abc", "abc-", "a_b", "x" * 61, "ab.c"])
def test_invalid_site_name_is_rejected(client, fake, name):
    new_plan(client)
    with pytest.raises(HttpResponseError) as exc:
        new_site(client, name=name)
    assert exc.value.status_code == 400 and exc.value.error.code == "InvalidSiteName"
    assert fake.site(RG, name) is None


@pytest.mark.parametrize("name", ["ab", "x" * 60, "a-1-b"])
def test_valid_site_name_edges_are_accepted(client, name):
    new_plan(client)
    assert new_site(client, name=name).name == name


def test_site_name_is_globally_unique(client, fake):
    new_plan(client)
    new_plan(client, rg="rg-other")
    new_site(client)
    other_plan = PLAN_ID.replace(RG, "rg-other")
    with pytest.raises(ResourceExistsError) as exc:
        new_site(client, rg="rg-other", plan_id=other_plan)
    assert exc.value.status_code == 409
    assert fake.site("rg-other", "app1") is None


def test_put_on_existing_site_updates_synchronously(client, fake):
    new_plan(client)
    new_site(client)
    fake.reset_calls()
    site = new_site(client, settings={"ONLY": "this"})
    assert shape(fake.calls) == [("PUT", "app1")]
    assert site.default_host_name == "app1.azurewebsites.net"
    assert fake.app_settings(RG, "app1") == {"ONLY": "this"}


def test_site_needs_an_existing_plan_in_the_same_region(client, fake):
    with pytest.raises(ResourceNotFoundError, match="Cannot find ServerFarm"):
        new_site(client)
    new_plan(client)
    with pytest.raises(HttpResponseError) as exc:
        new_site(client, location="northeurope")
    assert exc.value.status_code == 400
    assert new_site(client, location="West Europe").location == "West Europe"


def test_abandoned_create_converges_on_retry(client, fake):
    new_plan(client)
    body = {"location": LOC, "properties": {"serverFarmId": PLAN_ID}}
    assert raw(fake, "PUT", PLAN_ID.replace("serverfarms/plan1", "sites/app1"), body).status == 202
    assert fake.site(RG, "app1") is None  # never polled: still provisioning
    site = new_site(client)  # a retry of the whole create: answered synchronously, as an update
    assert site.name == "app1" and fake.app_settings(RG, "app1")["A"] == "1"
    assert len([c for c in fake.writes if c.method == "PUT" and c.path.endswith("/app1")]) == 2


def test_patch_site_merges(client, fake):
    new_plan(client)
    new_site(client)
    patched = client.web_apps.update(
        RG, "app1", m.SitePatchResource(https_only=False, virtual_network_subnet_id=SUBNET)
    )
    assert fake.writes[-1].method == "PATCH"
    assert patched.https_only is False and patched.virtual_network_subnet_id == SUBNET
    assert patched.server_farm_id == PLAN_ID and patched.site_config.linux_fx_version.startswith("DOCKER|")
    assert patched.tags == {"managed-by": "polycloud"}
    assert fake.app_settings(RG, "app1") == {"FUNCTIONS_EXTENSION_VERSION": "~4", "A": "1"}


# -- app settings and config ---------------------------------------------------------------------
def test_list_and_replace_app_settings(client, fake):
    new_plan(client)
    new_site(client)
    listed = client.web_apps.list_application_settings(RG, "app1")
    assert (
        listed.properties == {"FUNCTIONS_EXTENSION_VERSION": "~4", "A": "1"} and listed.name == "appsettings"
    )
    updated = client.web_apps.update_application_settings(
        RG, "app1", m.StringDictionary(properties={"B": "2"})
    )
    assert fake.writes[-1].body == {"properties": {"B": "2"}}
    assert updated.properties == {"B": "2"}
    assert client.web_apps.list_application_settings(RG, "app1").properties == {"B": "2"}


def test_post_appsettings_list_is_a_read_and_restart_a_write(client, fake):
    new_plan(client)
    new_site(client)
    fake.reset_calls()
    client.web_apps.list_application_settings(RG, "app1")
    client.web_apps.get(RG, "app1")
    assert [(c.method, c.path.rsplit("/", 1)[-1]) for c in fake.reads] == [("POST", "list"), ("GET", "app1")]
    assert fake.writes == []
    client.web_apps.restart(RG, "app1")
    assert [(c.method, c.path.rsplit("/", 1)[-1]) for c in fake.writes] == [("POST", "restart")]
    assert len(fake.reads) + len(fake.writes) == len(fake.calls)


def test_site_config_get_patch_and_put(client, fake):
    new_plan(client)
    new_site(client)
    config = client.web_apps.get_configuration(RG, "app1")
    assert config.linux_fx_version == "DOCKER|reg.azurecr.io/img:1" and config.app_settings is None
    patched = client.web_apps.update_configuration(
        RG, "app1", m.SiteConfigResource(function_app_scale_limit=20)
    )
    assert fake.writes[-1].method == "PATCH"
    assert (
        patched.function_app_scale_limit == 20 and patched.linux_fx_version == "DOCKER|reg.azurecr.io/img:1"
    )
    put = client.web_apps.create_or_update_configuration(
        RG, "app1", m.SiteConfigResource(linux_fx_version="DOCKER|b:2")
    )
    assert put.linux_fx_version == "DOCKER|b:2" and put.function_app_scale_limit is None
    assert client.web_apps.get(RG, "app1").site_config.linux_fx_version == "DOCKER|b:2"
    assert fake.app_settings(RG, "app1")["A"] == "1"


# -- errors and faults ---------------------------------------------------------------------------
def test_missing_resources_raise_resource_not_found(client):
    with pytest.raises(ResourceNotFoundError) as exc:
        client.web_apps.get(RG, "nope")
    assert exc.value.status_code == 404 and exc.value.error.code == "ResourceNotFound"
    with pytest.raises(ResourceNotFoundError):
        client.app_service_plans.get(RG, "nope")
    with pytest.raises(ResourceNotFoundError):
        client.web_apps.list_application_settings(RG, "nope")


@pytest.mark.parametrize(("status", "code"), [(429, "TooManyRequests"), (500, "InternalServerError")])
def test_injected_faults_surface_and_then_clear(client, fake, status, code):
    fake.inject(1, status=status, retry_after=7 if status == 429 else None)
    with pytest.raises(HttpResponseError) as exc:
        new_plan(client)
    assert exc.value.status_code == status and exc.value.error.code == code
    assert exc.value.response.headers.get("Retry-After") == ("7" if status == 429 else None)
    assert fake.plan(RG, "plan1") is None
    assert new_plan(client).name == "plan1"


def test_dropped_connection_raises_service_request_error(client, fake):
    new_plan(client)
    fake.inject(1, drop=True)
    with pytest.raises(ServiceRequestError):
        client.web_apps.get(RG, "app1")
    assert client.app_service_plans.get(RG, "plan1").name == "plan1"


def test_api_version_auth_and_unknown_routes_are_checked():
    fake = FakeArmWeb()
    missing = raw(fake, "GET", PLAN_ID, query={})
    assert (missing.status, missing.body["error"]["code"]) == (400, "MissingApiVersionParameter")
    assert raw(fake, "GET", PLAN_ID, auth=False).status == 401
    assert raw(fake, "GET", PLAN_ID.replace(SUB, "not-a-guid")).status == 400
    assert raw(fake, "POST", PLAN_ID).status == 405
    assert raw(fake, "GET", PLAN_ID + "/usages").body["error"]["code"] == "UnsupportedByFake"


# -- delete ------------------------------------------------------------------------------------------
def test_delete(client, fake):
    new_plan(client)
    new_site(client)
    with pytest.raises(ResourceExistsError) as exc:
        client.app_service_plans.delete(RG, "plan1")
    assert exc.value.status_code == 409
    client.web_apps.delete(RG, "app1", delete_empty_server_farm=False)
    assert fake.site(RG, "app1") is None and fake.app_settings(RG, "app1") is None
    with pytest.raises(ResourceNotFoundError):
        client.web_apps.get(RG, "app1")
    with pytest.raises(ResourceNotFoundError):
        client.web_apps.delete(RG, "app1", delete_empty_server_farm=False)
    client.app_service_plans.delete(RG, "plan1")
    assert fake.plan(RG, "plan1") is None


def test_delete_empty_server_farm(client, fake):
    new_plan(client)
    new_site(client)
    client.web_apps.delete(RG, "app1", delete_empty_server_farm=True)
    assert fake.plan(RG, "plan1") is None


# -- credential and import hygiene --------------------------------------------------------------
def test_client_sends_the_fake_token(fake):
    cred = FakeCredential("tok-123")
    from azure.mgmt.web import WebSiteManagementClient

    client = WebSiteManagementClient(cred, SUB, polling_interval=0, retry_total=0)
    with pytest.raises(ResourceNotFoundError):
        client.web_apps.get(RG, "x")
    assert fake.calls[-1].headers["authorization"] == "Bearer tok-123"
    assert cred.scopes == [("https://management.azure.com/.default",)]


def test_importing_the_fake_imports_no_sdk():
    code = (
        "import sys, polycloud.testing.azure\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('azure', 'requests', 'responses')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parents[2])
    )


def test_bad_app_settings_are_rejected_and_keep_the_old_ones(client, fake):
    new_plan(client)
    new_site(client)
    path = PLAN_ID.replace("serverfarms/plan1", "sites/app1/config/appsettings")
    assert raw(fake, "PUT", path, body=None).status == 400
    assert raw(fake, "PUT", path, body={"properties": {"X": 1}}).status == 400
    assert fake.app_settings(RG, "app1") == {"FUNCTIONS_EXTENSION_VERSION": "~4", "A": "1"}


# -- real-service behaviour the fake models (issue 9) ------------------------------------------
def check_name(client, name):
    return client.check_name_availability({"name": name, "type": "Microsoft.Web/sites"})


def test_site_names_taken_by_another_tenant_are_unavailable_and_refused(client, fake):
    fake.take_site_name("app1")
    new_plan(client)
    answer = check_name(client, "APP1")  # names are case-insensitive
    assert (answer.name_available, answer.reason) == (False, "AlreadyExists")
    assert "app1" in answer.message.lower()
    with pytest.raises(ResourceExistsError, match="Website with given name app1 already exists") as exc:
        new_site(client)
    assert exc.value.status_code == 409
    assert fake.site(RG, "app1") is None
    assert check_name(client, "app2").name_available is True
    assert check_name(client, "-bad-").reason == "Invalid"


def test_an_existing_site_makes_its_name_unavailable_and_the_check_is_a_read(client, fake):
    new_plan(client)
    new_site(client)
    fake.reset_calls()
    assert check_name(client, "app1").name_available is False
    assert fake.writes == [] and len(fake.reads) == 1


def test_elastic_premium_keeps_at_least_one_always_ready_instance(client, fake):
    new_plan(client)
    new_plan(client, name="dedicated", sku="P1v3")
    site = new_site(client)
    client.web_apps.update_configuration(RG, "app1", {"properties": {"minimumElasticInstanceCount": 0}})
    assert client.web_apps.get_configuration(RG, "app1").minimum_elastic_instance_count == 1
    body = {"location": LOC, "properties": {"serverFarmId": PLAN_ID, "siteConfig": {}}}
    client.web_apps.begin_create_or_update(RG, "app2", body).result()
    assert fake.site(RG, "app2")["properties"]["siteConfig"]["minimumElasticInstanceCount"] == 1
    # only Elastic Premium: a Dedicated plan's site keeps what it was given
    body["properties"]["serverFarmId"] = PLAN_ID.replace("plan1", "dedicated")
    body["properties"]["siteConfig"] = {"minimumElasticInstanceCount": 0}
    client.web_apps.begin_create_or_update(RG, "app3", body).result()
    assert fake.site(RG, "app3")["properties"]["siteConfig"]["minimumElasticInstanceCount"] == 0
    assert site.site_config.minimum_elastic_instance_count == 1


def test_a_functions_host_app_needs_storage_at_creation_and_a_worker_runtime(client, fake):
    new_plan(client)
    fake.functions_host_images.add("reg.azurecr.io/img:1")
    new_site(client, name="bare", settings={"FUNCTIONS_EXTENSION_VERSION": "~4"})
    status = fake.host_status(RG, "bare")
    assert status is not None and status["state"] == "Error"
    assert any("AzureWebJobsStorage" in e for e in status["errors"])
    assert any(e.startswith("AZFD0011") for e in status["errors"])
    # storage added later does not bring it back ("won't run, even if the settings are added later")
    client.web_apps.update_application_settings(RG, "bare", {"properties": {"AzureWebJobsStorage__accountName": "s",
                                                                             "FUNCTIONS_WORKER_RUNTIME": "custom"}})
    assert fake.host_status(RG, "bare")["state"] == "Error"
    new_site(client, name="good", settings={"AzureWebJobsStorage__accountName": "s",
                                            "FUNCTIONS_WORKER_RUNTIME": "python"})
    assert fake.host_status(RG, "good") == {"state": "Running", "errors": []}
    new_site(client, name="noruntime", settings={"AzureWebJobsStorage": "DefaultEndpointsProtocol=https;A=b"})
    assert fake.host_status(RG, "noruntime")["state"] == "Running"
    assert [e[:8] for e in fake.host_status(RG, "noruntime")["errors"]] == ["AZFD0011"]
    # an image that is not a Functions image runs no host: nothing to report
    fake.functions_host_images.clear()
    assert fake.host_status(RG, "good") is None and fake.host_status(RG, "missing") is None
