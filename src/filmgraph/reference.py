"""The CLI reference in Markdown, generated from the click commands and the settings records.

``python -m filmgraph.reference`` prints it and ``python -m filmgraph.reference --write
docs/cli.md`` updates the doc; ``docs/cli.md`` holds it between two markers and a
test fails when the two differ, so no command, option or setting goes undocumented.
"""
from __future__ import annotations

import inspect

import click

from .cli import cli
from .settings import SETTINGS

START, END = "<!-- reference:start -->", "<!-- reference:end -->"


def _options(command: click.Command, ctx: click.Context) -> list[str]:
    rows = ["| option | meaning |", "| --- | --- |"]
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None or isinstance(param, click.Argument):
            continue
        names, text = record
        text = text.replace("|", "\\|")
        rows.append(f"| `{names}` | {text} |")
    return rows


def render() -> str:
    """The whole reference as Markdown."""
    lines = ["## Settings", "",
             "Every setting is a global option (before the command), or an environment variable.", "",
             "| setting | option | environment | default | meaning |", "| --- | --- | --- | --- | --- |"]
    for s in SETTINGS:
        lines.append(f"| `{s.name}` | `{s.option}` | `{s.envvar}` | `{s.default}` | {s.help} |")
    root = cli.make_context("filmgraph", [], resilient_parsing=True)
    lines += ["", "## filmgraph", "", "```", cli.get_usage(root), "```", ""]
    lines += _options(cli, root)
    for name in sorted(cli.list_commands(root)):
        command = cli.get_command(root, name)
        ctx = command.make_context(name, [], parent=root, resilient_parsing=True)
        text = inspect.cleandoc(command.help or "").replace("\b\n", "")
        lines += ["", f"## filmgraph {name}", "", "```text", command.get_usage(ctx), "", text, "```", ""]
        lines += _options(command, ctx)
    return "\n".join(lines) + "\n"


def write(path: str) -> None:
    """Replace the text between the markers in ``path`` with the current reference."""
    from pathlib import Path

    doc = Path(path)
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(START) + len(START), text.index(END)
    doc.write_text(text[:start] + "\n" + render() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--write"]:
        write(sys.argv[2])
    else:
        print(render(), end="")
