"""The site and the linked-data URIs, through Flask's test client on the fixture registry."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from registry.namespaces import PROV, SCHEMA
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import create_app

from .conftest import parse_rdf


@pytest.fixture
def client(settings: Settings, loaded_store: OxigraphStore) -> FlaskClient:
    return create_app(settings, store=loaded_store).test_client()


def place_ids(html: str) -> list[str]:
    return re.findall(r'href="/lieu/([a-z0-9]+)"', html)


def test_home_shows_headline_figures(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Où trouver un tiers-lieu près de chez moi ?" in page
    assert re.search(r"<dt>Lieux</dt><dd>5</dd>", page)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("ADE", {"ADE Coworking"}),
        ("BOURG EN BRESSE", {"Fablab de l'Ain"}),
        ("reunion", {"FabLab Réunion"}),
        ("01000", {"Fablab de l'Ain"}),
        ("zzz", set()),
    ],
)
def test_search_by_name(client: FlaskClient, query: str, names: set) -> None:
    page = client.get("/recherche", query_string={"nom": query}).get_data(as_text=True)
    found = set(re.findall(r'href="/lieu/[a-z0-9]+">([^<]+)</a>', page))
    assert {n.replace("'", "&#39;") for n in names} == found


def test_search_near_a_commune_lists_places_nearest_first(client: FlaskClient) -> None:
    page = client.get("/recherche", query_string={"q": "Nantes", "rayon": "200"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.findall(r'href="/lieu/[a-z0-9]+">([^<]+)</a>', html)[0] == "ADE Coworking"
    distances = [float(d.replace(",", ".")) for d in re.findall(r"([\d,]+) km · environ", html)]
    assert distances == sorted(distances) and distances
    # a text that is no commune is looked up among the places' names
    named = client.get("/recherche", query_string={"q": "ADE Coworking"}).get_data(as_text=True)
    assert "ADE Coworking</a>" in named
    assert client.get("/recherche?rayon=abc&q=Nantes").status_code == 400
    # the search box of earlier versions keeps working
    moved = client.get("/?q=nantes")
    assert moved.status_code == 301 and moved.location.endswith("/recherche?q=nantes")


def test_place_page_shows_its_fields_and_source(client: FlaskClient) -> None:
    page = client.get("/recherche", query_string={"nom": "Fablab de l'Ain"}).get_data(as_text=True)
    (place_id,) = place_ids(page)
    response = client.get(f"/lieu/{place_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for expected in (
        "Fablab de l&#39;Ain",
        "4 Rue des Casernes",
        "01000 Bourg-en-Bresse",
        "Ain",
        "Auvergne-Rhône-Alpes",
        "placée à la main",
        "Fablab",
        "https://twitter.com/fablabain",
        "Base nationale des tiers-lieux 2019 (CGET, Mission Coworking)",
        "Licence Ouverte 2.0",
        f"/lieu/{place_id}.ttl",
        f"/lieu/{place_id}.jsonld",
    ):
        assert expected in html, expected
    schema = json.loads(
        re.search(r'<script type="application/ld\+json">(.+?)</script>', html).group(1)
    )
    assert schema["@type"] == "Place" and schema["address"]["postalCode"] == "01000"


def test_id_answers_303_to_html_or_rdf_by_accept(client: FlaskClient) -> None:
    page = client.get("/recherche", query_string={"nom": "nantes"}).get_data(as_text=True)
    (place_id,) = place_ids(page)
    html = client.get(f"/id/lieu/{place_id}", headers={"Accept": "text/html,*/*;q=0.8"})
    assert html.status_code == 303
    assert html.headers["Location"].endswith(f"/lieu/{place_id}")
    assert html.headers["Vary"] == "Accept"
    turtle = client.get(f"/id/lieu/{place_id}", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 303
    data = client.get(turtle.headers["Location"])
    assert data.content_type.startswith("text/turtle")
    graph = Graph().parse(data=data.get_data(as_text=True), format="turtle")
    iri = URIRef(f"http://registre.test/id/lieu/{place_id}")
    assert str(graph.value(iri, SCHEMA.name)) == "ADE Coworking"
    assert graph.value(iri, PROV.wasDerivedFrom) == URIRef(
        "http://registre.test/id/record/cget-2019/1"
    )


@pytest.mark.parametrize(
    ("ext", "media_type"),
    [
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
        ("ttl", "text/turtle"),
    ],
)
def test_place_data_in_every_rdf_format(client: FlaskClient, ext: str, media_type: str) -> None:
    page = client.get("/recherche", query_string={"nom": "nantes"}).get_data(as_text=True)
    (place_id,) = place_ids(page)
    response = client.get(f"/lieu/{place_id}.{ext}")
    assert response.status_code == 200
    assert response.mimetype == media_type
    graph = parse_rdf(response.get_data(), media_type)
    assert str(graph.value(URIRef(f"http://registre.test/id/lieu/{place_id}"), SCHEMA.name)) == (
        "ADE Coworking"
    )


@pytest.mark.parametrize(
    ("kind", "code", "page"),
    [
        ("epci", "200070092", "/territoires/epci/200070092"),
        ("departement", "33", "/territoires/departement/33"),
        ("region", "75", "/territoires/region/75"),
        ("commune", "33243", "/ressource/commune/33243"),
    ],
)
def test_territory_iris_dereference_to_their_page_or_their_data(
    client: FlaskClient, kind: str, code: str, page: str
) -> None:
    iri = f"http://registre.test/id/{kind}/{code}"
    html = client.get(f"/id/{kind}/{code}", headers={"Accept": "text/html"})
    assert html.status_code == 303 and html.location == page and html.headers["Vary"] == "Accept"
    assert client.get(page).status_code == 200
    data = client.get(f"/id/{kind}/{code}", headers={"Accept": "text/turtle"})
    assert data.status_code == 303
    turtle = client.get(data.location)
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"
    assert (URIRef(iri), None, None) in parse_rdf(turtle.get_data(), "text/turtle")
    assert 'rel="alternate"; type="application/ld+json"' in turtle.headers["Link"]


def test_named_graph_iris_dereference(client: FlaskClient) -> None:
    page = client.get("/graph/registry", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "triplets" in page.get_data(as_text=True)
    data = client.get("/graph/registry", headers={"Accept": "text/turtle"})
    assert data.status_code == 303 and "/sparql/graph?graph=" in data.location
    assert client.get("/graph/inconnu").status_code == 404


def test_unknown_place_is_a_french_404(client: FlaskClient) -> None:
    response = client.get("/lieu/inconnu", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Cette page n&#39;existe pas." in response.get_data(as_text=True)
    assert client.get("/lieu/inconnu.ttl").status_code == 404


def test_region_uri_dereferences(client: FlaskClient) -> None:
    redirect = client.get("/id/region/52", headers={"Accept": "text/html"})
    assert redirect.status_code == 303
    page = client.get(redirect.headers["Location"]).get_data(as_text=True)
    assert "Pays de la Loire" in page


def test_sources_page_lists_harvested_sources(client: FlaskClient) -> None:
    page = client.get("/sources").get_data(as_text=True)
    assert "Base nationale des tiers-lieux 2019 (CGET, Mission Coworking)" in page
    assert "Agence nationale de la cohésion des territoires" in page


def test_site_before_any_publication_says_so(settings: Settings) -> None:
    client = create_app(settings).test_client()
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert "tierslieux publish" in response.get_data(as_text=True)


def test_no_page_shows_personal_data(client: FlaskClient) -> None:
    pages = [client.get("/recherche", query_string={"nom": q}).get_data(as_text=True) for q in "ae"]
    for place_id in set(place_ids("".join(pages))):
        pages.append(client.get(f"/lieu/{place_id}").get_data(as_text=True))
        pages.append(client.get(f"/lieu/{place_id}.nt").get_data(as_text=True))
    text = "".join(pages)
    assert len(set(place_ids(text))) == 5
    for personal in ("Jeanne Exemple", "jeanne.exemple@example.org", "Personne-Privée"):
        assert personal not in text


def test_the_liveness_probe_answers_before_any_publication(settings: Settings) -> None:
    client = create_app(settings).test_client()  # nothing published in this data folder
    alive = client.get("/sante")
    assert alive.status_code == 200 and alive.get_data(as_text=True) == "ok\n"
    assert alive.headers["Cache-Control"] == "no-store"
    assert client.get("/").status_code == 503  # the site itself says nothing is published
