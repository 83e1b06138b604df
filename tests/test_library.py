"""The query library (``queries/*.rq``) answers what the source states, and nothing it does not.

Every library query is run on the curated graph and checked against the article in
``graph/sources/000_4fd766c73458f912.txt``: the rows it must give, and the rows it must not give.
Then the library as a whole: complete headers, deterministic order, no blank nodes, the
``filmgraph queries`` listing, English labels in tables, and parameters that stay parameters.
"""
from __future__ import annotations

import csv
import io
import re

import pyoxigraph as ox
import pytest

import filmgraph
from conftest import DATA_FILE, REPO, SOURCE_TEXT, edit
from filmgraph.queries import TYPES, Library, parse_value
from filmgraph.queries import run as run_query

LIBRARY = Library(REPO / "queries")
ID = "https://w3id.org/filmgraph/id/"
FG = "https://w3id.org/filmgraph/ontology#"
SRC = "https://w3id.org/filmgraph/source/"
ARTICLE = SRC + "000_4fd766c73458f912"
TEXT = SOURCE_TEXT.read_text(encoding="utf-8")


def iri(local: str) -> str:
    return ID + local


SIX_FILMS = {iri("film/" + f) for f in ("the-composer", "the-shadowless-tower", "lost-in-the-stars",
                                         "da-feng-sha", "mama", "panghuang-de-nuren")}
SIX_TITLES = {"音乐家", "白塔之光", "消失的她", "大风杀", "妈妈!", "彷徨的女人"}
NAMED_PROMOTED = {iri("film/" + f) for f in ("detective-chinatown-1900", "the-dumpling-queen",
                                              "the-legend-of-hei-2", "bi-zhengming-de-zhengming")}
TALKS_ORGS = {iri("org/" + o) for o in ("vgtrk", "channel-one-russia", "kyrgyzstan-state-film-administration", "trt")}
DELEGATION = iri("org/beijing-film-going-global-delegation")
VISIT = iri("event/2025-beijing-film-delegation-visit")
PROGRAMME_2015 = iri("programme/beijing-film-going-global-overseas-promotion")
SCREENINGS = iri("event/2025-beijing-film-screening-programme")
ALMATY_PROMOTION = iri("event/2025-almaty-promotion")
MOSCOW_PROMOTION = iri("event/2025-moscow-promotion")
TALKS = iri("event/2025-moscow-professional-talks")
HAN_BING_QUOTE = ("希望以电影为媒,与哈萨克斯坦及中亚各国的电影同仁、广大观众,深化理解、凝聚共识,"
                  "共同探索电影国际合作的广阔前景。")


@pytest.fixture(scope="module")
def store():
    return filmgraph.load().store


def rows(store, name, /, lang="zh", **params):
    """Run library query ``name`` with ``params``; the :class:`Outcome` (rows and labels)."""
    return run_query(store, LIBRARY.get(name), params, lang=lang)


def table(outcome) -> list[dict[str, str]]:
    """Rows as dicts of variable -> lexical value (IRI string, literal text)."""
    return [{k: v.value for k, v in row.items()} for row in outcome.result.rows]


def col(outcome, var: str) -> set[str]:
    return {row[var].value for row in outcome.result.rows if var in row}


def where(outcome, **match) -> list[dict[str, str]]:
    return [r for r in table(outcome) if all(r.get(k) == v for k, v in match.items())]


# -- films ---------------------------------------------------------------------------------------

def test_films_in_city_almaty_are_the_six_screened_films(store):
    out = rows(store, "films-in-city", city="阿拉木图")
    assert col(out, "film") == SIX_FILMS
    assert {out.labels[f] for f in col(out, "film")} == SIX_TITLES
    assert col(out, "event") == {SCREENINGS, iri("event/2025-almaty-screenings")}
    assert col(out, "title_zh") == SIX_TITLES
    # promoted or presented-only films were not screened there
    assert not col(out, "film") & (NAMED_PROMOTED | {iri("film/wanli-zhui-xinghe")})


def test_films_in_city_follows_containment_and_defaults(store):
    moscow = rows(store, "films-in-city", city="Moscow")
    assert col(moscow, "film") == SIX_FILMS
    assert iri("event/2025-almaty-screenings") not in col(moscow, "event")
    assert iri("event/2025-moscow-screenings") in col(moscow, "event")
    assert col(rows(store, "films-in-city", city="哈萨克斯坦"), "film") == SIX_FILMS  # a country contains Almaty
    assert col(rows(store, "films-in-city"), "event") == col(rows(store, "films-in-city", city="阿拉木图"), "event")
    assert table(rows(store, "films-in-city", city="北京")) == []
    assert table(rows(store, "films-in-city", city="开罗")) == []


def test_films_screened_in_more_than_one_city(store):
    out = rows(store, "films-in-several-cities")
    assert col(out, "film") == SIX_FILMS
    for film in SIX_FILMS:
        assert {r["city"] for r in where(out, film=film)} == {iri("city/almaty"), iri("city/moscow")}
    assert col(out, "cityCount") == {"2"}
    assert "妈妈!" in col(out, "title_zh")  # ASCII exclamation mark, as in the article
    assert table(rows(store, "films-in-several-cities", min="3")) == []


def test_films_in_both_cities_schema(store):
    out = rows(store, "films-in-both-cities-schema")
    assert col(out, "movie") == SIX_FILMS
    assert col(out, "name_zh") == SIX_TITLES
    assert {"The Composer", "Mama!", "The Killing Wind"} <= col(out, "name_en")
    assert col(rows(store, "films-in-both-cities-schema", city1="Kazakhstan", city2="Russia"), "movie") == SIX_FILMS
    assert table(rows(store, "films-in-both-cities-schema", city2="北京")) == []
    assert table(rows(store, "films-in-both-cities-schema", city1="莫斯科", city2="莫斯科")) == []


def test_films_by_event(store):
    moscow = rows(store, "films-by-event", event="fgid:event\\/2025-moscow-promotion")
    assert col(moscow, "film") == NAMED_PROMOTED
    assert col(moscow, "relation") == {FG + "promotedFilm"}
    almaty = table(rows(store, "films-by-event", event=ALMATY_PROMOTION))
    assert {(r["film"], r.get("presenter")) for r in almaty} == {
        (iri("film/da-feng-sha"), iri("person/zhang-qi")),
        (iri("film/wanli-zhui-xinghe"), iri("person/wulazali-jianibieke"))}
    everything = rows(store, "films-by-event")
    assert where(everything, event=iri("event/2025-the-composer-rescreening"), film=iri("film/the-composer"))
    assert not [r for r in table(everything) if r["film"] == iri("film/the-composer") and "presenter" in r]
    assert not where(everything, film=iri("film/detective-chinatown-1900"), relation=FG + "screenedFilm")


def test_films_by_date_range(store):
    day27 = rows(store, "films-in-date-range", **{"from": "2025-11-27", "to": "2025-11-27"})
    assert NAMED_PROMOTED | SIX_FILMS == col(day27, "film")
    assert MOSCOW_PROMOTION in col(day27, "event") and ALMATY_PROMOTION not in col(day27, "event")
    day25 = rows(store, "films-in-date-range", **{"from": "2025-11-25", "to": "2025-11-25"})
    assert iri("film/wanli-zhui-xinghe") in col(day25, "film")
    assert not col(day25, "film") & NAMED_PROMOTED
    assert table(rows(store, "films-in-date-range", **{"from": "2025-12-01"})) == []
    assert table(rows(store, "films-in-date-range", to="2025-11-23")) == []
    after = rows(store, "films-in-date-range", **{"from": "2025-11-28"})
    assert col(after, "film") == SIX_FILMS and MOSCOW_PROMOTION not in col(after, "event")
    # without a range even the undated re-screening counts
    assert iri("event/2025-the-composer-rescreening") in col(rows(store, "films-in-date-range"), "event")
    assert iri("event/2025-the-composer-rescreening") not in col(day27, "event")


def test_film_details_director_kind_genre_and_no_release_year(store):
    out = rows(store, "film-details")
    assert where(out, film=iri("film/da-feng-sha"))[0]["director"] == iri("person/zhang-qi")
    assert col(out, "director") == {iri("person/zhang-qi")}
    assert not [r for r in where(out, film=iri("film/the-composer")) if "director" in r]
    assert col(out, "releaseYear") == set()
    assert {r["countryOfOrigin"] for r in where(out, film=iri("film/the-composer"))} == {
        iri("country/china"), iri("country/kazakhstan")}
    assert {r["film"] for r in table(out) if "countryOfOrigin" in r} == {
        iri("film/the-composer"), iri("film/wanli-zhui-xinghe")}
    assert where(out, film=iri("film/lost-in-the-stars"))[0]["genre"] == FG + "SuspenseGenre"
    assert where(out, film=iri("film/the-composer"))[0]["filmKind"] == FG + "FeatureFilm"
    assert "filmKind" not in where(out, film=iri("film/the-legend-of-hei-2"))[0]  # the article does not say
    assert col(out, "film") == SIX_FILMS | NAMED_PROMOTED | {iri("film/wanli-zhui-xinghe")}
    assert col(rows(store, "film-details", film="大风杀"), "film") == {iri("film/da-feng-sha")}


# -- co-productions -------------------------------------------------------------------------------

def test_coproductions_with_partner_countries(store):
    out = rows(store, "coproductions")
    assert col(out, "coproduction") == {iri("coproduction/the-composer"), iri("coproduction/wanli-zhui-xinghe")}
    assert col(out, "partnerCountry") == {iri("country/china"), iri("country/kazakhstan")}
    composer = where(out, coproduction=iri("coproduction/the-composer"))
    assert {r["firstOfItsKind"] for r in composer} == {"true"}
    assert {r["qualifier_zh"] for r in composer} == {"中哈首部合拍故事片"}
    assert "中哈首部合拍故事片" in TEXT
    assert {r["firstOfItsKind"] for r in where(out, coproduction=iri("coproduction/wanli-zhui-xinghe"))} == {"false"}
    assert table(rows(store, "coproductions", country="俄罗斯")) == []
    assert len(col(rows(store, "coproductions", country="哈萨克斯坦"), "coproduction")) == 2


def test_coproductions_by_country_pair(store):
    out = table(rows(store, "coproductions-by-country-pair"))
    assert [r["film"] for r in out] == [iri("film/the-composer"), iri("film/wanli-zhui-xinghe")]  # the first one first
    assert out[0]["firstOfItsKind"] == "true" and out[0]["filmKind"] == FG + "FeatureFilm"
    assert out[1]["firstOfItsKind"] == "false" and out[1]["filmKind"] == FG + "DocumentaryFilm"
    swapped = rows(store, "coproductions-by-country-pair", country1="Kazakhstan", country2="China")
    assert [r["film"] for r in table(swapped)] == [r["film"] for r in out]
    assert table(rows(store, "coproductions-by-country-pair", country2="Russia")) == []
    assert table(rows(store, "coproductions-by-country-pair", country2="中国")) == []  # a country with itself


# -- organisations, people, posts -----------------------------------------------------------------

def test_organisations_by_country(store):
    def orgs(country):
        return col(rows(store, "organisations-by-country", country=country), "organization")

    assert orgs("俄罗斯") == {iri("org/vgtrk"), iri("org/channel-one-russia"), iri("org/china-cultural-center-in-moscow")}
    assert orgs("吉尔吉斯斯坦") == {iri("org/kyrgyzstan-state-film-administration")}
    assert orgs("Türkiye") == {iri("org/trt")}
    assert orgs("中国") == {iri("org/beijing-municipal-film-bureau"), iri("org/beijing-municipal-film-development-center")}
    assert iri("org/consulate-general-of-china-in-almaty") in orgs("哈萨克斯坦")
    assert orgs("埃及") == set()
    everything = rows(store, "organisations-by-country")
    assert "basedInCountry" not in where(everything, organization=DELEGATION)[0]  # no seat is stated
    assert where(everything, organization=iri("org/kazakhfilm"))[0]["class"] == FG + "FilmStudio"


def test_organisations_by_type(store):
    def orgs(type_):
        return col(rows(store, "organisations-by-type", type=type_), "organization")

    assert orgs("fg:Broadcaster") == {iri("org/vgtrk"), iri("org/channel-one-russia"), iri("org/trt")}
    assert orgs("广播电视机构") == orgs("fg:Broadcaster")  # the class by its Chinese label
    assert orgs("fg:MediaOrganization") == orgs("fg:Broadcaster") | {iri("org/yuanjie-caixun")}
    assert orgs("fg:GovernmentFilmAuthority") == {iri("org/beijing-municipal-film-bureau"),
                                                  iri("org/kyrgyzstan-state-film-administration")}
    assert orgs("fg:FilmCompany") == set()  # 30 companies, none named
    everything = rows(store, "organisations-by-type")
    assert col(everything, "organization") == orgs("fg:Organization")
    assert where(everything, organization=iri("org/trt"))[0]["class"] == FG + "Broadcaster"


def test_people_posts_and_organisations(store):
    out = rows(store, "people-posts")
    han = where(out, member=iri("person/han-bing"))
    assert [(r["org"], r["role"], r["jobTitle_zh"], r["jobTitle_en"]) for r in han] == [
        (iri("org/beijing-municipal-film-development-center"), FG + "DirectorPost", "主任", "Director")]
    wang = where(out, member=iri("person/wang-rui"))
    assert [(r["org"], r["jobTitle_zh"]) for r in wang] == [(iri("org/china-cultural-center-in-moscow"), "副主任")]
    assert [r["org"] for r in where(out, member=iri("person/wulazali-jianibieke"))] == [
        iri("org/kazakhstan-animation-association")]
    for person in ("zhang-qi", "xian-xinghai"):  # no post stated
        assert [r.get("org") for r in where(out, member=iri("person/" + person))] == [None]
    only = rows(store, "people-posts", organization="莫斯科中国文化中心")
    assert col(only, "member") == {iri("person/wang-rui")}
    assert col(rows(store, "people-posts", person="韩冰"), "member") == {iri("person/han-bing")}


def test_people_posts_schema(store):
    out = rows(store, "people-posts-schema")
    assert col(out, "person") == {iri("person/han-bing"), iri("person/wang-rui"), iri("person/wulazali-jianibieke")}
    assert {(r["personName"], r["jobTitle"], r["organizationName"]) for r in table(out)} >= {
        ("韩冰", "主任", "北京市电影事业发展中心"), ("王睿", "副主任", "莫斯科中国文化中心"),
        ("吾拉扎力·贾尼别克", "主席", "哈萨克斯坦动画协会")}
    assert ("Han Bing", "Director", "Beijing Municipal Film Development Center") in {
        (r["personName"], r["jobTitle"], r["organizationName"]) for r in table(out)}
    only = rows(store, "people-posts-schema", organization="北京市电影事业发展中心")
    assert col(only, "person") == {iri("person/han-bing")}


# -- meetings, roles, statements ------------------------------------------------------------------

def test_who_met_whom_at_the_professional_talks(store):
    talks = rows(store, "who-met-whom", event=TALKS)
    assert {r["metWith"] for r in where(talks, agent=DELEGATION)} == TALKS_ORGS
    assert {talks.labels[o] for o in TALKS_ORGS} == {"全俄国家电视广播公司", "俄罗斯第一频道", "吉尔吉斯斯坦国家电影总局",
                                                    "土耳其国家广播电视台"}
    assert col(talks, "agent") == TALKS_ORGS | {DELEGATION}  # nobody else was there
    assert col(talks, "eventClass") == {FG + "ProfessionalTalks"}
    by_agent = rows(store, "who-met-whom", agent="北京电影“走出去”代表团")
    assert {(r["event"], r["metWith"]) for r in table(by_agent)} == {(TALKS, o) for o in TALKS_ORGS} | {
        (MOSCOW_PROMOTION, iri("person/wang-rui"))}


def test_who_met_whom_elsewhere(store):
    out = rows(store, "who-met-whom")
    assert {(r["agent"], r["metWith"]) for r in where(out, event=ALMATY_PROMOTION)} == {
        (a, b) for a in (iri("person/han-bing"), iri("person/zhang-qi"), iri("person/wulazali-jianibieke"))
        for b in (iri("person/han-bing"), iri("person/zhang-qi"), iri("person/wulazali-jianibieke")) if a != b}
    assert col(out, "event") == {TALKS, ALMATY_PROMOTION, MOSCOW_PROMOTION}
    assert not where(out, agent=iri("person/han-bing"), metWith=iri("org/vgtrk"))
    assert not where(out, agent=iri("person/wang-rui"), metWith=iri("person/han-bing"))
    assert not [r for r in table(out) if r["agent"] == r["metWith"]]


def test_roles_in_events(store):
    almaty = rows(store, "event-roles", event=ALMATY_PROMOTION)
    assert {(r["agent"], r["eventRole"], r.get("presentedWork")) for r in table(almaty)} == {
        (iri("person/zhang-qi"), FG + "Presenter", iri("film/da-feng-sha")),
        (iri("person/wulazali-jianibieke"), FG + "Presenter", iri("film/wanli-zhui-xinghe")),
        (iri("person/han-bing"), FG + "Speaker", None)}
    assert col(almaty, "inferred") == {"true"}
    out = rows(store, "event-roles")
    symposium = where(out, event=iri("event/2025-china-kazakhstan-film-cooperation-symposium"))
    assert [(r["agent"], r["eventRole"], r.get("presentedWork"), r["inferred"]) for r in symposium] == [
        (DELEGATION, FG + "Presenter", None, "false")]
    assert [(r["event"], r["eventRole"]) for r in where(out, agent=iri("person/wang-rui"))] == [
        (MOSCOW_PROMOTION, FG + "Speaker")]
    assert iri("film/the-composer") not in col(out, "presentedWork")
    assert col(rows(store, "event-roles", agent="张琪"), "basis") == {iri("role/zhang-qi-almaty-promotion-presenter")}


def test_statements_verbatim_with_place_and_capacity(store):
    out = rows(store, "statements")
    han = where(out, speaker=iri("person/han-bing"))
    assert len(han) == 1
    han = han[0]
    assert han["quote"] == HAN_BING_QUOTE and f"“{HAN_BING_QUOTE}”" in TEXT
    assert (han["event"], han["city"], han["venue"], han["date"]) == (
        ALMATY_PROMOTION, iri("city/almaty"), iri("venue/arman-cinema"), "2025-11-25")
    assert (han["organization"], han["jobTitle"], han["speakerName"], han["inferred"]) == (
        iri("org/beijing-municipal-film-development-center"), "主任", "韩冰", "true")
    wang = where(out, speaker=iri("person/wang-rui"))[0]
    assert wang["quote"] in TEXT and wang["quote"].startswith("莫斯科中国文化中心副主任王睿指出")
    assert (wang["city"], wang["date"], "venue" in wang) == (iri("city/moscow"), "2025-11-27", False)
    assert col(out, "speaker") == {iri("person/han-bing"), iri("person/wang-rui")}
    assert col(rows(store, "statements", speaker="韩冰"), "quote") == {HAN_BING_QUOTE}


# -- events ---------------------------------------------------------------------------------------

def test_event_timeline(store):
    out = rows(store, "event-timeline")
    dated = [r["event"] for r in table(out) if "startDate" in r]
    assert dated[0] == VISIT
    assert dated.index(iri("event/2025-china-kazakhstan-film-cooperation-symposium")) < dated.index(ALMATY_PROMOTION) \
        < dated.index(MOSCOW_PROMOTION)
    visit = where(out, event=VISIT)[0]
    assert (visit["startDate"], visit["endDate"], visit["subEvents"]) == ("2025-11-23", "2025-11-29", "4")
    assert where(out, event=ALMATY_PROMOTION)[0]["timeOfDay"] == FG + "Afternoon"
    assert {r["superEvent"] for r in where(out, event=MOSCOW_PROMOTION)} == {VISIT, iri("event/2025-world-content-market")}
    festival = where(out, event=iri("event/beijing-international-film-festival"))[0]
    assert festival["startYear"] == "2011" and "startDate" not in festival
    assert "startDate" not in where(out, event=TALKS)[0]  # the article gives no date


def test_event_timeline_date_range(store):
    r26_27 = col(rows(store, "event-timeline", **{"from": "2025-11-26", "to": "2025-11-27"}), "event")
    assert {VISIT, MOSCOW_PROMOTION, SCREENINGS} <= r26_27
    assert not r26_27 & {ALMATY_PROMOTION, iri("event/2025-china-kazakhstan-film-cooperation-symposium"), TALKS,
                         iri("event/2025-world-content-market"), iri("event/beijing-international-film-festival")}
    late = col(rows(store, "event-timeline", **{"from": "2025-11-30"}), "event")
    assert late == {SCREENINGS, iri("event/2025-almaty-screenings"), iri("event/2025-moscow-screenings")}
    assert col(rows(store, "event-timeline", to="2025-11-23"), "event") == {VISIT}
    assert col(rows(store, "event-timeline", **{"from": "2025-12-01"}), "event") == set()


def test_event_timeline_schema(store):
    out = rows(store, "event-timeline-schema")
    assert where(out, event=VISIT)[0]["startDate"] == "2025-11-23"
    assert iri("event/beijing-international-film-festival") not in col(out, "event")  # a year, not a date
    assert {r["location"] for r in where(out, event=ALMATY_PROMOTION)} == {iri("city/almaty"), iri("venue/arman-cinema")}
    later = col(rows(store, "event-timeline-schema", **{"from": "2025-11-28"}), "event")
    assert VISIT in later and MOSCOW_PROMOTION not in later
    assert col(rows(store, "event-timeline-schema", to="2025-11-24"), "event") == {
        VISIT, SCREENINGS, iri("event/2025-almaty-screenings"), iri("event/2025-moscow-screenings"),
        iri("event/2025-china-kazakhstan-film-cooperation-symposium")}


def test_event_hierarchy(store):
    visit = rows(store, "event-hierarchy", event=VISIT)
    assert {r["subEvent"] for r in where(visit, relation=FG + "subEvent")} == {
        iri("event/2025-china-kazakhstan-film-cooperation-symposium"), ALMATY_PROMOTION, MOSCOW_PROMOTION, TALKS}
    assert {r["subEvent"] for r in where(visit, relation=FG + "accompanies")} == {SCREENINGS}
    assert col(visit, "depth") == {"1"} and col(visit, "parent") == {VISIT}
    roots = col(rows(store, "event-hierarchy"), "root")
    assert roots == {VISIT, SCREENINGS, iri("event/2025-world-content-market"),
                     iri("event/2025-xian-xinghai-120th-anniversary-commemoration")}
    commemoration = rows(store, "event-hierarchy", event="冼星海诞辰120周年纪念活动")
    assert len(col(commemoration, "subEvent")) == 4
    assert iri("event/2025-the-composer-rescreening") in col(commemoration, "subEvent")


def test_event_hierarchy_nests_and_starts_at_the_top(run, kb):
    """Two levels deep (not in the curated data, so on a copy): depth 2 under the top event only."""
    edit(kb / "graph" / DATA_FILE.name, "fg:subEvent fgid:event\\/2025-china-kazakhstan-film-cooperation-symposium,",
         "fg:subEvent fgid:event\\/2025-world-content-market,\n"
         "            fgid:event\\/2025-china-kazakhstan-film-cooperation-symposium,")
    r = run("--project", kb, "query", "event-hierarchy", "--format", "csv")
    assert r.code == 0, r.text
    found = list(csv.DictReader(io.StringIO(r.out.lstrip("\ufeff"))))
    roots = {f["root"] for f in found}
    market = iri("event/2025-world-content-market")
    assert market not in roots and VISIT in roots  # the market now hangs under the visit
    nested = [(f["depth"], f["parent"]) for f in found if f["root"] == VISIT and f["subEvent"] == MOSCOW_PROMOTION]
    assert sorted(nested) == [("1", VISIT), ("2", market)]


def test_events_by_place(store):
    moscow = rows(store, "events-by-place")
    assert col(moscow, "event") == {VISIT, SCREENINGS, iri("event/2025-moscow-screenings"), MOSCOW_PROMOTION, TALKS,
                                    iri("event/2025-world-content-market")}
    kz = rows(store, "events-by-place", place="哈萨克斯坦")
    assert col(kz, "event") == {VISIT, SCREENINGS, iri("event/2025-almaty-screenings"), ALMATY_PROMOTION,
                                iri("event/2025-china-kazakhstan-film-cooperation-symposium")}
    assert where(kz, event=ALMATY_PROMOTION)[0]["venue"] == iri("venue/arman-cinema")
    assert col(rows(store, "events-by-place", place="北京"), "event") == {
        iri("event/beijing-international-film-festival"), iri("event/beijing-culture-forum")}
    assert table(rows(store, "events-by-place", place="开罗")) == []  # covered by a programme, no event there


# -- programmes, context, invitations --------------------------------------------------------------

def test_programmes_and_covered_places(store):
    out = rows(store, "programmes")
    programme = where(out, programme=PROGRAMME_2015)
    assert {r["coveredPlace"] for r in programme} == {iri("city/cairo"), iri("place/aman")}
    assert {r["startYear"] for r in programme} == {"2015"}
    assert {r["programme"] for r in where(out, programmeClass=FG + "ThemedYear")} == {
        iri("programme/china-russia-years-of-culture"), iri("programme/china-tourism-year-in-kazakhstan")}
    assert where(out, programme=iri("programme/belt-and-road-initiative"))[0]["programmeClass"] == FG + "PolicyFramework"
    assert col(out, "coveredPlace") == {iri("city/cairo"), iri("place/aman")}
    assert col(rows(store, "programmes", programme="中俄文化年"), "coveredPlace") == set()


def test_events_in_context(store):
    out = rows(store, "events-in-context")
    assert {(r["programme"], r["relation"]) for r in where(out, event=VISIT)} == {
        (PROGRAMME_2015, FG + "partOfProgramme"),
        (iri("programme/belt-and-road-initiative"), FG + "inContextOf"),
        (iri("programme/china-russia-years-of-culture"), FG + "inContextOf"),
        (iri("programme/china-tourism-year-in-kazakhstan"), FG + "inContextOf")}
    assert col(out, "event") == {VISIT}
    assert col(rows(store, "events-in-context", programme="Belt and Road Initiative"), "relation") == {FG + "inContextOf"}


def test_invitations(store):
    out = table(rows(store, "invitations"))
    assert {r["invitedTo"] for r in out} == {iri("event/beijing-culture-forum"),
                                            iri("event/china-international-fair-for-trade-in-services")}
    assert {(r["inviter"], r["invitee"], r["forYear"], r["inferred"]) for r in out} == {
        (DELEGATION, iri("country/kazakhstan"), "2026", "true")}
    assert table(rows(store, "invitations", invitee="俄罗斯")) == []


# -- graph exploration ---------------------------------------------------------------------------

def test_neighbourhood_grows_with_hops(store):
    one = rows(store, "neighbourhood")  # 韩冰, one hop
    assert col(one, "node") == {iri("membership/han-bing-bfdc-director"), iri("statement/han-bing-almaty")}
    two = rows(store, "neighbourhood", hops="2")
    assert col(two, "node") > col(one, "node")
    assert {iri("org/beijing-municipal-film-development-center"), ALMATY_PROMOTION} <= col(two, "node")
    assert where(two, node=iri("org/beijing-municipal-film-development-center"))[0]["distance"] == "2"
    three = rows(store, "neighbourhood", hops="3")
    assert col(three, "node") > col(two, "node") and VISIT in col(three, "node")
    assert col(rows(store, "neighbourhood", hops="9"), "node") == col(three, "node")  # capped at 3
    assert iri("person/han-bing") not in col(three, "node")
    assert FG + "Person" not in col(three, "node")  # rdf:type is not followed
    assert not [t for row in three.result.rows for t in row.values() if isinstance(t, ox.BlankNode)]
    film = rows(store, "neighbourhood", entity="音乐家")
    assert {iri("coproduction/the-composer"), iri("person/xian-xinghai"), SCREENINGS} <= col(film, "node")


def test_shortest_connection(store):
    default = table(rows(store, "shortest-path"))  # 韩冰 -> 莫斯科
    assert {r["length"] for r in default} == {"4"}
    assert [(r["n1"], r["n2"], r["n3"]) for r in default] == [(iri("statement/han-bing-almaty"), ALMATY_PROMOTION, VISIT)]
    assert (default[0]["p1"], default[0]["d1"], default[0]["p4"], default[0]["d4"]) == (
        FG + "speaker", "<-", FG + "location", "->")
    cities = table(rows(store, "shortest-path", **{"from": "阿拉木图", "to": "莫斯科"}))
    assert {r["length"] for r in cities} == {"2"} and {r["n1"] for r in cities} == {VISIT, SCREENINGS}
    back = table(rows(store, "shortest-path", **{"from": "莫斯科", "to": "阿拉木图"}))
    assert {r["n1"] for r in back} == {VISIT, SCREENINGS}
    direct = table(rows(store, "shortest-path", **{"from": "大风杀", "to": "张琪"}))
    assert [(r["length"], r["p1"], r["d1"]) for r in direct] == [("1", FG + "director", "->")]
    presenters = table(rows(store, "shortest-path", **{"from": "张琪", "to": "吾拉扎力·贾尼别克"}))
    assert [(r["length"], r["n2"]) for r in presenters] == [("4", ALMATY_PROMOTION)]  # not via fg:Presenter
    assert table(rows(store, "shortest-path", **{"from": "王睿", "to": "土耳其国家广播电视台"})) == []  # > 4 steps


# -- provenance ----------------------------------------------------------------------------------

def test_facts_with_source_and_evidence(store):
    out = rows(store, "facts-with-evidence", entity="大风杀")
    director = where(out, subject=iri("film/da-feng-sha"), property=FG + "director")
    assert [(r["object"], r["source"]) for r in director] == [(iri("person/zhang-qi"), ARTICLE)]
    assert director[0]["evidence"] == "导演张琪携新作《大风杀》亮相推介,该片将犯罪类型外壳与人性纵深探讨相结合,获得哈方片商高度关注"
    assert all(r["evidence"] in TEXT for r in table(out) if "evidence" in r)
    assert {r["subject"] for r in where(out, object=iri("film/da-feng-sha"), property=FG + "screenedFilm")} == {
        SCREENINGS, iri("event/2025-almaty-screenings"), iri("event/2025-moscow-screenings")}
    assert not where(out, property=FG + "promotedFilm")
    assert not [r for r in table(out) if r["property"].startswith("https://schema.org/")]  # nothing entailed
    almaty = rows(store, "facts-with-evidence", entity="阿拉木图")
    latitude = where(almaty, property=FG + "latitude")
    assert [(r["object"], r["source"], "evidence" in r) for r in latitude] == [("43.2389", SRC + "reference", False)]
    assert not [r for r in table(rows(store, "facts-with-evidence")) if r["source"].endswith(("ontology", "entailed"))]


def test_inferred_facts_and_notes(store):
    out = rows(store, "inferred-facts")
    assert col(out, "entity") == {
        VISIT, TALKS, SCREENINGS, iri("event/2025-china-kazakhstan-film-cooperation-symposium"),
        iri("event/2025-invitation-kazakhstan-to-beijing-platforms"), iri("statement/han-bing-almaty"),
        iri("statement/wang-rui-moscow"), iri("role/zhang-qi-almaty-promotion-presenter"),
        iri("role/wulazali-jianibieke-almaty-promotion-presenter")}
    for r in table(out):
        assert r["note_en"] and r["note_zh"] and r["source"] == ARTICLE
    assert "Moscow is inferred" in where(out, entity=TALKS)[0]["note_en"]
    assert col(rows(store, "inferred-facts", entity=TALKS), "entity") == {TALKS}
    assert table(rows(store, "inferred-facts", entity="fgid:event\\/2025-moscow-promotion")) == []


def test_entities_outside_given_countries(store):
    out = rows(store, "entities-outside-countries")  # not China
    pairs = {(r["entity"], r["country"]) for r in table(out)}
    assert {(iri("org/vgtrk"), iri("country/russia")), (iri("org/trt"), iri("country/turkey")),
            (iri("org/kazakhfilm"), iri("country/kazakhstan")), (iri("city/almaty"), iri("country/kazakhstan"))} <= pairs
    assert iri("country/china") not in col(out, "country")
    assert not col(out, "entity") & {iri("org/beijing-municipal-film-bureau"), iri("city/beijing"),
                                     iri("org/beijing-municipal-film-development-center"),
                                     iri("film/the-composer"), iri("film/wanli-zhui-xinghe")}
    assert not [e for e in col(out, "entity") if "/person/" in e]
    both = rows(store, "entities-outside-countries", exclude2="俄罗斯")
    assert not col(both, "country") & {iri("country/russia"), iri("country/china")}
    assert col(both, "entity") == col(out, "entity") - {iri("org/vgtrk"), iri("org/channel-one-russia"),
                                                        iri("org/china-cultural-center-in-moscow"), iri("city/moscow")}
    kz = rows(store, "entities-outside-countries", exclude1="哈萨克斯坦")
    assert iri("org/beijing-municipal-film-bureau") in col(kz, "entity") and iri("film/the-composer") not in col(kz, "entity")


def test_lookup_by_any_name(store):
    def found(name):
        return col(rows(store, "lookup-by-name", name=name), "entity")

    assert iri("city/almaty") in found("almaty")
    assert found("Алматы") == {iri("city/almaty")}
    assert found("ALMATY") == found("almaty")
    assert {r["language"] for r in table(rows(store, "lookup-by-name", name="алматы"))} == {"ru", "kk"}
    assert {iri("city/almaty"), iri("org/consulate-general-of-china-in-almaty"), iri("venue/arman-cinema")} <= found("阿拉木图")
    assert found("vgtrk") == {iri("org/vgtrk")}
    assert [r["nameProperty"] for r in table(rows(store, "lookup-by-name", name="ВГТРК"))] == [
        "http://www.w3.org/2004/02/skos/core#altLabel"]
    assert found("da feng") == {iri("film/da-feng-sha"), iri("role/zhang-qi-almaty-promotion-presenter")}
    pinyin = rows(store, "lookup-by-name", name="da feng sha")
    assert [(r["matchedName"], r["language"]) for r in where(pinyin, entity=iri("film/da-feng-sha"))] == [
        ("Da Feng Sha", "zh-latn-pinyin")]
    assert found("Broadcaster") == set()  # ontology terms are not entities
    assert found("zzqq-no-such-name") == set()


def test_ambiguous_places_and_candidates(store):
    out = rows(store, "ambiguous-places")
    assert col(out, "place") == {iri("place/aman")}
    assert {(r["candidate"], r["candidateCountry"]) for r in table(out)} == {
        (iri("country/oman"), iri("country/oman")), (iri("city/muscat"), iri("country/oman")),
        (iri("city/amman"), iri("country/jordan"))}
    assert col(out, "asWritten") == {"阿曼"} and "开罗、阿曼" in TEXT
    assert col(out, "mentionedBy") == {PROGRAMME_2015}
    assert all("安曼" in r["note_zh"] and "Amman" in r["note_en"] for r in table(out))


def test_curator_translations(store):
    out = rows(store, "curator-translations")
    assert where(out, entity=iri("person/han-bing"))[0]["translation"] == "Han Bing"
    assert where(out, entity=iri("film/da-feng-sha"))[0]["original"] == "大风杀"
    established = {iri("film/the-composer"), iri("org/kazakhfilm"), iri("city/almaty"), iri("org/vgtrk"),
                   iri("film/lost-in-the-stars"), iri("country/kazakhstan")}
    assert not col(out, "entity") & established
    assert col(out, "language") == {"en"}
    assert table(rows(store, "curator-translations", entity="韩冰")) == [
        {"entity": iri("person/han-bing"), "original": "韩冰", "translation": "Han Bing", "language": "en",
         "source": ARTICLE}]


def test_numbers_stated_by_the_source(store):
    out = rows(store, "stated-numbers")
    assert {(r["property"], r["value"]) for r in table(out)} == {
        (FG + "numberOfCompaniesPromoted", "30"), (FG + "numberOfFilmsPromoted", "12"), (FG + "anniversary", "120"),
        (FG + "startYear", "2011"), (FG + "startYear", "2015"), (FG + "forYear", "2026")}
    for r in table(out):
        assert r["value"] in r["evidence"] and r["evidence"] in TEXT
    assert where(out, value="120")[0]["subject"] == iri("event/2025-xian-xinghai-120th-anniversary-commemoration")
    assert col(rows(store, "stated-numbers", entity=MOSCOW_PROMOTION), "value") == {"30", "12"}


def test_promotion_figures(store):
    out = table(rows(store, "promotion-figures"))
    assert out == [{"event": MOSCOW_PROMOTION, "location": iri("city/moscow"), "date": "2025-11-27",
                    "companiesPromoted": "30", "filmsPromoted": "12", "filmsNamed": "4", "filmsUnnamed": "8"}]
    assert "30家北京电影企业" in TEXT and "等12部影片" in TEXT


def test_source_documents_and_fact_counts(store):
    out = table(rows(store, "source-documents"))
    assert [r["source"] for r in out] == [ARTICLE]
    quads = list(ox.parse(path=str(DATA_FILE), format=ox.RdfFormat.TRIG))
    in_graph = [q for q in quads if q.graph_name == ox.NamedNode(ARTICLE)]
    with_evidence = {q.subject for q in in_graph if q.predicate == ox.NamedNode(FG + "evidence")}
    r = out[0]
    assert (int(r["facts"]), int(r["nodesWithEvidence"])) == (len(set(in_graph)), len(with_evidence))
    assert (r["publisher"], r["issued"], r["language"], r["textFile"]) == (
        iri("org/yuanjie-caixun"), "2025-12-02", "zh", "sources/000_4fd766c73458f912.txt")
    assert r["title"] in TEXT


# -- the library as a whole -----------------------------------------------------------------------

def test_library_size_and_names():
    names = [q.name for q in LIBRARY]
    assert len(names) >= 24
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in names), names
    assert len([n for n in names if n.endswith("-schema")]) >= 2


@pytest.mark.parametrize("name", sorted(q.name for q in LIBRARY))
def test_every_query_has_a_complete_header(name, store):
    q = LIBRARY.get(name)
    for key in ("zh", "en"):
        assert q.title.get(key), f"{name}: title@{key}"
        assert q.description.get(key), f"{name}: description@{key}"
    for p in q.params:
        assert p.type in TYPES and p.example, f"{name}: parameter {p.name}"
        assert p.label.get("zh") and p.label.get("en"), f"{name}: parameter {p.name} labels"
        assert re.search(rf"\?{p.name}\b", q.text.split("SELECT", 1)[1]), f"{name}: ?{p.name} is not used"
        header = q.text.split("PREFIX", 1)[0]
        assert re.search(rf"^#   type: {p.type}$", header, re.M)
        parse_value(p.example, p.type, name=p.name, backend=store)
        if p.default is not None:
            assert parse_value(p.default, p.type, name=p.name, backend=store) is not None


@pytest.mark.parametrize("name", sorted(q.name for q in LIBRARY))
def test_every_query_runs_ordered_without_blank_nodes(name, store):
    q = LIBRARY.get(name)
    assert re.search(r"\bORDER BY\b", q.text), f"{name} has no ORDER BY"
    examples = {p.name: p.example for p in q.params}
    for params in ({}, examples):
        out = run_query(store, q, params, lang="en")
        assert out.result.rows, f"{name} {params} returns nothing"
        assert not [t for row in out.result.rows for t in row.values() if isinstance(t, ox.BlankNode)]
        again = run_query(store, q, params, lang="en")
        assert [dict(r) for r in again.result.rows] == [dict(r) for r in out.result.rows]


def test_schema_queries_use_schema_org_only():
    schema = [q for q in LIBRARY if q.name.endswith("-schema")]
    for q in schema:
        body = "\n".join(line for line in q.text.splitlines() if not line.startswith("#"))
        assert "schema:" in body and "fg:" not in body and "ontology#" not in body, q.name


def test_filmgraph_queries_lists_the_library(run):
    r = run("queries")
    assert r.code == 0, r.text
    listed = [line.split()[0] for line in r.out.splitlines() if line and not line.startswith("(")]
    assert sorted(listed) == sorted(q.name for q in LIBRARY)
    assert f"({len(LIBRARY)} queries;" in r.out
    assert "按城市列出放映的影片" in r.out
    assert "Films screened in a city" in run("queries", "--lang", "en").out


def test_films_in_city_table_in_english(run):
    r = run("query", "films-in-city", "--param", "city=阿拉木图", "--format", "table", "--lang", "en")
    assert r.code == 0, r.text
    assert "The Composer" in r.out and "The Killing Wind" in r.out and "Mama!" in r.out
    assert "Screenings in Almaty (24–30 November 2025)" in r.out
    assert "阿拉木图展映" not in r.out  # the event shown by its English label
    assert "(12 row(s))" in r.out


HOSTILE = 'x" } ; DROP ALL ; #'


def test_hostile_string_is_bound_as_a_literal(run, store):
    r = run("query", "lookup-by-name", "--param", f"name={HOSTILE}", "--explain")
    assert r.code == 0, r.text
    assert 'VALUES (?name) { ("x\\" } ; DROP ALL ; #") }' in r.out
    assert r.out.count("DROP ALL") == 1
    before = store.count()
    out = rows(store, "lookup-by-name", name=HOSTILE)
    assert out.result.rows == [] and store.count() == before
    assert len(rows(store, "films-in-city").result.rows) == 12
    r = run("query", "lookup-by-name", "--param", f"name={HOSTILE}", "--format", "csv")
    assert r.code == 0 and r.out.strip().lstrip("\ufeff").splitlines() == ["entity,class,matchedName,language,nameProperty"]
    r = run("query", "films-in-city", "--format", "csv")
    assert r.code == 0 and len(r.out.strip().splitlines()) == 13


@pytest.mark.parametrize("value, says", [
    ("<http://exa mple/>", "is not a valid IRI"),
    ('http://example.org/x>"} DROP ALL #', "is not a valid IRI"),
    ("no-such-place-xyz", "nothing is called"),
    ("阿曼", "names 2 entities"),
])
def test_iri_parameter_garbage_is_refused(run, value, says):
    r = run("query", "films-in-city", "--param", f"city={value}")
    assert r.code == 1
    assert r.out == ""
    assert says in r.err and "parameter city" in r.err
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.text
