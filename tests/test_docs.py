"""Docs that tests keep honest: the CLI reference is generated and current, the README's two
set-up commands are the ones CI runs, and every command and setting is documented."""
from __future__ import annotations

import re

from conftest import REPO
from filmgraph import reference
from filmgraph.cli import cli
from filmgraph.settings import SETTINGS

README = (REPO / "README.md").read_text(encoding="utf-8")
CLI_DOC = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")


def test_cli_reference_is_current():
    start, end = CLI_DOC.index(reference.START), CLI_DOC.index(reference.END)
    current = CLI_DOC[start + len(reference.START):end].strip()
    assert current == reference.render().strip(), \
        "docs/cli.md is out of date: run `python -m filmgraph.reference --write docs/cli.md`"


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
