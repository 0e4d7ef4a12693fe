"""The store contract: named graphs replaced atomically, union default graph, snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from registry.errors import QueryRejected, StoreUnavailable
from registry.store import OxigraphStore

G1 = URIRef("http://registre.test/graph/source/a")
G2 = URIRef("http://registre.test/graph/source/b")
P = URIRef("http://schema.org/name")


def graph_of(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.add((URIRef(f"http://registre.test/id/record/{name}"), P, Literal(name)))
    return graph


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> OxigraphStore:
    return OxigraphStore(None if request.param == "memory" else tmp_path / "store")


def names(store: OxigraphStore) -> set[str]:
    return {str(r["n"]) for r in store.select("SELECT ?n WHERE { ?s <http://schema.org/name> ?n }")}


def test_default_graph_is_the_union(store: OxigraphStore) -> None:
    store.replace_graphs({G1: graph_of("x"), G2: graph_of("y")})
    assert names(store) == {"x", "y"}
    assert store.graph_names() == [G1, G2]


def test_replace_graph_replaces_only_that_graph(store: OxigraphStore) -> None:
    store.replace_graphs({G1: graph_of("x", "z"), G2: graph_of("y")})
    store.replace_graphs({G1: graph_of("w")})
    assert names(store) == {"w", "y"}


def test_a_failing_replacement_changes_nothing(store: OxigraphStore) -> None:
    store.replace_graphs({G1: graph_of("x")})
    bad = graph_of("y")
    bad.add((URIRef("relative"), P, Literal("a relative IRI Oxigraph refuses")))
    with pytest.raises(SyntaxError):
        store.replace_graphs({G1: graph_of("w"), G2: bad})
    assert names(store) == {"x"}  # neither G1's replacement nor G2's insert happened


def test_bindings_are_substituted_not_concatenated(store: OxigraphStore) -> None:
    store.replace_graphs({G1: graph_of("x"), G2: graph_of("y")})
    rows = store.select("SELECT ?n ?g WHERE { GRAPH ?g { ?s ?p ?n } }", {"g": G2})
    assert [str(r["n"]) for r in rows] == ["y"]


def test_malformed_query_raises_query_rejected(store: OxigraphStore) -> None:
    with pytest.raises(QueryRejected, match="Requête SPARQL invalide"):
        store.select("SELECT WHERE")


def test_disk_store_survives_reopening_and_backups_are_independent(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    store.replace_graphs({G1: graph_of("x")})
    store.backup(tmp_path / "snapshot")
    store.replace_graphs({G1: graph_of("y")})
    snapshot = OxigraphStore(tmp_path / "snapshot", read_only=True)
    assert names(snapshot) == {"x"}
    assert names(store) == {"y"}


def test_second_writer_gets_a_clear_error(tmp_path: Path) -> None:
    first = OxigraphStore(tmp_path / "store")
    with pytest.raises(StoreUnavailable, match="déjà ouvert en écriture"):
        OxigraphStore(tmp_path / "store")
    del first
