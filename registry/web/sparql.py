"""`/sparql`: the SPARQL 1.1 Protocol, read-only, over the published snapshot."""

from __future__ import annotations

import os
import re
import threading

import pyoxigraph
from flask import Blueprint, Response, abort, render_template, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef

from ..conneg import HTML
from ..errors import QueryRejected
from ..namespaces import RDF, RDFS
from ..paths import EXAMPLE_QUERIES
from ..query_pool import Answer, QueryPool, timeout_message, write_answer
from ..remote_store import RemoteStore
from ..sparql import GRAPH_TYPES, format_parameter, media_types_for, run_query
from ..store import OxigraphStore, Store
from . import context
from .resources import graph_sizes

bp = Blueprint("sparql", __name__)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_QUERY_CHARS = 100_000  # the longest example is 3 kB; a VALUES list of 1,000 IRIs ~ 60 kB
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SERIALIZERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
GRAPH_IRI = re.compile(r"https?://[^<>\"{}|^`\\\s]+")


def _query_text() -> str | None:
    """The query of a GET, a form POST or a direct POST (SPARQL 1.1 Protocol §2.1)."""
    if request.method == "GET":
        return request.args.get("query")
    mimetype = request.mimetype
    if mimetype == QUERY_TYPE:
        return request.get_data(as_text=True)
    if mimetype in (FORM_TYPE, "multipart/form-data"):
        if "update" in request.form:
            raise QueryRejected(
                "Les mises à jour SPARQL sont refusées : ce point d'accès est en lecture seule.",
                status=403,
            )
        return request.form.get("query")
    if mimetype == UPDATE_TYPE:
        raise QueryRejected(
            "Les mises à jour SPARQL sont refusées : ce point d'accès est en lecture seule.",
            status=403,
        )
    raise QueryRejected(
        f"Type de contenu non pris en charge : {mimetype or '(aucun)'}. Utilisez {QUERY_TYPE} "
        f"ou {FORM_TYPE}.",
        status=415,
    )


def _graph_list(name: str) -> list[str]:
    source = request.args if request.method == "GET" else request.values
    graphs = source.getlist(name)
    for graph in graphs:
        try:
            pyoxigraph.NamedNode(graph)
        except ValueError:
            message = f"IRI de graphe invalide dans « {name} » : « {graph[:80]} »."
            raise QueryRejected(message) from None
    return graphs


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str:
    """Answer a SPARQL query; without one, the service description, or the query page."""
    text = _query_text()
    if not text:
        if request.method == "GET" and request.args.get("query") is None:
            best = request.accept_mimetypes.best_match([HTML, *GRAPH_TYPES], default=HTML)
            if best != HTML:  # SPARQL 1.1 Service Description §2: at the endpoint URL
                return _service_description(best)
        if request.method == "POST" or "query" in request.args:
            raise QueryRejected("La requête SPARQL est vide.")
        return render_template(
            "pages/sparql.html",
            example=(EXAMPLE_QUERIES / "places-by-region.rq").read_text(encoding="utf-8"),
            examples=(examples := _examples()),
            examples_json=[{"nom": name, "requete": text} for name, text in examples],
        )
    if len(text) > MAX_QUERY_CHARS:
        size = f"{len(text):,} caractères ; {MAX_QUERY_CHARS:,} au plus".replace(",", " ")
        raise QueryRejected(f"Requête trop longue ({size}).", status=413)
    wanted = request.values.get("format", "")
    media_types = {kind: _negotiate(kind, wanted) for kind in ("bindings", "graph", "boolean")}
    answer = _answer(text, media_types)
    response = Response(answer.body, content_type=_with_charset(answer.media_type))
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _negotiate(kind: str, wanted: str) -> str:
    """The media type to answer a result of `kind` in: `format`, else `Accept`, else default."""
    offered = media_types_for(kind)
    media_type = format_parameter(wanted) if wanted else None
    if media_type not in offered:
        media_type = request.accept_mimetypes.best_match(offered, default=offered[0])
    return media_type or offered[0]


def _answer(text: str, media_types: dict[str, str]) -> Answer:
    """Run the query and write its answer, within the deadline and the size cap.

    A published snapshot on disk is queried in a worker process the deadline can stop; a store
    given to the app (tests, an in-memory store) is queried in this thread, size-capped only.
    """
    settings = context.settings()
    max_bytes = settings.sparql_max_result_mb * 1_000_000
    defaults, named = _graph_list("default-graph-uri"), _graph_list("named-graph-uri")
    store = context.store()
    if isinstance(store, OxigraphStore) and store.read_only and store.path is not None:
        pool = _pool(settings.sparql_workers, settings.sparql_timeout_s, max_bytes)
        return pool.run(store.path, text, defaults, named, media_types)
    if isinstance(store, RemoteStore):
        timeout = settings.sparql_timeout_s
        store = store.bounded(timeout, timeout_message(timeout))
    return write_answer(run_query(store, text, defaults, named), media_types, max_bytes)


_POOLS: dict[tuple[int, int, float, int], QueryPool] = {}
_POOLS_LOCK = threading.Lock()


def _pool(size: int, timeout: float, max_bytes: int) -> QueryPool:
    """This process's pool of query workers (one per set of limits)."""
    key = (os.getpid(), size, timeout, max_bytes)
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS[key] = QueryPool(size, timeout, max_bytes)
        return _POOLS[key]


def _examples() -> list[tuple[str, str]]:
    """The example queries of docs/queries: (file name, text)."""
    return [
        (path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(EXAMPLE_QUERIES.glob("*.rq"))
    ]


def _service_description(media_type: str) -> Response:
    """The SPARQL 1.1 Service Description of this endpoint (counts cached per snapshot)."""
    graph = context.per_snapshot("service-description", _describe_service)
    body = graph.serialize(format=SERIALIZERS[media_type])
    response = Response(body, content_type=_with_charset(media_type))
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _describe_service(store: Store) -> Graph:
    settings = context.settings()
    endpoint = URIRef(f"{settings.base_uri}sparql")
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("formats", FORMATS)
    graph.add((endpoint, RDF.type, SD.Service))
    graph.add((endpoint, SD.endpoint, endpoint))
    graph.add((endpoint, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((endpoint, SD.feature, SD.UnionDefaultGraph))
    graph.add((endpoint, SD.feature, SD.DereferencesURIs))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                 "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):  # fmt: skip
        graph.add((endpoint, SD.resultFormat, FORMATS[name]))
    graph.add(
        (endpoint, RDFS.label, Literal("Registre ouvert des tiers-lieux : SPARQL", lang="fr"))
    )
    graph.add((endpoint, RDFS.seeAlso, URIRef(f"{settings.base_uri}void")))
    dataset, default = BNode(), BNode()
    graph.add((endpoint, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    total = 0
    for iri, triples in graph_sizes().items():
        name = URIRef(iri)
        total += triples
        named, described = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, name))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(triples)))
    graph.add((default, VOID.triples, Literal(total)))
    return graph


@bp.get("/sparql/graph")
def graph_store() -> Response:
    """The Graph Store Protocol, read-only: `?graph=<IRI>` (a named graph) or `?default`."""
    if "default" in request.args:
        query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    else:
        name = request.args.get("graph", "").strip()
        if not name:
            raise QueryRejected("Indiquez « graph=<IRI du graphe> » ou « default ».")
        if not GRAPH_IRI.fullmatch(name):
            raise QueryRejected(f"IRI de graphe invalide : « {name[:80]} ».")
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
        if not context.store().select(
            "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1", {"g": URIRef(name)}
        ):
            abort(404)
    media_type = request.accept_mimetypes.best_match(GRAPH_TYPES, default=GRAPH_TYPES[0])
    result = run_query(context.store(), query)
    response = Response(result.serialize(media_type), content_type=_with_charset(media_type))
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _with_charset(media_type: str) -> str:
    return media_type if media_type.endswith("+xml") else f"{media_type}; charset=utf-8"
