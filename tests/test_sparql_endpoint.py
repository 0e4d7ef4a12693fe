"""/sparql speaks the SPARQL 1.1 Protocol, read-only."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import create_app

from .conftest import parse_rdf

COUNT = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/tiers-lieux/def/tl#TiersLieu> }"
CONSTRUCT = (
    "CONSTRUCT { ?p <http://schema.org/name> ?n } WHERE { ?p a "
    "<https://w3id.org/tiers-lieux/def/tl#TiersLieu> ; <http://schema.org/name> ?n }"
)


@pytest.fixture
def client(settings: Settings, loaded_store: OxigraphStore) -> FlaskClient:
    return create_app(settings, store=loaded_store).test_client()


def count_of(response: object) -> int:
    return int(json.loads(response.get_data())["results"]["bindings"][0]["n"]["value"])


def test_get_post_form_and_post_direct_give_the_same_answer(client: FlaskClient) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    get = client.get("/sparql", query_string={"query": COUNT}, headers=accept)
    form = client.post("/sparql", data={"query": COUNT}, headers=accept)
    direct = client.post(
        "/sparql", data=COUNT, content_type="application/sparql-query", headers=accept
    )
    assert [r.status_code for r in (get, form, direct)] == [200, 200, 200]
    assert count_of(get) == count_of(form) == count_of(direct) == 5
    assert get.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_formats_by_accept(client: FlaskClient, accept: str, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    body = response.get_data(as_text=True)
    if media_type.endswith("xml"):
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert ET.fromstring(body).find(f".//{ns}literal").text == "5"
    elif media_type == "text/csv":
        assert list(csv.DictReader(io.StringIO(body))) == [{"n": "5"}]
    elif media_type == "text/tab-separated-values":
        assert body.splitlines()[0] == "?n"


def test_format_parameter_overrides_accept(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": COUNT, "format": "csv"}, headers={"Accept": "text/html"}
    )
    assert response.mimetype == "text/csv"


@pytest.mark.parametrize(
    "accept",
    ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"],
)
def test_construct_formats(client: FlaskClient, accept: str) -> None:
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    assert len(parse_rdf(response.get_data(), accept)) == 5


def test_ask(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "ASK { ?s a <https://w3id.org/tiers-lieux/def/tl#TiersLieu> }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert json.loads(response.get_data()) == {"head": {}, "boolean": True}


def test_default_graph_uri_restricts_the_dataset(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": COUNT, "default-graph-uri": "http://registre.test/graph/geo"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert count_of(response) == 0


def test_malformed_query_is_400_with_the_parser_message(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELEC ?x WHERE { ?x ?y ?z }"})
    assert response.status_code == 400
    assert response.get_data(as_text=True).startswith("Requête SPARQL invalide : error at 1:")


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {
            "data": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
            "content_type": "application/sparql-update",
        },
        {"data": {"query": "DROP ALL"}},
        {"data": "LOAD <http://example.org/x.ttl>", "content_type": "application/sparql-query"},
    ],
)
def test_updates_are_refused(client: FlaskClient, request_kwargs: dict) -> None:
    response = client.post("/sparql", **request_kwargs)
    assert response.status_code == 403
    assert "lecture seule" in response.get_data(as_text=True)
    assert (
        count_of(
            client.get(
                "/sparql",
                query_string={"query": COUNT},
                headers={"Accept": "application/sparql-results+json"},
            )
        )
        == 5
    )


def test_unsupported_content_type_is_415(client: FlaskClient) -> None:
    response = client.post("/sparql", data="x", content_type="text/plain")
    assert response.status_code == 415


def test_put_is_405(client: FlaskClient) -> None:
    assert client.put("/sparql", data={"query": COUNT}).status_code == 405


def test_browser_without_query_gets_the_query_page(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "Point d'accès SPARQL" in response.get_data(as_text=True)


def test_an_oversized_query_is_refused_with_413(client: FlaskClient) -> None:
    padding = "# " + "x" * 100_000 + "\n"
    response = client.post("/sparql", data={"query": padding + "ASK {}"})
    assert response.status_code == 413
    assert "Requête trop longue" in response.get_data(as_text=True)
