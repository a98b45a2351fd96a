"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line a finding."""

from __future__ import annotations

from polycloud.findings import Report, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, strict: bool = False) -> str:
    """Annotations GitHub shows on the file and line of each finding."""
    lines = []
    for finding in report:
        props = []
        if finding.file:
            props.append(f"file={_escape_property(finding.file)}")
        if finding.line is not None:
            props.append(f"line={finding.line}")
        if finding.column is not None:
            props.append(f"col={finding.column}")
        title = f"{finding.rule}" + (f" ({finding.provider})" if finding.provider else "")
        props.append(f"title={_escape_property(title)}")
        message = finding.message + (f" Fix: {finding.hint}" if finding.hint else "")
        lines.append(f"::{_LEVEL[finding.severity]} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
