"""Sizes and durations: what the parser accepts, what it rejects and how it says so."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polycloud.units import format_duration, format_memory, parse_duration, parse_memory


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
