"""The sandbox's image registries: every registry host a spec names, served by a ``FakeRegistry``.

So ``--sandbox`` deploys resolve digests as real ones do (``polycloud._pinning``), without pushing
anything first: the first pull of an unknown tag pushes a deterministic image for it (its one file names
the reference), and ``push_build`` pushes a new build under the same tag, as CI does, to move it.
Pulls are anonymous (public repositories on bearer-token registries). Cosign's tags (``sha256-<hex>.sig``,
``.att``, ``.sbom``) are never made up: an image nobody signed has no signature, as in a real registry.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from polycloud.testing.fakes import FakeRequest, FakeResponse
from polycloud.testing.registry import FakeRegistry

if TYPE_CHECKING:
    import requests
    import responses

    from polycloud.testing.images import Artifact

__all__ = ["SandboxRegistries", "sandbox_image"]


def sandbox_image(reference: str, build: int = 0) -> Artifact:
    """The image the sandbox serves for ``reference`` as its build number ``build`` (deterministic)."""
    from polycloud.testing.images import ImageBuilder

    builder = ImageBuilder().file("/sandbox/build", f"{reference}\nbuild {build}\n")
    builder.entrypoint = ["/sandbox/build"]
    return builder.artifact()


_COSIGN_TAG = re.compile(r"^sha256-[0-9a-f]{64}\.(sig|att|sbom)$")
"""The tags cosign stores signatures, attestations and SBOMs under (never pushed automatically)."""


class _AutoRegistry(FakeRegistry):
    """A fake registry that pushes the sandbox image for a tag pulled before anything was pushed under it."""

    def _manifest(self, request: FakeRequest, name: str, ref: str) -> FakeResponse:
        if request.method in ("GET", "HEAD") and not ref.startswith("sha256:") and not _COSIGN_TAG.match(ref):
            repo = self.repositories.get(name)
            if repo is None or ref not in repo.tags:
                self.push(name, ref, sandbox_image(f"{self.host}/{name}:{ref}"))
        return super()._manifest(request, name, ref)


class SandboxRegistries:
    """One ``FakeRegistry`` per registry host, made on first sight, behind one ``responses`` route."""

    def __init__(self) -> None:
        self.registries: dict[str, FakeRegistry] = {}
        self._builds: dict[str, int] = {}

    def registry(self, host: str) -> FakeRegistry:
        """The fake registry of ``host`` (``registry-1.docker.io`` for Docker Hub)."""
        if host not in self.registries:
            self.registries[host] = _AutoRegistry(host)
        return self.registries[host]

    def push_build(self, reference: str) -> str:
        """Push a new build under ``reference``'s tag (the tag moves, as after a CI push); returns its digest."""
        from polycloud.image import ImageReference

        parsed = ImageReference.parse(reference)
        key = f"{parsed.api_host}/{parsed.repository}:{parsed.lookup}"
        self._builds[key] = self._builds.get(key, 0) + 1
        artifact = sandbox_image(key, self._builds[key])
        return self.registry(parsed.api_host).push(parsed.repository, parsed.lookup, artifact)

    def digest(self, reference: str) -> str | None:
        """The digest ``reference``'s tag names now in the sandbox (None: never pulled nor pushed)."""
        from polycloud.image import ImageReference

        parsed = ImageReference.parse(reference)
        registry = self.registries.get(parsed.api_host)
        repo = registry.repositories.get(parsed.repository) if registry else None
        return repo.tags.get(parsed.lookup) if repo else None

    def install(self, mock: responses.RequestsMock, *, except_hosts: tuple[str, ...] = ()) -> None:
        """Serve the distribution API (``/v2/...``) and token routes of every host but ``except_hosts``
        (the control-plane fakes, whose APIs also start with ``/v2``)."""
        skip = "".join(f"(?!{re.escape(host)}[/:])" for host in except_hosts)
        pattern = re.compile(rf"^https://{skip}[^/]+/(v2|token|oauth2/exchange)([/?].*)?$")
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
            mock.add_callback(method, pattern, callback=self._callback)

    def _callback(self, prepared: requests.PreparedRequest) -> Any:
        host = urlsplit(prepared.url or "").netloc
        return self.registry(host)._callback(prepared)
