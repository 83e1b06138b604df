"""Synthetic projections for tests and benchmarks: networkx graphs of any size in the attribute
shape that :func:`filmgraph.projection.project` gives (see its module docstring).

The mix follows the curated graph: countries with cities, organisations based in cities, people
holding posts in organisations, films (some co-produced by two countries), and events held in a
city with organisers and participants, some of them parts of larger events. The first country is
``.../id/country/china``. Deterministic for a given ``nodes`` and ``seed``.
"""
from __future__ import annotations

import random

import networkx as nx

BASE = "https://w3id.org/filmgraph/id/"
FG = "https://w3id.org/filmgraph/ontology#"
SOURCE = "https://w3id.org/filmgraph/source/synthetic"

_EVENT_CLASSES = ("PromotionEvent", "Screening", "ScreeningProgramme", "ProfessionalTalks", "Symposium", "TradeFair")


def _node(graph, iri, kind, cls, zh, en, **extra):
    attrs = {"iri": iri, "kind": kind, "cls": FG + cls, "cls_labels": {"en": cls}, "labels": {"zh": zh, "en": en},
             "country": [], "sources": [SOURCE], "quotes": [], "inferred": False}
    attrs.update(extra)
    graph.add_node(iri, **attrs)


def _edge(graph, u, v, prop, key=None):
    graph.add_edge(u, v, key=key or FG + prop, predicate=FG + prop, labels={"en": prop, "zh": prop},
                   quotes=[], sources=[SOURCE], inferred=False)


def synthetic_projection(nodes: int, *, seed: int = 1) -> nx.MultiDiGraph:
    """A projection-shaped graph of about ``nodes`` nodes (at least 40)."""
    rng = random.Random(seed)
    nodes = max(nodes, 40)
    graph = nx.MultiDiGraph()
    n_countries = max(6, min(150, nodes // 400))
    countries = [BASE + "country/china"] + [f"{BASE}country/c{i}" for i in range(1, n_countries)]
    for i, c in enumerate(countries):
        _node(graph, c, "Country", "Country", "中国" if i == 0 else f"国家{i}", "China" if i == 0 else f"Country {i}",
              country=[c])
    cities = []
    for i in range(max(n_countries * 2, nodes // 25)):
        c = countries[i % n_countries]
        city = f"{BASE}city/k{i}"
        _node(graph, city, "City", "City", f"城市{i}", f"City {i}", country=[c],
              lat=rng.uniform(-60, 70), lon=rng.uniform(-180, 180))
        _edge(graph, city, c, "containedInPlace")
        cities.append(city)
    orgs, persons, films, events = [], [], [], []
    remaining = nodes - len(countries) - len(cities)
    for i in range(int(remaining * 0.22)):
        org, city = f"{BASE}org/o{i}", rng.choice(cities)
        _node(graph, org, "Organization", "FilmStudio", f"机构{i}", f"Organisation {i}",
              country=list(graph.nodes[city]["country"]))
        _edge(graph, org, city, "basedIn")
        orgs.append(org)
    for i in range(int(remaining * 0.2)):
        person = f"{BASE}person/p{i}"
        _node(graph, person, "Person", "Person", f"人物{i}", f"Person {i}")
        _edge(graph, person, rng.choice(orgs), "member", key=f"{BASE}membership/m{i}")
        persons.append(person)
    for i in range(int(remaining * 0.2)):
        film = f"{BASE}film/f{i}"
        _node(graph, film, "Film", "Film", f"影片{i}", f"Film {i}")
        if persons and rng.random() < 0.5:
            _edge(graph, film, rng.choice(persons), "director")
        films.append(film)
    for i in range(int(remaining * 0.04)):
        cp, film = f"{BASE}coproduction/cp{i}", rng.choice(films)
        partners = rng.sample(countries, 2)
        _node(graph, cp, "CoProduction", "CoProduction", f"合拍{i}", f"Co-production {i}", country=sorted(partners))
        _edge(graph, cp, film, "film")
        for c in partners:
            _edge(graph, cp, c, "partnerCountry")
    n_events = nodes - graph.number_of_nodes()
    for i in range(n_events):
        event, city = f"{BASE}event/e{i}", rng.choice(cities)
        cls = _EVENT_CLASSES[i % len(_EVENT_CLASSES)]
        day = 1 + rng.randrange(27)
        dates = {"start": f"20{10 + i % 15}-{1 + i % 12:02d}-{day:02d}",
                 "end": f"20{10 + i % 15}-{1 + i % 12:02d}-{day + rng.randrange(2):02d}"} if rng.random() < 0.8 else {}
        _node(graph, event, "Event", cls, f"活动{i}", f"Event {i}", country=list(graph.nodes[city]["country"]), **dates)
        _edge(graph, event, city, "location")
        _edge(graph, event, rng.choice(orgs), "organizer")
        for org in rng.sample(orgs, rng.randint(1, 3)):
            _edge(graph, event, org, "participant")
        if cls.startswith("Screening"):
            for film in rng.sample(films, rng.randint(1, 3)):
                _edge(graph, event, film, "screenedFilm")
        if events and rng.random() < 0.3:
            _edge(graph, rng.choice(events), event, "subEvent")
        events.append(event)
    return graph
