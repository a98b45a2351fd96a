"""Read a ``--limits FILE`` document: limit overrides keyed by provider key or alias, checked up front.

Apart from ``polycloud.limits`` (the typed limits themselves) because only this needs the registry, to
turn aliases into provider keys; the CLI is its one caller.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from polycloud.input_limits import UnusableFile, read_bounded
from polycloud.limits import load_limits
from polycloud.resources import schemas_dir

__all__ = ["read_overrides"]


def _dates_as_text(value: Any) -> Any:
    """YAML reads an unquoted ``as_of: 2026-11-27`` as a date; limits keep dates as text."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def read_overrides(path: str | Path) -> dict[str, Any]:
    """Read a limits-overrides file (JSON or YAML) keyed by provider key (or alias, e.g. ``aws``).

    Every override is merged and checked here, so a bad file is one clear error up front.

    Raises:
        ValueError: the file is not YAML/JSON, names a provider without limits, or its
            overrides do not make valid limits.
    """
    import yaml

    from polycloud.registry import canonical

    try:
        text = read_bounded(path).decode("utf-8")
    except UnusableFile as exc:  # a FIFO, a device or a huge file: refused before it is read
        raise ValueError(f"{path}: {exc}") from None
    try:
        data = yaml.safe_load(text) if not str(path).endswith(".json") else json.loads(text)
    except yaml.YAMLError as exc:  # json.JSONDecodeError is a ValueError already
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise ValueError(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{path}: a limits file maps provider keys (e.g. 'aws-lambda') to overrides")
    data = {canonical(str(key)): _dates_as_text(value) for key, value in data.items()}
    known = sorted(p.stem for p in (schemas_dir() / "limits").glob("*.json"))
    unknown = sorted(set(data) - set(known))
    if unknown:  # an override that matches nothing would be ignored without a word
        raise ValueError(f"{path}: no limits for {', '.join(unknown)}; known: {', '.join(known)}")
    for provider in data:
        try:
            load_limits(provider, data).profile()
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"{path}: the {provider} overrides are not valid limits: {problems}") from None
        except KeyError as exc:
            raise ValueError(f"{path}: {exc.args[0]}") from None
    return data
