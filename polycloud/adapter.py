"""What the core needs from one cloud service (``Adapter``), and the skeleton every adapter shares
(``BaseAdapter``).

``Adapter`` is the protocol the core calls: two facts, three pure calls, three I/O calls; the core does the
diffing (``plan.py``). ``BaseAdapter`` owns what every adapter does the same way, so an adapter keeps only
what is really its own (request shapes, error table, rules, provider-specific sequencing):

- one lazily made client per SDK client kind (``_client``), with the SDK's own retries switched off by the
  adapter's factory: polycloud's ``RetryPolicy`` is the one retry layer;
- ``call``: one SDK call, errors translated by the adapter's ``map_error``, transient ones retried;
- ``apply``: a ``Journal`` of what changed (attached to any failure as ``.changed``), the ownership check,
  and the "create found the resource already there" path, around the adapter's ``create`` and ``update``;
- ``settings_from``: constructor keywords from ``providers.<section>`` (the adapter's ``settings_model``);
- ``check``: the adapter's rules over its limits.

Constructors take keyword arguments only, do no I/O, import no SDK and accept an injected client, so
``check``/``translate``/``to_spec`` work without the provider's SDK installed.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, runtime_checkable

from polycloud._plan import Deployment, Plan, make_plan
from polycloud.config import ProviderConfig
from polycloud.errors import (
    ConflictError,
    ErrorMapper,
    OwnershipError,
    ProviderError,
    RefusedError,
    translating,
)
from polycloud.findings import Finding
from polycloud.limits import ProviderLimits
from polycloud.progress import waiting
from polycloud.retry import RetryPolicy
from polycloud.spec import FunctionSpec, SettingsModel

if TYPE_CHECKING:
    from polycloud.checks import RuleInfo

__all__ = ["Adapter", "Applied", "BaseAdapter", "Imported", "Journal"]

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass
class Imported:
    """A spec read back from a provider, with notes on what did not map exactly."""

    spec: FunctionSpec
    notes: list[str] = field(default_factory=list)


@runtime_checkable
class Adapter(Protocol):
    """One cloud service behind a provider-neutral interface."""

    name: ClassVar[str]
    """Registry key, e.g. ``aws-lambda``."""
    title: ClassVar[str]
    """Human name, e.g. ``AWS Lambda``."""
    section: ClassVar[str]
    """Section under ``providers:`` in a spec, e.g. ``aws``."""
    settings_model: ClassVar[type[SettingsModel]]
    """The model of that section (importable without the SDK); the registry composes the spec from these."""
    extra: ClassVar[str]
    """pip extra that brings the SDK."""
    sdk_distributions: ClassVar[tuple[str, ...]]
    """Distribution names of the SDKs the I/O calls need (checked from metadata, not imported)."""
    limits: ClassVar[ProviderLimits]
    """Plain data; importable without the SDK."""
    sample_image: ClassVar[str]
    """An image reference this provider accepts (for docs and the contract tests)."""

    @classmethod
    def settings_from(cls, spec: FunctionSpec) -> dict[str, Any]:
        """Constructor keyword arguments found in ``spec.providers.<section>``."""
        ...

    def check(self, spec: FunctionSpec, limits: ProviderLimits | None = None) -> list[Finding]:
        """Pure, offline: the provider's limits and conventions."""
        ...

    def translate(self, spec: FunctionSpec) -> ProviderConfig[Any]:
        """Pure: spec -> the provider's request shapes."""
        ...

    def to_spec(self, config: ProviderConfig[Any]) -> Imported:
        """Pure: live provider config -> spec, with notes on what did not map."""
        ...

    def read(self, name: str) -> ProviderConfig[Any] | None:
        """The live config of ``name`` in the shape ``translate`` makes, or None if absent."""
        ...

    def apply(self, plan: Plan) -> Deployment:
        """Make the live resource match ``plan.desired``, writing only what changed."""
        ...

    def delete(self, name: str) -> None:
        """Delete the function; raises NotFoundError when it does not exist."""
        ...


class Journal:
    """What one deploy has changed so far, in order, and the notes it has for the user.

    ``BaseAdapter.apply`` attaches ``changed`` to any ProviderError or RefusedError raised meanwhile, so a
    failed deploy says what it had already done.
    """

    def __init__(self, notes: list[str] | None = None) -> None:
        self.changed: list[str] = []
        self.notes: list[str] = list(notes or [])

    def record(self, what: str) -> None:
        """One completed write, in words (``created function x``, ``updated tags``)."""
        logger.debug("changed: %s", what)
        self.changed.append(what)

    def note(self, text: str) -> None:
        """Something the user should read in the result (an adoption, an adjustment)."""
        if text not in self.notes:
            self.notes.append(text)


@dataclass
class Applied:
    """What an adapter's ``create`` or ``update`` reports back to ``BaseAdapter.apply``."""

    resource_id: str | None
    url: str | None
    reported: Plan | None = None
    """The plan to report when it is not the one applied (a create that met an existing resource)."""


class BaseAdapter(ABC):
    """The shared skeleton of an adapter; subclasses set the class facts and the provider-specific parts.

    Subclasses set ``name``, ``title``, ``section``, ``extra``, ``sdk_distributions``, ``limits``,
    ``sample_image``, ``rule_infos`` and ``resource_noun`` (``function``, ``function app``, ``service``),
    call ``super().__init__(retry=..., adopt=...)``, and implement ``map_error``, ``rules``,
    ``translate``, ``to_spec``, ``read``, ``create``, ``update`` and ``delete``.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    section: ClassVar[str]
    settings_model: ClassVar[type[SettingsModel]]
    extra: ClassVar[str]
    sdk_distributions: ClassVar[tuple[str, ...]]
    limits: ClassVar[ProviderLimits]
    sample_image: ClassVar[str]
    rule_infos: ClassVar[tuple[RuleInfo, ...]] = ()
    """Every rule id ``check`` can report, with its summary and source (``polycloud rules``)."""
    resource_noun: ClassVar[str] = "function"
    """What the provider calls the deployed resource, for messages."""
    owner_mark: ClassVar[str] = "polycloud's ownership mark"
    """How polycloud marks what it created, for messages (``the tag managed-by: polycloud``)."""

    def __init__(self, *, retry: RetryPolicy | None = None, adopt: bool = False) -> None:
        """``retry`` is the one retry layer for every call; ``adopt`` lets a deploy take over a resource
        polycloud did not create, replacing its configuration with the spec's."""
        self.retry = retry or RetryPolicy()
        self.adopt = adopt
        self._clients: dict[str, Any] = {}
        self.log = logging.getLogger(type(self).__module__.partition(".")[0])
        """The adapter package's logger (``polycloud_aws``...): progress and retries, never printed."""

    def waiting(self, what: str) -> contextlib.AbstractContextManager[None]:
        """Report the progress of a long wait (an operation, a waiter) on the adapter's logger."""
        return waiting(what, log=self.log)

    # -- settings ------------------------------------------------------------------------------------
    @classmethod
    def settings_from(cls, spec: FunctionSpec) -> dict[str, Any]:
        """The constructor keywords set in ``spec.providers.<section>`` (empty values left out)."""
        section = getattr(spec.providers, cls.section, None)
        if section is None:
            return {}
        accepted = {p.name for p in inspect.signature(cls).parameters.values()
                    if p.kind is inspect.Parameter.KEYWORD_ONLY}
        values = section.model_dump(exclude_unset=True) if hasattr(section, "model_dump") else dict(section)
        return {key: value for key, value in values.items() if key in accepted and value not in (None, "", [])}

    # -- clients and calls ---------------------------------------------------------------------------
    def _client(self, kind: str, make: Callable[[], T]) -> T:
        """The client of ``kind``, made by ``make`` on first use and kept (an injected one is kept as is)."""
        if kind not in self._clients:
            self._clients[kind] = make()
        client: T = self._clients[kind]
        return client

    def _inject(self, kind: str, client: Any) -> None:
        """Use ``client`` (a test's fake, a caller's own) for ``kind`` instead of making one."""
        if client is not None:
            self._clients[kind] = client

    @abstractmethod
    def map_error(self, exc: Exception, operation: str) -> ProviderError | None:
        """The adapter's error table: the ProviderError for one SDK exception, or None for others."""

    def call(self, operation: str, fn: Callable[[], T], *, mapper: ErrorMapper | None = None) -> T:
        """One SDK call named by the provider's ``operation``: errors translated, transient ones retried.

        An exception the adapter's error table does not know (an SDK that cannot parse an answer, a
        transport error of a library the table predates) still ends as a ProviderError naming its type, so
        the caller gets ``.changed`` and a message, never a traceback.

        Raises:
            ProviderError: the call failed (after the retries the policy allows for transient errors).
        """
        return self.retry.run(operation, fn, self._translator(mapper))

    def translate_errors(self, operation: str) -> contextlib.AbstractContextManager[None]:
        """Errors raised in the block as ProviderErrors, as ``call`` translates them (no retry)."""
        return translating(self._translator(None), operation)

    def _translator(self, mapper: ErrorMapper | None) -> ErrorMapper:
        table = mapper or self.map_error

        def translate(exc: Exception, operation: str) -> ProviderError | None:
            mapped = table(exc, operation)
            if mapped is None:
                mapped = ProviderError(f"the {self.title} SDK raised {type(exc).__name__}: {exc}",
                                       provider=self.name, operation=operation, code=type(exc).__name__)
            return mapped

        return translate

    # -- pure ----------------------------------------------------------------------------------------
    @abstractmethod
    def rules(self, spec: FunctionSpec, limits: ProviderLimits) -> list[Finding]:
        """The provider's rules over ``limits`` (pure)."""

    def check(self, spec: FunctionSpec, limits: ProviderLimits | None = None) -> list[Finding]:
        """Pure, offline: the provider's limits and conventions (``limits`` defaults to the shipped ones)."""
        return self.rules(spec, limits or self.limits)

    @abstractmethod
    def translate(self, spec: FunctionSpec) -> ProviderConfig[Any]:
        """Pure: spec -> the provider's request shapes."""

    @abstractmethod
    def to_spec(self, config: ProviderConfig[Any]) -> Imported:
        """Pure: live provider config -> spec, with notes on what did not map."""

    # -- I/O -----------------------------------------------------------------------------------------
    @abstractmethod
    def read(self, name: str) -> ProviderConfig[Any] | None:
        """The live config of ``name`` in the shape ``translate`` makes, or None if absent."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Delete the function; raises NotFoundError when it does not exist."""

    def preflight(self, plan: Plan) -> list[str]:
        """Reads, at plan time, that decide whether ``plan`` can be carried out (an account quota, a name
        taken elsewhere), so ``plan``, a dry run and ``deploy`` refuse before any write. Returns notes for the
        plan; by default there is nothing to check.

        Raises:
            RefusedError: the provider would refuse this plan partway through.
        """
        return []

    @abstractmethod
    def create(self, plan: Plan, journal: Journal) -> Applied:
        """Create the resource ``plan.desired`` describes (``plan.live`` is None).

        Raises:
            ConflictError: the provider says it exists already; ``apply`` then reads it and converges.
        """

    @abstractmethod
    def update(self, plan: Plan, journal: Journal) -> Applied:
        """Make the live resource (``plan.live``) match ``plan.desired``, writing only what ``plan`` changes."""

    def apply(self, plan: Plan) -> Deployment:
        """Create or update the resource, writing only what the plan changes.

        Raises:
            OwnershipError: the resource exists but polycloud did not create it, and ``adopt`` is off.
            RefusedError: polycloud will not make this change (nothing more was written).
            ProviderError: a call failed; ``.changed`` lists the steps that had completed.
        """
        journal = Journal(plan.desired.notes)
        try:
            applied = self._apply(plan, journal)
        except (ProviderError, RefusedError) as exc:
            exc.changed = journal.changed
            raise
        reported = applied.reported or plan
        return Deployment(provider=self.name, name=plan.name, action=reported.action,
                          resource_id=applied.resource_id, url=applied.url, changes=reported.changes,
                          notes=journal.notes)

    def _apply(self, plan: Plan, journal: Journal) -> Applied:
        if plan.live is None:
            try:
                return self.create(plan, journal)
            except ConflictError as conflict:
                # Our own create whose answer was lost and which was retried, another deploy, or one made by
                # hand meanwhile: read it and make it match (never a second one), if it is ours to change.
                live = self.read(plan.name)
                if live is None:
                    return self.recreate(plan, journal, conflict)
                return self.converge_existing(make_plan(self.name, plan.name, plan.desired, live), plan, journal)
        self.check_owner(plan, journal)
        return self.update(plan, journal)

    def recreate(self, plan: Plan, journal: Journal, conflict: ConflictError) -> Applied:
        """``create`` said the resource exists, but a read finds none (deleted again meanwhile).

        By default the conflict stands; an adapter whose API can create in one idempotent call overrides this.
        """
        raise conflict

    def converge_existing(self, again: Plan, first: Plan, journal: Journal) -> Applied:
        """``create`` found the resource already there: ``again`` is the plan over what it found.

        By default: refuse it if it is not polycloud's, else update it and report ``again`` (``first`` when
        nothing differs: our own create, whose answer was lost).
        """
        self.check_owner(again, journal)
        if not again.changes:
            applied = self.update(again, journal)
            applied.reported = first
            return applied
        if again.live is not None and again.live.owned:
            journal.note(f"{first.name} was created by another deploy while this one ran; it was updated to match "
                         "the spec")
        applied = self.update(again, journal)
        applied.reported = again
        return applied

    def check_owner(self, plan: Plan, journal: Journal) -> None:
        """Refuse to change a resource polycloud did not create, unless told to ``adopt`` it.

        Raises:
            OwnershipError: ``plan.live`` is not polycloud's and ``adopt`` is off (nothing was written).
        """
        live = plan.live
        if live is None or live.owned:
            return
        if not self.adopt:
            raise OwnershipError(
                f"{self.resource_noun} {plan.name} exists but polycloud did not create it (it lacks "
                f"{self.owner_mark}): a deploy would replace its configuration with the spec's. Check the changes "
                "with `polycloud plan`, then deploy with adopt=True (CLI: --set adopt=true) to take it over, or "
                "choose another name.", provider=self.name, operation="deploy", code="NotOwned")
        journal.note(f"adopted {self.resource_noun} {plan.name}, which polycloud did not create: it now carries "
                     f"{self.owner_mark} and is managed from the spec")
