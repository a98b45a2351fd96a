"""SARIF 2.1.0 for code-scanning UIs (GitHub code scanning, VS Code SARIF viewer)."""

from __future__ import annotations

import json
from typing import Any

from polycloud.findings import Report, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: Report, strict: bool = False) -> str:
    """A SARIF log with one run, its rules and one result a finding."""
    from polycloud import __version__
    from polycloud.ruledocs import all_rules

    known = {rule.id: rule for rule in all_rules()}
    used = sorted({f.rule for f in report})
    rules: list[dict[str, Any]] = []
    for rule_id in used:
        info = known.get(rule_id)
        entry: dict[str, Any] = {"id": rule_id, "shortDescription": {"text": info.summary if info else rule_id}}
        if info is not None and info.source.startswith("http"):
            entry["helpUri"] = info.source
        rules.append(entry)
    index = {rule_id: i for i, rule_id in enumerate(used)}
    results = []
    for finding in report:
        text = finding.message + (f" Fix: {finding.hint}" if finding.hint else "")
        result: dict[str, Any] = {"ruleId": finding.rule, "ruleIndex": index[finding.rule],
                                  "level": _LEVEL[finding.severity], "message": {"text": text}}
        if finding.file:
            physical: dict[str, Any] = {"artifactLocation": {"uri": finding.file}}
            if finding.line is not None:
                region: dict[str, Any] = {"startLine": finding.line}
                if finding.column is not None:
                    region["startColumn"] = finding.column
                physical["region"] = region
            location: dict[str, Any] = {"physicalLocation": physical}
            if finding.path:
                location["logicalLocations"] = [{"fullyQualifiedName": finding.path, "kind": "member"}]
            result["locations"] = [location]
        props = {k: v for k, v in (("provider", finding.provider), ("path", finding.path)) if v}
        if props:
            result["properties"] = props
        results.append(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "polycloud", "version": __version__,
                                "informationUri": "https://github.com/polycloud/polycloud", "rules": rules}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2) + "\n"
