"""Public Cloud Run services under the domain-restricted-sharing organisation policy, and an invoker check
disabled outside polycloud.

Google's docs: "The recommended way to make a public service is to disable the Cloud Run Invoker IAM check
... Use this solution when the project is subject to the domain restricted sharing constraint"
(https://cloud.google.com/run/docs/authenticating/public#invoker_check). ``FakeCloudRun`` models both the
policy (``setIamPolicy`` refuses ``allUsers``) and the service's ``invokerIamDisabled`` field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from polycloud import deploy, export, plan
from polycloud.testing.gcp import FakeCloudRun, sandbox_settings

from .conftest import PROJECT, REGION, small_spec


@pytest.fixture
def restricted() -> Iterator[FakeCloudRun]:
    fake = FakeCloudRun(domain_restricted_sharing=True)
    with fake.activate():
        yield fake


@pytest.fixture
def where(restricted: FakeCloudRun) -> dict[str, Any]:
    return {**sandbox_settings(restricted), "project": PROJECT, "region": REGION}


def test_the_fake_refuses_all_users_under_the_policy(restricted: FakeCloudRun, where: dict[str, Any]) -> None:
    from google.api_core.exceptions import BadRequest

    deploy(small_spec(), "gcp", settings=where)
    client = restricted.client()
    resource = f"projects/{PROJECT}/locations/{REGION}/services/hello"
    policy = client.get_iam_policy(request={"resource": resource}, retry=None)
    policy.bindings.add(role="roles/run.invoker", members=["allUsers"])
    with pytest.raises(BadRequest, match="permitted customer"):
        client.set_iam_policy(request={"resource": resource, "policy": policy}, retry=None)


def test_a_public_service_deploys_under_domain_restricted_sharing(restricted: FakeCloudRun,
                                                                  where: dict[str, Any]) -> None:
    spec = small_spec(network={"auth": "none"})
    assert deploy(spec, "gcp", settings=where).action == "created"
    assert restricted.publicly_invokable(PROJECT, REGION, "hello")
    assert not any(c.path.endswith(":setIamPolicy") for c in restricted.calls)
    assert deploy(spec, "gcp", settings=where).action == "unchanged"  # and every rerun agrees
    assert export("hello", "gcp", settings=where).spec.network.auth == "none"


def test_an_invoker_check_disabled_outside_polycloud_reads_as_public_and_iam_closes_it(
        restricted: FakeCloudRun, where: dict[str, Any]) -> None:
    from google.cloud import run_v2

    deploy(small_spec(), "gcp", settings=where)
    client = restricted.client()
    service = client.get_service(name=f"projects/{PROJECT}/locations/{REGION}/services/hello", retry=None)
    service.invoker_iam_disabled = True
    client.update_service(request=run_v2.UpdateServiceRequest(service=service), retry=None).result()
    assert restricted.publicly_invokable(PROJECT, REGION, "hello")

    assert export("hello", "gcp", settings=where).spec.network.auth == "none"  # open to anyone, and says so
    planned = plan(small_spec(), "gcp", settings=where)
    assert [(c.path, c.old, c.new) for c in planned.changes] == [("service.invokerIamDisabled", True, False)]
    assert deploy(small_spec(), "gcp", settings=where).action == "updated"
    assert not restricted.publicly_invokable(PROJECT, REGION, "hello")
