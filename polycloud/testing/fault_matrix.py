"""The fault matrix: every adapter's deploy, with each kind of fault injected on each of its writes in turn.

For each provider two deploys are run on a fresh fake: ``create`` (a spec deployed from nothing) and
``update`` (the same function, deployed first, then with another image, environment and timeout). Each is
run once without faults to list the writes it makes, then once per (write, fault kind) with that one fault
injected on that one write. Each run ends in one
of the outcomes below, and is followed by a deploy without faults and a ``plan`` that must find nothing to
change (the next deploy converges):

- ``ok``: the deploy succeeded (a transient fault retried, a conflict read back and converged);
- ``stops``: the deploy raised a ``ProviderError`` whose ``.changed`` lists what it had done, and the next
  deploy converges;
- ``refused``: polycloud refused (``RefusedError``), and the next deploy converges;
- ``DIVERGES``: the next deploy did not converge (a bug: ``tests/core/test_fault_matrix.py`` fails on it).

``python -m polycloud.testing.fault_matrix`` prints the table that ``docs/reliability.md`` holds; the test
checks that the document's table is what this module produces.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "Kind", "Row", "markdown", "matrix"]


@dataclass(frozen=True)
class Kind:
    """One kind of fault: an HTTP status before the call reaches the service, or a lost connection."""

    label: str
    status: int = 500
    drop: bool = False
    lost: bool = False
    """The service carries the call out, then the connection drops before its answer arrives."""


KINDS = (Kind("throttled (429)", 429), Kind("server error (503)", 503), Kind("connection dropped", drop=True),
         Kind("answer lost", drop=True, lost=True), Kind("conflict (409)", 409), Kind("denied (403)", 403))

_AWS_CODES = {"lambda": {409: "ResourceConflictException", 403: "AccessDeniedException", 503: "ServiceException"},
              # https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html#API_CreateRole_Errors
              "iam": {409: "ConcurrentModification", 403: "AccessDenied", 503: "ServiceFailure"}}


@dataclass(frozen=True)
class Row:
    """One write of one provider's deploy, and the outcome of each kind of fault on it (``KINDS`` order)."""

    provider: str
    scenario: str
    call: str
    outcomes: tuple[str, ...]


UPDATE = {"image_tag": "2", "environment": {"MATRIX": "2"}, "timeout": "60s"}
"""What the ``update`` deploy changes."""


SPECS: dict[str, dict[str, Any]] = {
    "aws-lambda": {"name": "matrix-fn", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1",
                   "providers": {"aws": {"region": "us-east-1"}}},
    "azure-functions": {"name": "matrix-fn", "image": "acme.azurecr.io/hello:1", "network": {"auth": "none"},
                        "providers": {"azure": {"resource_group": "rg-matrix", "location": "westeurope",
                                                "storage": "acmestorage", "registry_managed_identity": True}}},
    "gcp-cloud-run": {"name": "matrix-fn", "image": "us-docker.pkg.dev/acme/apps/hello:1",
                      "network": {"auth": "none"}, "providers": {"gcp": {"project": "acme",
                                                                         "region": "europe-west1"}}},
}


# -- one provider's world: a fresh fake, its writes, and a fault on one of them ----------------------------
class _World:
    """A fresh fake for one run: ``settings`` for the adapter, ``writes`` made so far, ``inject``."""

    settings: dict[str, Any]

    def writes(self) -> list[str]:
        raise NotImplementedError

    def forget(self) -> None:
        """Forget the writes so far (the base deploy of ``update``)."""
        raise NotImplementedError

    def inject(self, writes: list[str], index: int, kind: Kind) -> None:
        """Fail ``writes[index]`` (the writes of a run without faults) with ``kind``."""
        raise NotImplementedError


class _AwsWorld(_World):
    def __init__(self, moto: Any) -> None:
        self.moto = moto
        self.settings = moto.settings()

    def writes(self) -> list[str]:
        return [f"iam {c}" for c in self.moto.iam_faults.writes] + list(self.moto.faults.writes)

    def forget(self) -> None:
        self.moto.faults.reset()
        self.moto.iam_faults.reset()

    def inject(self, writes: list[str], index: int, kind: Kind) -> None:
        call = writes[index]
        iam, _, operation = call.rpartition(" ")
        injector = self.moto.iam_faults if iam else self.moto.faults
        earlier = [c for c in writes[:index] if c == call]
        injector.inject(1, status=kind.status if not kind.drop or kind.lost else 500, drop=kind.drop,
                        lost=kind.lost, operation=operation, after=len(earlier),
                        code=_AWS_CODES["iam" if iam else "lambda"].get(kind.status) if not kind.drop else None,
                        retry_after=0 if kind.status == 429 else None)


class _FakeWorld(_World):
    def __init__(self, fake: Any, settings: dict[str, Any], marker: str) -> None:
        self.fake = fake
        self.settings = settings
        self.marker = marker

    def _name(self, request: Any) -> str:
        tail = request.path.split(self.marker, 1)[-1].lstrip("/")
        return f"{request.method} {tail}"

    def writes(self) -> list[str]:
        return [self._name(c) for c in self.fake.writes]

    def forget(self) -> None:
        self.fake.reset_calls()

    def inject(self, writes: list[str], index: int, kind: Kind) -> None:
        from polycloud.testing.fakes import Fault

        seen: list[int] = []

        def nth_write(request: Any) -> bool:
            if self.fake.is_read(request):
                return False
            seen.append(1)
            return len(seen) == index + 1

        if kind.lost:
            self.fake.lose_answer_when(nth_write)
        else:
            self.fake.fail_when(nth_write, Fault(status=kind.status, drop=kind.drop,
                                                 retry_after=0 if kind.status == 429 else None))


@contextlib.contextmanager
def _world(provider: str, moto: Any = None) -> Iterator[_World]:
    """A fresh world; for AWS ``moto`` (one ``moto_lambda`` for every run: starting one costs 0.5 s) is
    emptied of every resource and fault first."""
    from polycloud.retry import RetryPolicy

    if provider == "aws-lambda":
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        moto.faults.reset()
        moto.iam_faults.reset()
        yield _AwsWorld(moto)
    elif provider == "azure-functions":
        from polycloud.testing.azure import FakeArmWeb, sandbox_settings

        arm = FakeArmWeb()
        with arm.activate():
            yield _FakeWorld(arm, {**sandbox_settings(arm), "retry": RetryPolicy.no_wait()}, "/Microsoft.Web/")
    else:
        from polycloud.testing.gcp import FakeCloudRun
        from polycloud.testing.gcp import sandbox_settings as run_settings

        run = FakeCloudRun()
        with run.activate():
            yield _FakeWorld(run, run_settings(run), "/locations/europe-west1/")


# -- the runs -------------------------------------------------------------------------------------------------
def _spec(provider: str, scenario: str) -> Any:
    from polycloud import FunctionSpec

    data = dict(SPECS[provider])
    if scenario == "update":
        data.update(environment=UPDATE["environment"], timeout=UPDATE["timeout"],
                    image=data["image"].rsplit(":", 1)[0] + ":" + UPDATE["image_tag"])
    return FunctionSpec.model_validate(data)


def _deploy(provider: str, scenario: str, world: _World) -> Callable[[], Any]:
    from polycloud import deploy

    spec = _spec(provider, scenario)
    return lambda: deploy(spec, provider, settings=world.settings)


def _prepare(provider: str, scenario: str, world: _World) -> None:
    """For ``update``: the function as the ``create`` deploy makes it, its writes forgotten."""
    if scenario == "update":
        _deploy(provider, "create", world)()
        world.forget()


def _outcome(provider: str, scenario: str, world: _World) -> str:
    from polycloud import plan
    from polycloud.errors import PolycloudError, ProviderError, RefusedError

    run = _deploy(provider, scenario, world)
    try:
        run()
        outcome = "ok"
    except RefusedError:
        outcome = "refused"
    except ProviderError:
        outcome = "stops"
    try:
        run()
        converged = plan(_spec(provider, scenario), provider, settings=world.settings).action == "unchanged"
    except PolycloudError:
        converged = False
    return outcome if converged else "DIVERGES"


def matrix(providers: tuple[str, ...] = tuple(SPECS)) -> list[Row]:
    """Run every (write, fault kind) of each provider's deploy from nothing; one ``Row`` per write."""
    from polycloud.testing.aws import moto_lambda

    rows = []
    with contextlib.ExitStack() as stack:
        moto = stack.enter_context(moto_lambda()) if "aws-lambda" in providers else None
        for provider in providers:
            for scenario in ("create", "update"):
                with _world(provider, moto) as world:
                    _prepare(provider, scenario, world)
                    _deploy(provider, scenario, world)()
                    writes = world.writes()
                for index, call in enumerate(writes):
                    outcomes = []
                    for kind in KINDS:
                        with _world(provider, moto) as world:
                            _prepare(provider, scenario, world)
                            world.inject(writes, index, kind)
                            outcomes.append(_outcome(provider, scenario, world))
                    rows.append(Row(provider, scenario, call, tuple(outcomes)))
    return rows


def markdown(rows: list[Row]) -> str:
    """The matrix as the Markdown table ``docs/reliability.md`` holds."""
    lines = ["| provider | deploy | write (in order) | " + " | ".join(k.label for k in KINDS) + " |",
             "|---|---|---|" + "---|" * len(KINDS)]
    lines += [f"| {r.provider} | {r.scenario} | `{r.call}` | " + " | ".join(r.outcomes) + " |" for r in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - the test runs ``matrix`` and ``markdown`` itself
    sys.stdout.write(markdown(matrix()))
