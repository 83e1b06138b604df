"""The network map: views, layout and escaping in Python; then every view opened as a user opens
it, from a file:// URL in Debian's headless Chromium (Playwright), with every other request
blocked and recorded.

The browser tests skip, with the reason, when /usr/bin/chromium or Playwright for Python is
missing — unless FILMGRAPH_REQUIRE_BROWSER=1, where that fails instead. Screenshots of each view
go to $FILMGRAPH_ARTIFACTS (default: a pytest temporary folder).
"""
from __future__ import annotations

import base64
import json
import math
import os
import re
from pathlib import Path

import networkx as nx
import pytest

from filmgraph.dataset import open_backend
from filmgraph.errors import OutputError, UsageError
from filmgraph.networkmap import VIEWS, layout, render_map, script_json, select_view, write_map
from filmgraph.projection import project

ID = "https://w3id.org/filmgraph/id/"
ALMATY = ID + "city/almaty"
HAN_BING = ID + "person/han-bing"
KAZAKHFILM = ID + "org/kazakhfilm"
KAZAKHSTAN = ID + "country/kazakhstan"
ISOLATED = ID + "org/yuanjie-caixun"
OPTIONS = {"ego": {"focus": ALMATY}, "path": {"source": HAN_BING, "target": KAZAKHFILM}}

XSS_IMG = "<img src=x onerror=window.__xss=1>"
XSS_SCRIPT = "</script><script>window.__xss=1</script>"


@pytest.fixture(scope="module")
def graph() -> nx.MultiDiGraph:
    return project(open_backend())


def page_data(html: str) -> dict:
    """The JSON a page carries (what its script parses)."""
    block = re.search(r'<script type="application/json" id="fg-data">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def kinds(graph, nodes) -> set[str]:
    return {graph.nodes[n]["kind"] for n in nodes}


# ---------------------------------------------------------------------------------------------
# views, layout, escaping (no browser)


@pytest.mark.parametrize("call, message", [
    (dict(view="nope"), "unknown view 'nope'"),
    (dict(view="ego"), "the ego view needs a focus entity"),
    (dict(view="ego", focus=ID + "city/atlantis"), f"focus '{ID}city/atlantis' is not in the graph"),
    (dict(view="ego", focus=ALMATY, hops=-1), "hops must be a whole number"),
    (dict(view="path", source=HAN_BING), "the path view needs a target entity"),
    (dict(view="path", target=HAN_BING), "the path view needs a source entity"),
    (dict(view="path", source=HAN_BING, target=ID + "x"), f"target '{ID}x' is not in the graph"),
    (dict(view="path", source=HAN_BING, target=ISOLATED), "no path links"),
])
def test_select_view_refuses_with_one_clear_line(graph, call, message):
    with pytest.raises(UsageError) as info:
        select_view(graph, **call)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_views_hold_what_their_documentation_says(graph):
    assert select_view(graph, view="all").number_of_nodes() == graph.number_of_nodes()
    coop = select_view(graph, view="cooperation")
    assert kinds(graph, coop) <= {"Person", "Organization", "Country", "Event", "CoProduction", "Programme"}
    assert ID + "org/beijing-film-going-global-delegation" in coop and KAZAKHSTAN in coop
    for hub in coop:
        hubs = ("Event", "CoProduction", "Programme")
        if graph.nodes[hub]["kind"] in hubs:
            linked = set(graph.successors(hub)) | set(graph.predecessors(hub))
            assert len({n for n in linked if n in coop and graph.nodes[n]["kind"] not in hubs}) >= 2
    events = select_view(graph, view="events")
    assert {n for n in graph if graph.nodes[n]["kind"] == "Event"} <= set(events)
    assert ID + "film/the-composer" in events and ALMATY in events
    co = select_view(graph, view="coproductions")
    assert {ID + "coproduction/the-composer", ID + "film/the-composer", KAZAKHSTAN, ID + "country/china"} <= set(co)
    assert "Event" not in kinds(graph, co)
    ego = select_view(graph, view="ego", focus=ALMATY, hops=1)
    assert set(ego) == {ALMATY} | set(graph.successors(ALMATY)) | set(graph.predecessors(ALMATY))
    path = select_view(graph, view="path", source=HAN_BING, target=KAZAKHFILM)
    length = nx.shortest_path_length(graph.to_undirected(as_view=True), HAN_BING, KAZAKHFILM)
    assert path.number_of_edges() >= length and HAN_BING in path and KAZAKHFILM in path
    assert nx.shortest_path_length(path.to_undirected(as_view=True), HAN_BING, KAZAKHFILM) == length
    geo = select_view(graph, view="geo")
    cities = {n for n in graph if "lat" in graph.nodes[n]}
    assert cities <= set(geo) and ID + "venue/arman-cinema" in geo
    assert kinds(graph, geo) <= {"City", "Organization", "Venue", "Event", "Programme"}


def test_layout_is_stable_finite_and_independent_of_insertion_order(graph):
    first = layout(graph, view="all")
    assert first == layout(graph, view="all")
    shuffled = nx.MultiDiGraph()
    shuffled.add_nodes_from(reversed(list(graph.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(graph.edges(keys=True, data=True))))
    assert layout(shuffled, view="all") == first
    assert set(first) == set(graph)
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in first.values())
    assert len(set(first.values())) == len(first), "two nodes share a position"
    assert layout(graph, view="all", seed=8) != first


def test_geo_layout_follows_longitude_and_latitude(graph):
    view = select_view(graph, view="geo")
    pos = layout(view, view="geo")
    cities = sorted((n for n in view if "lat" in view.nodes[n]), key=lambda n: view.nodes[n]["lon"])
    assert [pos[c][0] for c in cities] == sorted(pos[c][0] for c in cities)
    by_lat = sorted(cities, key=lambda n: view.nodes[n]["lat"])
    assert [pos[c][1] for c in by_lat] == sorted((pos[c][1] for c in by_lat), reverse=True)
    cinema = pos[ID + "venue/arman-cinema"]
    assert math.dist(cinema, pos[ALMATY]) < math.dist(cinema, pos[ID + "city/moscow"]) / 2


def test_script_json_cannot_end_the_block_and_round_trips():
    data = {"a": [XSS_IMG, XSS_SCRIPT, "<!-- x -->", "a&b", "line\u2028sep\u2029", "中文 «ok»"]}
    text = script_json(data)
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == data
    with pytest.raises(ValueError):
        script_json({"x": float("nan")})


def test_page_is_self_contained_and_carries_data_only_as_escaped_json(graph):
    html = render_map(graph)
    head = html[:html.index("</head>")]
    assert 'http-equiv="Content-Security-Policy"' in head and "default-src &#x27;none&#x27;" in head
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html), "a remote asset is referenced"
    assert "@import" not in html and "sourceMappingURL" not in html
    data = page_data(html)
    assert len(data["nodes"]) == graph.number_of_nodes() and len(data["edges"]) == graph.number_of_edges()
    almaty = next(n for n in data["nodes"] if n["id"] == ALMATY)
    assert almaty["labels"]["zh"] == "阿拉木图" and almaty["quotes"] and "label" not in almaty["vis"]
    assert len(re.findall(r"^<script", html, re.M)) == 3


def test_bad_options_are_usage_errors(graph):
    with pytest.raises(UsageError, match="unknown language"):
        render_map(graph, lang="fr")
    with pytest.raises(UsageError, match="max_nodes"):
        render_map(graph, max_nodes=0)
    with pytest.raises(UsageError, match="unknown view"):
        layout(graph, view="map")


def test_a_large_view_is_cut_to_its_most_linked_nodes_and_says_so():
    big = nx.MultiDiGraph()
    for i in range(60):
        big.add_node(f"n{i}", kind="Person", labels={"zh": f"人{i}"}, country=[], quotes=[], sources=[])
    for i in range(1, 60):
        big.add_edge(f"n{i}", f"n{i % 5}", key="p", labels={"zh": "关系"}, quotes=[], sources=[])
    data = page_data(render_map(big, max_nodes=20))
    assert data["meta"]["total"] == 60 and data["meta"]["shown"] == 20 and data["meta"]["leftOut"] == 40
    assert {f"n{i}" for i in range(5)} <= {n["id"] for n in data["nodes"]}
    ego = page_data(render_map(big, view="ego", focus="n59", hops=3, max_nodes=10))
    assert "n59" in {n["id"] for n in ego["nodes"]} and len(ego["nodes"]) == 10


def test_write_map_replaces_the_file_whole(tmp_path):
    out = tmp_path / "maps" / "map.html"
    assert write_map(out, "<p>one</p>") == out and out.read_text(encoding="utf-8") == "<p>one</p>"
    write_map(out, "<p>二</p>")
    assert out.read_text(encoding="utf-8") == "<p>二</p>"
    assert [p.name for p in out.parent.iterdir()] == ["map.html"]
    with pytest.raises(OutputError, match="cannot write the map"):
        write_map(tmp_path / "maps", "<p>x</p>")  # a folder is there
    assert out.read_text(encoding="utf-8") == "<p>二</p>"


# ---------------------------------------------------------------------------------------------
# in the browser


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("FILMGRAPH_ARTIFACTS") or tmp_path_factory.mktemp("map-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class MapPage:
    """One map opened from a file:// URL. Every request the page attempts for anything but the
    file itself (or data:/blob: URLs) is kept in ``attempted``; those that reach the network layer
    are aborted there and kept in ``blocked``, those the page's own policy stopped first in
    ``stopped_by_policy``. Console errors and page errors are kept in ``errors``."""

    def __init__(self, browser, path: Path, name: str, artifacts: Path):
        self.name, self.artifacts = name, artifacts
        self.attempted: list[str] = []
        self.blocked: list[str] = []
        self.stopped_by_policy: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:"))
                     else self.attempted.append(r.url))
        self.page.on("requestfailed", lambda r: r.failure == "csp" and self.stopped_by_policy.append(r.url))
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.filmgraphMap && window.filmgraphMap.ready === true", timeout=20_000)

    def _route(self, route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def hidden_nodes(self) -> set[str]:
        return set(self.js("filmgraphMap.nodes.get({filter: n => n.hidden}).map(n => n.id)"))

    def hidden_edges(self) -> list[list[str]]:
        return self.js("filmgraphMap.edges.get({filter: e => e.hidden}).map(e => [e.from, e.to])")

    def panel(self) -> str:
        return self.page.inner_text("#panel")

    def finish(self) -> None:
        """Save the screenshot, then check that nothing left the file and nothing went wrong."""
        self.page.screenshot(path=str(self.artifacts / f"{self.name}.png"))
        assert not self.attempted and not self.blocked, \
            f"{self.name}: requests tried to leave the file: {self.attempted + self.blocked}"
        assert not self.errors, f"{self.name}: errors in the page: {self.errors}"


@pytest.fixture
def open_map(browser, tmp_path, artifacts):
    pages: list[MapPage] = []

    def opener(html: str, name: str) -> MapPage:
        page = MapPage(browser, write_map(tmp_path / f"{name}.html", html), name, artifacts)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.context.close()


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_opens_offline_and_draws_every_node(graph, open_map, view):
    expected = select_view(graph, view=view, **OPTIONS.get(view, {}))
    m = open_map(render_map(graph, view=view, **OPTIONS.get(view, {})), f"view-{view}")
    assert m.js("filmgraphMap.nodes.length") == expected.number_of_nodes()
    assert m.js("filmgraphMap.edges.length") == expected.number_of_edges()
    assert m.js("Object.keys(filmgraphMap.network.getPositions()).length") == expected.number_of_nodes()
    assert m.js("filmgraphMap.network.body.nodeIndices.length") == expected.number_of_nodes()
    assert m.hidden_nodes() == set()
    assert m.page.is_visible("#title") and m.page.is_visible("#howto")
    if view == "ego":
        assert m.js("filmgraphMap.state.selected") == ALMATY and "阿拉木图" in m.panel()
    m.finish()


def test_clicking_a_node_opens_its_panel_with_names_connections_and_quotes(graph, open_map):
    m = open_map(render_map(graph, view="ego", focus=HAN_BING, hops=1), "click-node")
    m.js("filmgraphMap.select(null)")
    spot = m.js("""id => { const n = filmgraphMap.network;
                           return n.canvasToDOM(n.getPositions([id])[id]); }""", HAN_BING)
    box = m.page.locator("#network canvas").bounding_box()
    m.page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    assert m.js("filmgraphMap.state.selected") == HAN_BING
    text = m.panel()
    node = graph.nodes[HAN_BING]
    assert node["labels"]["zh"] in text and node["labels"]["en"] in text
    assert node["quotes"][0] in text
    edge_quotes = [q for _, _, d in graph.edges(HAN_BING, data=True) for q in d["quotes"]]
    assert edge_quotes and all(q in text for q in edge_quotes)
    assert "北京电影亮相阿拉木图与莫斯科" in text, "the panel names the source document by its title"
    org = graph.nodes[ID + "org/beijing-municipal-film-development-center"]["labels"]["zh"]
    m.page.get_by_role("button", name=org).click()
    assert m.js("filmgraphMap.state.selected") == ID + "org/beijing-municipal-film-development-center"
    m.finish()


def _expected_visible(graph, *, hide_kinds=(), country=None, date_from=None, date_to=None) -> set[str]:
    """The filter rules as the page documents them, computed independently."""
    def dated_ok(attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if not start and not end:
            return True
        return not (date_from and (end or start) < date_from) and not (date_to and (start or end) > date_to)

    passing = {n for n, a in graph.nodes(data=True) if a["kind"] not in hide_kinds and dated_ok(a)}
    if not country:
        return passing
    inside = {n for n in passing if country in graph.nodes[n]["country"]}
    near = {n for n in passing if not graph.nodes[n]["country"]
            and (set(graph.successors(n)) | set(graph.predecessors(n))) & inside}
    return inside | near


def test_filters_hide_nodes_and_their_edges_and_combine(graph, open_map):
    m = open_map(render_map(graph), "filters")
    films = {n for n, a in graph.nodes(data=True) if a["kind"] == "Film"}
    m.page.locator("#filter-kind input[value=Film]").uncheck()
    assert m.hidden_nodes() == films
    hidden_edges = m.hidden_edges()
    assert len(hidden_edges) == sum(1 for u, v in graph.edges() if u in films or v in films)
    assert all(u in films or v in films for u, v in hidden_edges)

    m.page.select_option("#filter-country", KAZAKHSTAN)
    m.page.fill("#date-from", "2025-11-25")
    expected = _expected_visible(graph, hide_kinds={"Film"}, country=KAZAKHSTAN, date_from="2025-11-25")
    assert set(graph) - m.hidden_nodes() == expected
    assert ID + "event/2025-almaty-promotion" in expected  # 25 November: kept
    assert ID + "event/2025-china-kazakhstan-film-cooperation-symposium" not in expected  # 24 November
    assert ID + "city/moscow" not in expected and ALMATY in expected
    visible_edges = m.js("filmgraphMap.edges.get({filter: e => !e.hidden}).map(e => [e.from, e.to])")
    assert sorted(map(tuple, visible_edges)) == sorted((u, v) for u, v in graph.edges()
                                                       if u in expected and v in expected)
    assert "显示 %d / %d 个节点" % (len(expected), graph.number_of_nodes()) in m.page.inner_text("#counts")

    m.page.click("#reset")
    assert m.hidden_nodes() == set() and m.hidden_edges() == []
    assert m.page.input_value("#date-from") == "" and m.page.input_value("#filter-country") == ""
    m.finish()


def test_language_switch_changes_labels_and_interface(graph, open_map):
    m = open_map(render_map(graph, lang="zh"), "language")
    assert m.js("id => filmgraphMap.nodes.get(id).label", ALMATY) == "阿拉木图"
    assert m.page.inner_text("#reset") == "重置"
    m.js("id => filmgraphMap.select(id, {animate: false})", ALMATY)
    m.page.select_option("#lang", "en")
    assert m.js("id => filmgraphMap.nodes.get(id).label", ALMATY) == "Almaty"
    labels = m.js("filmgraphMap.edges.get().map(e => e.label)")
    assert "contained in place" in labels and "位于" not in labels
    assert m.page.inner_text("#reset") == "Reset" and m.page.inner_text("#export-png") == "Export PNG"
    assert m.js("document.documentElement.lang") == "en"
    assert "Names" in m.panel() and "Kazakhstan" in m.panel()
    assert m.page.locator("#filter-kind label", has_text="City").count() == 1
    m.page.select_option("#lang", "zh")
    assert m.js("id => filmgraphMap.nodes.get(id).label", ALMATY) == "阿拉木图"
    m.finish()


def test_markup_in_the_data_is_shown_as_text_and_never_runs(graph, open_map):
    evil = graph.copy()
    node = ID + "person/xss"
    evil.add_node(node, iri=node, kind="Person", cls="", cls_labels={"zh": XSS_IMG},
                  labels={"zh": XSS_IMG, "en": XSS_SCRIPT, "ru": '"><svg onload=window.__xss=1>'},
                  country=[], quotes=["<script>window.__xss=1</script>"], sources=[XSS_IMG], inferred=False)
    evil.add_edge(node, ALMATY, key="evil", predicate="evil", labels={"zh": XSS_SCRIPT, "en": XSS_IMG},
                  quotes=["</script><img src=x onerror=window.__xss=1>"], sources=[], inferred=True)
    html = render_map(evil, title="</title><script>window.__xss=1</script>")
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    m = open_map(html, "xss")
    m.js("id => filmgraphMap.select(id, {animate: false})", node)
    text = m.panel()
    assert XSS_IMG in text and XSS_SCRIPT in text and "<script>window.__xss=1</script>" in text
    no_markup = "document.querySelectorAll('img, iframe, object, embed, [onerror], [onload]').length"
    assert m.js(no_markup) == 0
    m.page.fill("#search", "onerror")
    assert XSS_IMG in m.page.inner_text("#search-results") and m.js(no_markup) == 0
    m.page.select_option("#lang", "en")
    m.js("id => filmgraphMap.select(id, {animate: false})", ALMATY)
    assert XSS_IMG in m.panel()
    m.page.hover("#title")
    assert m.page.inner_text("#title") == "</title><script>window.__xss=1</script>"
    assert m.js("window.__xss") is None
    assert m.js(no_markup) == 0
    assert m.js("document.scripts.length") == 3
    # and were markup ever to slip through, the page's policy would stop it from running or loading
    m.js("""() => { const s = document.createElement('script'); s.textContent = 'window.__xss = 2';
                     document.body.appendChild(s);
                     const i = new Image(); i.src = 'https://example.org/beacon.png';
                     document.body.appendChild(i); }""")
    m.page.wait_for_timeout(100)
    assert m.js("window.__xss") is None
    assert m.stopped_by_policy == ["https://example.org/beacon.png"] and m.blocked == [], \
        "the policy, not the test's network block, should stop the image"
    assert len(m.errors) == 2 and all("Content Security Policy" in e for e in m.errors)
    m.attempted.clear()
    m.errors.clear()
    m.finish()


def test_export_png_gives_a_png_data_url_and_a_download(graph, open_map):
    m = open_map(render_map(graph, view="cooperation"), "export")
    with m.page.expect_download() as download:
        m.page.click("#export-png")
    assert download.value.suggested_filename == "filmgraph-cooperation.png"
    url = m.js("filmgraphMap.state.lastExport")
    assert url.startswith("data:image/png;base64,")
    png = base64.b64decode(url.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 300 and height > 300 and len(png) > 5_000
    m.finish()


def test_search_by_partial_name_in_any_language_focuses_the_node(graph, open_map):
    m = open_map(render_map(graph), "search")
    m.page.fill("#search", "阿拉木")
    assert m.page.is_visible("#search-results")
    assert m.page.locator("#search-results li").first.inner_text().startswith("阿拉木图")
    m.page.press("#search", "Enter")
    assert m.js("filmgraphMap.state.selected") == ALMATY
    assert m.js("filmgraphMap.network.getSelectedNodes()") == [ALMATY]
    assert m.page.inner_text("#panel h2") == "阿拉木图"
    for query in ("ALMAT", "алматы", "Kazakhf"):
        first = m.js("q => filmgraphMap.search(q)[0].id", query)
        assert first == (KAZAKHFILM if query == "Kazakhf" else ALMATY), query
    m.page.wait_for_timeout(450)  # let the focus animation end before the screenshot
    m.finish()
