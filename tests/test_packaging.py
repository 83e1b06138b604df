"""The installed command works as a user gets it: from any folder, with the knowledge base that
ships inside the package, as ``filmgraph`` and as ``python -m filmgraph``."""
from __future__ import annotations

import shutil
import subprocess
import sys

import filmgraph
from filmgraph.project import Project


def test_console_script_runs_from_any_folder_with_the_shipped_knowledge_base(tmp_path):
    exe = shutil.which("filmgraph")
    assert exe, "the console script is installed"
    r = subprocess.run([exe, "check"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("check ok:")


def test_python_dash_m(tmp_path):
    r = subprocess.run([sys.executable, "-m", "filmgraph", "--version"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0 and filmgraph.__version__ in r.stdout


def test_shipped_knowledge_base_is_complete(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project = Project.locate()
    assert project.ontology_file.is_file() and project.shapes_file.is_file()
    assert [p.name for p in project.data_files()] == ["000_4fd766c73458f912.trig", "reference.trig"]
    assert (project.graph_dir / "sources" / "000_4fd766c73458f912.txt").is_file()


def test_current_folder_with_a_knowledge_base_wins(kb, monkeypatch):
    monkeypatch.chdir(kb)
    assert Project.locate().root == kb.resolve()
