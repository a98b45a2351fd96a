"""JUnit XML: one test case per file and provider it was checked against, failing with its error findings."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from polycloud.findings import Finding, Report, Severity


def render(report: Report, strict: bool = False) -> str:
    """A ``<testsuites>`` document CI systems show as test results."""
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    # every finding lands in a suite and a case exactly once, even when the report does not list
    # its file (a FunctionSpec object) or provider (a spec that failed to load)
    files = [*report.files, *sorted({f.file or "<spec>" for f in report} - set(report.files))]
    providers = [*report.providers, *sorted({f.provider for f in report if f.provider} - set(report.providers))]
    suites = ET.Element("testsuites", name="polycloud validate")
    total_failures = 0
    for file in files:
        suite = ET.SubElement(suites, "testsuite", name=file)
        cases = 0
        failures = 0
        for provider in ["spec", *_checked(report, file, providers)]:
            found = [f for f in report if (f.file or "<spec>") == file and (f.provider or "spec") == provider]
            case = ET.SubElement(suite, "testcase", classname=file, name=provider)
            cases += 1
            bad = [f for f in found if f.severity in failing]
            if bad:
                failures += 1
                failure = ET.SubElement(case, "failure", message=_summary(bad), type=bad[0].rule)
                failure.text = "\n".join(f.describe() for f in bad)
            others = [f for f in found if f not in bad]
            if others:
                ET.SubElement(case, "system-out").text = "\n".join(f.describe() for f in others)
        suite.set("tests", str(cases))
        suite.set("failures", str(failures))
        total_failures += failures
    suites.set("failures", str(total_failures))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _checked(report: Report, file: str, providers: list[str]) -> list[str]:
    """The providers ``file`` was checked against, plus any its findings name: a file gets no passing
    case for a provider only other files were checked against (or when it did not load)."""
    if file not in report.checked:
        return providers
    named = {f.provider for f in report if (f.file or "<spec>") == file and f.provider}
    return [p for p in providers if p in report.checked[file] or p in named]


def _summary(findings: list[Finding]) -> str:
    first = findings[0].message
    more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
    return first + more
