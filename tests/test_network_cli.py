"""The map, analyze and network commands as a user runs them: names resolve, files are written,
mistakes are one clear line."""
from __future__ import annotations

import networkx as nx


def test_map_writes_a_self_contained_page(run, tmp_path):
    out = tmp_path / "map.html"
    r = run("map", "--out", out)
    assert r.code == 0, r.text
    html = out.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and "https://cdn" not in html and "<script src=" not in html


def test_map_focus_and_path_take_names(run, tmp_path):
    r = run("map", "--view", "ego", "--focus", "阿拉木图", "--hops", "1", "--out", tmp_path / "ego.html")
    assert r.code == 0, r.text
    r = run("map", "--view", "path", "--from", "韩冰", "--to", "Moscow", "--out", tmp_path / "path.html", "--lang", "en")
    assert r.code == 0, r.text


def test_map_unknown_focus_is_one_clear_line(run, tmp_path):
    r = run("map", "--view", "ego", "--focus", "Atlantis", "--out", tmp_path / "x.html")
    assert r.code == 1 and "nothing is called 'Atlantis'" in r.err and "Traceback" not in r.text
    assert not (tmp_path / "x.html").exists()
    r = run("map", "--view", "ego", "--out", tmp_path / "x.html")
    assert r.code == 2 and "focus" in r.err


def test_analyze_names_brokers_and_prints_the_country_matrix(run, tmp_path):
    r = run("analyze", "--lang", "en", "--out", tmp_path / "report.html")
    assert r.code == 0, r.text
    assert "broker" in r.out.lower() and "Kazakhstan" in r.out and "Russia" in r.out
    assert (tmp_path / "report.html").read_text(encoding="utf-8").count("data:image/png;base64,") >= 2


def test_network_exports_reopen_in_networkx(run, tmp_path):
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        out = tmp_path / f"net.{fmt}"
        r = run("network", "--format", fmt, "--out", out)
        assert r.code == 0, r.text
        graph = reader(out)
        assert graph.number_of_nodes() > 60
        assert any(d.get("label_zh") == "阿拉木图" for _, d in graph.nodes(data=True))
