"""Docs that tests keep honest: the CLI reference is generated and current, the README's two
set-up commands are the ones CI runs, and every command and setting is documented."""
from __future__ import annotations

import re

from conftest import REPO
from filmgraph import reference
from filmgraph.cli import cli
from filmgraph.queries import Library
from filmgraph.settings import SETTINGS

README = (REPO / "README.md").read_text(encoding="utf-8")
CLI_DOC = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")


STALE = "out of date: run `python -m filmgraph.reference` in the repository"


def test_cli_reference_is_current():
    start, end = CLI_DOC.index(reference.START), CLI_DOC.index(reference.END)
    current = CLI_DOC[start + len(reference.START):end].strip()
    assert current == reference.render().strip(), f"docs/cli.md is {STALE}"


def test_query_library_doc_is_current():
    library = Library(REPO / "queries")
    assert (REPO / "docs" / "queries.md").read_text(encoding="utf-8") == reference.render_queries(library), \
        f"docs/queries.md is {STALE}"
    for q in library:
        assert f"## {q.name}" in (REPO / "docs" / "queries.md").read_text(encoding="utf-8")


def test_every_command_and_setting_is_in_the_readme_tour():
    for name in cli.commands:
        assert f"filmgraph {name}" in README, f"README does not show `filmgraph {name}`"
    for s in SETTINGS:
        assert s.option in README or s.option in CLI_DOC


def test_ci_runs_exactly_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = re.search(r"^exec (.+)$", ci, re.M).group(1)
    assert f"\n{command}\n" in README
    assert "filmgraph build" in README


def test_sparql_examples_in_the_analyst_guide_run_and_answer():
    import filmgraph

    store = filmgraph.load().store
    guide = (REPO / "docs" / "analysts.md").read_text(encoding="utf-8")
    examples = re.findall(r"```sparql\n(.*?)```", guide, re.S)
    assert len(examples) >= 4
    for example in examples:
        rows = store.select(example)
        assert rows, f"no answer from:\n{example}"


def test_analyst_guide_answers_are_the_sources():
    import filmgraph

    store = filmgraph.load().store
    guide = (REPO / "docs" / "analysts.md").read_text(encoding="utf-8")
    director = next(e for e in re.findall(r"```sparql\n(.*?)```", guide, re.S) if "大风杀" in e)
    assert {r["name"].value for r in store.select(director)} == {"张琪", "Zhang Qi"}


def test_server_guide_python_example_runs_against_a_live_server(tmp_path):
    from conftest import serving

    guide = (REPO / "docs" / "server.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", guide, re.S).group(1)
    assert "http://127.0.0.1:8000/sparql" in example
    with serving(tmp_path) as origin:
        exec(compile(example.replace("http://127.0.0.1:8000", origin), "docs/server.md", "exec"), {})
