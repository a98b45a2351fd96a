"""The behaviour every adapter must show, as a pytest suite to subclass (like fsspec's).

Subclass ``AdapterContract`` in a test module and override the fixtures:

- ``adapter``: an adapter wired to a fake (moto, ``FakeArmWeb``, ``FakeCloudRun``);
- ``spec``: a valid spec using every field the provider can represent;
- ``changed``: ``(spec with one field changed, the config paths that change must touch)``;
- ``update_writes``: how many write calls that one-field change needs (no more may be made);
- ``calls``: a zero-argument callable returning ``(reads, writes)`` made so far.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from polycloud._deploy import deploy, export
from polycloud.adapter import Adapter
from polycloud.errors import NotFoundError, SpecError
from polycloud.spec import FunctionSpec

__all__ = ["AdapterContract", "CallCounter"]

CallCounter = Callable[[], tuple[int, int]]


class AdapterContract:
    """Behaviour every adapter must show. Subclass it and override the fixtures."""

    @pytest.fixture
    def adapter(self) -> Adapter:
        """An adapter talking to a fake."""
        raise NotImplementedError("override the 'adapter' fixture")

    @pytest.fixture
    def spec(self, adapter: Adapter) -> FunctionSpec:
        """A valid spec with every field the provider represents."""
        raise NotImplementedError("override the 'spec' fixture")

    @pytest.fixture
    def changed(self, spec: FunctionSpec) -> tuple[FunctionSpec, list[str]]:
        """The spec with memory doubled, and the config paths that change."""
        raise NotImplementedError("override the 'changed' fixture")

    @pytest.fixture
    def update_writes(self) -> int:
        """How many write calls the ``changed`` update needs."""
        raise NotImplementedError("override the 'update_writes' fixture")

    @pytest.fixture
    def calls(self, adapter: Adapter) -> CallCounter:
        """(reads, writes) made so far."""
        raise NotImplementedError("override the 'calls' fixture")

    def test_sample_spec_passes_check(self, adapter: Adapter, spec: FunctionSpec) -> None:
        errors = [f for f in adapter.check(spec) if f.severity.value == "error"]
        assert errors == []

    def test_round_trip(self, adapter: Adapter, spec: FunctionSpec) -> None:
        imported = adapter.to_spec(adapter.translate(spec))
        assert imported.spec == spec

    def test_read_missing_returns_none(self, adapter: Adapter) -> None:
        assert adapter.read("polycloud-does-not-exist") is None

    def test_create_then_unchanged_without_writes(self, adapter: Adapter, spec: FunctionSpec,
                                                  calls: CallCounter) -> None:
        first = deploy(spec, adapter)
        assert first.action == "created"
        assert first.resource_id
        _, writes_before = calls()
        again = deploy(spec, adapter)
        assert again.action == "unchanged"
        assert again.changes == []
        assert calls()[1] == writes_before

    def test_one_field_change_updates_only_that(self, adapter: Adapter, spec: FunctionSpec,
                                                changed: tuple[FunctionSpec, list[str]], update_writes: int,
                                                calls: CallCounter) -> None:
        deploy(spec, adapter)
        new_spec, paths = changed
        _, writes_before = calls()
        result = deploy(new_spec, adapter)
        assert result.action == "updated"
        assert sorted(c.path for c in result.changes) == sorted(paths)
        assert calls()[1] - writes_before == update_writes
        assert deploy(new_spec, adapter).action == "unchanged"

    def test_export_equals_deployed(self, adapter: Adapter, spec: FunctionSpec) -> None:
        deploy(spec, adapter)
        assert export(spec.name, adapter).spec == spec

    def test_dry_run_writes_nothing(self, adapter: Adapter, spec: FunctionSpec, calls: CallCounter) -> None:
        _, writes_before = calls()
        result = deploy(spec, adapter, dry_run=True)
        assert (result.action, result.dry_run) == ("created", True)
        assert calls()[1] == writes_before
        assert adapter.read(spec.name) is None

    def test_invalid_spec_is_refused_before_any_call(self, adapter: Adapter, spec: FunctionSpec,
                                                     calls: CallCounter) -> None:
        too_big = spec.model_copy(update={"memory": 1024 * 1024})
        before = calls()
        with pytest.raises(SpecError) as caught:
            deploy(too_big, adapter)
        assert any(f.path == "memory" and f.provider == adapter.name for f in caught.value.report.errors)
        assert calls() == before

    def test_delete(self, adapter: Adapter, spec: FunctionSpec) -> None:
        deploy(spec, adapter)
        adapter.delete(spec.name)
        assert adapter.read(spec.name) is None

    def test_delete_missing_raises_not_found(self, adapter: Adapter) -> None:
        with pytest.raises(NotFoundError):
            adapter.delete("polycloud-does-not-exist")
