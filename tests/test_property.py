"""Property test: no mutation of the curated files makes filmgraph crash. Whatever the damage,
``check`` reports problems (or passes) and the CLI exits 0 or 1 without a traceback."""
from __future__ import annotations

import shutil

from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import REPO
from filmgraph.cli import main

FILES = ["ontology/filmgraph.ttl", "ontology/shapes.ttl", "graph/reference.trig", "graph/000_4fd766c73458f912.trig"]
NOISE = st.sampled_from(list(' .;,[](){}<>"\'#@:^_\\\n') + ["a", "fg:", "GRAPH", "@prefix", "\"\"\"", "\u00e9", "\u4e2d", "\x00", "\ud800"])


@st.composite
def mutations(draw):
    name = draw(st.sampled_from(FILES))
    text = (REPO / name).read_text(encoding="utf-8")
    start = draw(st.integers(0, len(text)))
    kind = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "truncate"]))
    length = draw(st.integers(1, 40))
    noise = draw(NOISE)
    if kind == "delete":
        text = text[:start] + text[start + length:]
    elif kind == "insert":
        text = text[:start] + noise + text[start:]
    elif kind == "replace":
        text = text[:start] + noise + text[start + 1:]
    elif kind == "duplicate":
        text = text[:start] + text[start:start + length] + text[start:]
    else:
        text = text[:start]
    return name, text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations())
def test_mutations_never_crash(tmp_path_factory, capsys, mutation):
    name, text = mutation
    root = tmp_path_factory.mktemp("kb")
    for folder in ("ontology", "graph"):
        shutil.copytree(REPO / folder, root / folder)
    (root / name).write_bytes(text.encode("utf-8", "surrogatepass"))
    capsys.readouterr()
    try:
        main(["--project", str(root), "check"])
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    assert "Traceback" not in out.err and "internal error" not in out.err
    if code == 1:
        assert out.err.rstrip().splitlines()[-1].startswith("check failed:")
