"""diff, Plan and Change: field-level differences between a desired and a live provider config."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polycloud import Change, Deployment, Plan
from polycloud._plan import diff, make_plan
from polycloud.config import ProviderConfig

DESIRED = {
    "function": {"MemorySize": 1024, "Timeout": 30, "Environment": {"Variables": {"A": "1", "B": "2"}},
                 "VpcConfig": {"SubnetIds": ["s-1", "s-2"]}},
    "tags": {"team": "platform"},
    "url": {"AuthType": "AWS_IAM"},
}


def live_with(**changes: Any) -> dict[str, Any]:
    live = copy.deepcopy(DESIRED)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = live
        for part in parents:
            node = node[part]
        if value is _DELETE:
            del node[leaf]
        else:
            node[leaf] = value
    return live


_DELETE = object()


def test_no_changes():
    assert diff(DESIRED, copy.deepcopy(DESIRED)) == []


def test_nested_field_change_names_one_field():
    changes = diff(DESIRED, live_with(function__MemorySize=512))
    assert changes == [Change("function.MemorySize", 512, 1024)]
    assert changes[0].kind == "modify"
    assert changes[0].describe() == "~ function.MemorySize: 512 -> 1024"


def test_deeply_nested_change():
    live = live_with(function__Environment={"Variables": {"A": "1", "B": "3", "C": "x"}})
    assert diff(DESIRED, live) == [Change("function.Environment.Variables.B", "3", "2"),
                                   Change("function.Environment.Variables.C", "x", None)]


def test_added_and_removed_fields():
    live = live_with(tags={"team": "platform", "old": "1"}, function__Timeout=_DELETE)
    changes = diff(DESIRED, live)
    assert changes == [Change("function.Timeout", None, 30), Change("tags.old", "1", None)]
    assert [c.kind for c in changes] == ["add", "remove"]
    assert changes[0].describe() == "+ function.Timeout = 30"
    assert changes[1].describe() == "- tags.old (was '1')"


def test_lists_are_compared_whole():
    changes = diff(DESIRED, live_with(function__VpcConfig={"SubnetIds": ["s-2", "s-1"]}))
    assert changes == [Change("function.VpcConfig.SubnetIds", ["s-2", "s-1"], ["s-1", "s-2"])]
    assert diff({"a": [{"x": 1}]}, {"a": [{"x": 1, "y": None}]}) == [Change("a", [{"x": 1, "y": None}], [{"x": 1}])]


def test_none_counts_as_absent():
    assert diff({"a": None, "b": {"c": None}}, {}) == []
    assert diff({}, {"a": None}) == []
    assert diff({"a": {}}, {}) == []
    assert diff({"a": None}, {"a": 1}) == [Change("a", 1, None)]
    assert diff({"a": 1}, {"a": None}) == [Change("a", None, 1)]


def test_a_section_that_appears_or_disappears_is_diffed_per_field():
    assert diff({"url": {"AuthType": "NONE", "Public": True}}, {"url": None}) == [
        Change("url.AuthType", None, "NONE"), Change("url.Public", None, True)]
    assert diff({"url": None}, {"url": {"AuthType": "NONE"}}) == [Change("url.AuthType", "NONE", None)]


def test_mapping_replaced_by_a_scalar_is_one_change():
    assert diff({"a": {"b": 1}}, {"a": 5}) == [Change("a", 5, {"b": 1})]
    assert diff({"a": 5}, {"a": {"b": 1}}) == [Change("a", {"b": 1}, 5)]


def test_falsy_values_are_values():
    assert diff({"a": 0, "b": False, "c": ""}, {}) == [Change("a", None, 0), Change("b", None, False),
                                                       Change("c", None, "")]
    assert [c.kind for c in diff({"a": 0}, {})] == ["add"]
    assert [c.kind for c in diff({}, {"a": False})] == ["remove"]


def test_config_facts_are_never_diffed():
    desired = ProviderConfig({"k": 1}, name="a", notes=["lowercased"])
    live = ProviderConfig({"k": 1}, name="b", id="x", url="u", owned=False, private={"raw": True})
    planned = make_plan("p", "a", desired, live)
    assert (planned.changes, planned.action) == ([], "unchanged")
    assert make_plan("p", "a", ProviderConfig({"k": 2}, name="a"), live).changes == [Change("k", 1, 2)]


def test_provider_config_reads_like_its_settings_and_never_prints_them():
    config = ProviderConfig({"env": {"TOKEN": "s3cr3t"}}, name="fn", id="arn:1")
    assert config["env"]["TOKEN"] == "s3cr3t" and list(config) == ["env"] and len(config) == 1
    assert config == {"env": {"TOKEN": "s3cr3t"}}
    assert "s3cr3t" not in repr(config) and "arn:1" in repr(config)


def test_changes_are_sorted_by_path():
    desired = {"z": 1, "a": {"y": 1, "b": 2}, "m": 3}
    paths = [c.path for c in diff(desired, {})]
    assert paths == ["a.b", "a.y", "m", "z"]


def test_change_to_dict():
    assert Change("a.b", None, 1).to_dict() == {"path": "a.b", "kind": "add", "old": None, "new": 1}


# -- Plan ----------------------------------------------------------------------------------

def test_plan_actions():
    created = make_plan("aws-lambda", "fn", DESIRED, None)
    assert created.action == "created"
    assert created.live is None
    assert {c.path for c in created.changes} >= {"function.MemorySize", "tags.team", "url.AuthType"}
    assert all(c.kind == "add" for c in created.changes)

    updated = make_plan("aws-lambda", "fn", DESIRED, live_with(tags={"team": "ops"}))
    assert updated.action == "updated"
    assert updated.changes == [Change("tags.team", "ops", "platform")]

    unchanged = make_plan("aws-lambda", "fn", DESIRED, ProviderConfig(live_with(), name="renamed", id="arn"))
    assert unchanged.action == "unchanged"
    assert unchanged.changes == []


def test_an_empty_live_config_is_not_a_missing_one():
    assert make_plan("p", "fn", {}, {}).action == "unchanged"
    assert make_plan("p", "fn", {}, None).action == "created"


@pytest.mark.parametrize(("prefixes", "touched"), [
    (("function",), True),
    (("function.MemorySize",), True),
    (("function.Memory",), False),
    (("func",), False),
    (("tags",), False),
    (("tags", "function.MemorySize"), True),
    (("tags", "function.Environment"), False),
    ((), False),
])
def test_plan_touches(prefixes, touched):
    plan = make_plan("aws-lambda", "fn", DESIRED, live_with(function__MemorySize=512))
    assert plan.touches(*prefixes) is touched


def test_plan_is_a_plain_dataclass():
    plan = Plan("aws-lambda", "fn", {"a": 1}, {"a": 2}, [Change("a", 2, 1)])
    assert plan.action == "updated"


def test_deployment_to_dict():
    deployment = Deployment("aws-lambda", "fn", "updated", resource_id="arn:x", url=None,
                            changes=[Change("a", 1, 2)], notes=["n"])
    assert deployment.to_dict() == {
        "action": "updated", "provider": "aws-lambda", "name": "fn", "resource_id": "arn:x", "url": None,
        "dry_run": False, "changes": [{"path": "a", "kind": "modify", "old": 1, "new": 2}], "notes": ["n"],
    }


# -- properties ------------------------------------------------------------------------------

KEYS = st.text(alphabet="abcxyz_", min_size=1, max_size=3).filter(lambda k: "." not in k)
SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.text(alphabet="ab", max_size=2)
VALUES = st.recursive(SCALARS | st.lists(SCALARS, max_size=2),
                      lambda inner: st.dictionaries(KEYS, inner, max_size=3), max_leaves=8)
CONFIGS = st.dictionaries(KEYS, VALUES, max_size=4)


def normalize(value: Any) -> Any:
    """What diff considers equal: None and empty mappings are absent; lists are opaque."""
    if isinstance(value, dict):
        kept = {k: normalize(v) for k, v in value.items() if v is not None}
        return {k: v for k, v in kept.items() if v != {}}
    return value


def apply(live: dict[str, Any], changes: list[Change]) -> dict[str, Any]:
    result = copy.deepcopy(live)
    for change in changes:
        *parents, leaf = change.path.split(".")
        node = result
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[leaf] = change.new
    return result


@settings(max_examples=80)
@given(CONFIGS)
def test_diff_of_a_config_with_itself_is_empty(config):
    assert diff(config, copy.deepcopy(config)) == []


@settings(max_examples=80)
@given(CONFIGS, CONFIGS)
def test_applying_the_changes_reaches_the_desired_config(desired, live):
    changes = diff(desired, live)
    assert normalize(apply(live, changes)) == normalize(desired)
    assert (changes == []) == (normalize(desired) == normalize(live))
    paths = [c.path for c in changes]
    assert len(paths) == len(set(paths))
    for change in changes:
        assert change.old != change.new


@settings(max_examples=60)
@given(CONFIGS, CONFIGS)
def test_diff_is_antisymmetric(desired, live):
    forward = diff(desired, live)
    backward = diff(live, desired)
    assert [(c.path, c.old, c.new) for c in forward] == [(c.path, c.new, c.old) for c in backward]
