"""The SPARQL endpoint as real clients use it: SPARQLWrapper (Python) and Comunica (Node.js).

The fixture registry is served by a real HTTP server on loopback. Both clients speak the SPARQL
1.1 Protocol to it: SELECT in each result format, CONSTRUCT, ASK, bad queries, form and direct
POST, and the service description Comunica needs to recognise an endpoint.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from rdflib import Graph, URIRef
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import create_app

from .conftest import ROOT, live_server

pytestmark = pytest.mark.server

COUNT_PLACES = """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
SELECT (COUNT(?place) AS ?n) WHERE { ?place a tl:TiersLieu }"""
NAMES = """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
PREFIX schema: <http://schema.org/>
SELECT ?place ?name WHERE { ?place a tl:TiersLieu ; schema:name ?name } ORDER BY ?name"""
CONSTRUCT_NAMES = """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
PREFIX schema: <http://schema.org/>
CONSTRUCT { ?place schema:name ?name } WHERE { ?place a tl:TiersLieu ; schema:name ?name }"""
COMUNICA = ROOT / "node_modules" / "@comunica" / "query-sparql" / "bin" / "query.js"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from harvesters import harvest_source
    from harvesters.config import load_sources
    from registry.publication import publish

    from .conftest import CGET_CSV, DATA

    mirror = tmp_path_factory.mktemp("mirror")
    (mirror / "cget-tiers-lieux-2019").mkdir()
    shutil.copy(DATA / "harvesters/cget/listing.csv", mirror / CGET_CSV)
    settings = Settings(
        data_dir=str(tmp_path_factory.mktemp("var")),
        mirror_dir=str(mirror),
        base_uri="http://registre.test/",
    )
    store = OxigraphStore(None)
    harvest_source(load_sources()["cget-2019"], store, settings)
    publish(store, settings)
    names = sorted(str(row["name"]) for row in store.select(NAMES))
    with live_server(create_app(settings, store=store)) as base:
        yield {"url": f"{base}/sparql", "names": names, "store": store}


def wrapper(url: str, query: str, result_format: str, method: str = "GET") -> Any:
    client = SPARQLWrapper(url)
    client.setQuery(query)
    client.setReturnFormat(result_format)
    if method == "POST":
        client.setMethod(POST)
    elif method == "POSTDIRECTLY":
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
    return client.query()


@pytest.mark.parametrize("method", ["GET", "POST", "POSTDIRECTLY"])
def test_sparqlwrapper_select_json_by_each_method(endpoint: dict[str, Any], method: str) -> None:
    result = wrapper(endpoint["url"], NAMES, JSON, method).convert()
    assert [b["name"]["value"] for b in result["results"]["bindings"]] == endpoint["names"]


def test_sparqlwrapper_select_in_xml_csv_and_tsv(endpoint: dict[str, Any]) -> None:
    xml = wrapper(endpoint["url"], NAMES, XML).convert()
    found = [node.firstChild.data for node in xml.getElementsByTagName("literal")]
    assert found == endpoint["names"]
    for result_format, delimiter in ((CSV, ","), (TSV, "\t")):  # TSV: no quoting rules
        text = wrapper(endpoint["url"], NAMES, result_format).convert().decode("utf-8")
        rows = list(
            csv.reader(io.StringIO(text), delimiter=delimiter)
            if result_format == CSV
            else (line.split("\t") for line in text.splitlines())
        )
        assert rows[0] == (["place", "name"] if result_format == CSV else ["?place", "?name"])
        names = [row[1] for row in rows[1:]]
        if result_format == TSV:  # TSV writes RDF terms: "name"
            names = [json.loads(name) for name in names]
        assert names == endpoint["names"]


def test_sparqlwrapper_construct_and_ask(endpoint: dict[str, Any]) -> None:
    graph = wrapper(endpoint["url"], CONSTRUCT_NAMES, TURTLE).convert()
    if isinstance(graph, bytes):
        graph = Graph().parse(data=graph, format="turtle")
    assert sorted(str(o) for o in graph.objects()) == endpoint["names"]
    ask = "PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#> ASK { ?p a tl:TiersLieu }"
    assert wrapper(endpoint["url"], ask, JSON).convert()["boolean"] is True


def test_sparqlwrapper_bad_query_is_a_400_with_the_parser_message(
    endpoint: dict[str, Any],
) -> None:
    with pytest.raises(QueryBadFormed) as error:
        wrapper(endpoint["url"], "SELECT ?x WHERE { ?x ", JSON).convert()
    assert "SPARQL invalide" in str(error.value) and "error at 1:" in str(error.value)


def test_service_description_at_the_endpoint_url(endpoint: dict[str, Any]) -> None:
    answer = requests.get(endpoint["url"], headers={"Accept": "text/turtle"}, timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=answer.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = URIRef("http://registre.test/sparql")
    assert (service, URIRef(sd + "endpoint"), service) in graph
    formats = {str(o) for o in graph.objects(service, URIRef(sd + "resultFormat"))}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    names = {str(o) for o in graph.objects(None, URIRef(sd + "name"))}
    assert "http://registre.test/graph/registry" in names
    browser = requests.get(endpoint["url"], headers={"Accept": "text/html"}, timeout=10)
    assert browser.headers["Content-Type"].startswith("text/html")


def test_federated_queries_are_refused_before_running(endpoint: dict[str, Any]) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    answer = requests.get(endpoint["url"], params={"query": query}, timeout=10)
    assert answer.status_code == 403 and "SERVICE" in answer.text
    harmless = "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1"
    assert requests.get(endpoint["url"], params={"query": harmless}, timeout=10).ok


def test_graph_store_protocol_reads_a_named_graph(endpoint: dict[str, Any]) -> None:
    registry = "http://registre.test/graph/registry"
    answer = requests.get(
        f"{endpoint['url']}/graph",
        params={"graph": registry},
        headers={"Accept": "application/n-triples"},
        timeout=10,
    )
    assert answer.status_code == 200
    graph = Graph().parse(data=answer.text, format="nt")
    count = endpoint["store"].select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{registry}> {{ ?s ?p ?o }} }}"
    )
    assert len(graph) == int(str(count[0]["n"])) > 0
    unknown = requests.get(
        f"{endpoint['url']}/graph", params={"graph": "http://registre.test/graph/x"}, timeout=10
    )
    assert unknown.status_code == 404
    # the graph's own IRI dereferences to the same triples
    via_iri = requests.get(
        endpoint["url"].replace("/sparql", "/graph/registry"),
        headers={"Accept": "application/n-triples"},
        timeout=10,
    )
    assert len(Graph().parse(data=via_iri.text, format="nt")) == len(graph)


def comunica(*args: str) -> subprocess.CompletedProcess[str]:
    if not COMUNICA.is_file():
        pytest.skip("Comunica absent: run `npm ci` (make test does)")
    return subprocess.run(
        ["node", str(COMUNICA), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_comunica_recognises_the_endpoint_and_selects(endpoint: dict[str, Any]) -> None:
    ran = comunica(endpoint["url"], "-q", NAMES, "-t", "application/sparql-results+json")
    assert ran.returncode == 0, ran.stderr
    bindings = json.loads(ran.stdout)["results"]["bindings"]
    assert sorted(b["name"]["value"] for b in bindings) == endpoint["names"]


def test_comunica_counts_constructs_and_asks(endpoint: dict[str, Any]) -> None:
    counted = comunica(endpoint["url"], "-q", COUNT_PLACES, "-t", "application/sparql-results+json")
    assert counted.returncode == 0, counted.stderr
    bindings = json.loads(counted.stdout)["results"]["bindings"]
    assert int(bindings[0]["n"]["value"]) == len(endpoint["names"])
    constructed = comunica(endpoint["url"], "-q", CONSTRUCT_NAMES, "-t", "application/n-triples")
    assert constructed.returncode == 0, constructed.stderr
    graph = Graph().parse(data=constructed.stdout, format="nt")
    assert sorted(str(o) for o in graph.objects()) == endpoint["names"]
    ask = comunica(
        endpoint["url"],
        "-q",
        "PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#> ASK { ?p a tl:Nothing }",
        "-t",
        "application/sparql-results+json",
    )
    assert ask.returncode == 0, ask.stderr
    assert json.loads(ask.stdout)["boolean"] is False


def test_comunica_reports_a_bad_query(endpoint: dict[str, Any]) -> None:
    ran = comunica(f"sparql@{endpoint['url']}", "-q", "SELECT ?x WHERE { ?x ")
    assert ran.returncode != 0
    assert "Parse error" in ran.stderr or "400" in ran.stderr or "invalide" in ran.stderr
