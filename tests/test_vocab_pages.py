"""The vocabulary is served: /def/tl and every concept, as French pages or RDF by Accept."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, SKOS

from registry.namespaces import TL, TYPO
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.vocabulary import vocabulary_graph
from registry.web import create_app

from .conftest import parse_rdf


@pytest.fixture
def client(settings: Settings) -> FlaskClient:
    return create_app(settings, store=OxigraphStore(None)).test_client()


def test_ontology_page_lists_every_term(client: FlaskClient) -> None:
    response = client.get("/def/tl", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["Vary"] == "Accept"
    html = response.get_data(as_text=True)
    for name in TL.__annotations__:
        assert f'id="{name}"' in html, name
    assert "Vocabulaires contrôlés (SKOS)" in html


@pytest.mark.parametrize(
    ("path", "accept"),
    [("/def/tl", "text/turtle"), ("/def/tl.ttl", "*/*"), ("/def/tl.jsonld", "*/*"),
     ("/def/tl", "application/ld+json")],
)  # fmt: skip
def test_ontology_as_rdf(client: FlaskClient, path: str, accept: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    graph = parse_rdf(response.get_data(), response.mimetype)
    assert (TL.TiersLieu, RDF.type, OWL.Class) in graph
    assert (URIRef(str(TL._NS).rstrip("#")), RDF.type, OWL.Ontology) in graph


def test_every_concept_dereferences(client: FlaskClient) -> None:
    concepts = sorted(vocabulary_graph().subjects(RDF.type, SKOS.Concept), key=str)
    assert len(concepts) > 150
    for concept in concepts:
        path = str(concept).removeprefix("https://w3id.org/tiers-lieux")
        response = client.get(path, headers={"Accept": "text/turtle"})
        assert response.status_code == 200, path
        graph = parse_rdf(response.get_data(), "text/turtle")
        assert graph.value(concept, SKOS.inScheme) is not None, path


def test_scheme_page_in_french(client: FlaskClient) -> None:
    html = client.get("/def/typologie/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Typologies de tiers-lieux" in html
    assert "Espace de coworking" in html
    assert "https://wiki.openstreetmap.org/wiki/Tag:amenity%3Dcoworking_space" in html
    coworking = client.get("/def/typologie/coworking.ttl")
    graph = parse_rdf(coworking.get_data(), "text/turtle")
    assert (
        TYPO.coworking,
        SKOS.exactMatch,
        URIRef(str(TYPO).replace("typologie", "typologie-cget") + "dominante-coworking"),
    ) in graph


def test_unknown_term_is_404(client: FlaskClient) -> None:
    assert (
        client.get("/def/typologie/inexistant", headers={"Accept": "text/html"}).status_code == 404
    )
