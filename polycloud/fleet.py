"""Fleets: many functions at once. ``deploy_all`` and ``migrate_all`` run one deploy or migration per item with
bounded parallelism; ``list_functions`` and ``delete`` see and retire what a provider holds.

Each item runs in a worker thread of a ``concurrent.futures.ThreadPoolExecutor`` (at most ``jobs`` at a time)
with its own adapter instance, made by ``deploy``/``migrate`` as for a single call; its calls go through
that adapter's retry policy (the shared ``RetryPolicy``: transient errors retried, bounded). One item's
failure is recorded in its ``FleetResult`` and never stops the others; results come back in input order.

Thread safety: adapters are never shared between jobs. Clients passed in ``settings`` (``client=``,
``iam_client=``...) are shared, which boto3 clients, azure-mgmt clients and google-cloud clients allow; a boto3
``Session`` is not thread-safe, so pass clients rather than ``session=`` when ``jobs`` > 1 (without either,
each adapter makes its own session).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from polycloud._deploy import _adapter, _settings_given, deploy
from polycloud._plan import Deployment
from polycloud._validate import SpecInput
from polycloud.adapter import Adapter, Listed
from polycloud.errors import (
    AdapterError,
    NotFoundError,
    OwnershipError,
    PolycloudError,
    ProviderError,
    RefusedError,
    SpecError,
)
from polycloud.spec import FunctionSpec

if TYPE_CHECKING:
    from polycloud.image.signature import SignaturePolicy

__all__ = ["DEFAULT_JOBS", "Deleted", "FleetResult", "delete", "deploy_all", "exit_code", "list_functions",
           "migrate_all"]

R = TypeVar("R")
T = TypeVar("T")
logger = logging.getLogger(__name__)

DEFAULT_JOBS = 4
"""Items run at once when ``jobs`` is not given."""



@dataclass
class FleetResult(Generic[R]):
    """One item of a fleet run: its result (a ``Deployment``, a ``Migration``) or the error that stopped it."""

    item: str
    """The item as given: a spec file's path, a spec's name, a function's name."""
    result: R | None = None
    error: Exception | None = None
    seconds: float = 0.0
    """How long the item took, from its start in a worker."""

    @property
    def ok(self) -> bool:
        """True when the item succeeded."""
        return self.error is None

    @property
    def deployment(self) -> Deployment | None:
        """The deployment of the item: the result of a deploy, the ``.deployment`` of a migration."""
        if isinstance(self.result, Deployment):
            return self.result
        found = getattr(self.result, "deployment", None)
        return found if isinstance(found, Deployment) else None

    @property
    def exit_code(self) -> int:
        """0, or the CLI's exit code for the item's error (1 findings, 2 usage, 3 a cloud call, 70 a bug)."""
        return 0 if self.error is None else exit_code(self.error)

    def describe_error(self) -> str:
        """The error in one line ("" when ok)."""
        if self.error is None:
            return ""
        if isinstance(self.error, SpecError):
            return "; ".join(f.describe() for f in self.error.report.errors) or str(self.error).strip()
        if isinstance(self.error, PolycloudError):
            return " ".join(str(self.error).split())
        return f"internal error: {type(self.error).__name__}: {self.error}"

    def to_dict(self) -> dict[str, Any]:
        """``{"item", "ok", "seconds", "result", "error"}``: ``result`` is the deployment's JSON (a migration's
        report, with its deployment), null on failure; ``error`` has ``type``, ``message``, ``exit_code`` and
        ``changed`` (what the item had changed before it failed)."""
        error: dict[str, Any] | None = None
        if self.error is not None:
            error = {"type": type(self.error).__name__, "message": self.describe_error(),
                     "exit_code": self.exit_code, "changed": list(getattr(self.error, "changed", []) or [])}
        to_dict = getattr(self.result, "to_dict", None)
        return {"item": self.item, "ok": self.ok, "seconds": round(self.seconds, 3),
                "result": to_dict() if callable(to_dict) else None, "error": error}


def exit_code(error: Exception) -> int:
    """The CLI's exit code for ``error``, as ``polycloud`` gives it for a single command."""
    from polycloud.cli_common import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_PROVIDER, EXIT_USAGE
    from polycloud.source import UNREADABLE

    if isinstance(error, SpecError):
        return EXIT_USAGE if any(f.rule == UNREADABLE for f in error.report) else EXIT_FINDINGS
    if isinstance(error, (ProviderError, RefusedError)):
        return EXIT_PROVIDER
    if isinstance(error, PolycloudError):
        return EXIT_USAGE
    return EXIT_INTERNAL


def _label(spec: SpecInput) -> str:
    if isinstance(spec, FunctionSpec):
        return spec.name
    if isinstance(spec, Mapping):
        return str(spec.get("name") or "<spec>")
    return str(spec)


def _check_jobs(jobs: int) -> int:
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number of at least 1, not {jobs!r}")
    return jobs


def run_all(items: Sequence[T], work: Callable[[T], R], label: Callable[[T], str], *,
            jobs: int = DEFAULT_JOBS, verb: str = "done") -> list[FleetResult[R]]:
    """``work`` on every item, at most ``jobs`` at a time; every failure recorded, never raised.

    Results are in the order of ``items``. A KeyboardInterrupt stops the items not started yet (those
    running finish) and is raised again.
    """
    jobs = _check_jobs(jobs)
    total = len(items)
    finished = itertools.count(1)  # next() on it is atomic: the progress count is right across threads

    def one(item: T) -> FleetResult[R]:
        start = time.perf_counter()
        row: FleetResult[R] = FleetResult(label(item))
        try:
            row.result = work(item)
        except Exception as exc:  # one item's failure, whatever it is, never stops the others
            row.error = exc
        row.seconds = time.perf_counter() - start
        logger.info("%d/%d %s: %s", next(finished), total, row.item,
                    verb if row.ok else f"failed ({type(row.error).__name__})")
        return row

    if jobs == 1 or total <= 1:
        return [one(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(jobs, total), thread_name_prefix="polycloud-fleet") as pool:
        futures = [pool.submit(one, item) for item in items]
        try:
            return [future.result() for future in futures]
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            raise


def deploy_all(specs: Iterable[SpecInput], provider: str, *, jobs: int = DEFAULT_JOBS, dry_run: bool = False,
               limit_overrides: Mapping[str, Any] | None = None,
               settings: Mapping[str, Any] | None = None,
               pin_images: bool | None = None,
               signature: SignaturePolicy | None = None,
               inspect_image: bool = False) -> list[FleetResult[Deployment]]:
    """Deploy every spec (file paths, ``FunctionSpec`` objects or mappings) to ``provider`` (a key or alias, so
    each job makes its own adapter), at most ``jobs`` at a time, each as ``polycloud.deploy`` would with
    ``settings``, ``pin_images``, ``signature`` (a ``polycloud.image.SignaturePolicy``) and ``inspect_image``;
    one result per spec, in order.

    A spec that fails (invalid, refused, a cloud call that failed after the retries) is a result with
    ``error`` set; the others go on. ``any(not r.ok for r in results)`` tells whether something failed.

    Raises:
        ValueError: ``jobs`` is not a whole number of at least 1.
    """
    given = dict(settings or {})
    return run_all(list(specs), lambda spec: deploy(spec, provider, dry_run=dry_run, limit_overrides=limit_overrides,
                                                    settings=given, pin_images=pin_images,
                                                    signature=signature, inspect_image=inspect_image),
                   _label, jobs=jobs, verb="deployed")


def migrate_all(names: Iterable[str], source: str, target: str, *, jobs: int = DEFAULT_JOBS,
                **options: Any) -> list[FleetResult[Any]]:
    """Migrate every function of ``names`` from ``source`` to ``target``, at most ``jobs`` at a time, each as
    ``polycloud.migrate(name, source, target, **options)`` would (``source_settings=``, ``target_settings=``,
    ``replace=``, ``dry_run=``, ``fit=``, ``secrets=``...); one result per name, in order, each holding its
    ``Migration`` or its error.

    Raises:
        ValueError: ``jobs`` is not a whole number of at least 1, or ``new_name`` was given (one name for
            many functions).
    """
    from polycloud.migration import migrate

    if options.get("new_name"):
        raise ValueError("new_name renames one function; migrate_all migrates many (rename them one by one)")
    return run_all(list(dict.fromkeys(names)), lambda name: migrate(name, source, target, **options), str,
                   jobs=jobs, verb="migrated")


def list_functions(provider: str | Adapter, *, settings: Mapping[str, Any] | None = None,
                   **legacy_settings: Any) -> list[Listed]:
    """The functions ``provider`` holds where its ``settings`` point (region, resource group, project),
    polycloud's and others', sorted by name.

    Raises:
        AdapterError: the adapter cannot list (a third-party adapter without ``list``).
        ProviderError: a listing call failed.
    """
    adapter = _adapter(provider, None, _settings_given(settings, legacy_settings, "list_functions"))
    lister = getattr(adapter, "list", None)
    if lister is None:
        raise AdapterError(f"the {adapter.name} adapter cannot list functions: it has no list method")
    found: list[Listed] = lister()
    return found


@dataclass
class Deleted:
    """What ``delete`` did (or, with ``dry_run``, would do)."""

    provider: str
    name: str
    owned: bool
    """Whether polycloud owned it (an unowned one is deleted only when adopted)."""
    resource_id: str | None = None
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``{"provider", "name", "owned", "resource_id", "dry_run", "deleted", "notes"}``."""
        return {"provider": self.provider, "name": self.name, "owned": self.owned, "resource_id": self.resource_id,
                "dry_run": self.dry_run, "deleted": not self.dry_run, "notes": list(self.notes)}


def delete(name: str, provider: str | Adapter, *, dry_run: bool = False, settings: Mapping[str, Any] | None = None,
           **legacy_settings: Any) -> Deleted:
    """Delete the function ``name`` from ``provider`` when polycloud owns it (or ``adopt=True`` takes it over);
    with ``dry_run``, read it and say what would be deleted, writing nothing.

    Raises:
        NotFoundError: there is no such function.
        OwnershipError: polycloud did not create it and ``adopt`` is off (nothing was deleted).
        ProviderError: a call failed.
    """
    adapter = _adapter(provider, None, _settings_given(settings, legacy_settings, "delete"))
    live = adapter.read(name)
    if live is None:
        raise NotFoundError(f"{name} does not exist", provider=adapter.name, operation="delete")
    noun = getattr(adapter, "resource_noun", "function")
    notes = []
    if not live.owned:
        if not getattr(adapter, "adopt", False):
            mark = getattr(adapter, "owner_mark", "polycloud's ownership mark")
            raise OwnershipError(
                f"{noun} {name} exists but polycloud did not create it (it lacks {mark}): polycloud deletes only "
                "what it owns. Delete it with adopt=True (CLI: --set adopt=true) if it is yours to delete "
                "(nothing was deleted).", provider=adapter.name, operation="delete", code="NotOwned")
        notes.append(f"{noun} {name} was not created by polycloud; deleted because adopt is on")
    if not dry_run:
        adapter.delete(name)
    return Deleted(provider=adapter.name, name=name, owned=live.owned, resource_id=live.id, dry_run=dry_run,
                   notes=notes)
