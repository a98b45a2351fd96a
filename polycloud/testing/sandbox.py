"""An in-process offline sandbox of all three control planes, for ``--sandbox``, tests and demos.

``open_sandbox()`` is the one entry: the first call starts moto (AWS, outermost, as moto requires)
and one ``responses`` mock that serves ``FakeArmWeb`` and ``FakeCloudRun``; they live until
``reset()`` or the process ends, so several calls in one process (tests, notebooks, ``polycloud
sandbox``) share state. Nothing leaves the process. Each provider's SDK client is made on first
request, so the sandbox works for the providers whose SDKs are installed. The pytest plugin's
``polycloud_sandbox`` fixture opens it for one test and resets it afterwards.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from polycloud.errors import MissingDependencyError

if TYPE_CHECKING:
    from polycloud.adapter import Adapter

__all__ = ["Rehearsal", "Sandbox", "fakes", "open_sandbox", "rehearse", "reset", "sandbox_settings"]

_stack: contextlib.ExitStack | None = None
_settings: dict[str, dict[str, Any]] = {}
_factories: dict[str, Callable[[], dict[str, Any]]] = {}
fakes: dict[str, Any] = {}
"""The running fakes by provider key; for AWS the FaultInjectors of the Lambda and IAM clients
(``aws-lambda``, ``aws-iam``)."""

_EXTRAS = {"aws-lambda": "polycloud[sandbox]", "azure-functions": "polycloud[azure]",
           "gcp-cloud-run": "polycloud[gcp]"}


def _start() -> None:
    global _stack
    try:
        import responses
    except ImportError as exc:
        raise MissingDependencyError("the offline sandbox (responses)", "polycloud[sandbox]") from exc
    from polycloud.testing import aws, azure, gcp

    stack = contextlib.ExitStack()
    try:
        for key, value in (("AWS_ACCESS_KEY_ID", "sandbox"), ("AWS_SECRET_ACCESS_KEY", "sandbox")):
            os.environ.setdefault(key, value)
        try:  # moto's own mock must be the outer one
            moto = aws.start_moto_lambda(stack)
        except ImportError:
            moto = None
        if moto is not None:
            _settings["aws-lambda"] = {k: v for k, v in moto.settings().items() if k != "region"}
            fakes["aws-lambda"], fakes["aws-iam"] = moto.faults, moto.iam_faults
        mock = stack.enter_context(responses.RequestsMock(assert_all_requests_are_fired=False))
        arm, run = azure.FakeArmWeb(), gcp.FakeCloudRun()
        arm.install(mock)
        run.install(mock)
        fakes["azure-functions"], fakes["gcp-cloud-run"] = arm, run
        _factories["azure-functions"] = lambda: azure.sandbox_settings(arm)
        _factories["gcp-cloud-run"] = lambda: gcp.sandbox_settings(run)
    except BaseException:
        stack.close()
        raise
    _stack = stack


def _canonical(provider: str) -> str:
    from polycloud import registry

    return registry.canonical(provider)


class Sandbox:
    """The running sandbox: adapter settings, adapters and fakes by provider (``aws`` or ``aws-lambda``)."""

    def settings(self, provider: str) -> dict[str, Any]:
        """Adapter keyword settings wired to the fake of ``provider``.

        Raises:
            MissingDependencyError: the provider's SDK (or moto, for AWS) is not installed.
        """
        return sandbox_settings(_canonical(provider))

    def fake(self, provider: str) -> Any:
        """The fake of ``provider``: ``FakeArmWeb``, ``FakeCloudRun``, or for AWS the Lambda client's
        ``FaultInjector`` (``aws-iam``: the IAM client's)."""
        key = provider if provider == "aws-iam" else _canonical(provider)
        self.settings("aws-lambda" if key == "aws-iam" else key)
        return fakes[key]

    def adapter_for(self, provider: str, **overrides: Any) -> Adapter:
        """An adapter of ``provider`` on its fake; ``overrides`` add or replace settings (``region=...``)."""
        from polycloud import registry

        key = _canonical(provider)
        adapter: Adapter = registry.load(key)(**{**self.settings(key), **overrides})
        return adapter

    def rehearse(self, path: str, provider: str) -> Rehearsal:
        """Deploy ``path``, deploy it again and export it back (see ``rehearse``)."""
        return rehearse(path, _canonical(provider))

    def reset(self) -> None:
        """Stop every fake and forget its state (the next use starts empty)."""
        reset()


def open_sandbox() -> Sandbox:
    """The process's sandbox, started on first use of a provider.

    Raises:
        MissingDependencyError: ``responses`` (the ``polycloud[sandbox]`` extra) is not installed.
    """
    if _stack is None:
        _start()
    return Sandbox()


def sandbox_settings(provider: str) -> dict[str, Any]:
    """Adapter keyword settings wired to the sandbox's fake of ``provider`` (started on first use).

    Raises:
        MissingDependencyError: the provider's SDK (or moto, for AWS) is not installed.
    """
    if _stack is None:
        _start()
    if provider not in _settings:
        factory = _factories.get(provider)
        if factory is None:
            raise MissingDependencyError(f"the {provider} sandbox (its SDK or moto)",
                                         _EXTRAS.get(provider, "polycloud[sandbox]"))
        try:
            _settings[provider] = factory()
        except ImportError as exc:
            raise MissingDependencyError(f"the {provider} SDK", _EXTRAS[provider]) from exc
    return dict(_settings[provider])


def reset() -> None:
    """Stop every fake and forget its state."""
    global _stack
    if _stack is not None:
        _stack.close()
    _stack = None
    _settings.clear()
    _factories.clear()
    fakes.clear()


@dataclass
class Rehearsal:
    """One spec rehearsed on one provider's fake: deploy, deploy again, export."""

    file: str
    provider: str
    deploy: str = ""
    redeploy: str = ""
    redeploy_changes: int = 0
    export_differs: list[str] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of one row."""
        return dict(self.__dict__)


def rehearse(path: str, provider: str) -> Rehearsal:
    """Deploy ``path`` to the sandbox's ``provider``, deploy it again, and export it back.

    The second deploy must be ``unchanged``; ``export_differs`` names the top-level spec fields
    the provider could not represent exactly (see the adapter's docs).

    Raises:
        SpecError: the spec is invalid for this provider (nothing was deployed).
        MissingDependencyError: the provider's SDK or the sandbox extras are missing.
    """
    from polycloud import registry
    from polycloud._deploy import deploy, export
    from polycloud._validate import load_input

    spec, _ = load_input(path)
    settings = sandbox_settings(provider)
    row = Rehearsal(file=path, provider=provider)
    role = spec.providers.aws.role if provider == "aws-lambda" and spec.providers.aws else None
    if role:
        row.notes.append(_seed_role(settings["iam_client"], role))
    first = deploy(path, provider, **settings)
    row.deploy = first.action
    row.notes += first.notes
    second = deploy(path, provider, **settings)
    row.redeploy, row.redeploy_changes = second.action, len(second.changes)
    adapter = registry.load(provider)
    back = export(spec.name, provider, **{**adapter.settings_from(spec), **settings}).spec
    section = adapter.section
    mine = {**spec.model_dump(exclude={"providers"}), "image": spec.image_for(section)}
    theirs = back.model_dump(exclude={"providers"})
    row.export_differs = sorted(key for key in mine if mine[key] != theirs[key])
    return row


def _seed_role(iam: Any, arn: str) -> str:
    """Create the spec's execution role in the fake IAM (the sandbox starts empty)."""
    import json

    name = arn.rsplit("/", 1)[-1]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}
    try:
        iam.get_role(RoleName=name)
    except iam.exceptions.NoSuchEntityException:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    return f"sandbox: created the execution role {name} the spec names, so the rehearsal can run"

