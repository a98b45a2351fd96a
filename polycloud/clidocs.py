"""docs/cli.md, generated from the ``polycloud`` argument parser (regenerate: ``python -m polycloud.clidocs``)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["render_cli_reference"]

REGENERATE = "python -m polycloud.clidocs > docs/cli.md"


def _commands(parser: argparse.ArgumentParser) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """``(name, help, parser)`` of every subcommand, in the order the parser lists them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            return [(name, helps.get(name, ""), sub) for name, sub in action.choices.items()]
    return []


def _value_name(action: argparse.Action) -> str:
    """What follows the option on the command line (empty for flags)."""
    if action.nargs == 0:
        return ""
    metavar = action.metavar if isinstance(action.metavar, str) else None
    return metavar or action.dest.upper()


def _synopsis(prog: str, parser: argparse.ArgumentParser) -> str:
    """``polycloud plan FILE --provider PROVIDER [options]``: positionals, required options, the rest."""
    actions = [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]
    words = [prog]
    for action in actions:
        if not action.option_strings:
            name = _value_name(action)
            words.append(f"{name}..." if action.nargs in ("+", "*") else name)
    words += [f"{a.option_strings[0]} {_value_name(a)}".strip() for a in actions if a.option_strings and a.required]
    if any(a.option_strings and not a.required for a in actions):
        words.append("[options]")
    return " ".join(words)


def _describe(action: argparse.Action) -> str:
    """The option's help, then what the parser knows about its values."""
    parts = [action.help.rstrip(".")] if action.help and action.help != argparse.SUPPRESS else []
    if action.choices is not None:
        parts.append("one of " + ", ".join(f"`{choice}`" for choice in action.choices))
    if action.required and action.option_strings:
        parts.append("required")
    if isinstance(action, argparse._AppendAction):
        parts.append("repeatable")
    if action.nargs in ("+", "*"):
        parts.append("one or more" if action.nargs == "+" else "any number")
    default = action.default
    if default not in (None, False, argparse.SUPPRESS) and action.nargs != 0:
        parts.append(f"default `{default}`")
    return "; ".join(parts)


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell (no column breaks, no HTML tags)."""
    return text.replace("|", "\\|").replace("<", "\\<")


def _table(parser: argparse.ArgumentParser, *, with_help_flag: bool) -> list[str]:
    rows = ["| argument | value | description |", "|---|---|---|"]
    for action in sorted(parser._actions, key=lambda a: bool(a.option_strings)):  # arguments, then options
        if isinstance(action, argparse._SubParsersAction):
            continue
        if isinstance(action, argparse._HelpAction) and not with_help_flag:
            continue
        names = ", ".join(f"`{name}`" for name in action.option_strings) or f"`{_value_name(action)}`"
        value = f"`{_value_name(action)}`" if action.option_strings and _value_name(action) else ""
        rows.append(f"| {names} | {value} | {_cell(_describe(action))} |")
    return rows


def render_cli_reference() -> str:
    """docs/cli.md: the global options, then every command with every argument and option."""
    from polycloud import cli

    parser = cli._parser()
    prog = parser.prog
    exit_codes = (cli.__doc__ or "").split("\n\n", 1)[-1].strip().replace("``", "`")
    out = ["# Command line", "",
           f"Every `{prog}` command with every option, generated from the argument parser by",
           f"`{REGENERATE}`; a test fails when this file drifts.", "",
           exit_codes, "",
           "## Global options", "",
           "Given before the command, e.g. `polycloud -q deploy spec.yaml -p aws`.", "",
           f"    {prog} [global options] COMMAND ...", "",
           *_table(parser, with_help_flag=True), "",
           "Every command also takes `-h`, `--help`.", ""]
    commands = _commands(parser)
    out += ["## Commands", "", "| command | what it does |", "|---|---|"]
    out += [f"| [`{name}`](#{prog}-{name}) | {_cell(help_text)} |" for name, help_text, _ in commands]
    out.append("")
    for name, help_text, sub in commands:
        out += [f"## {prog} {name}", "", _cell(help_text[:1].upper() + help_text[1:]) + ".", "",
                f"    {_synopsis(sub.prog, sub)}", "", *_table(sub, with_help_flag=False), ""]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover - exercised through the staleness test's renderer
    sys.stdout.write(render_cli_reference())
