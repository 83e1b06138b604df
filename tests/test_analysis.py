"""Network analytics and network exports, as a user would notice them: who the brokers are, how
countries cooperate, that big graphs switch to estimates and say so, and that every output reads
back (CSV, JSON, HTML, GraphML, GEXF, Cytoscape JSON)."""
from __future__ import annotations

import base64
import copy
import csv
import io
import json
import re

import networkx as nx
import pytest

from filmgraph import analysis as analysis_module
from filmgraph.analysis import (EXACT_BETWEENNESS_MAX_NODES, MIN_PIVOTS, SECTIONS, analyze, default_pivots,
                                render, render_report)
from filmgraph.dataset import open_backend
from filmgraph.errors import OutputError, UsageError
from filmgraph.netexport import FORMATS as NETWORK_FORMATS
from filmgraph.netexport import export_network
from filmgraph.projection import project
from synthetic import synthetic_projection

ID = "https://w3id.org/filmgraph/id/"
CHINA, KAZAKHSTAN, RUSSIA = ID + "country/china", ID + "country/kazakhstan", ID + "country/russia"
KYRGYZSTAN, TURKEY = ID + "country/kyrgyzstan", ID + "country/turkey"
TALKS = ID + "event/2025-moscow-professional-talks"


@pytest.fixture(scope="module")
def graph():
    return project(open_backend())


@pytest.fixture(scope="module")
def result(graph):
    return analyze(graph)


# --- brokers --------------------------------------------------------------------------------

def test_brokers_between_chinese_and_foreign_organisations_are_named(result):
    # Chinese organisations (based in China): the Beijing Municipal Film Bureau and Film Development
    # Center. Every foreign organisation reaches them through a cycle, except:
    # - the Kyrgyz State Film Administration and TRT, whose only link besides their own country is
    #   the professional talks in Moscow: removing the talks cuts them (and Kyrgyzstan, Türkiye) off;
    # - Kazakhfilm, linked only by fg:basedIn to Kazakhstan (the symposium held inside it is told in
    #   its description, not as an edge): removing the country Kazakhstan cuts it off.
    splitting = {b.node.iri for b in result.brokers if b.separates_chinese_and_foreign}
    assert splitting == {TALKS, KAZAKHSTAN}


def test_a_broker_reports_which_country_groups_it_connects(result):
    talks = next(b for b in result.brokers if b.node.iri == TALKS)
    groups = [{c.iri for c in g} for g in talks.country_groups]
    assert {KYRGYZSTAN} in groups and {TURKEY} in groups
    main = next(g for g in groups if CHINA in g)
    assert {KAZAKHSTAN, RUSSIA} <= main
    # Kyrgyzstan and Türkiye each lose their path to the 6 other countries and to each other
    assert talks.separated_country_pairs == 6 + 6 + 1
    assert {u.iri for p in talks.parts for u in p.via} >= {ID + "org/trt", ID + "org/kyrgyzstan-state-film-administration"}
    # the Kyrgyz administration itself cuts off only its country, and is an organisation, not between them
    kyrgyz = next(b for b in result.brokers if b.node.iri == ID + "org/kyrgyzstan-state-film-administration")
    assert kyrgyz.separated_country_pairs == 7 and not kyrgyz.separates_chinese_and_foreign


def test_every_broker_is_an_articulation_point(graph, result):
    simple = nx.Graph(graph.to_undirected())
    assert {b.node.iri for b in result.brokers} <= set(nx.articulation_points(simple))


# --- country matrix -------------------------------------------------------------------------

def test_country_matrix_counts_what_the_article_reports(result):
    m = result.matrix
    assert m.count(CHINA, KAZAKHSTAN, "coproductions") == 2          # 音乐家, 万里追星河
    assert m.count(KAZAKHSTAN, CHINA, "coproductions") == 2          # unordered pair
    assert m.count(CHINA, RUSSIA, "events") > 0                     # the delegation visit to Moscow
    assert m.count(RUSSIA, KAZAKHSTAN, "coproductions") == 0
    # 音乐家, a China–Kazakhstan co-production, was shown in Almaty and in Moscow
    assert m.count(CHINA, KAZAKHSTAN, "screenings") == 1
    assert m.count(RUSSIA, KAZAKHSTAN, "screenings") == 1
    assert m.count(KYRGYZSTAN, RUSSIA, "talks") == 1                 # the Moscow professional talks
    assert {r.iri for r in m.pair(CHINA, KAZAKHSTAN).coproductions} == {
        ID + "coproduction/the-composer", ID + "coproduction/wanli-zhui-xinghe"}
    with pytest.raises(KeyError):
        m.pair(CHINA, CHINA)


def test_participants_without_a_country_are_named_not_silently_dropped(result):
    assert ID + "org/beijing-film-going-global-delegation" in {r.iri for r in result.matrix.unplaced}
    assert any(n.code == "unplaced" for n in result.notes)


# --- centralities, communities, timeline ------------------------------------------------------

def test_rankings_are_labelled_and_exact_on_the_curated_graph(result):
    for ranking in (result.degree, result.betweenness, result.eigenvector):
        assert len(ranking.entries) == 10 and ranking.exact
        assert all(e.node.label("zh") for e in ranking.entries)
        values = [e.value for e in ranking.entries]
        assert values == sorted(values, reverse=True)
    assert result.betweenness.method == "exact" and result.betweenness.pivots is None
    assert result.degree.entries[0].node.iri == ID + "event/2025-beijing-film-delegation-visit"


def test_betweenness_switches_to_sampled_pivots_above_the_threshold_and_says_so():
    big = synthetic_projection(EXACT_BETWEENNESS_MAX_NODES + 100)
    assert big.number_of_nodes() > EXACT_BETWEENNESS_MAX_NODES
    a = analyze(big, top=5)
    assert a.betweenness.method == "sampled" and not a.betweenness.exact
    k = default_pivots(a.nodes, a.simple_edges)
    assert MIN_PIVOTS <= k < a.nodes and a.betweenness.pivots == k and a.betweenness.seed == 7
    assert any(n.code == "betweenness-sampled" for n in a.notes)
    assert f"{k} sampled pivots" in render(a, lang="en")
    assert default_pivots(50_000, 113_000) == MIN_PIVOTS       # big graphs: never fewer
    small = synthetic_projection(300)
    assert analyze(small).betweenness.method == "exact"
    asked = analyze(small, pivots=50, seed=3)
    assert asked.betweenness.method == "sampled" and (asked.betweenness.pivots, asked.betweenness.seed) == (50, 3)
    again = analyze(small, pivots=50, seed=3)
    assert [e.node.iri for e in again.betweenness.entries] == [e.node.iri for e in asked.betweenness.entries]
    # as many pivots as nodes is the exact computation, and is reported as such
    assert analyze(small, pivots=10_000).betweenness.method == "exact"
    assert analyze(small, exact_max_nodes=100).betweenness.method == "exact"


def test_eigenvector_falls_back_when_it_does_not_converge(graph, monkeypatch):
    def fail(*_args, **_kwargs):
        raise nx.PowerIterationFailedConvergence(1000)

    monkeypatch.setattr(analysis_module.nx, "eigenvector_centrality", fail)
    a = analyze(graph)
    assert a.eigenvector.method == "fallback-degree" and not a.eigenvector.exact
    assert any(n.code == "eigenvector-fallback" for n in a.notes)


def test_communities_cover_every_node_once(graph, result):
    members = [m.iri for c in result.communities.items for m in c.members]
    assert len(members) == len(set(members)) == graph.number_of_nodes()
    assert set(members) == set(graph)
    assert 0 < result.communities.modularity <= 1
    assert analyze(graph).communities == result.communities     # seeded: the same every time


def test_timeline_is_ordered_by_date_with_parent_events(result):
    entries = result.timeline.entries
    starts = [e.start for e in entries]
    assert starts == sorted(starts) and len(entries) >= 7
    symposium = next(e for e in entries if e.node.iri.endswith("/2025-china-kazakhstan-film-cooperation-symposium"))
    assert [p.iri for p in symposium.parents] == [ID + "event/2025-beijing-film-delegation-visit"]
    assert entries[0].node.iri == ID + "event/2025-beijing-film-delegation-visit"   # 23 November
    assert all(e.start or e.end for e in entries) and result.timeline.undated


def test_bad_options_are_refused(graph, result):
    for call in (lambda: analyze(graph, top=0), lambda: analyze(graph, pivots=0), lambda: analyze("graph"),
                 lambda: render(result, format="xml"), lambda: render(result, lang="fr"),
                 lambda: render_report(result, lang="fr")):
        with pytest.raises(UsageError):
            call()


def test_an_empty_graph_gives_empty_sections(graph):
    a = analyze(nx.MultiDiGraph())
    assert a.nodes == 0 and not a.brokers and not a.degree.entries and not a.communities.items
    assert render(a) and json.loads(render(a, format="json"))["nodes"] == 0


# --- renderers --------------------------------------------------------------------------------

def test_table_has_bilingual_headings_and_aligned_cjk_columns(result):
    text = render(result, lang="zh")
    for section in SECTIONS.values():
        assert section.heading("zh") in text and section.explain_zh in text
    assert "谁是中间人 · Who connects whom" in text
    assert "代表团与俄、吉、土广电及电影机构专业会谈" in text
    english = render(result, lang="en")
    assert "Who connects whom · 谁是中间人" in english and "Professional talks of the delegation" in english


def test_csv_reads_back_one_section_after_another(result):
    text = render(result, format="csv")
    assert text.startswith("\ufeff")
    rows = [r for r in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if r]
    sections = {r[0] for r in rows if r[0] != "section"}
    assert sections == set(SECTIONS)
    pair = next(r for r in rows if r[0] == "country_matrix" and {CHINA, KAZAKHSTAN} <= set(r))
    header = next(r for r in rows if r[0] == "section" and "coproductions" in r)
    assert pair[header.index("coproductions")] == "2"
    assert any(r[0] == "brokers" and TALKS in r for r in rows)


def test_json_holds_everything(result):
    data = json.loads(render(result, format="json"))
    assert set(data["sections"]) == set(SECTIONS)
    assert data["betweenness"]["method"] == "exact"
    pair = next(p for p in data["matrix"]["pairs"] if {p["a"]["iri"], p["b"]["iri"]} == {CHINA, KAZAKHSTAN})
    assert pair["counts"]["coproductions"] == 2
    assert any(b["node"]["iri"] == TALKS for b in data["brokers"])
    assert len(data["timeline"]["entries"]) == len(result.timeline.entries)


def test_html_report_is_self_contained_with_charts_and_escapes_labels(graph):
    hostile = copy.deepcopy(graph)
    visit = ID + "event/2025-beijing-film-delegation-visit"
    hostile.nodes[visit]["labels"] = {"zh": "<script>alert(1)</script>", "en": "<script>alert(1)</script>"}
    page = render_report(analyze(hostile), lang="zh")
    for section in SECTIONS.values():
        assert section.heading("zh") in page
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'http-equiv="Content-Security-Policy"' in page and "default-src 'none'" in page
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3
    assert all(base64.b64decode(i).startswith(b"\x89PNG\r\n\x1a\n") for i in images)
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_html_report_without_a_chinese_font_uses_english_chart_labels(result, monkeypatch):
    monkeypatch.setattr(analysis_module, "_CJK_FONT", [None])
    page = render_report(result, lang="zh")
    assert "图表中的标签改用英文" in page and 'src="data:image/png;base64,' in page


# --- network exports ---------------------------------------------------------------------------

def _read(path, format):
    if format == "graphml":
        return nx.read_graphml(path)
    if format == "gexf":
        return nx.read_gexf(path)
    return nx.cytoscape_graph(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("format", NETWORK_FORMATS)
def test_every_export_format_reads_back_with_its_chinese_labels(graph, tmp_path, format):
    path = tmp_path / f"network.{format}"
    written = export_network(graph, path, format=format)
    back = _read(path, format)
    assert (written.nodes, written.edges) == (graph.number_of_nodes(), graph.number_of_edges())
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    china = back.nodes[CHINA]
    assert china["label"] == "中国" and china["label_zh"] == "中国" and china["label_ru"] == "Китай"
    talks = back.nodes[TALKS]
    assert talks["label_zh"] == "代表团与俄、吉、土广电及电影机构专业会谈"
    assert talks["kind"] == "Event" and talks["country"] == RUSSIA
    assert [p.name for p in tmp_path.iterdir()] == [path.name]      # no temporary file left


def test_cytoscape_json_is_the_elements_format(graph, tmp_path):
    export_network(graph, tmp_path / "n.json", format="json")
    data = json.loads((tmp_path / "n.json").read_text(encoding="utf-8"))
    node = data["elements"]["nodes"][0]["data"]
    edge = data["elements"]["edges"][0]["data"]
    assert {"id", "name", "label"} <= set(node) and {"id", "source", "target", "predicate"} <= set(edge)
    assert len({e["data"]["id"] for e in data["elements"]["edges"]}) == graph.number_of_edges()


def test_export_refuses_an_unknown_format_and_keeps_the_old_file_on_failure(graph, tmp_path, monkeypatch):
    path = tmp_path / "network.graphml"
    with pytest.raises(UsageError):
        export_network(graph, path, format="dot")
    assert not path.exists()
    path.write_text("previous", encoding="utf-8")

    def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nx, "write_graphml", broken)
    with pytest.raises(OutputError):
        export_network(graph, path, format="graphml")
    assert path.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["network.graphml"]


def test_html_report_without_matplotlib_is_one_clear_error(result, monkeypatch):
    import sys

    from filmgraph.errors import FilmgraphError

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(FilmgraphError, match="needs matplotlib"):
        render_report(result)
    assert "谁是中间人" in render(result)        # the text formats do not need it
