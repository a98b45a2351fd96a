"""Renderers of a Report: text, json, sarif, github (workflow annotations) and junit."""

from __future__ import annotations

from collections.abc import Callable

from polycloud.findings import Report

__all__ = ["FORMATS", "render"]


def _renderers() -> dict[str, Callable[[Report, bool], str]]:
    from polycloud.output import github, junit, sarif, text
    from polycloud.output import json as json_output

    return {"text": text.render, "json": json_output.render, "sarif": sarif.render,
            "github": github.render, "junit": junit.render}


FORMATS = ("text", "json", "sarif", "github", "junit")


def render(report: Report, fmt: str = "text", *, strict: bool = False) -> str:
    """The report in ``fmt`` (one of FORMATS).

    Raises:
        ValueError: unknown format.
    """
    renderers = _renderers()
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renderers[fmt](report, strict)
