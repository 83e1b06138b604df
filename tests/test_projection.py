"""The one projection from RDF to a network, which the map, the analytics and the exports share."""
from __future__ import annotations

import pytest

from filmgraph.dataset import open_backend
from filmgraph.projection import project

ID = "https://w3id.org/filmgraph/id/"


@pytest.fixture(scope="module")
def graph():
    return project(open_backend())


def label(graph, node):
    return graph.nodes[node]["labels"]["zh"]


def test_entities_are_nodes_and_n_ary_posts_roles_statements_are_edges(graph):
    kinds = {d["kind"] for _, d in graph.nodes(data=True)}
    assert {"Event", "Organization", "Film", "Person", "City", "Country", "CoProduction"} <= kinds
    assert not any("/membership/" in n or "/statement/" in n or "/role/" in n for n in graph)
    assert graph.number_of_nodes() > 60


def test_a_post_is_an_edge_labelled_with_the_job_title_and_its_evidence(graph):
    edges = graph.get_edge_data(ID + "person/han-bing", ID + "org/beijing-municipal-film-development-center")
    (data,) = edges.values()
    assert data["labels"] == {"zh": "主任", "en": "Director"}
    assert data["quotes"] == ["北京市电影事业发展中心主任韩冰表示"]


def test_a_statement_is_an_edge_to_its_event_with_the_quote(graph):
    edges = graph.get_edge_data(ID + "person/han-bing", ID + "event/2025-almaty-promotion")
    (data,) = edges.values()
    assert any(q.startswith("希望以电影为媒") for q in data["quotes"]) and data["inferred"] is True


def test_presenters_link_to_event_and_work(graph):
    assert graph.has_edge(ID + "person/zhang-qi", ID + "event/2025-almaty-promotion")
    assert graph.has_edge(ID + "person/zhang-qi", ID + "film/da-feng-sha")


def test_countries_are_derived_through_places(graph):
    assert graph.nodes[ID + "venue/arman-cinema"]["country"] == [ID + "country/kazakhstan"]
    assert graph.nodes[ID + "event/2025-moscow-promotion"]["country"] == [ID + "country/russia"]
    assert graph.nodes[ID + "city/almaty"]["lat"] == pytest.approx(43.2389)


def test_edges_are_labelled_in_both_languages_and_sourced(graph):
    for _u, _v, data in graph.edges(data=True):
        assert data["labels"].get("zh") and data["labels"].get("en"), data
        assert data["sources"], data


def test_the_same_projection_from_a_remote_store(graph, oxigraph):
    import filmgraph
    from filmgraph.push import push
    from filmgraph.remote import Endpoint, RemoteStore

    dataset = filmgraph.load()
    remote = RemoteStore(Endpoint(oxigraph.query, graph_store=oxigraph.graph_store))
    push(dataset.store, remote, base_iri=dataset.settings.base_iri, replace=True)
    far = project(remote)
    assert sorted(far.nodes) == sorted(graph.nodes)
    assert sorted(far.edges(keys=True)) == sorted(graph.edges(keys=True))


def test_source_titles_come_with_the_graph(graph):
    titles = graph.graph["sources"]
    assert titles["https://w3id.org/filmgraph/source/000_4fd766c73458f912"]["zh"].startswith("北京电影亮相阿拉木图与莫斯科")
    assert titles["https://w3id.org/filmgraph/source/reference"]["en"] == "Reference data"


def test_every_curated_node_names_its_sources(graph):
    assert graph.nodes[ID + "person/han-bing"]["sources"] == ["https://w3id.org/filmgraph/source/000_4fd766c73458f912"]
    assert all(d["sources"] for _, d in graph.nodes(data=True))
