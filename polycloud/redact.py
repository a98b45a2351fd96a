"""Keep secret values out of everything polycloud prints: plan/deploy/migrate output, notes, reprs.

A value is judged two ways:

* by the name of its setting: a name that says secret (password, pwd, secret, token, key, pat,
  dsn, auth header, signature, connection string, credential) hides the whole value as ``'<redacted>'``;
* by its own shape (``polycloud.secrets_scan``): a known key format, a URL or DSN with a credential,
  an inline connection-string key or a long high-entropy string is hidden wherever it appears,
  under any name, in nested dicts and lists too; only the credential part is hidden
  (``postgres://<redacted>@db.example.com/app``).

References to a secret store are not secrets and stay visible: each adapter's settings model says what
its references look like (``secret_reference_pattern``: Key Vault references and URIs, ARNs,
``projects/.../secrets/...``). The Python objects keep the real values for the adapters; only
their renderings (``Change.describe``/``to_dict``, ``repr``) are redacted.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from polycloud.secrets_scan import REDACTED, scrub, secret_kind

if TYPE_CHECKING:
    from polycloud.spec import FunctionSpec

__all__ = ["REDACTED", "may_be_secret", "plaintext_credential", "redact", "redact_text", "redacted_repr",
           "withhold_secrets"]

_SECRET_NAME = re.compile(r"pass(word|wd)?|secret|token|api_?key|access_?key|private_?key|client_?key|"
                          r"connection_?string|credential|AzureWebJobsStorage$|"
                          r"(^|_)(key|pwd|pat|dsn|auth_?header|authorization|signature|signing_?key)(_|$)",
                          re.IGNORECASE)
# Names that leave no doubt: validate warns about any plain-text value under them.
_CREDENTIAL_NAME = re.compile(r"(^|_)(password|passwd|pwd|secret|token|api_?key|access_?key|private_?key|"
                              r"client_?secret|credentials?)$", re.IGNORECASE)


def _references() -> re.Pattern[str]:
    from polycloud import registry

    return _pattern(tuple(s.model.secret_reference_pattern for s in registry.sections().values()
                          if s.model.secret_reference_pattern))


@functools.lru_cache(maxsize=8)
def _pattern(alternatives: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(f"^(?:{'|'.join(f'(?:{a})' for a in alternatives)})" if alternatives else r"(?!)")


def _is_reference(value: str) -> bool:
    """True when ``value`` names a secret in a provider's secret store (an installed adapter's reference form)."""
    return bool(_references().match(value))


def redact(path: str, value: Any) -> Any:
    """``value`` with secrets hidden: whole when the setting at ``path`` is secret by name, in part when
    a string (at any depth of dicts and lists) looks like a credential."""
    if isinstance(value, dict):
        return {k: redact(f"{path}.{k}", v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(_item_path(path, item), item) for item in value]
    if not isinstance(value, str) or not value or _is_reference(value):
        return value
    parts = path.split(".")
    name = parts[-2] if parts[-1] == "value" and len(parts) > 1 else parts[-1]  # Cloud Run: env.NAME.value
    if _SECRET_NAME.search(name):
        return REDACTED
    return scrub(value)


def _item_path(path: str, item: Any) -> str:
    """A list item's path; an ``{"name": N, "value": V}`` item (a Cloud Run env entry) is named N."""
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return f"{path}.{item['name']}"
    return path


def redact_text(text: str) -> str:
    """Free text (a note, an error message) with credential-shaped parts hidden."""
    return scrub(text)


def plaintext_credential(name: str, value: str) -> str | None:
    """Why the plain-text setting ``name: value`` looks like a credential, or None.

    Used by ``validate``; never returns the value itself.
    """
    if not value or _is_reference(value):
        return None
    kind = secret_kind(value)
    if kind is not None:
        return f"its value looks like a credential ({kind})"
    if _CREDENTIAL_NAME.search(name) and not value.isdigit() and value.lower() not in ("true", "false"):
        return "its name says it holds a credential"
    return None


def may_be_secret(path: str, value: Any) -> bool:
    """True when a message must not echo ``value`` found at ``path`` (any type: a number can be a password).

    Secret by place (``secrets.*``, a setting named like a password or key) or by shape.
    """
    if path == "secrets" or path.startswith("secrets."):
        return True
    if _SECRET_NAME.search(path.rsplit(".", 1)[-1]):
        return True
    return isinstance(value, str) and scrub(value) != value


def redacted_repr(obj: Any, **shown: Any) -> str:
    """``Name(field=value, ...)`` of a dataclass, with the ``shown`` replacements for some fields."""
    fields: Iterable[dataclasses.Field[Any]] = dataclasses.fields(obj)
    parts = ", ".join(f"{f.name}={shown.get(f.name, getattr(obj, f.name))!r}" for f in fields if f.repr)
    return f"{type(obj).__name__}({parts})"


def withhold_secrets(spec: FunctionSpec) -> tuple[FunctionSpec, list[str]]:
    """``spec`` for writing out (``polycloud export``): every environment variable whose name or value says
    secret becomes an empty ``secrets:`` entry, with a note saying what to fill in. The value is not kept."""
    from polycloud.spec import SecretRef

    held = [n for n, v in spec.environment.items() if _SECRET_NAME.search(n) or plaintext_credential(n, v)]
    held = [n for n in held if not _is_reference(spec.environment[n])]
    if not held:
        return spec, []
    environment = {n: v for n, v in spec.environment.items() if n not in held}
    secrets = {**spec.secrets, **{n: SecretRef() for n in held}}
    notes = [f"environment.{n} holds a credential in plain text on the live function; export wrote it as "
             f"secrets.{n} without its value: store the value in a secret store and set secrets.{n}.aws, "
             ".azure or .gcp to its reference" for n in held]
    return spec.model_copy(update={"environment": environment, "secrets": secrets}), notes
