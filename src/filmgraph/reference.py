"""Reference docs generated from the code and the data: the CLI reference (click commands and the
settings records) and the query library (the ``.rq`` headers).

``python -m filmgraph.reference`` rewrites the generated part of ``docs/cli.md`` and the whole of
``docs/queries.md``; ``tests/test_docs.py`` fails when either is stale, so no command, option,
setting or library query goes undocumented.
"""
from __future__ import annotations

import inspect
from pathlib import Path

import click

from .cli import cli
from .queries import Library
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
    """The CLI reference as Markdown."""
    lines = ["## Settings", "",
             "Every setting is an option (global, or of the commands that use it) or an environment variable.", "",
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


def render_queries(library: Library) -> str:
    """The query library as Markdown: per query its titles, descriptions, parameters and text."""
    lines = ["# 查询库 · The query library", "",
             "Generated from the headers of `queries/*.rq` by `python -m filmgraph.reference`; do not edit.",
             "Run one with `filmgraph query NAME --param key=value`; list them with `filmgraph queries`.", "",
             "| name | 标题 | title |", "| --- | --- | --- |"]
    lines += [f"| [`{q.name}`](#{q.name}) | {q.title.get('zh', '')} | {q.title.get('en', '')} |" for q in library]
    for q in library:
        lines += ["", f"## {q.name}", "", f"**{q.title.get('zh', '')}** · **{q.title.get('en', '')}**", "",
                  q.description.get("zh", ""), "", q.description.get("en", ""), ""]
        if q.params:
            lines += ["| parameter | type | default | example | 说明 | meaning |", "| --- | --- | --- | --- | --- | --- |"]
            for p in q.params:
                default = f"`{p.default}`" if p.default is not None else "(optional: any)"
                lines.append(f"| `{p.name}` | {p.type} | {default} | `{p.example or ''}` | "
                             f"{p.label.get('zh', '')} | {p.label.get('en', '')} |")
            lines.append("")
        example = " ".join(f"--param {p.name}={p.example}" for p in q.params if p.example)
        lines += ["```sh", f"filmgraph query {q.name} {example}".rstrip(), "```", "",
                  "```sparql", q.text.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def write(docs: Path, library: Library) -> None:
    """Rewrite the generated parts of ``docs/cli.md`` and ``docs/queries.md``."""
    cli_doc = docs / "cli.md"
    text = cli_doc.read_text(encoding="utf-8")
    start, end = text.index(START) + len(START), text.index(END)
    cli_doc.write_text(text[:start] + "\n" + render() + text[end:], encoding="utf-8")
    (docs / "queries.md").write_text(render_queries(library), encoding="utf-8")


if __name__ == "__main__":
    from .project import Project

    project = Project.locate()
    write(project.root / "docs", Library(project.queries_dir))
    print(f"wrote {project.root / 'docs' / 'cli.md'} and {project.root / 'docs' / 'queries.md'}")
