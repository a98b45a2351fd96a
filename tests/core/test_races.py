"""Two deploys of different specs to one function at once: never both "succeeded" over a mix of the two.

Each test deploys a base spec, then runs two deploys (spec A: image 2 and X=a; spec B: image 3 and X=b) in
two threads against the same fake, with the real SDK clients, interleaved deterministically:

- ``together``: both have read the function before either writes (a barrier before each one's first write);
- ``overtaken``: A makes its first write, then waits before its second until B has finished.

Lambda (RevisionId) and Cloud Run (etag) refuse the stale write, so exactly one deploy succeeds and the
function is that deploy's spec. Azure has no token on a function app; a read after the writes catches the
change, so a deploy never reports success over a mix, and whenever the function ends as neither spec a deploy
said so with ``ConcurrentChangeError``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from polycloud import ConcurrentChangeError, Deployment, FunctionSpec, deploy, plan
from polycloud.adapter import BaseAdapter
from polycloud.testing.fakes import FakeRequest, FakeService

ROUNDS = 3
WAIT = 10.0  # seconds a barrier or event waits before the test fails instead of hanging
THREADS = ("deploy-A", "deploy-B")

AWS_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello"
ACR_IMAGE = "acme.azurecr.io/hello"
GCR_IMAGE = "us-docker.pkg.dev/acme/apps/hello"
AZURE_SECTION: dict[str, Any] = {"subscription_id": "00000000-0000-0000-0000-000000000000", "resource_group": "rg-race",
                 "location": "westeurope", "plan": "EP1", "storage": "acmestorage",
                 "registry_managed_identity": True}


def _spec(provider: str, version: int, value: str) -> FunctionSpec:
    image = {"aws": AWS_IMAGE, "azure": ACR_IMAGE, "gcp": GCR_IMAGE}[provider]
    section: dict[str, Any] = {"aws": {"region": "us-east-1"}, "azure": AZURE_SECTION,
                               "gcp": {"project": "acme", "region": "europe-west1"}}[provider]
    return FunctionSpec.model_validate({"name": "race-fn", "image": f"{image}:{version}",
                                        "environment": {"RACE": value}, "network": {"auth": "none"},
                                        "providers": {provider: section}})


@dataclass
class Outcome:
    """What one deploy thread ended with."""

    result: Deployment | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class Arena:
    """One fake, and a way to make adapters on it and to hold a thread before a given write."""

    provider: str
    adapter: Callable[[], BaseAdapter]
    hold: Callable[[BaseAdapter, str, int, Callable[[], None]], None]
    """``hold(adapter, thread, n, action)``: run ``action`` before the ``n``-th write (1-based) that ``adapter``
    sends from the thread named ``thread``."""


def _run(first: tuple[BaseAdapter, FunctionSpec], second: tuple[BaseAdapter, FunctionSpec]
         ) -> tuple[Outcome, Outcome]:
    outcomes = (Outcome(), Outcome())

    def work(adapter: BaseAdapter, spec: FunctionSpec, outcome: Outcome) -> None:
        try:
            outcome.result = deploy(spec, adapter)
        except BaseException as exc:  # noqa: BLE001 - the test asserts on whatever the deploy raised
            outcome.error = exc
        finally:
            outcome.done.set()

    threads = [threading.Thread(target=work, args=(*pair, outcome), name=name)
               for pair, outcome, name in zip((first, second), outcomes, THREADS, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(not t.is_alive() for t in threads), "a deploy hung"
    return outcomes


def _final(arena: Arena, *specs: FunctionSpec) -> list[FunctionSpec]:
    """The specs the live function now matches exactly (a fresh adapter's plan says 'unchanged')."""
    return [s for s in specs if plan(s, arena.adapter()).action == "unchanged"]


def _assert_never_a_silent_mix(outcomes: tuple[Outcome, Outcome], specs: tuple[FunctionSpec, FunctionSpec],
                               final: list[FunctionSpec]) -> None:
    for outcome in outcomes:
        assert outcome.error is None or isinstance(outcome.error, ConcurrentChangeError), repr(outcome.error)
    succeeded = [s for s, o in zip(specs, outcomes, strict=True) if o.error is None]
    if len(succeeded) == 2:
        assert len(final) == 1, "both deploys reported success over a state matching neither spec"
    if not final:
        assert any(o.error is not None for o in outcomes), "the function matches neither spec, silently"
    for outcome in outcomes:
        if outcome.error is not None:
            message = str(outcome.error)
            assert "another deploy changed it" in message and "polycloud deploy" in message


# -- the three fakes -----------------------------------------------------------------------------------------
@pytest.fixture(params=["aws", "azure", "gcp"])
def arena(request: pytest.FixtureRequest) -> Iterator[Arena]:
    yield request.getfixturevalue(f"_{request.param}_arena")


@pytest.fixture
def _aws_arena(moto_aws: Any) -> Arena:
    import boto3
    from botocore.config import Config

    from polycloud.retry import RetryPolicy
    from polycloud_aws import LambdaAdapter

    def adapter() -> BaseAdapter:
        client = boto3.client("lambda", region_name="us-east-1",
                              config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        return LambdaAdapter(client=client, iam_client=moto_aws.iam_client, region="us-east-1",
                             retry=RetryPolicy.no_wait(), waiter_delay=0)

    def hold(adapter: BaseAdapter, thread: str, n: int, action: Callable[[], None]) -> None:
        seen: list[str] = []

        def before_call(model: Any, **_: Any) -> None:
            if model.name.startswith(("Get", "List")) or threading.current_thread().name != thread:
                return
            seen.append(model.name)
            if len(seen) == n:
                action()

        adapter.client.meta.events.register("before-call.lambda", before_call)  # type: ignore[attr-defined]

    return Arena("aws", adapter, hold)


def _fake_hold(fake: FakeService) -> Callable[[BaseAdapter, str, int, Callable[[], None]], None]:
    """Holds on a fake's writes, told apart by the thread that sends them (each deploy runs in its own)."""

    def hold(adapter: BaseAdapter, thread: str, n: int, action: Callable[[], None]) -> None:
        seen: list[str] = []

        def before(request: FakeRequest) -> None:
            if threading.current_thread().name != thread or fake.is_read(request):
                return
            seen.append(request.path)
            if len(seen) == n:
                action()

        fake.before(lambda request: True, before, count=10_000)

    return hold


@pytest.fixture
def _azure_arena(fake_arm: Any) -> Arena:
    from polycloud.testing.azure import sandbox_settings
    from polycloud_azure import AzureFunctionsAdapter

    return Arena("azure", lambda: AzureFunctionsAdapter(
        **sandbox_settings(fake_arm), resource_group=AZURE_SECTION["resource_group"],
        location=AZURE_SECTION["location"]), _fake_hold(fake_arm))


@pytest.fixture
def _gcp_arena(fake_cloud_run: Any) -> Arena:
    from polycloud.testing.gcp import sandbox_settings
    from polycloud_gcp import CloudRunAdapter

    return Arena("gcp", lambda: CloudRunAdapter(
        **sandbox_settings(fake_cloud_run), project="acme", region="europe-west1"), _fake_hold(fake_cloud_run))


# -- the races ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_deploys_that_both_read_first_never_both_succeed_over_a_mix(arena: Arena, round_: int) -> None:
    p = arena.provider
    deploy(_spec(p, 1, "base"), arena.adapter())
    specs = (_spec(p, 2, f"a{round_}"), _spec(p, 3, f"b{round_}"))
    first, second = arena.adapter(), arena.adapter()
    barrier = threading.Barrier(2, timeout=WAIT)

    def meet() -> None:
        barrier.wait()

    arena.hold(first, THREADS[0], 1, meet)
    arena.hold(second, THREADS[1], 1, meet)

    outcomes = _run((first, specs[0]), (second, specs[1]))

    final = _final(arena, *specs)
    _assert_never_a_silent_mix(outcomes, specs, final)
    if p in ("aws", "gcp"):  # an optimistic-concurrency token: the stale write is refused, the winner is whole
        errors = [o.error for o in outcomes]
        assert sum(e is None for e in errors) == 1, errors
        winner = specs[errors.index(None)]
        assert final == [winner]
        loser = next(o for o in outcomes if o.error is not None)
        assert isinstance(loser.error, ConcurrentChangeError)


@pytest.mark.parametrize("provider", ["aws", "azure"])
def test_a_deploy_overtaken_between_its_writes_says_so(provider: str, request: pytest.FixtureRequest) -> None:
    """A writes its first change, B then deploys from start to end, then A goes on: A ends in
    ConcurrentChangeError; B succeeded, and on Lambda the function is B's (A's next write was refused)."""
    arena: Arena = request.getfixturevalue(f"_{provider}_arena")
    deploy(_spec(provider, 1, "base"), arena.adapter())
    specs = (_spec(provider, 2, "a"), _spec(provider, 3, "b"))
    first, second = arena.adapter(), arena.adapter()
    b_started, b_done = threading.Event(), threading.Event()

    def pause() -> None:
        b_started.set()
        assert b_done.wait(WAIT)

    arena.hold(first, THREADS[0], 2, pause)

    a_outcome = Outcome()

    def run_a() -> None:
        try:
            a_outcome.result = deploy(specs[0], first)
        except BaseException as exc:  # noqa: BLE001
            a_outcome.error = exc

    thread = threading.Thread(target=run_a, name=THREADS[0])
    thread.start()
    assert b_started.wait(WAIT)
    b_result = deploy(specs[1], second)
    b_done.set()
    thread.join(timeout=60)

    assert b_result.action == "updated"
    assert isinstance(a_outcome.error, ConcurrentChangeError), repr(a_outcome.error)
    assert a_outcome.error.changed, "A's first write is reported as done"
    final = _final(arena, *specs)
    if provider == "aws":
        assert final == [specs[1]]
    _assert_never_a_silent_mix((a_outcome, Outcome(result=b_result)), specs, final)


@pytest.mark.parametrize("provider", ["aws", "azure", "gcp"])
def test_two_deploys_one_after_the_other_both_succeed_and_the_last_wins(provider: str,
                                                                       request: pytest.FixtureRequest) -> None:
    arena: Arena = request.getfixturevalue(f"_{provider}_arena")
    deploy(_spec(provider, 1, "base"), arena.adapter())
    specs = (_spec(provider, 2, "a"), _spec(provider, 3, "b"))
    assert deploy(specs[0], arena.adapter()).action == "updated"
    assert deploy(specs[1], arena.adapter()).action == "updated"
    assert _final(arena, *specs) == [specs[1]]
