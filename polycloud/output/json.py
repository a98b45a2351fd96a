"""Machine-readable JSON: ``{"ok": bool, "findings": [...]}``."""

from __future__ import annotations

import json

from polycloud.findings import Report


def render(report: Report, strict: bool = False) -> str:
    """The report as JSON."""
    return json.dumps(report.to_dict(strict=strict), indent=2) + "\n"
