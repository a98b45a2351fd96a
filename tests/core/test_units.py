"""Every unit grammar: the spec's sizes and durations, Kubernetes quantities, protobuf Durations, TimeSpans."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polycloud.units import (
    format_bytes_quantity,
    format_cpu,
    format_duration,
    format_memory,
    format_mib,
    format_proto_duration,
    format_timespan,
    memory_from_quantity,
    millicores,
    parse_cpu,
    parse_duration,
    parse_memory,
    parse_proto_duration,
    parse_quantity,
    parse_timespan,
)


@pytest.mark.parametrize(
    ("value", "mib"),
    [
        (512, 512),
        (1, 1),
        (2048.0, 2048),
        ("512MiB", 512),
        ("1GiB", 1024),
        ("1.5GB", 1536),
        ("512MB", 512),
        ("512Mi", 512),
        ("1Gi", 1024),
        ("0.5Gi", 512),
        ("1024", 1024),
        (" 2 GiB ", 2048),
        ("1gib", 1024),
    ],
)
def test_parse_memory_accepts(value, mib):
    assert parse_memory(value) == mib


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("1G", "GiB"),  # Kubernetes decimal G is ambiguous
        ("512M", "MiB"),
        ("1T", "GiB"),
        ("1KB", "MiB"),
        ("1Ki", "MiB"),
        ("4096B", "MiB"),
    ],
)
def test_parse_memory_rejects_ambiguous_units_with_a_hint(value, hint):
    with pytest.raises(ValueError) as info:
        parse_memory(value)
    message = str(info.value)
    assert repr(value) in message
    assert "ambiguous" in message and hint in message


@pytest.mark.parametrize("value", ["1.3MiB", "0.1GiB", "1024.5"])
def test_parse_memory_rejects_fractions_of_a_mib(value):
    with pytest.raises(ValueError, match="whole number of MiB|ambiguous"):
        parse_memory(value)


def test_parse_memory_fraction_names_the_result():
    with pytest.raises(ValueError, match=r"1\.3 MiB"):
        parse_memory("1.3MiB")


@pytest.mark.parametrize("value", [True, False])
def test_parse_memory_rejects_booleans(value):
    # bool is an int subclass: YAML's "memory: yes" must not become 1 MiB
    with pytest.raises(ValueError, match="512MiB"):
        parse_memory(value)


@pytest.mark.parametrize("value", ["-512MiB", "-1", "lots", "", "1e3", "MiB", "1 2 MiB", "1..5GiB"])
def test_parse_memory_rejects_garbage_with_examples(value):
    with pytest.raises(ValueError, match="512"):
        parse_memory(value)


@pytest.mark.parametrize("value", [None, [512], {"mib": 512}])
def test_parse_memory_rejects_other_types(value):
    with pytest.raises(ValueError, match="1GiB"):
        parse_memory(value)


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 1.5])
def test_parse_memory_rejects_non_whole_floats_as_value_error(value):
    # YAML reads ".inf" and ".nan" as floats; they must be a ValueError, not an OverflowError
    with pytest.raises(ValueError):
        parse_memory(value)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (30, 30),
        (60.0, 60),
        ("30", 30),
        ("90s", 90),
        ("15m", 900),
        ("15min", 900),
        ("1h", 3600),
        ("1h30m", 5400),
        ("1h 30m 15s", 5415),
        ("1.5m", 90),
        ("0.5h", 1800),
        ("2M", 120),
    ],
)
def test_parse_duration_accepts(value, seconds):
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("500ms", "sub-second"),
        ("1.2s", "whole number of seconds"),
        ("0.01m", "whole number of seconds"),
        ("abc", "'90s'"),
        ("10x", "'90s'"),
        ("1m30", "'90s'"),
        ("-5s", "'90s'"),
        ("1h x 30m", "'90s'"),
        ("", "'90s'"),
        ("s", "'90s'"),
    ],
)
def test_parse_duration_rejects(value, match):
    with pytest.raises(ValueError, match=match):
        parse_duration(value)


@pytest.mark.parametrize("value", [True, False, None, [30], 1.5, float("inf"), float("nan")])
def test_parse_duration_rejects_other_values(value):
    with pytest.raises(ValueError):
        parse_duration(value)


@pytest.mark.parametrize(
    ("mib", "text"), [(512, "512MiB"), (1024, "1GiB"), (1536, "1536MiB"), (10240, "10GiB")]
)
def test_format_memory(mib, text):
    assert format_memory(mib) == text


@pytest.mark.parametrize(("seconds", "text"), [(30, "30s"), (90, "90s"), (900, "15m"), (3600, "1h"), (5400, "90m")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@given(st.integers(min_value=1, max_value=10**9))
def test_memory_round_trip(mib):
    assert parse_memory(format_memory(mib)) == mib


@given(st.integers(min_value=1, max_value=10**9))
def test_duration_round_trip(seconds):
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["Mi", "MiB", "MB", "mib", "mb"]))
def test_mebibyte_units_are_identity(n, unit):
    assert parse_memory(f"{n}{unit}") == n


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["Gi", "GiB", "GB", "gi", "gb"]))
def test_gibibyte_units_are_binary(n, unit):
    assert parse_memory(f"{n}{unit}") == n * 1024


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=59),
       st.integers(min_value=0, max_value=59))
def test_duration_combinations_add_up(h, m, s):
    assert parse_duration(f"{h}h{m}m{s}s") == h * 3600 + m * 60 + s


# -- Kubernetes quantities <-> MiB and vCPU, exactly, with the rounding reported ---------------------

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


@pytest.mark.parametrize(("text", "milli"), [("1", 1000), ("0.5", 500), ("83m", 83), ("0.083", 83), ("8", 8000)])
def test_millicores(text: str, milli: int) -> None:
    assert millicores(text) == milli


@pytest.mark.parametrize(("text", "message"), [("0.0005", "finer than 1m"), ("0", "positive"),
                                               ("lots", "Kubernetes quantity")])
def test_millicores_refuses_what_a_cpu_limit_cannot_be(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        millicores(text)


@pytest.mark.parametrize(("size", "text"), [(2**30, "1Gi"), (512 * 2**20, "512Mi"), (1536 * 2**20, "1536Mi"),
                                            (10**9, "1000000000")])
def test_format_bytes_quantity_is_exact(size: int, text: str) -> None:
    assert format_bytes_quantity(size) == text
    assert parse_quantity(text) == size


# -- protobuf Duration strings (Cloud Run's timeout) ----------------------------------------------

@pytest.mark.parametrize(("text", "seconds", "shortest"), [("300s", Decimal(300), "300s"),
                                                          ("1.5s", Decimal("1.5"), "1.5s"),
                                                          ("1.500000000s", Decimal("1.5"), "1.5s"),
                                                          ("60.0s", Decimal(60), "60s")])
def test_proto_duration(text: str, seconds: Decimal, shortest: str) -> None:
    assert parse_proto_duration(text) == seconds
    assert format_proto_duration(parse_proto_duration(text)) == shortest


@pytest.mark.parametrize("text", ["300", "5m", "-1s", "1.0000000001s", "", "s"])
def test_proto_duration_refuses_other_strings(text: str) -> None:
    with pytest.raises(ValueError, match="protobuf Duration"):
        parse_proto_duration(text)


@given(st.integers(min_value=0, max_value=10**6))
def test_whole_seconds_round_trip_as_proto_duration(seconds: int) -> None:
    assert parse_proto_duration(format_proto_duration(seconds)) == seconds


# -- .NET TimeSpans (Azure's functionTimeout) ------------------------------------------------------

@pytest.mark.parametrize(("seconds", "text"), [(30, "00:00:30"), (300, "00:05:00"), (3600, "01:00:00"),
                                               (3661, "01:01:01"), (90061, "1.01:01:01")])
def test_timespan(seconds: int, text: str) -> None:
    assert format_timespan(seconds) == text
    assert parse_timespan(text) == seconds


def test_unbounded_timespan_is_not_seconds() -> None:
    assert parse_timespan("-1") is None
