"""A client of the OCI distribution API: manifests, blobs, tag-to-digest resolution, token auth.

Anonymous bearer tokens come from the registry's ``WWW-Authenticate`` challenge; private registries
(ECR, ACR, Artifact Registry) get credentials from a pluggable callable ``host -> (username, password)``,
sent as Basic auth or traded for a bearer token, whichever the registry asks for. Blobs are cached on
disk by digest and checked against it; manifests fetched by digest are cached in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from polycloud.image.manifest import ACCEPT_MANIFESTS, ImageError, digest_of, parse_json
from polycloud.image.reference import ImageReference

if TYPE_CHECKING:
    import requests

__all__ = ["CredentialProvider", "RegistryClient", "RegistryStore", "RegistryUnreachableError"]

CredentialProvider = Callable[[str], "tuple[str, str] | None"]
"""Given a registry host, a ``(username, password)`` pair or None (anonymous).

For ECR the pair is ``("AWS", <ecr get-login-password>)``; for ACR ``("00000000-0000-0000-0000-000000000000",
<refresh token>)`` or an admin user; for Artifact Registry ``("oauth2accesstoken", <gcloud access token>)``.
"""

_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')
_LARGE_BLOB = 16 * 1024 * 1024


class RegistryUnreachableError(ImageError):
    """The registry could not be reached at all (network, DNS, TLS), as opposed to a refusal."""


class RegistryClient:
    """Reads manifests and blobs from OCI registries, one instance shared by many references."""

    def __init__(self, *, credentials: CredentialProvider | None = None, cache_dir: str | Path | None = None,
                 session: requests.Session | None = None, scheme: str = "https", timeout: float = 30.0) -> None:
        self.credentials = credentials
        self.cache_dir = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "polycloud-blobs"
        self.scheme, self.timeout = scheme, timeout
        self._session = session
        self._tokens: dict[tuple[str, str], str] = {}
        self._manifests: dict[tuple[str, str, str], tuple[bytes, str]] = {}

    # -- the API ---------------------------------------------------------------------------
    def resolve(self, reference: ImageReference) -> tuple[str, str]:
        """The digest the reference's tag (or digest) names now, and its media type, from a HEAD on its manifest."""
        response = self._request("HEAD", reference, f"manifests/{reference.lookup}",
                                 headers={"Accept": ACCEPT_MANIFESTS})
        digest = response.headers.get("Docker-Content-Digest")
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if digest and media_type:
            return digest, media_type
        raw, media_type = self.manifest(reference, reference.lookup)  # the headers are optional: GET it
        return digest_of(raw), media_type

    def manifest(self, reference: ImageReference, lookup: str) -> tuple[bytes, str]:
        """A manifest's exact bytes and media type, by tag or digest (digests are checked and cached)."""
        key = (reference.api_host, reference.repository, lookup)
        if key in self._manifests:
            return self._manifests[key]
        response = self._request("GET", reference, f"manifests/{lookup}", headers={"Accept": ACCEPT_MANIFESTS})
        raw = response.content
        if lookup.startswith("sha256:") and digest_of(raw) != lookup:
            raise ImageError(f"{reference.api_host}/{reference.repository}: manifest {lookup} does not match "
                             "its digest")
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if not media_type or media_type == "application/json":
            media_type = str(parse_json(raw, f"manifest {lookup}").get("mediaType", ""))
        if lookup.startswith("sha256:"):
            self._manifests[key] = (raw, media_type)
        return raw, media_type

    def blob(self, reference: ImageReference, digest: str) -> bytes:
        """A whole blob (configs, signature payloads), through the cache."""
        with self.open_blob(reference, digest) as stream:
            return stream.read()

    def open_blob(self, reference: ImageReference, digest: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """A blob as a stream from the on-disk cache, downloading and checking it first if needed."""
        return self._cached(reference, digest)

    def store(self, reference: ImageReference) -> RegistryStore:
        """An ``ImageStore`` view of one repository."""
        return RegistryStore(self, reference)

    # -- cache -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _cached(self, reference: ImageReference, digest: str) -> Iterator[IO[bytes]]:
        algorithm, _, hex_digest = digest.partition(":")
        if algorithm != "sha256" or not re.fullmatch(r"[0-9a-f]{64}", hex_digest):
            raise ImageError(f"unsupported blob digest {digest!r}")
        path = self.cache_dir / algorithm / hex_digest
        if not path.is_file():
            self._download(reference, digest, path)
        with path.open("rb") as stream:
            yield stream

    def _download(self, reference: ImageReference, digest: str, path: Path) -> None:
        from polycloud.progress import waiting

        path.parent.mkdir(parents=True, exist_ok=True)
        response = self._request("GET", reference, f"blobs/{digest}", stream=True)
        size = int(response.headers.get("Content-Length") or 0)
        hasher = hashlib.sha256()
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        label = f"pulling {reference.repository} {digest[:19]} ({size / 1048576:.0f} MiB)"
        try:
            with partial.open("wb") as out, waiting(label, after=1.0 if size > _LARGE_BLOB else 3600):
                for chunk in response.iter_content(chunk_size=1 << 20):
                    hasher.update(chunk)
                    out.write(chunk)
            if "sha256:" + hasher.hexdigest() != digest:
                raise ImageError(f"{reference.api_host}/{reference.repository}: blob {digest} does not match "
                                 "its digest")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    # -- HTTP and auth ---------------------------------------------------------------------
    def _http(self) -> requests.Session:
        if self._session is None:
            import requests

            self._session = requests.Session()
        return self._session

    def _request(self, method: str, reference: ImageReference, path: str, *, headers: dict[str, str] | None = None,
                 stream: bool = False) -> requests.Response:
        import requests

        host, repository = reference.api_host, reference.repository
        url = f"{self.scheme}://{host}/v2/{repository}/{path}"
        scope = f"repository:{repository}:pull"
        sent = dict(headers or {})
        token = self._tokens.get((host, scope))
        if token:
            sent["Authorization"] = token
        try:
            response = self._http().request(method, url, headers=sent, stream=stream, timeout=self.timeout)
            if response.status_code == 401:
                sent["Authorization"] = self._authorize(host, scope, response)
                response = self._http().request(method, url, headers=sent, stream=stream, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RegistryUnreachableError(f"cannot reach registry {host}: {exc}") from None
        if response.status_code == 404:
            raise ImageError(f"{reference.registry}/{repository}: {path.split('/')[-1]} not found "
                             f"(HTTP 404 from {host})")
        if response.status_code in (401, 403):
            hint = "" if self.credentials else "; pass credentials for a private registry"
            raise ImageError(f"{reference.registry}/{repository}: the registry refused access "
                             f"(HTTP {response.status_code}){hint}")
        if response.status_code >= 400:
            raise ImageError(f"{reference.registry}/{repository}: {method} {path} failed with HTTP "
                             f"{response.status_code}: {response.text[:200]}")
        return response

    def _authorize(self, host: str, scope: str, challenge: requests.Response) -> str:
        """The Authorization header value that answers a 401's ``WWW-Authenticate`` challenge."""
        header = challenge.headers.get("WWW-Authenticate", "")
        kind, _, params_text = header.partition(" ")
        params = dict(_CHALLENGE.findall(params_text))
        creds = self.credentials(host) if self.credentials else None
        if kind.lower() == "basic":
            if creds is None:
                raise ImageError(f"registry {host} needs credentials (Basic auth) and none were given")
            value = _basic(creds)
        elif kind.lower() == "bearer" and params.get("realm"):
            value = "Bearer " + self._token(params, scope, creds)
        else:
            raise ImageError(f"registry {host} asked for authentication polycloud does not know: {header!r}")
        self._tokens[(host, scope)] = value
        return value

    def _token(self, params: dict[str, str], scope: str, creds: tuple[str, str] | None) -> str:
        query = {"scope": params.get("scope") or scope}
        if params.get("service"):
            query["service"] = params["service"]
        headers = {"Authorization": _basic(creds)} if creds else {}
        response = self._http().get(params["realm"], params=query, headers=headers, timeout=self.timeout)
        if response.status_code != 200:
            raise ImageError(f"token service {params['realm']} refused a token for {query['scope']} "
                             f"(HTTP {response.status_code})")
        body: dict[str, Any] = parse_json(response.content, "token response")
        token = body.get("token") or body.get("access_token")
        if not isinstance(token, str):
            raise ImageError(f"token service {params['realm']} answered without a token")
        return token


def _basic(creds: tuple[str, str]) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()


class RegistryStore:
    """One repository of a registry, answering the ``ImageStore`` questions."""

    def __init__(self, client: RegistryClient, reference: ImageReference) -> None:
        self.client, self.reference = client, reference
        self.where = f"registry {reference.registry}/{reference.repository}"

    def manifest(self, lookup: str) -> tuple[bytes, str]:
        """A manifest by tag or digest."""
        return self.client.manifest(self.reference, lookup)

    def blob(self, digest: str) -> bytes:
        """A whole blob."""
        return self.client.blob(self.reference, digest)

    def open_blob(self, digest: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        """A blob as a stream."""
        return self.client.open_blob(self.reference, digest)
