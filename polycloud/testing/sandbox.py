"""The offline sandbox of all three control planes, for ``--sandbox``, tests, scripts and demos.

``open_sandbox()`` is the one entry. When a sandbox server runs (``polycloud sandbox start``, see
``polycloud.testing._daemon`` and ``polycloud.testing.server``), it returns settings aimed at that server,
so separate commands and processes share one lasting state, like LocalStack or the gcloud emulators.
Otherwise (or with ``server=False``) it uses the in-process sandbox: the first call starts moto (AWS,
outermost, as moto requires) and one ``responses`` mock that serves ``FakeArmWeb`` and ``FakeCloudRun``;
they live until ``reset()`` or the process ends, so several calls in one process (tests, notebooks,
``polycloud sandbox FILE...``) share state. Nothing leaves the process (or loopback). Each provider's
SDK client is made on first request, so the sandbox works for the providers whose SDKs are installed.
The pytest plugin's ``polycloud_sandbox`` fixture opens the in-process one for one test and resets it
afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from polycloud.errors import MissingDependencyError
from polycloud.testing._daemon import (
    SandboxServerError,
    ServerInfo,
    ServerStatus,
    reset_server,
    server_status,
    start_server,
    state_dir,
    stop_server,
)

if TYPE_CHECKING:
    from polycloud.adapter import Adapter
    from polycloud.testing.sandbox_registry import SandboxRegistries

__all__ = ["Rehearsal", "Sandbox", "SandboxServerError", "ServerInfo", "ServerStatus", "fakes", "open_sandbox",
           "rehearse", "reset", "sandbox_settings", "server_status", "start_server", "state_dir", "stop_server"]

_log = logging.getLogger(__name__)
START_HINT = "run `polycloud sandbox start` so the sandbox lasts across commands"

_stack: contextlib.ExitStack | None = None
_settings: dict[str, dict[str, Any]] = {}
_factories: dict[str, Callable[[], dict[str, Any]]] = {}
fakes: dict[str, Any] = {}
"""The running fakes by provider key; for AWS the FaultInjectors of the Lambda and IAM clients
(``aws-lambda``, ``aws-iam``)."""

_EXTRAS = {"aws-lambda": "polycloud-sdk[sandbox]", "azure-functions": "polycloud-sdk[azure]",
           "gcp-cloud-run": "polycloud-sdk[gcp]"}
_remote: dict[tuple[str, str], dict[str, Any]] = {}


def _start() -> None:
    global _stack
    try:
        import responses
    except ImportError as exc:
        raise MissingDependencyError("the offline sandbox (responses)", "polycloud-sdk[sandbox]") from exc
    from polycloud.testing import aws, azure, gcp

    stack = contextlib.ExitStack()
    try:
        for key, value in (("AWS_ACCESS_KEY_ID", "sandbox"), ("AWS_SECRET_ACCESS_KEY", "sandbox")):
            # Put back what was there when the sandbox stops (registered first, so it runs after moto's own
            # restore): fake keys never outlive the sandbox in the caller's environment.
            stack.callback(_restore_env, key, os.environ.get(key))
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
        _start_registries(stack, mock, except_urls=(arm.base_url, run.base_url))
        _factories["azure-functions"] = lambda: azure.sandbox_settings(arm)
        _factories["gcp-cloud-run"] = lambda: gcp.sandbox_settings(run)
    except BaseException:
        stack.close()
        raise
    _stack = stack


def _start_registries(stack: contextlib.ExitStack, mock: Any, *, except_urls: tuple[str, ...]) -> None:
    """Serve every image registry from ``SandboxRegistries`` and make plan/deploy pin digests with it
    until the sandbox stops (``requests``, the ``image`` extra's client library, must be installed)."""
    try:
        import requests  # noqa: F401  # the registry client's HTTP library
    except ImportError:
        return
    from urllib.parse import urlsplit

    from polycloud._pinning import use_registry
    from polycloud.image import RegistryClient
    from polycloud.testing.sandbox_registry import SandboxRegistries

    registries = SandboxRegistries()
    registries.install(mock, except_hosts=tuple(urlsplit(url).netloc for url in except_urls))
    fakes["image-registry"] = registries
    use_registry(RegistryClient())
    stack.callback(use_registry, None)


def _restore_env(key: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


def _canonical(provider: str) -> str:
    from polycloud import registry

    return registry.canonical(provider)


class Sandbox:
    """The sandbox: adapter settings, adapters and fakes by provider (``aws`` or ``aws-lambda``).

    ``server`` is the running sandbox server it talks to, or None for the in-process fakes.
    """

    def __init__(self, server: ServerInfo | None = None) -> None:
        self.server = server

    @property
    def lasting(self) -> bool:
        """True when the state lives in a sandbox server and so outlasts this process."""
        return self.server is not None

    def settings(self, provider: str) -> dict[str, Any]:
        """Adapter keyword settings wired to the fake of ``provider``.

        Raises:
            MissingDependencyError: the provider's SDK (or moto, for AWS) is not installed.
        """
        key = _canonical(provider)
        if self.server is None:
            return sandbox_settings(key)
        return _server_settings(self.server, key)

    def fake(self, provider: str) -> Any:
        """The fake of ``provider``: ``FakeArmWeb``, ``FakeCloudRun``, or for AWS the Lambda client's
        ``FaultInjector`` (``aws-iam``: the IAM client's).

        Raises:
            SandboxServerError: the fakes live in the sandbox server's process, out of reach.
        """
        if self.server is not None:
            raise SandboxServerError(f"the fakes run in the sandbox server (pid {self.server.pid}), not in this "
                                     "process: use open_sandbox(server=False) for fakes you can script")
        key = provider if provider == "aws-iam" else _canonical(provider)
        self.settings("aws-lambda" if key == "aws-iam" else key)
        return fakes[key]

    @property
    def registries(self) -> SandboxRegistries:
        """The in-process sandbox's image registries (``push_build`` moves a tag, as a CI push does).

        Raises:
            SandboxServerError: the sandbox is a server (whose deploys do not pin digests).
            MissingDependencyError: ``requests`` (the ``polycloud-sdk[image]`` extra) is not installed.
        """
        if self.server is not None:
            raise SandboxServerError("the sandbox server does not serve image registries: its deploys keep the "
                                     "tag as written; use open_sandbox(server=False)")
        if "image-registry" not in fakes:
            raise MissingDependencyError("the sandbox's image registries (requests)", "polycloud-sdk[image]")
        registries: SandboxRegistries = fakes["image-registry"]
        return registries

    def adapter_for(self, provider: str, **overrides: Any) -> Adapter:
        """An adapter of ``provider`` on its fake; ``overrides`` add or replace settings (``region=...``)."""
        from polycloud import registry

        key = _canonical(provider)
        adapter: Adapter = registry.load(key)(**{**self.settings(key), **overrides})
        return adapter

    def rehearse(self, path: str, provider: str) -> Rehearsal:
        """Deploy ``path``, deploy it again and export it back (see ``rehearse``)."""
        key = _canonical(provider)
        return rehearse(path, key, settings=self.settings(key))

    def reset(self) -> None:
        """Forget every fake's state (the next use starts empty); on a server, empty the server's fakes."""
        if self.server is None:
            reset()
            return
        reset_server(self.server)


def open_sandbox(*, server: bool | None = None) -> Sandbox:
    """The sandbox: the running sandbox server's when there is one, else this process's (started on first use).

    ``server=True`` requires the server; ``server=False`` always uses the in-process fakes (tests that
    script faults or must start empty).

    Raises:
        MissingDependencyError: ``responses`` (the ``polycloud-sdk[sandbox]`` extra) is not installed.
        SandboxServerError: ``server=True`` and no sandbox server runs.
    """
    if server is not False:
        found = server_status()
        if found.server is not None:
            return Sandbox(found.server)
        if server:
            raise SandboxServerError(f"{found.problem}: {START_HINT}")
        if found.recorded_pid is not None:
            _log.warning("%s; using this process's own sandbox (%s)", found.problem, START_HINT)
    if _stack is None:
        _start()
    return Sandbox()


def _server_settings(server: ServerInfo, provider: str) -> dict[str, Any]:
    """Settings aimed at the server's endpoint for ``provider`` (clients made once per endpoint)."""
    from polycloud.testing._remote import remote_settings

    endpoint = server.endpoints.get(provider)
    if endpoint is None:
        raise MissingDependencyError(f"the {provider} sandbox (the sandbox server does not serve it)",
                                     _EXTRAS.get(provider, "polycloud-sdk[sandbox]"))
    if (provider, endpoint) not in _remote:
        try:
            _remote[provider, endpoint] = remote_settings(provider, endpoint)
        except ImportError as exc:
            raise MissingDependencyError(f"the {provider} SDK", _EXTRAS[provider]) from exc
    return dict(_remote[provider, endpoint])


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
                                         _EXTRAS.get(provider, "polycloud-sdk[sandbox]"))
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


def rehearse(path: str, provider: str, *, settings: dict[str, Any] | None = None) -> Rehearsal:
    """Deploy ``path`` to the sandbox's ``provider``, deploy it again, and export it back.

    ``settings``: the adapter settings of the sandbox to use (default: the in-process sandbox's).

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
    settings = sandbox_settings(provider) if settings is None else settings
    row = Rehearsal(file=path, provider=provider)
    role = spec.providers.aws.role if provider == "aws-lambda" and spec.providers.aws else None
    if role:
        row.notes.append(_seed_role(settings["iam_client"], role))
    first = deploy(path, provider, settings=settings)
    row.deploy = first.action
    row.notes += first.notes
    second = deploy(path, provider, settings=settings)
    row.redeploy, row.redeploy_changes = second.action, len(second.changes)
    adapter = registry.load(provider)
    back = export(spec.name, provider, settings={**adapter.settings_from(spec), **settings}).spec
    section = adapter.section
    mine = {**spec.model_dump(exclude={"providers"}), "image": spec.image_for(section)}
    theirs = back.model_dump(exclude={"providers"})
    if _pinned_form(str(mine["image"]), str(theirs["image"])):
        theirs["image"] = mine["image"]  # deploy pinned the tag to its digest: the same image, by digest
    row.export_differs = sorted(key for key in mine if mine[key] != theirs[key])
    return row


def _pinned_form(written: str, exported: str) -> bool:
    """True when ``exported`` is ``written`` pinned by digest (``name:tag`` deployed as ``name@sha256:...``)."""
    from polycloud.image import ImageReference

    try:
        mine, theirs = ImageReference.parse(written), ImageReference.parse(exported)
    except ValueError:
        return False
    return mine.digest is None and theirs.digest is not None and theirs.tag is None and theirs.name == mine.name


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

