"""Exact Kubernetes quantities for Cloud Run's ``resources.limits`` (memory and cpu).

Cloud Run takes memory and cpu as Kubernetes quantities: ``512Mi``, ``1Gi``, ``512M``, ``1G``,
``1073741824``, ``1.5Gi``, ``1e9``; ``1``, ``0.5``, ``500m``, ``1000m``. Binary suffixes
(``Ki Mi Gi Ti Pi Ei``) are powers of 1024, decimal ones (``k M G T P E``) powers of 1000,
so ``1G`` (10^9 bytes) is about 953.67 MiB while ``1Gi`` is exactly 1024 MiB. Every value is
parsed to an exact ``Fraction``; converting to whole MiB says when it had to round.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["MIB", "Memory", "format_cpu", "format_mib", "memory_from_quantity", "parse_cpu", "parse_quantity"]

MIB = 1024**2
"""Bytes in one MiB."""

_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_QUANTITY = re.compile(
    r"^(?P<sign>[+-]?)(?P<number>\d+(?:\.\d*)?|\.\d+)"
    r"(?:(?P<binary>Ki|Mi|Gi|Ti|Pi|Ei)|[eE](?P<exponent>[+-]?\d+)|(?P<decimal>[numkMGTPE]?))$"
)


def parse_quantity(text: str) -> Fraction:
    """The exact value of a Kubernetes quantity, in its base unit (bytes for memory, cores for cpu).

    Raises:
        ValueError: ``text`` is not a Kubernetes quantity.
    """
    match = _QUANTITY.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a Kubernetes quantity (e.g. '512Mi', '1Gi', '1G', '500m')")
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


def parse_cpu(text: str) -> Fraction:
    """vCPU in a cpu quantity (``1``, ``0.5``, ``500m``, ``1000m``), exactly.

    Raises:
        ValueError: not a quantity, or not positive.
    """
    cores = parse_quantity(text)
    if cores <= 0:
        raise ValueError(f"cpu {text!r} is not a positive quantity")
    return cores


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
