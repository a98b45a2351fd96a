"""What polycloud may change on Cloud Run: services it created (marked with an annotation), services it
did not (refused unless adopted), and what the fake accepts as an annotation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from polycloud import ConflictError, deploy, export, plan
from polycloud.errors import ConfigurationError, OwnershipError
from polycloud.testing.gcp import FakeCloudRun, fast_polling
from polycloud_gcp import CloudRunAdapter

from .conftest import IMAGE, PROJECT, REGION, SERVICES, ScriptedFakeCloudRun, call, small_spec

MARK = {"polycloud.dev/managed-by": "polycloud"}
THEIRS = {"team.example.com/owner": "payments"}
PARENT = f"projects/{PROJECT}/locations/{REGION}"


def _stored(fake: FakeCloudRun, name: str = "hello") -> dict[str, Any]:
    service = fake.service(PROJECT, REGION, name)
    assert service is not None
    return service


def _made_by_hand(fake: FakeCloudRun, name: str = "hello", **fields: Any) -> None:
    """A service made outside polycloud (console, gcloud, Terraform): no mark, an annotation and a label of
    its own, otherwise what ``small_spec()`` deploys."""
    from google.cloud import run_v2

    body = {"annotations": dict(THEIRS), "labels": {"team": "payments"},
            "template": {"timeout": "30s", "maxInstanceRequestConcurrency": 1,
                         "containers": [{"image": IMAGE, "resources": {"limits": {"cpu": "1", "memory": "512Mi"},
                                                                       "cpuIdle": True}}]},
            **fields}
    fake.client().create_service(parent=PARENT, service=run_v2.Service.from_json(json.dumps(body)),
                                 service_id=name, retry=None).result(polling=fast_polling())
    fake.reset_calls()


# -- services polycloud creates -------------------------------------------------------------------------------

def test_a_created_service_is_marked_in_the_create_request(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    spec = small_spec(tags={"team": "platform"})
    deploy(spec, "gcp", settings=settings)
    create = fake.writes[0]
    assert (create.method, create.path) == ("POST", SERVICES)
    assert create.body["annotations"] == MARK  # in the create itself: never an unmarked service of polycloud's
    service = _stored(fake)
    assert service["annotations"] == MARK
    assert service["labels"] == {"team": "platform"}  # labels stay the user's tags
    imported = export("hello", "gcp", settings=settings)
    assert imported.spec == spec and imported.notes == []


def test_the_mark_never_shows_as_a_change_and_user_annotations_are_kept(fake: FakeCloudRun,
                                                                        settings: dict[str, Any]) -> None:
    deploy(small_spec(), "gcp", settings=settings)
    the_plan = plan(small_spec(), "gcp", settings=settings)
    assert (the_plan.action, the_plan.changes) == ("unchanged", [])
    # Someone annotates the service: theirs, not a spec field, so still no change...
    client = fake.client()
    live = client.get_service(name=f"{PARENT}/services/hello", retry=None)
    live.annotations.update(THEIRS)
    client.update_service(service=live, retry=None).result(polling=fast_polling())
    assert plan(small_spec(), "gcp", settings=settings).changes == []
    # ...and an update keeps it next to the mark.
    result = deploy(small_spec(memory="1GiB"), "gcp", settings=settings)
    assert [c.path for c in result.changes] == ["service.template.containers[0].resources.limits.memory"]
    assert _stored(fake)["annotations"] == {**MARK, **THEIRS}
    notes = export("hello", "gcp", settings=settings).notes
    assert notes == ["annotations (team.example.com/owner) are not part of a spec; redeploying keeps them"]


# -- services polycloud did not create ------------------------------------------------------------------------

@pytest.mark.parametrize("spec", [small_spec(), small_spec(memory="1GiB", network={"auth": "none"})],
                         ids=["same-settings", "other-settings-and-public"])
def test_a_service_polycloud_did_not_create_is_refused_before_any_write(fake: FakeCloudRun, settings: dict[str, Any],
                                                                       spec: Any) -> None:
    _made_by_hand(fake)
    before = _stored(fake)
    planned = plan(spec, "gcp", settings=settings)  # plan shows what a takeover would change, the mark included
    assert ("service.annotations.polycloud.dev/managed-by", None, "polycloud") in [
        (c.path, c.old, c.new) for c in planned.changes]
    with pytest.raises(OwnershipError) as caught:
        deploy(spec, "gcp", settings=settings)
    message = str(caught.value)
    assert "service hello exists but polycloud did not create it" in message
    assert "polycloud.dev/managed-by: polycloud" in message
    assert "adopt=True (CLI: --set adopt=true)" in message and "polycloud plan" in message
    assert (caught.value.operation, caught.value.changed) == ("deploy", [])
    assert not isinstance(caught.value, ConflictError)  # a refusal, not the provider's 409
    assert fake.writes == []
    assert _stored(fake) == before
    assert fake.iam_policy(PROJECT, REGION, "hello") == {"version": 1, "etag": "ACAB"}


def test_read_says_whether_polycloud_created_the_service(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    adapter = CloudRunAdapter(**settings)
    _made_by_hand(fake)
    live = adapter.read("hello")
    assert live is not None and live.owned is False
    planned = plan(small_spec(), adapter)
    assert not any(c.path == "owned" for c in planned.changes)  # a fact, never a change
    assert any("polycloud did not create it" in note for note in planned.notes)
    deploy(small_spec(name="fresh"), adapter)
    created = adapter.read("fresh")
    assert created is not None and created.owned is True
    assert not any("did not create" in note for note in plan(small_spec(name="fresh"), adapter).notes)


def test_a_name_that_is_not_a_service_id_is_refused_before_any_call(fake: FakeCloudRun,
                                                                    settings: dict[str, Any]) -> None:
    for name in ("", "a/b"):
        with pytest.raises(ConfigurationError, match="is not a Cloud Run service name"):
            export(name, "gcp", settings=settings)
    assert fake.calls == []


def test_adopt_marks_the_service_and_says_so(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    _made_by_hand(fake)
    spec = small_spec(tags={"team": "platform"})
    result = deploy(spec, CloudRunAdapter(**settings, adopt=True))
    assert result.action == "updated"
    assert "adopted service hello, which polycloud did not create: it now carries the annotation " \
           "polycloud.dev/managed-by: polycloud and is managed from the spec" in result.notes
    assert [w.method for w in fake.writes] == ["PATCH"]
    service = _stored(fake)
    assert service["annotations"] == {**THEIRS, **MARK}  # marked; their annotation kept
    assert service["labels"] == {"team": "platform"}  # the spec's tags replace the labels
    assert deploy(spec, "gcp", settings=settings).action == "unchanged"  # polycloud's now: no adopt needed
    assert export("hello", "gcp", settings=settings).spec == spec


def test_adopting_a_service_polycloud_already_owns_adds_no_note(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    deploy(small_spec(), "gcp", settings=settings)
    result = deploy(small_spec(memory="1GiB"), "gcp", settings={"adopt": True, **settings})
    assert result.action == "updated" and not any("adopted" in note for note in result.notes)


def test_a_service_made_by_hand_while_creating_is_not_taken_over(fake: ScriptedFakeCloudRun,
                                                                 settings: dict[str, Any]) -> None:
    adapter = CloudRunAdapter(**settings)
    the_plan = plan(small_spec(), adapter)  # nothing there yet
    _made_by_hand(fake)
    before = _stored(fake)
    with pytest.raises(OwnershipError, match="polycloud did not create it") as caught:
        adapter.apply(the_plan)
    assert caught.value.changed == []
    assert [(w.method, w.path) for w in fake.writes] == [("POST", SERVICES)]  # the create, answered 409
    assert _stored(fake) == before

    result = CloudRunAdapter(**settings, adopt=True).apply(the_plan)
    assert result.action == "updated"
    assert "service.annotations.polycloud.dev/managed-by" in [c.path for c in result.changes]
    assert any(note.startswith("adopted service hello") for note in result.notes)
    assert _stored(fake)["annotations"] == {**THEIRS, **MARK}


def test_a_service_another_deploy_created_meanwhile_is_updated(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    adapter = CloudRunAdapter(**settings)
    the_plan = plan(small_spec(), adapter)  # nothing there yet
    deploy(small_spec(memory="1GiB"), "gcp", settings=settings)  # the other deploy: marked, other settings
    result = adapter.apply(the_plan)
    assert result.action == "updated"
    assert [c.path for c in result.changes] == ["service.template.containers[0].resources.limits.memory"]
    assert any("created by another deploy" in note for note in result.notes)
    assert not any("adopted" in note for note in result.notes)
    assert deploy(small_spec(), adapter).action == "unchanged"


def test_our_own_create_whose_answer_was_lost_is_ours(fake: ScriptedFakeCloudRun, settings: dict[str, Any]) -> None:
    expected = plan(small_spec(), "gcp", settings=settings).changes
    fake.lose_answer_when(call("POST", SERVICES))
    result = deploy(small_spec(), "gcp", settings=settings)
    assert (result.action, result.changes) == ("created", expected)
    assert not any("adopted" in note or "another deploy" in note for note in result.notes)
    assert _stored(fake)["annotations"] == MARK
    assert deploy(small_spec(), "gcp", settings=settings).action == "unchanged"


def test_delete_deletes_what_it_is_told_to(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    _made_by_hand(fake)
    CloudRunAdapter(**settings).delete("hello")  # the caller names it: no mark needed
    assert fake.service(PROJECT, REGION, "hello") is None


# -- the fake's annotation rules ------------------------------------------------------------------------------

@pytest.mark.parametrize(("annotations", "error"), [
    ({"run.googleapis.com/ingress": "all"}, "system-reserved namespace"),
    ({"cloud.googleapis.com/location": "x"}, "system-reserved namespace"),
    ({"serving.knative.dev/creator": "x"}, "system-reserved namespace"),
    ({"autoscaling.knative.dev/maxScale": "3"}, "system-reserved namespace"),
    ({"preview.run.googleapis.com/x": "y"}, "system-reserved namespace"),
    ({"polycloud.dev/-managed": "x"}, "the name part"),
    ({"polycloud.dev/" + "a" * 64: "x"}, "the name part"),
    ({"Poly_Cloud.dev/managed-by": "x"}, "the prefix must be a DNS subdomain"),
    ({"/managed-by": "x"}, "the prefix must be a DNS subdomain"),
    ({"big": "x" * (256 * 1024)}, "at most 256KiB"),
])
def test_the_fake_rejects_annotations_cloud_run_rejects(fake: FakeCloudRun, annotations: dict[str, str],
                                                        error: str) -> None:
    from google.api_core import exceptions

    with pytest.raises(exceptions.BadRequest, match=error):
        _made_by_hand(fake, annotations=annotations)
    assert fake.service(PROJECT, REGION, "hello") is None


@pytest.mark.parametrize("template", [False, True], ids=["service", "template"])
def test_the_fake_stores_ordinary_annotations(fake: FakeCloudRun, template: bool) -> None:
    annotations = {**MARK, "example.com/Build_ID": "42", "note": "", "a.b-c.d/x.y": "z"}
    if template:
        body = {"template": {"annotations": annotations, "containers": [{"image": IMAGE}]}}
        _made_by_hand(fake, **body)
        assert _stored(fake)["template"]["annotations"] == annotations
    else:
        _made_by_hand(fake, annotations=annotations)
        assert _stored(fake)["annotations"] == annotations
