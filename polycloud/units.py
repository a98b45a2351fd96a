"""Every unit grammar polycloud reads or writes, in one place.

The spec's own units (``parse_memory`` / ``parse_duration`` and their JSON Schema patterns
``SIZE_PATTERN`` / ``DURATION_PATTERN``), and the wire formats the adapters and fakes exchange
with the clouds: Kubernetes quantities (Cloud Run's memory and cpu limits), protobuf Duration
strings (Cloud Run's timeout) and .NET TimeSpans (Azure's ``functionTimeout``).

Sizes: an int is MiB. Strings take ``Mi``/``MiB``/``MB``, ``Gi``/``GiB``/``GB``; every one of
them is binary (1 GB = 1024 MiB), the way the providers' consoles and Lambda's docs use them.
Bare ``M``/``G``/``K``/``T`` (Kubernetes decimal) and bytes are ambiguous and rejected with a hint.

Durations: an int is seconds. Strings take ``s``, ``m``/``min``, ``h`` and combinations such as
``1h30m``. Sub-second values are rejected: no provider's timeout takes them.

Kubernetes quantities: ``512Mi``, ``1Gi``, ``512M``, ``1G``, ``1073741824``, ``1.5Gi``, ``1e9``;
``1``, ``0.5``, ``500m``. Binary suffixes (``Ki Mi Gi Ti Pi Ei``) are powers of 1024, decimal ones
(``k M G T P E``) powers of 1000, so ``1G`` (10^9 bytes) is about 953.67 MiB while ``1Gi`` is exactly
1024 MiB. Every value is parsed to an exact ``Fraction``; converting to whole MiB says when it rounded.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

__all__ = [
    "DURATION_PATTERN", "MIB", "SIZE_PATTERN", "Memory", "format_bytes_quantity", "format_cpu", "format_duration",
    "format_memory", "format_mib", "format_proto_duration", "format_timespan", "memory_from_quantity",
    "millicores", "parse_cpu", "parse_duration", "parse_memory", "parse_proto_duration", "parse_quantity",
    "parse_timespan",
]

# -- the spec's sizes and durations ------------------------------------------------------------

SIZE_PATTERN = r"^\s*(\d+(\.\d+)?\s*[MmGg]([Ii][Bb]?|[Bb])|\d+)\s*$"
"""JSON Schema pattern of the size strings ``parse_memory`` accepts: bare M/G/K are ambiguous, a
fraction needs a unit, and units are case-insensitive (a fraction of a MiB is the parser's to refuse)."""
DURATION_PATTERN = r"^\s*(\d+(\.\d+)?\s*([Hh]|[Mm][Ii][Nn]|[Mm]|[Ss])\s*)+$|^\s*\d+\s*$"
"""JSON Schema pattern of the duration strings ``parse_duration`` accepts (a fraction of a second is the
parser's to refuse)."""

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


# -- Kubernetes quantities (Cloud Run's resources.limits) ------------------------------------

MIB = 1024**2
"""Bytes in one MiB."""

_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_QUANTITY = re.compile(
    r"^(?P<sign>[+-]?)(?P<number>\d+(?:\.\d*)?|\.\d+)"
    r"(?:(?P<binary>Ki|Mi|Gi|Ti|Pi|Ei)|[eE](?P<exponent>[+-]?\d+)|(?P<decimal>[numkMGTPE]?))$"
)


def _whole_match(pattern: re.Pattern[str], text: object, what: str) -> re.Match[str]:
    """``pattern`` matched against all of ``text`` (surrounding blanks ignored), or a ValueError naming ``what``."""
    match = pattern.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not {what}")
    return match


def parse_quantity(text: str) -> Fraction:
    """The exact value of a Kubernetes quantity, in its base unit (bytes for memory, cores for cpu).

    Raises:
        ValueError: ``text`` is not a Kubernetes quantity.
    """
    match = _whole_match(_QUANTITY, text, "a Kubernetes quantity (e.g. '512Mi', '1Gi', '1G', '500m')")
    value = Fraction(match["number"])
    if match["binary"]:
        value *= 1024 ** _BINARY[match["binary"]]
    elif match["exponent"] is not None:
        value *= Fraction(10) ** int(match["exponent"])
    else:
        value *= Fraction(10) ** _DECIMAL[match["decimal"] or ""]
    return -value if match["sign"] == "-" else value


@dataclass(frozen=True)
class Memory:
    """A memory quantity converted to whole MiB (rounded up when it is not a whole number)."""

    text: str
    """The quantity as the API returned it."""
    bytes: Fraction
    """Its exact size in bytes."""
    mib: int
    """Whole MiB, rounded up so the function never gets less memory than it had."""

    @property
    def exact(self) -> bool:
        """True when the quantity is a whole number of MiB."""
        return self.bytes == self.mib * MIB

    def note(self) -> str | None:
        """A sentence about the rounding, or None when the conversion was exact."""
        if self.exact:
            return None
        mib = float(self.bytes / MIB)
        return (f"memory {self.text} is {_plain(self.bytes)} bytes = {mib:.2f} MiB, not a whole number of MiB; "
                f"exported as {self.mib} MiB (rounded up)")


def memory_from_quantity(text: str) -> Memory:
    """Convert a memory quantity (``512Mi``, ``1G``, ``1.5Gi``, ``1073741824``) to whole MiB.

    Raises:
        ValueError: not a quantity, or not a positive size.
    """
    size = parse_quantity(text)
    if size <= 0:
        raise ValueError(f"memory {text!r} is not a positive size")
    return Memory(text=text, bytes=size, mib=math.ceil(size / MIB))


def format_mib(mib: int) -> str:
    """The quantity polycloud sends for ``mib`` MiB: always ``<n>Mi``, exact by construction."""
    return f"{mib}Mi"


def format_bytes_quantity(size: int) -> str:
    """Bytes as the shortest exact quantity a person reads: ``1Gi``, ``512Mi``, else the bare number."""
    for suffix, power in (("Gi", 3), ("Mi", 2)):
        if size % 1024**power == 0:
            return f"{size // 1024**power}{suffix}"
    return str(size)


def parse_cpu(text: str) -> Fraction:
    """vCPU in a cpu quantity (``1``, ``0.5``, ``500m``, ``1000m``), exactly.

    Raises:
        ValueError: not a quantity, or not positive.
    """
    cores = parse_quantity(text)
    if cores <= 0:
        raise ValueError(f"cpu {text!r} is not a positive quantity")
    return cores


def millicores(text: str) -> int:
    """Whole millicores in a cpu quantity (``0.5`` -> 500, ``83m`` -> 83).

    Raises:
        ValueError: not a positive quantity, or finer than one millicore (``0.0005``).
    """
    milli = parse_cpu(text) * 1000
    if milli.denominator != 1:
        raise ValueError(f"cpu {text!r} is finer than 1m (0.001 CPU), the smallest step of a cpu quantity")
    return milli.numerator


def format_cpu(cpu: float | Fraction) -> str:
    """The quantity polycloud sends for ``cpu`` vCPU: ``1``, ``2``, ``0.5``, ``0.083``.

    A float is read through its shortest repr, so ``0.1`` is one tenth and not its binary
    approximation; millicores below 0.001 are not representable and are rounded to the nearest.
    """
    exact = Fraction(repr(cpu)) if isinstance(cpu, float) else Fraction(cpu)
    milli = round(exact * 1000)
    if milli % 1000 == 0:
        return str(milli // 1000)
    whole, rest = divmod(milli, 1000)
    return f"{whole}.{rest:03d}".rstrip("0")


def _plain(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


# -- protobuf Duration strings (Cloud Run's template.timeout) ---------------------------------

_PROTO_DURATION = re.compile(r"(\d+(?:\.\d{1,9})?)s")


def parse_proto_duration(text: str) -> Decimal:
    """Seconds in a proto-JSON Duration (``300s``, ``1.5s``: at most nine fractional digits), exactly.

    Raises:
        ValueError: ``text`` is not a Duration string.
    """
    return Decimal(_whole_match(_PROTO_DURATION, text, "a protobuf Duration (e.g. '300s', '1.5s')")[1])


def format_proto_duration(seconds: int | Decimal) -> str:
    """A Duration string in its shortest form: ``300s``, ``1.5s``."""
    value = Decimal(seconds)
    return f"{int(value)}s" if value == value.to_integral_value() else f"{value.normalize()}s"


# -- .NET TimeSpans (Azure Functions' host.json functionTimeout) ------------------------------

_TIMESPAN = re.compile(r"(?:(\d+)\.)?(\d+):(\d{2}):(\d{2})")


def format_timespan(seconds: int) -> str:
    """Seconds as host.json's timespan: ``hh:mm:ss`` (``d.hh:mm:ss`` from one day up)."""
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}.{text}" if days else text


def parse_timespan(text: str) -> int | None:
    """``[d.]hh:mm:ss`` -> seconds; None for ``-1`` (unbounded) or anything else."""
    match = _TIMESPAN.fullmatch(text.strip())
    if match is None:
        return None
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
