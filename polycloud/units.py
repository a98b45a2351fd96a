"""Parse and format the spec's sizes and durations.

Sizes: an int is MiB. Strings take ``Mi``/``MiB``/``MB``, ``Gi``/``GiB``/``GB``; every one of
them is binary (1 GB = 1024 MiB), the way the providers' consoles and Lambda's docs use them.
Bare ``M``/``G``/``K``/``T`` (Kubernetes decimal) and bytes are ambiguous and rejected with a hint.

Durations: an int is seconds. Strings take ``s``, ``m``/``min``, ``h`` and combinations such as
``1h30m``. Sub-second values are rejected: no provider's timeout takes them.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

__all__ = ["format_duration", "format_memory", "parse_duration", "parse_memory"]

_MEMORY_FACTORS: dict[str, int] = {"mi": 1, "mib": 1, "mb": 1, "gi": 1024, "gib": 1024, "gb": 1024}
_AMBIGUOUS_MEMORY = {"m", "g", "k", "t", "ki", "kib", "kb", "ti", "tib", "tb", "b", ""}
_SIZE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[a-zA-Z]*)\s*$")
_DURATION_PART = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>h|min|m|s)", re.IGNORECASE)
_DURATION_FACTORS = {"h": 3600, "m": 60, "min": 60, "s": 1}


def _reject_bool(value: object, what: str) -> None:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number or a string such as '512MiB', not {value!r}")


def parse_memory(value: object) -> int:
    """Return ``value`` as whole MiB.

    Raises:
        ValueError: the value is not a size, is ambiguous, or is not a whole number of MiB.
    """
    _reject_bool(value, "a size")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        if not math.isfinite(value):  # YAML's .inf / .nan; int() of them is not a ValueError
            raise ValueError(f"{value!r} is not a size; use e.g. 512, '512MiB' or '1GiB'")
        raise ValueError(f"{value!r} is not a whole number of MiB; write it as e.g. '{int(value)}MiB'")
    if not isinstance(value, str):
        raise ValueError(f"a size must be an int (MiB) or a string such as '1GiB', not {type(value).__name__}")
    match = _SIZE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a size; use e.g. 512, '512MiB', '1GiB' or '1.5GB'")
    unit = match["unit"].lower()
    number = Decimal(match["number"])
    if unit == "" and number == number.to_integral_value():
        return int(number)  # "1024" as a string: MiB, like the int
    if unit in _AMBIGUOUS_MEMORY or unit not in _MEMORY_FACTORS:
        raise ValueError(
            f"{value!r} has an ambiguous or unknown unit {match['unit']!r}; "
            f"write '{match['number']}Mi' / '{match['number']}MiB' or '{match['number']}Gi' / "
            f"'{match['number']}GiB' (MB and GB are read as binary too)"
        )
    mib = number * _MEMORY_FACTORS[unit]
    if mib != mib.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number of MiB ({mib} MiB)")
    return int(mib)


def parse_duration(value: object) -> int:
    """Return ``value`` as whole seconds.

    Raises:
        ValueError: the value is not a duration or is not a whole number of seconds.
    """
    _reject_bool(value, "a duration")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"{value!r} is not a whole number of seconds")
    if not isinstance(value, str):
        raise ValueError(f"a duration must be an int (seconds) or a string such as '90s', not {value!r}")
    text = value.strip()
    if text.isdigit():
        return int(text)
    if re.search(r"\d\s*ms\b", text, re.IGNORECASE):
        raise ValueError(f"{value!r}: sub-second timeouts are not supported; use whole seconds, e.g. '1s'")
    position = 0
    total = Decimal(0)
    for match in _DURATION_PART.finditer(text):
        if text[position : match.start()].strip():
            break
        try:
            total += Decimal(match["number"]) * _DURATION_FACTORS[match["unit"].lower()]
        except InvalidOperation as exc:  # pragma: no cover - the regex only admits decimals
            raise ValueError(f"{value!r} is not a duration") from exc
        position = match.end()
    if position == 0 or text[position:].strip():
        raise ValueError(f"{value!r} is not a duration; use e.g. 30, '90s', '15m', '1h' or '1h30m'")
    if total != total.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number of seconds ({total} s)")
    return int(total)


def format_memory(mib: int) -> str:
    """Format MiB the way a person writes it: ``1GiB``, ``1536MiB``."""
    if mib and mib % 1024 == 0:
        return f"{mib // 1024}GiB"
    return f"{mib}MiB"


def format_duration(seconds: int) -> str:
    """Format seconds the way a person writes it: ``30s``, ``15m``, ``1h``."""
    if seconds and seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds and seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"
