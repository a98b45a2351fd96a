"""An in-process fake OCI registry (the distribution API) for tests and the sandbox.

Served through ``responses`` like the other fakes: manifests and indexes by tag or digest (GET and
HEAD, with ``Docker-Content-Digest``), blobs, pushes (blob uploads and manifest PUTs, so a tag can be
moved), and auth as real registries do it:

- ``auth="bearer"`` (Docker Hub, GHCR, Artifact Registry, ACR): a 401 carries
  ``WWW-Authenticate: Bearer realm=...,service=...,scope=...``; the token service gives anonymous pull
  tokens for public repositories and needs Basic credentials for private ones and for push.
  Source: https://distribution.github.io/distribution/spec/auth/token/
- ``auth="basic"`` (ECR: ``docker login -u AWS``): a 401 carries ``WWW-Authenticate: Basic realm=...``.
  Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html
- ``auth="none"``: an open registry.

Errors use the spec's JSON shape and codes (``MANIFEST_UNKNOWN``, ``BLOB_UNKNOWN``, ``UNAUTHORIZED``,
``DENIED``); source: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from polycloud.testing.fakes import FakeRequest, FakeResponse, FakeService, Fault

if TYPE_CHECKING:
    import requests

    from polycloud.testing.images import Artifact

__all__ = ["FakeRegistry"]

_MANIFEST = re.compile(r"^/v2/(?P<repo>.+)/manifests/(?P<ref>[^/]+)$")
_BLOB = re.compile(r"^/v2/(?P<repo>.+)/blobs/(?P<digest>sha256:[0-9a-f]{64})$")
_UPLOAD = re.compile(r"^/v2/(?P<repo>.+)/blobs/uploads/(?P<id>[^/]*)$")


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> FakeResponse:
    body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
    return FakeResponse(status, body, {"Content-Type": "application/json", **(headers or {})})


@dataclass
class _Repository:
    tags: dict[str, str] = field(default_factory=dict)
    manifests: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    public: bool = True


class FakeRegistry(FakeService):
    """A stateful OCI registry at ``https://<host>``; ``push`` stores test images, ``calls`` logs requests."""

    def __init__(self, host: str = "registry.fake.test", *, auth: str = "bearer",
                 users: dict[str, str] | None = None, digest_header: bool = True) -> None:
        super().__init__(base_url=f"https://{host}")
        self.host, self.auth = host, auth
        self.digest_header = digest_header
        self.entra_tokens: set[str] = set()
        """Entra ID access tokens ``/oauth2/exchange`` accepts (ACR)."""
        """False: answer manifests without ``Docker-Content-Digest``, which the spec only recommends
        (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests)."""
        self.users = dict(users or {})
        self.repositories: dict[str, _Repository] = {}
        self._tokens: dict[str, tuple[str | None, set[str]]] = {}
        self._numbers = itertools.count(1)
        self._uploads: dict[str, bytearray] = {}

    # -- state -------------------------------------------------------------------------
    def repository(self, name: str, *, public: bool | None = None) -> _Repository:
        """The repository ``name`` (created empty when new); ``public=False`` makes pulls need credentials."""
        repo = self.repositories.setdefault(name, _Repository())
        if public is not None:
            repo.public = public
        return repo

    def push(self, name: str, tag: str | None, artifact: Artifact) -> str:
        """Store an image or index (and everything under it) and point ``tag`` at it; returns its digest."""
        repo = self.repository(name)
        repo.blobs.update(artifact.blobs)
        for digest, (raw, media_type) in artifact.children.items():
            repo.manifests[digest] = (raw, media_type)
        repo.manifests[artifact.digest] = (artifact.manifest, artifact.media_type)
        if tag:
            repo.tags[tag] = artifact.digest
        return artifact.digest

    def reference(self, name: str, tag: str = "latest") -> str:
        """``host/name:tag``, the reference a spec would write."""
        return f"{self.host}/{name}:{tag}"

    # -- HTTP --------------------------------------------------------------------------
    def dispatch(self, request: FakeRequest) -> FakeResponse:
        if request.path == "/token":
            return self._token(request)
        if request.path == "/oauth2/exchange":
            return self._exchange(request)
        if request.path in ("/v2", "/v2/"):
            return self._authorized(request, None, "pull") or FakeResponse(200, b"{}")
        manifest = _MANIFEST.match(request.path)
        if manifest:
            return self._manifest(request, manifest["repo"], manifest["ref"])
        blob = _BLOB.match(request.path)
        if blob:
            return self._blob(request, blob["repo"], blob["digest"])
        upload = _UPLOAD.match(request.path)
        if upload:
            return self._upload(request, upload["repo"], upload["id"])
        return _error(404, "NAME_UNKNOWN", f"no route {request.method} {request.path}")

    def expire_tokens(self) -> None:
        """Forget every token issued, as real tokens expire (``expires_in``): clients must ask again."""
        self._tokens.clear()

    def _manifest(self, request: FakeRequest, name: str, ref: str) -> FakeResponse:
        action = "pull" if request.method in ("GET", "HEAD") else "push"
        denied = self._authorized(request, name, action)
        if denied:
            return denied
        repo = self.repositories.get(name)
        if request.method == "PUT":
            raw = request.body if isinstance(request.body, bytes) else b""
            media_type = request.headers.get("content-type", "")
            repo = self.repository(name)
            digest = _digest(raw)
            repo.manifests[digest] = (raw, media_type)
            if not ref.startswith("sha256:"):
                repo.tags[ref] = digest
            return FakeResponse(201, b"", {"Docker-Content-Digest": digest,
                                           "Location": f"/v2/{name}/manifests/{digest}"})
        found = ref if ref.startswith("sha256:") else (repo.tags.get(ref) if repo else None)
        if repo is None or found is None or found not in repo.manifests:
            return _error(404, "MANIFEST_UNKNOWN", f"manifest unknown: {name}:{ref}")
        raw, media_type = repo.manifests[found]
        headers = {"Content-Type": media_type, "Content-Length": str(len(raw))}
        if self.digest_header:
            headers["Docker-Content-Digest"] = found
        return FakeResponse(200, b"" if request.method == "HEAD" else raw, headers)

    def _blob(self, request: FakeRequest, name: str, digest: str) -> FakeResponse:
        denied = self._authorized(request, name, "pull")
        if denied:
            return denied
        repo = self.repositories.get(name)
        if repo is None or digest not in repo.blobs:
            return _error(404, "BLOB_UNKNOWN", f"blob unknown: {digest}")
        data = repo.blobs[digest]
        headers = {"Content-Type": "application/octet-stream", "Docker-Content-Digest": digest,
                   "Content-Length": str(len(data))}
        return FakeResponse(200, b"" if request.method == "HEAD" else data, headers)

    def _upload(self, request: FakeRequest, name: str, upload_id: str) -> FakeResponse:
        denied = self._authorized(request, name, "push")
        if denied:
            return denied
        if request.method == "POST":
            new_id = f"upload-{next(self._numbers)}"
            self._uploads[new_id] = bytearray()
            return FakeResponse(202, b"", {"Location": f"/v2/{name}/blobs/uploads/{new_id}"})
        buffer = self._uploads.get(upload_id)
        if buffer is None:
            return _error(404, "BLOB_UPLOAD_UNKNOWN", f"upload {upload_id} unknown")
        if isinstance(request.body, bytes):
            buffer.extend(request.body)
        if request.method == "PATCH":
            return FakeResponse(202, b"", {"Location": f"/v2/{name}/blobs/uploads/{upload_id}"})
        digest = request.query.get("digest", "")
        if _digest(bytes(buffer)) != digest:
            return _error(400, "DIGEST_INVALID", f"uploaded content does not match {digest}")
        self.repository(name).blobs[digest] = bytes(buffer)
        del self._uploads[upload_id]
        return FakeResponse(201, b"", {"Docker-Content-Digest": digest, "Location": f"/v2/{name}/blobs/{digest}"})

    # -- auth --------------------------------------------------------------------------
    def _user(self, header: str) -> str | None:
        if not header.lower().startswith("basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        return user if self.users.get(user) == password else None

    def _allowed(self, user: str | None, name: str | None, action: str) -> bool:
        if name is None:
            return True
        repo = self.repositories.get(name)
        public = repo is None or repo.public
        return user is not None or (action == "pull" and public)

    def _authorized(self, request: FakeRequest, name: str | None, action: str) -> FakeResponse | None:
        """None when the request may go on; else the 401/403 a real registry sends."""
        if self.auth == "none":
            return None
        header = request.headers.get("authorization", "")
        scope = f"repository:{name}:{action}" if name else ""
        if self.auth == "basic":
            user = self._user(header)
            if user is None:
                return _error(401, "UNAUTHORIZED", "authentication required",
                              {"WWW-Authenticate": f'Basic realm="https://{self.host}/"'})
            return None
        token = self._tokens.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
        if token is None:
            challenge = f'Bearer realm="https://{self.host}/token",service="{self.host}"'
            challenge += f',scope="{scope}"' if scope else ""
            return _error(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": challenge})
        if scope and scope not in token[1] and f"repository:{name}:pull,push" not in token[1]:
            return _error(403 if token[0] else 401, "DENIED", f"token does not grant {scope}")
        return None

    def _exchange(self, request: FakeRequest) -> FakeResponse:
        """ACR's Entra ID token exchange: an accepted ``access_token`` becomes a refresh token that is the
        password of user 00000000-0000-0000-0000-000000000000.
        Source: https://github.com/Azure/acr/blob/main/docs/AAD-OAuth.md"""
        raw = request.body.decode() if isinstance(request.body, bytes) else ""
        form = dict(parse_qsl(raw))
        if form.get("grant_type") != "access_token" or form.get("access_token") not in self.entra_tokens:
            return _error(401, "UNAUTHORIZED", "the access token is not valid for this registry")
        refresh = f"refresh-{next(self._numbers)}"
        self.users["00000000-0000-0000-0000-000000000000"] = refresh
        return FakeResponse(200, json.dumps({"refresh_token": refresh}).encode(), {"Content-Type": "application/json"})

    def _token(self, request: FakeRequest) -> FakeResponse:
        header = request.headers.get("authorization", "")
        user = self._user(header)
        if header and user is None:
            return _error(401, "UNAUTHORIZED", "wrong username or password")
        granted: set[str] = set()
        for scope in request.query.get("scope", "").split():
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            for action in actions.split(","):
                if kind == "repository" and self._allowed(user, name, action):
                    granted.add(f"repository:{name}:{action}")
        token = f"token-{next(self._numbers)}"
        self._tokens[token] = (user, granted)
        body = json.dumps({"token": token, "access_token": token, "expires_in": 300}).encode()
        return FakeResponse(200, body, {"Content-Type": "application/json"})

    # -- the responses front end, for bytes ---------------------------------------------
    def fault_body(self, status: int) -> Any:
        """The distribution API's error shape (https://github.com/opencontainers/distribution-spec, errors)."""
        return {"errors": [{"code": "UNAVAILABLE", "message": "injected fault"}]}

    def _callback(  # type: ignore[override]  # blobs are bytes; responses takes bytes bodies as well as text
            self, prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes | str] | Exception:
        url = urlsplit(prepared.url or "")
        body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        request = FakeRequest(method=(prepared.method or "GET").upper(), path=url.path,
                              query=dict(parse_qsl(url.query, keep_blank_values=True)),
                              headers={k.lower(): str(v) for k, v in prepared.headers.items()},
                              body=body if isinstance(body, bytes) else None)
        answer = self.handle(request)
        if isinstance(answer, Fault):
            return self.fault_reply(answer)
        raw: Any = answer.body
        headers = dict(answer.headers)
        if request.method == "HEAD":  # a HEAD answer has headers only (Content-Length says what GET would send)
            headers.pop("Content-Length", None)
            return answer.status, headers, b""
        return answer.status, headers, raw if isinstance(raw, bytes) else b""
