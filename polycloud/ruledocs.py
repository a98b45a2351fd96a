"""Every rule id with its summary and source; docs/rules.md is generated from this."""

from __future__ import annotations

from polycloud.checks import NEUTRAL_RULES, RuleInfo

__all__ = ["all_rules", "render_markdown"]


def _adapter_rules() -> list[tuple[str, tuple[RuleInfo, ...]]]:
    """Each installed adapter's rules (its ``rule_infos``), by provider key; adapters that fail to load are
    left out (``polycloud providers`` says why)."""
    from polycloud import registry
    from polycloud.errors import PolycloudError

    found = []
    for key in registry.available():
        try:
            rules: tuple[RuleInfo, ...] = tuple(getattr(registry.load(key), "rule_infos", ()))
        except PolycloudError:
            continue
        found.append((key, rules))
    return found


def _image_rules() -> tuple[RuleInfo, ...]:
    from polycloud.image.rules import RULES

    return RULES


def all_rules() -> list[RuleInfo]:
    """Neutral rules, the image rules, then each installed adapter's rules."""
    rules = [*NEUTRAL_RULES, *_image_rules()]
    for _, adapter_rules in _adapter_rules():
        rules.extend(adapter_rules)
    return rules


def render_markdown() -> str:
    """docs/rules.md: one table per provider (regenerate with ``polycloud rules --markdown``)."""
    out = ["# Rules", "",
           "Every finding carries one of these stable rule ids. Generated from the code by",
           "`polycloud rules --markdown > docs/rules.md`; a test fails when this file drifts.", ""]
    sections = [("Spec (every provider)", NEUTRAL_RULES),
                ("Image (`validate --image-archive`; `image-mutable-tag` on every spec)", _image_rules())]
    sections += [(f"`{k}`", r) for k, r in _adapter_rules()]
    for title, rules in sections:
        out += [f"## {title}", "", "| rule | severity | what it checks | source |", "|---|---|---|---|"]
        for rule in rules:
            source = f"[docs]({rule.source})" if rule.source.startswith("http") else rule.source
            out.append(f"| `{rule.id}` | {rule.severity.value} | {rule.summary} | {source} |")
        out.append("")
    return "\n".join(out)
