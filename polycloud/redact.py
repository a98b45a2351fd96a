"""Keep secret values out of plan and deploy output (terminals and CI logs).

A value is shown as ``'<redacted>'`` when its setting's name says it is secret (password, secret,
token, key, connection string, credential) or when the value itself carries an inline credential
(``AccountKey=...``, ``SharedAccessSignature=...``). References to a secret store are not secrets and
stay visible: each adapter's settings model says what its references look like (``secret_reference_pattern``).
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["REDACTED", "redact"]

REDACTED = "<redacted>"

_SECRET_NAME = re.compile(r"pass(word|wd)?|secret|token|api_?key|access_?key|private_?key|client_?key|"
                          r"connection_?string|credential|AzureWebJobsStorage$", re.IGNORECASE)
_INLINE_SECRET = re.compile(r"(AccountKey|SharedAccessSignature|SharedAccessKey|Password|Pwd)=", re.IGNORECASE)


def _references() -> re.Pattern[str]:
    from polycloud import registry

    return _pattern(tuple(s.model.secret_reference_pattern for s in registry.sections().values()
                          if s.model.secret_reference_pattern))


@functools.lru_cache(maxsize=8)
def _pattern(alternatives: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(f"^(?:{'|'.join(f'(?:{a})' for a in alternatives)})" if alternatives else r"(?!)")


def redact(path: str, value: Any) -> Any:
    """``value``, or ``REDACTED`` when the setting at ``path`` holds a secret."""
    if isinstance(value, dict):
        return {k: redact(f"{path}.{k}", v) for k, v in value.items()}
    if not isinstance(value, str) or not value or _references().match(value):
        return value
    parts = path.split(".")
    name = parts[-2] if parts[-1] == "value" and len(parts) > 1 else parts[-1]  # Cloud Run: env.NAME.value
    if _SECRET_NAME.search(name) or _INLINE_SECRET.search(value):
        return REDACTED
    return value
