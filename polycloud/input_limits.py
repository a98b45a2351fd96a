"""The limits on a spec file and its content, and the checks that keep hostile input bounded.

A spec is small: these limits are far above any spec a provider accepts, and far below what
would make reading it slow or make Python itself fail (recursion limit, int-string limit).
docs/reliability.md states each limit and what a user sees when a file goes past it.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from polycloud.findings import Finding

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPANDED_CHARACTERS",
    "MAX_FILE_BYTES",
    "MAX_MESSAGE_CHARACTERS",
    "MAX_NUMBER_DIGITS",
    "MAX_VALUES",
    "MAX_WORD_CHARACTERS",
    "InputRefused",
    "NotText",
    "OversizedNumber",
    "UnusableFile",
    "ValueProblem",
    "bounded",
    "bracket_depth",
    "decode_text",
    "preview",
    "read_bounded",
    "safe_text",
    "shorten",
    "value_problems",
]

MAX_FILE_BYTES = 1024 * 1024
"""A spec file may hold at most 1 MiB; a larger one is refused before it is read."""

MAX_DEPTH = 32
"""Lists and mappings may nest at most 32 deep (the whole document counts as the first level)."""

MAX_VALUES = 10_000
"""At most 10,000 keys, values, lists and mappings in one spec, each alias counted every place it is used."""

MAX_EXPANDED_CHARACTERS = 2 * MAX_FILE_BYTES
"""The text of all keys and values, with every YAML alias expanded, may be at most 2 Mi characters:
twice what a file within ``MAX_FILE_BYTES`` can hold without aliases."""

MAX_NUMBER_DIGITS = 4300
"""Integers may have at most 4,300 decimal digits (Python's default int-to-text limit)."""

MAX_MESSAGE_CHARACTERS = 1000
"""A finding's message, hint or path is cut to about this many characters; a value in it
(a run of more than ``MAX_WORD_CHARACTERS`` characters without a space) is cut to about 120."""

MAX_WORD_CHARACTERS = 200

_LARGEST_INT = 10**MAX_NUMBER_DIGITS
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputRefused(Exception):
    """Input past a limit or not text: ``message`` for the user, ``line``/``column`` where known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message, self.line, self.column = message, line, column
        super().__init__(message)


class UnusableFile(InputRefused):
    """Not a regular file, or larger than ``MAX_FILE_BYTES``: refused before it is read."""


class NotText(InputRefused):
    """Bytes that are binary or not text in the encoding they claim."""


# -- messages -------------------------------------------------------------------------------

def _cut(text: str, keep: int) -> str:
    if len(text) <= keep:
        return text
    head, tail = keep * 2 // 3, keep // 3
    return f"{text[:head]}…[{len(text) - head - tail:,} characters left out]…{text[len(text) - tail:]}"


def shorten(text: str) -> str:
    """``text`` with every run of more than 200 non-space characters, then the whole, cut in the middle."""
    if len(text) <= MAX_WORD_CHARACTERS:
        return text
    words = re.sub(rf"\S{{{MAX_WORD_CHARACTERS + 1},}}", lambda m: _cut(m.group(), 120), text)
    return _cut(words, MAX_MESSAGE_CHARACTERS)


def preview(value: Any) -> str:
    """``repr(value)`` for a message, cut short; also for ints too long to print."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _LARGEST_INT:
        return f"an integer of more than {MAX_NUMBER_DIGITS:,} digits"
    try:
        return shorten(safe_text(repr(value)))
    except ValueError:  # a container holding such an integer
        return "a value too long to show"


def bounded(finding: Finding) -> Finding:
    """``finding`` with its message, hint and path cut to a readable length."""
    message, path = shorten(finding.message), shorten(finding.path)
    hint = shorten(finding.hint) if finding.hint else finding.hint
    if (message, hint, path) == (finding.message, finding.hint, finding.path):
        return finding
    return replace(finding, message=message, hint=hint, path=path)


# -- reading ----------------------------------------------------------------------------------

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _refuse_special(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    raise UnusableFile(f"it is {kind}, not a regular file")


def _refuse_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise UnusableFile(f"it is larger than the {MAX_FILE_BYTES:,}-byte ({MAX_FILE_BYTES // 1024 // 1024} MiB) "
                           "limit for a spec file")


def read_bounded(path: str | Path) -> bytes:
    """The bytes of a regular file of at most ``MAX_FILE_BYTES``.

    The file is checked before it is opened and opened without blocking, so a FIFO or a device
    never hangs the read; at most one byte past the limit is read from a file that grows.

    Raises:
        UnusableFile: not a regular file, or too large.
        OSError: the file cannot be found or opened.
    """
    if "\x00" in str(path):  # os.stat would raise ValueError
        raise UnusableFile("the path holds a NUL character")
    _refuse_special(os.stat(path).st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        status = os.fstat(descriptor)  # the path may have been swapped for something else since the stat
        _refuse_special(status.st_mode)
        _refuse_size(status.st_size)
        chunks: list[bytes] = []
        left = MAX_FILE_BYTES + 1
        while left > 0:
            chunk = os.read(descriptor, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(descriptor)
    raw = b"".join(chunks)
    _refuse_size(len(raw))
    return raw


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
         (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
         (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))


def _where(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    return before.count(b"\n") + 1, offset - before.rfind(b"\n")


def decode_text(raw: bytes) -> str:
    """Text of a spec file: UTF-8, or UTF-16/UTF-32 when the file starts with a byte-order mark.

    Raises:
        NotText: the bytes are binary or not text in that encoding (with the line of the first bad byte).
    """
    codec, label = next(((c, label) for bom, c, label in _BOMS if raw.startswith(bom)), ("utf-8", "UTF-8"))
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        line, column = _where(raw, exc.start) if codec == "utf-8" else (None, None)
        hint = "" if codec != "utf-8" else " (UTF-16 and UTF-32 files need a byte-order mark)"
        raise NotText(f"the file is binary or not {label} text{hint}", line, column) from None
    if "\x00" in text:
        before = text[: text.index("\x00")]
        raise NotText("the file is binary, not a YAML, JSON or TOML spec",
                           before.count("\n") + 1, len(before) - before.rfind("\n"))
    return text


# -- nesting before parsing -------------------------------------------------------------------

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)  # unrolled: no per-character alternation
_TOML_SKIP = re.compile(r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""|\'\'\'.*?\'\'\'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"?'
                        r"|'[^'\n]*'?|#[^\n]*", re.DOTALL)


def bracket_depth(text: str, fmt: str, limit: int) -> tuple[int, int] | None:
    """Where the ``[``/``{`` nesting of JSON or TOML text first goes past ``limit`` (line, column), or None.

    Brackets inside strings and comments do not count. Run before parsing: Python's JSON and
    TOML parsers recurse once per level and would hit the interpreter's recursion limit (the
    callers still turn a RecursionError into the same finding, should a file fool this scan).
    """
    skip = _JSON_STRING if fmt == "json" else _TOML_SKIP
    depth = 0
    position = 0
    while position < len(text):
        char = text[position]
        if char in "\"'#":
            match = skip.match(text, position)
            if match is not None and match.end() > position:
                position = match.end()
                continue
        if char in "[{":
            depth += 1
            if depth > limit:
                before = text[:position]
                return before.count("\n") + 1, position - before.rfind("\n")
        elif char in "]}":
            depth = max(depth - 1, 0)
        position += 1
    return None


# -- values after parsing ---------------------------------------------------------------------

@dataclass(frozen=True)
class OversizedNumber:
    """An integer a parser met with more than ``MAX_NUMBER_DIGITS`` digits, left unconverted."""

    digits: int


@dataclass(frozen=True)
class ValueProblem:
    """A value of parsed data that must not reach the spec model; ``path`` as a tuple of keys and indexes."""

    path: tuple[Any, ...]
    message: str
    hint: str
    rule: str = "spec-value"


def _text_problem(text: str) -> str | None:
    found = _SURROGATE.search(text)
    if found is None:
        return None
    return f"holds a lone surrogate ({ascii(found.group())[1:-1]}), which is not valid Unicode text"


def safe_text(text: str) -> str:
    """``text`` with lone surrogates written as ``\\udXXX`` escapes, so it can be printed and encoded."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if _SURROGATE.search(text) else text


def _scalar_problem(value: Any) -> tuple[str, str] | None:
    if isinstance(value, OversizedNumber) or (type(value) is int and abs(value) >= _LARGEST_INT):
        return (f"a number with more than {MAX_NUMBER_DIGITS:,} digits is past the limit",
                "write a shorter number, or quote it if it is text")
    if isinstance(value, float) and not math.isfinite(value):
        return (f"{value!r} is not a finite number",
                "write a finite number, or quote it (e.g. \"inf\") if it is text")
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem:
            return f"the text {problem}", "remove the \\ud800-\\udfff escape or write the full character"
    return None


def _children(value: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(value, dict):
        yield from value.items()
    else:  # a list, or a YAML !!set
        yield from enumerate(value)


def _key_text(key: Any) -> str:
    return safe_text(key) if isinstance(key, str) else preview(key)


def value_problems(data: Any, *, limit_count: bool = True) -> list[ValueProblem]:
    """Every key and value of parsed data past a limit: too deep, too many values (unless not
    ``limit_count``), a number too long or not finite, text with lone surrogates. Walks
    iteratively, each shared object once."""
    problems: list[ValueProblem] = []
    seen: set[int] = set()
    count = 0
    stack: list[tuple[tuple[Any, ...], Any, int]] = [((), data, 1)]
    while stack:
        path, value, depth = stack.pop()
        count += 1
        if count > MAX_VALUES and limit_count:
            return [ValueProblem(path, f"the spec holds more than {MAX_VALUES:,} keys and values",
                                 "a spec is small; remove what no function needs", "spec-limit")]
        if not isinstance(value, (dict, list, tuple, set, frozenset)):
            problem = _scalar_problem(value)
            if problem:
                problems.append(ValueProblem(path, *problem))
            continue
        if id(value) in seen:
            continue
        seen.add(id(value))
        if depth > MAX_DEPTH:
            problems.append(ValueProblem(path, f"lists and mappings nest more than {MAX_DEPTH} levels deep",
                                         "a spec nests a few levels; flatten this value", "spec-limit"))
            continue
        for key, child in _children(value):
            if isinstance(value, dict):
                count += 1
                key_problem = _scalar_problem(key)
                if key_problem:
                    message, hint = key_problem
                    problems.append(ValueProblem(path + (_key_text(key),), f"(the key) {message}", hint))
                    continue
            stack.append((path + (key,), child, depth + 1))
    return problems
