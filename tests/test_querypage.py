"""The query page of `filmgraph serve`, used as a person uses it: a real server started with
`filmgraph serve` in a subprocess (row cap 5), the page at `/` opened in Debian's headless Chromium
(Playwright), every request to any other host blocked and recorded, console errors collected.

The browser tests skip, with the reason, when /usr/bin/chromium or Playwright for Python is
missing — unless FILMGRAPH_REQUIRE_BROWSER=1, where that fails instead (see conftest.browser).
Screenshots go to $FILMGRAPH_ARTIFACTS (default: a pytest temporary folder).
"""
from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import REPO, serving

MAX_ROWS = 5
XSS_IMG = "<img src=x onerror=window.__xss=1>"
NO_MARKUP = "document.querySelectorAll('#output img, #output script, #output iframe, [onerror], [onload]').length"
# what Chromium logs by itself when a fetch gets an error status; the page shows the error instead
HTTP_ERROR_LOG = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`filmgraph serve` on a free loopback port, the repository's knowledge base, at most
    MAX_ROWS rows per result; its origin ("http://127.0.0.1:PORT"). Stopped afterwards."""
    with serving(tmp_path_factory.mktemp("serve"), "--max-rows", str(MAX_ROWS)) as origin:
        yield origin


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("FILMGRAPH_ARTIFACTS") or tmp_path_factory.mktemp("query-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class QueryPage:
    """The page at ``origin + "/"``. Requests to the server itself go through; any other request
    is aborted and kept in ``blocked``. Console errors and page errors are kept in ``errors``."""

    def __init__(self, browser, origin: str, name: str, artifacts: Path, path: str = "/"):
        self.origin, self.name, self.artifacts = origin, name, artifacts
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.response = self.page.goto(origin + path)
        self.page.wait_for_function("() => window.filmgraphQuery && window.filmgraphQuery.ready === true",
                                    timeout=20_000)

    def _route(self, route):
        url = route.request.url
        if url == self.origin or url.startswith(self.origin + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def tid(self, testid: str):
        return self.page.locator(f"[data-testid={testid}]")

    def run(self, action) -> dict | None:
        """Do ``action`` (which starts a run) and wait until the page has shown its outcome;
        returns the JSON the server answered with (None for an error answer)."""
        before = self.js("filmgraphQuery.state.runs")
        with self.page.expect_response(lambda r: r.url == self.origin + "/api/run") as info:
            action()
        # a function, not a string: the page's policy forbids eval, which a string predicate needs
        self.page.wait_for_function("n => filmgraphQuery.state.runs > n && !filmgraphQuery.state.running",
                                    arg=before, timeout=30_000)
        response = info.value
        return response.json() if response.ok else None

    def run_text(self, text: str, *, keys: bool = False) -> dict | None:
        self.tid("editor").fill(text)
        if keys:
            self.tid("editor").focus()
            return self.run(lambda: self.page.keyboard.press("Control+Enter"))
        return self.run(lambda: self.tid("run").click())

    def header(self) -> list[str]:
        return self.tid("results").locator("thead th").all_inner_texts()

    def cells(self) -> list[list[str]]:
        return self.js("""[...document.querySelectorAll('[data-testid=results] tbody tr')]
                          .map(tr => [...tr.cells].map(td => td.textContent))""")

    def finish(self, *, expected_errors: re.Pattern | None = None) -> None:
        """Save the screenshot, then check nothing went to another host and nothing went wrong
        (apart from errors matching ``expected_errors``)."""
        self.page.screenshot(path=str(self.artifacts / f"query-{self.name}.png"), full_page=True)
        assert not self.blocked, f"{self.name}: requests to other hosts: {self.blocked}"
        errors = [e for e in self.errors if not (expected_errors and expected_errors.search(e))]
        assert not errors, f"{self.name}: errors in the page: {errors}"


@pytest.fixture
def open_page(browser, server, artifacts):
    pages: list[QueryPage] = []

    def opener(name: str, path: str = "/") -> QueryPage:
        page = QueryPage(browser, server, name, artifacts, path)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.context.close()


def test_page_loads_offline_under_its_policy_and_lists_the_whole_library(open_page):
    q = open_page("library")
    assert q.response.status == 200
    policy = q.response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "default-src 'none'" in policy, policy
    names = sorted(p.stem for p in (REPO / "queries").glob("*.rq"))
    items = q.tid("library-item")
    assert items.count() == len(names) > 20
    assert sorted(q.js("[...document.querySelectorAll('[data-testid=library-item]')].map(li => li.dataset.name)")) == names
    city = q.page.locator("[data-testid=library-item][data-name=films-in-city]")
    assert "按城市列出放映的影片" in city.inner_text() and "Films screened in a city" in city.inner_text()
    assert q.js("document.documentElement.lang") == "zh-Hans" and q.tid("run").inner_text() == "运行"
    q.page.fill("#library-search", "城市")
    shown = q.js("[...document.querySelectorAll('[data-testid=library-item]')].map(li => li.dataset.name)")
    assert "films-in-city" in shown and len(shown) < len(names)
    assert f"{len(shown)} / {len(names)}" in q.page.inner_text("#library-status")
    q.page.fill("#library-search", "")
    assert items.count() == len(names)
    q.finish()


def test_a_library_query_with_a_parameter_runs_and_links_labels_locally(open_page):
    q = open_page("library-run")
    q.page.locator("[data-testid=library-item][data-name=films-in-city] button").click()
    text = (REPO / "queries" / "films-in-city.rq").read_text(encoding="utf-8")
    assert q.tid("editor").input_value() == text
    assert q.page.is_visible("#picked") and "按城市列出放映的影片" in q.page.inner_text("#picked-title")
    field = q.page.get_by_role("textbox", name=re.compile("^城市 City"))
    assert field.input_value() == "fgid:city\\/almaty" and field.get_attribute("placeholder") == "莫斯科"
    field.fill("莫斯科")
    data = q.run(lambda: q.tid("run").click())
    assert data and data["form"] == "SELECT" and data["variables"][0] == "film"
    assert q.header() == data["variables"] == ["film", "title_zh", "title_en", "event", "startDate", "endDate"]
    rows = q.cells()
    assert len(rows) == len(data["rows"]) >= 1
    assert any("莫斯科展映" in row[3] for row in rows), rows  # the parameter was bound: Moscow's screenings
    link = q.tid("results").locator("tbody tr").first.locator("td").first.locator("a")
    href, title, label = link.get_attribute("href"), link.get_attribute("title"), link.inner_text()
    assert href.startswith("/id/film/") and title.endswith(href[1:]) and title.startswith("https://")
    assert label == data["rows"][0]["film"]["label"] and not label.startswith(("http", "fgid:"))
    page = q.context.request.get(q.origin + href, headers={"Accept": "text/html"})
    assert page.ok and label in page.text(), "the label's link leads to the entity's page"
    assert re.search(r"\d", q.tid("elapsed").inner_text())
    csv = q.tid("download-csv")
    assert q.page.is_visible("[data-testid=download-csv]") and q.page.is_visible("[data-testid=download-json]")
    parts = urlsplit(csv.get_attribute("href"))
    assert parts.path == "/sparql" and parse_qs(parts.query) == {"query": [data["text"]], "format": ["csv"]}
    assert "VALUES" in data["text"] and "moscow" in data["text"]
    answer = q.context.request.get(q.origin + csv.get_attribute("href"))
    assert answer.ok and answer.text().lstrip("\ufeff").startswith("film,title_zh")
    assert parse_qs(urlsplit(q.tid("download-json").get_attribute("href")).query)["format"] == ["json"]
    # editing the text turns it into a free query; the parameters are no longer used
    q.tid("editor").press("End")
    q.tid("editor").type(" ")
    assert q.page.is_visible("#params-off") and "自由查询" in q.page.inner_text("#mode")
    q.page.click("#restore")
    assert q.tid("editor").input_value() == text and not q.page.is_visible("#params-off")
    q.finish()


def test_a_result_beyond_the_row_cap_says_it_was_truncated(open_page):
    q = open_page("truncated")
    data = q.run_text("SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 50", keys=True)
    assert data["truncated"] is True and data["limit"] == MAX_ROWS
    assert len(q.cells()) == MAX_ROWS
    notice = q.tid("truncated")
    assert notice.is_visible()
    assert notice.inner_text() == (f"结果已截断：只显示前 {MAX_ROWS} 行 · Truncated: only the first {MAX_ROWS} rows")
    assert f"{MAX_ROWS} 行" in q.page.inner_text("#count")
    q.page.screenshot(path=str(q.artifacts / "query-truncated-notice.png"))
    q.run_text("SELECT ?s WHERE { ?s ?p ?o } LIMIT 2")
    assert len(q.cells()) == 2 and not notice.is_visible()
    q.finish()


def test_a_syntax_error_shows_the_servers_message_in_the_error_box(open_page):
    q = open_page("error")
    assert q.run_text("SELEC ?x WHERE { ?x ?y }") is None
    box = q.tid("error")
    assert box.is_visible() and "查询失败" in box.inner_text()
    assert len(box.inner_text().strip()) > len("查询失败") + 10
    assert q.tid("results").count() == 0 and not q.page.is_visible("[data-testid=download-csv]")
    q.page.screenshot(path=str(q.artifacts / "query-error-box.png"))
    q.run_text("ASK { }")
    assert not box.is_visible() and "是 · true" in q.page.inner_text("[data-testid=boolean]")
    q.finish(expected_errors=HTTP_ERROR_LOG)


def test_switching_to_english_relabels_the_interface_and_the_results(open_page):
    q = open_page("english")
    q.page.locator("[data-testid=library-item][data-name=films-in-city] button").click()
    q.run(lambda: q.tid("run").click())
    zh_label = q.tid("results").locator("tbody a").first.inner_text()
    q.run(lambda: q.tid("lang").select_option("en"))
    assert q.js("document.documentElement.lang") == "en"
    assert q.tid("run").inner_text() == "Run" and q.page.inner_text("#library-h") == "Query library"
    first = q.page.locator("[data-testid=library-item][data-name=films-in-city] .lib-title").inner_text()
    assert first == "Films screened in a city"
    assert q.page.get_by_role("textbox", name=re.compile("^City 城市")).count() == 1
    en_label = q.tid("results").locator("tbody a").first.inner_text()
    assert en_label != zh_label and re.search(r"[A-Za-z]", en_label), (zh_label, en_label)
    assert "rows" in q.page.inner_text("#count")
    q.run(lambda: q.tid("lang").select_option("zh"))
    assert q.tid("run").inner_text() == "运行"
    assert q.tid("results").locator("tbody a").first.inner_text() == zh_label
    q.finish()


def test_markup_in_results_is_shown_as_text_and_never_runs(open_page):
    q = open_page("xss")
    data = q.run_text(f'SELECT ("{XSS_IMG}" AS ?x) ("{XSS_IMG}"@zh AS ?y) '
                      f'(IRI("javascript:window.__xss=1") AS ?i) {{}}')
    assert data and data["rows"][0]["x"]["value"] == XSS_IMG
    assert q.header() == ["x", "y", "i"]
    row = q.cells()[0]
    assert row[0] == XSS_IMG and row[1] == XSS_IMG + "@zh"
    assert q.js(NO_MARKUP) == 0
    assert q.js("document.querySelectorAll('a[href^=\"javascript\"]').length") == 0
    assert q.js("window.__xss") is None
    assert not q.tid("truncated").is_visible()
    q.finish()


def test_construct_shows_triples_in_three_columns(open_page):
    q = open_page("construct")
    data = q.run_text("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                      "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l } LIMIT 3")
    assert data and data["form"] == "CONSTRUCT"
    assert q.header() == ["subject", "predicate", "object"]
    assert len(q.cells()) == len(data["rows"]) >= 1
    assert all(row[1].startswith("rdfs:label") for row in q.cells())
    assert q.page.is_visible("[data-testid=download-ttl]") and not q.page.is_visible("[data-testid=download-csv]")
    q.finish()


def test_the_editor_keeps_tab_for_indenting_and_the_page_fits_a_phone(open_page):
    q = open_page("keys-narrow")
    editor = q.tid("editor")
    editor.fill("SELECT * WHERE {\n?s ?p ?o\n} LIMIT 1")
    editor.focus()
    q.js("() => { const e = document.getElementById('editor'); e.setSelectionRange(17, 17); }")
    q.page.keyboard.press("Tab")
    assert editor.input_value() == "SELECT * WHERE {\n  ?s ?p ?o\n} LIMIT 1"
    assert q.js("document.activeElement.id") == "editor"
    q.page.keyboard.press("Escape")
    q.page.keyboard.press("Tab")
    assert q.js("document.activeElement.dataset.testid") == "run", "Esc then Tab leaves the editor"
    q.run(lambda: q.page.keyboard.press("Enter"))
    assert len(q.cells()) == 1
    q.page.set_viewport_size({"width": 420, "height": 900})
    assert q.js("document.documentElement.scrollWidth") <= 420, "the page scrolls sideways on a phone"
    assert q.page.is_visible("[data-testid=library-item] >> nth=0") and q.tid("run").is_visible()
    q.finish()


def test_the_api_answers_as_the_page_expects(server):
    """The JSON contract the page is built on (so a break shows here, not only as a blank page)."""
    with urllib.request.urlopen(server + "/api/queries", timeout=30) as answer:
        library = json.load(answer)["queries"]
    city = next(q for q in library if q["name"] == "films-in-city")
    assert city["title"]["zh"] == "按城市列出放映的影片" and city["params"][0]["type"] == "iri"
    assert city["text"] == (REPO / "queries" / "films-in-city.rq").read_text(encoding="utf-8")
    request = urllib.request.Request(server + "/api/run", data=json.dumps({"query": "SELEC"}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 400 and json.load(info.value)["error"]
