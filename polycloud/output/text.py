"""Plain text for people: one line a finding, then a summary."""

from __future__ import annotations

from polycloud.findings import Report


def render(report: Report, strict: bool = False) -> str:
    """One line a finding (``file:line:col: severity: [provider] message Fix: hint (rule)``)."""
    lines = [finding.describe() for finding in report]
    errors, warnings = len(report.errors), len(report.warnings)
    files = len(report.files)
    targets = ", ".join(report.providers) or "no provider"
    verdict = "ok" if report.passes(strict=strict) else "failed"
    lines.append(f"{verdict}: {files} file{'s' if files != 1 else ''} checked against {targets}; "
                 f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
    return "\n".join(lines) + "\n"
