"""Kubernetes quantities <-> MiB and vCPU, exactly, with the rounding reported."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polycloud_gcp.quantity import format_cpu, format_mib, memory_from_quantity, parse_cpu, parse_quantity


@pytest.mark.parametrize(("text", "size"), [
    ("512Mi", 512 * 2**20),
    ("1Gi", 2**30),
    ("1.5Gi", 1536 * 2**20),
    ("512M", 512 * 10**6),
    ("1G", 10**9),
    ("1073741824", 2**30),
    ("1e9", 10**9),
    ("128Ki", 128 * 1024),
    ("2Ti", 2 * 2**40),
    ("500m", Fraction(1, 2)),
    (".5", Fraction(1, 2)),
    ("  256Mi ", 256 * 2**20),
])
def test_parse_quantity_is_exact(text: str, size: Fraction | int) -> None:
    assert parse_quantity(text) == size


@pytest.mark.parametrize("text", ["", "Mi", "1.2.3Gi", "1 Gi", "1GiB", "1gi", "one", "1Z"])
def test_parse_quantity_rejects_what_kubernetes_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="Kubernetes quantity"):
        parse_quantity(text)


@pytest.mark.parametrize(("text", "mib"), [("512Mi", 512), ("1Gi", 1024), ("1.5Gi", 1536), ("1073741824", 1024),
                                           ("2048Mi", 2048), ("4G", 3815)])
def test_memory_to_mib(text: str, mib: int) -> None:
    assert memory_from_quantity(text).mib == mib


def test_exact_memory_has_no_note() -> None:
    memory = memory_from_quantity("1Gi")
    assert memory.exact and memory.note() is None


@pytest.mark.parametrize(("text", "mib", "shown"), [
    ("1G", 954, "953.67 MiB"),
    ("512M", 489, "488.28 MiB"),
    ("1000000", 1, "0.95 MiB"),
])
def test_decimal_memory_rounds_up_and_says_so(text: str, mib: int, shown: str) -> None:
    memory = memory_from_quantity(text)
    assert (memory.mib, memory.exact) == (mib, False)
    note = memory.note()
    assert note is not None and text in note and shown in note and f"{mib} MiB (rounded up)" in note


@pytest.mark.parametrize("text", ["0", "-1Gi"])
def test_memory_must_be_positive(text: str) -> None:
    with pytest.raises(ValueError, match="positive"):
        memory_from_quantity(text)


@pytest.mark.parametrize(("text", "cpu"), [("1", 1), ("1000m", 1), ("2", 2), ("0.5", Fraction(1, 2)),
                                           ("500m", Fraction(1, 2)), ("83m", Fraction(83, 1000))])
def test_parse_cpu(text: str, cpu: Fraction | int) -> None:
    assert parse_cpu(text) == cpu


@pytest.mark.parametrize(("cpu", "text"), [(1.0, "1"), (2, "2"), (0.5, "0.5"), (0.083, "0.083"), (0.1, "0.1"),
                                           (Fraction(1, 4), "0.25"), (8.0, "8")])
def test_format_cpu(cpu: float | Fraction, text: str) -> None:
    assert format_cpu(cpu) == text


@given(st.integers(min_value=1, max_value=64 * 1024))
def test_mib_round_trips_exactly(mib: int) -> None:
    memory = memory_from_quantity(format_mib(mib))
    assert (memory.mib, memory.exact) == (mib, True)


@given(st.integers(min_value=80, max_value=8000))
def test_millicores_round_trip(milli: int) -> None:
    assert parse_cpu(format_cpu(Fraction(milli, 1000))) == Fraction(milli, 1000)
    assert parse_cpu(f"{milli}m") == Fraction(milli, 1000)
