"""The store contract: named graphs replaced atomically, union default graph, snapshots."""

from __future__ import annotations

import io
import socket
from dataclasses import replace
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from registry.errors import QueryRejected, StoreUnavailable
from registry.namespaces import GEO
from registry.remote_store import RemoteStore
from registry.settings import Settings
from registry.store import OxigraphStore, Store

G1 = URIRef("http://registre.test/graph/source/a")
G2 = URIRef("http://registre.test/graph/source/b")
P = URIRef("http://schema.org/name")


def graph_of(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.add((URIRef(f"http://registre.test/id/record/{name}"), P, Literal(name)))
    return graph


@pytest.fixture(params=["memory", "disk", "virtuoso"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """The same contract on every backend: Oxigraph in memory, on disk, and a real Virtuoso."""
    if request.param == "virtuoso":
        return RemoteStore.from_settings(request.getfixturevalue("remote_settings"))
    return OxigraphStore(None if request.param == "memory" else tmp_path / "store")


def names(store: Store) -> set[str]:
    return {str(r["n"]) for r in store.select("SELECT ?n WHERE { ?s <http://schema.org/name> ?n }")}


def test_default_graph_is_the_union(store: Store) -> None:
    store.replace_graphs({G1: graph_of("x"), G2: graph_of("y")})
    assert names(store) == {"x", "y"}
    assert store.graph_names() == [G1, G2]


def test_replace_graph_replaces_only_that_graph(store: Store) -> None:
    store.replace_graphs({G1: graph_of("x", "z"), G2: graph_of("y")})
    store.replace_graphs({G1: graph_of("w")})
    assert names(store) == {"w", "y"}


def test_a_failing_replacement_changes_nothing(store: Store) -> None:
    store.replace_graphs({G1: graph_of("x")})
    bad = graph_of("y")
    bad.add((URIRef("relative"), P, Literal("a relative IRI Oxigraph refuses")))
    with pytest.raises(SyntaxError):
        store.replace_graphs({G1: graph_of("w"), G2: bad})
    assert names(store) == {"x"}  # neither G1's replacement nor G2's insert happened


def test_bindings_are_substituted_not_concatenated(store: Store) -> None:
    store.replace_graphs({G1: graph_of("x"), G2: graph_of("y")})
    rows = store.select("SELECT ?n ?g WHERE { GRAPH ?g { ?s ?p ?n } }", {"g": G2})
    assert [str(r["n"]) for r in rows] == ["y"]


def test_malformed_query_raises_query_rejected(store: Store) -> None:
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


TYPED = [
    Literal("47.245935", datatype=XSD.decimal),
    Literal("POINT(-1.505602 47.245935)", datatype=GEO.wktLiteral),
    Literal("2026-01-02T03:04:05Z", datatype=XSD.dateTime),
    Literal(True),
    Literal(12),
    Literal("Médiathèque « L'Alpha »", lang="fr"),
    Literal('guillemets " et \\ et\nligne'),
]


def test_literals_come_back_as_written(store: Store) -> None:
    graph = Graph()
    subject = URIRef("http://registre.test/id/record/a/1")
    for number, value in enumerate(TYPED):
        graph.add((subject, URIRef(f"http://registre.test/p{number}"), value))
    store.replace_graphs({G1: graph})
    rows = store.select("SELECT ?p ?o WHERE { ?s ?p ?o }")
    assert {(str(r["p"]), r["o"]) for r in rows} == {(str(p), o) for _, p, o in graph}
    again = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert set(again) == set(graph)


def test_patch_adds_and_removes_triples_in_one_request(store: Store) -> None:
    store.replace_graphs({G1: graph_of("x", "y"), G2: graph_of("z")})
    store.patch_graphs({G1: (graph_of("x"), graph_of("w"))}, add={G2: graph_of("v")})
    assert names(store) == {"y", "w", "z", "v"}
    assert store.count(G1) == 2 and store.count(G2) == 2


def test_rebuild_and_replace_with_an_empty_graph(store: Store) -> None:
    store.replace_graphs({G1: graph_of("x"), G2: graph_of("y")})
    store.rebuild_graphs({G2: graph_of("a", "b").serialize(format="nt").encode()})
    assert names(store) == {"x", "a", "b"}
    store.replace_graphs({G1: Graph()})
    assert names(store) == {"a", "b"}
    assert store.graph_names() == [G2]


def test_ask_construct_and_bindings(store: Store) -> None:
    store.replace_graphs({G1: graph_of("x"), G2: graph_of("y")})
    subject = URIRef("http://registre.test/id/record/y")
    assert store.ask("ASK { ?s <http://schema.org/name> ?n }", {"s": subject})
    assert not store.ask('ASK { ?s <http://schema.org/name> "x" }', {"s": subject})
    graph = store.construct("CONSTRUCT { ?s <http://schema.org/name> ?n } WHERE { ?s ?p ?n }",
                            {"s": subject})  # fmt: skip
    assert {str(o) for o in graph.objects()} == {"y"}
    nt = store.construct_nt(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
    assert nt.strip() == '<http://registre.test/id/record/x> <http://schema.org/name> "x" .'


@pytest.mark.parametrize(
    ("query", "media_type"),
    [
        ("SELECT ?n WHERE { ?s <http://schema.org/name> ?n } ORDER BY ?n", "text/csv"),
        ("SELECT ?n WHERE { ?s <http://schema.org/name> ?n } ORDER BY ?n",
         "application/sparql-results+json"),
        ("ASK { ?s <http://schema.org/name> \"x\" }", "application/sparql-results+json"),
        ("ASK { ?s <http://schema.org/name> \"nope\" }", "application/sparql-results+xml"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "application/n-triples"),
    ],
)  # fmt: skip
def test_protocol_answers_are_the_same_bytes_on_every_store(
    store: Store, query: str, media_type: str, tmp_path: Path
) -> None:
    reference = OxigraphStore(None)
    for target in (store, reference):
        target.replace_graphs({G1: graph_of("x", "é"), G2: graph_of("y")})
    ours, theirs = (s.query(query).serialize(media_type) for s in (store, reference))
    if media_type == "application/n-triples":
        assert sorted(ours.splitlines()) == sorted(theirs.splitlines())
    else:
        assert ours == theirs


def test_default_and_named_graphs_of_the_protocol(store: Store) -> None:
    store.replace_graphs({G1: graph_of("x"), G2: graph_of("y")})
    query = "SELECT ?n WHERE { ?s <http://schema.org/name> ?n }"
    only = store.query(query, default_graphs=[str(G2)]).serialize("text/csv")
    assert only.decode().split() == ["n", "y"]
    graphs = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    named = store.query(graphs, named_graphs=[str(G1)]).serialize("text/csv")
    assert named.decode().split() == ["g", str(G1)]


def test_dump_holds_every_quad(store: Store) -> None:
    store.replace_graphs({G1: graph_of("x"), G2: graph_of("y", "z")})
    out = io.BytesIO()
    store.dump(out)
    quads = list(pyoxigraph.parse(out.getvalue(), pyoxigraph.RdfFormat.N_QUADS))
    assert sorted((q.graph_name.value, q.object.value) for q in quads) == [
        (str(G1), "x"), (str(G2), "y"), (str(G2), "z"),
    ]  # fmt: skip


def test_blank_nodes_are_skolemised_on_a_remote_store(remote_settings: Settings) -> None:
    store = RemoteStore.from_settings(remote_settings)
    graph = Graph()
    hours = BNode()
    graph.add((URIRef("http://registre.test/id/record/a/1"), P, hours))
    graph.add((hours, P, Literal("lundi")))
    store.replace_graphs({G1: graph})
    rows = store.select("SELECT ?h WHERE { ?s <http://schema.org/name> ?h . ?h ?p ?o }")
    assert len(rows) == 1
    assert str(rows[0]["h"]).startswith("http://registre.test/.well-known/genid/")


def test_a_remote_store_that_does_not_answer_says_so(settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once the socket is closed
    store = RemoteStore(f"http://127.0.0.1:{port}/sparql", settings, user="registre",
                        password="s3cret-mot-de-passe", timeout=5)  # fmt: skip
    with pytest.raises(StoreUnavailable, match="ne répond pas") as refused:
        store.select("SELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(StoreUnavailable, match="ne répond pas"):
        store.replace_graphs({G1: graph_of("x")})
    assert "s3cret" not in str(refused.value) and "s3cret" not in repr(store)
    shown = replace(settings, store_password="s3cret-mot-de-passe")
    assert "s3cret" not in repr(shown)


def test_a_malformed_query_on_a_remote_store_gives_the_server_message(
    remote_settings: Settings,
) -> None:
    store = RemoteStore.from_settings(remote_settings)
    with pytest.raises(QueryRejected, match="Requête SPARQL invalide") as refused:
        store.select("SELECT ?x WHERE { ?x ?p }")
    assert refused.value.status == 400


def test_dump_of_one_graph_in_turtle_and_of_all_in_trig(store: Store) -> None:
    store.replace_graphs({G1: graph_of("x"), G2: graph_of("y", "z")})
    turtle = io.BytesIO()
    store.dump(turtle, "text/turtle", graph=G2, prefixes={"schema": "http://schema.org/"})
    assert b"@prefix schema: <http://schema.org/>" in turtle.getvalue()
    assert set(Graph().parse(data=turtle.getvalue(), format="turtle")) == set(graph_of("y", "z"))
    trig = io.BytesIO()
    store.dump(trig, "application/trig", prefixes={"schema": "http://schema.org/"})
    quads = list(pyoxigraph.parse(trig.getvalue(), pyoxigraph.RdfFormat.TRIG))
    assert sorted((q.graph_name.value, q.object.value) for q in quads) == [
        (str(G1), "x"), (str(G2), "y"), (str(G2), "z"),
    ]  # fmt: skip
