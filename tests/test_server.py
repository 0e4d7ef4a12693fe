"""The production server (`tierslieux serve`, gunicorn) answering over real HTTP."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from rdflib import URIRef

from registry.namespaces import SCHEMA
from registry.publication import publish
from registry.settings import Settings
from registry.store import open_store

from .conftest import free_port, gunicorn_server, harvest, parse_rdf

pytestmark = pytest.mark.server
SPARQL_TIMEOUT_S = 4


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[str]:
    base = f"http://127.0.0.1:{free_port()}/"
    settings = replace(settings, base_uri=base)
    store = open_store(settings)
    harvest(store, settings, "geographie")
    harvest(store, settings, "cget-2019")
    publish(store, settings)
    del store
    # no rate limit: the runaway test sends many requests from this one client
    env = {"TL_SPARQL_TIMEOUT_S": str(SPARQL_TIMEOUT_S), "TL_SPARQL_PER_MINUTE": "0"}
    with gunicorn_server(settings, tmp_path / "server.log", env) as url:
        yield url


def test_gunicorn_serves_pages_uris_and_sparql(server: str) -> None:
    home = requests.get(server, params={"q": "nantes"}, timeout=10)
    assert home.status_code == 200
    assert "gunicorn" in home.headers.get("Server", "")
    place_id = home.text.split('href="/lieu/', 1)[1].split('"', 1)[0]

    # curl -H 'Accept: text/turtle' -L {base}id/lieu/<id>
    turtle = requests.get(
        f"{server}id/lieu/{place_id}", headers={"Accept": "text/turtle"}, timeout=10
    )
    assert [r.status_code for r in turtle.history] == [303]
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    graph = parse_rdf(turtle.content, "text/turtle")
    assert str(graph.value(URIRef(f"{server}id/lieu/{place_id}"), SCHEMA.name)) == "ADE Coworking"

    # the same URL in a browser shows its French page
    page = requests.get(
        f"{server}id/lieu/{place_id}",
        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
        timeout=10,
    )
    assert page.url == f"{server}lieu/{place_id}"
    assert '<html lang="fr">' in page.text and "ADE Coworking" in page.text

    count = "PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>\n"
    count += "SELECT (COUNT(*) AS ?n) WHERE { ?p a tl:TiersLieu }"
    answer = requests.post(
        f"{server}sparql", data={"query": count}, headers={"Accept": "text/csv"}, timeout=10
    )
    assert answer.text.splitlines() == ["n", "5"]


def test_a_runaway_query_is_stopped_while_the_site_and_sparql_keep_answering(
    server: str,
) -> None:
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    ask = "ASK { ?p a <https://w3id.org/tiers-lieux/def/tl#TiersLieu> }"
    json_ = {"Accept": "application/sparql-results+json"}
    assert requests.get(f"{server}sparql", params={"query": ask}, headers=json_, timeout=30).ok
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        stopped = pool.submit(
            requests.post, f"{server}sparql", data={"query": runaway}, headers=json_,
            timeout=120,
        )  # fmt: skip
        time.sleep(0.5)
        others = []
        while not stopped.done():
            page = requests.get(f"{server}recherche", params={"q": "nantes"}, timeout=30)
            answer = requests.get(f"{server}sparql", params={"query": ask}, headers=json_,
                                  timeout=30)  # fmt: skip
            others.append((page.status_code, answer.status_code, answer.json()["boolean"]))
        response = stopped.result()
    assert response.status_code == 503
    assert f"délai de {SPARQL_TIMEOUT_S} s" in response.text
    assert time.monotonic() - started >= SPARQL_TIMEOUT_S
    assert len(others) >= 2 and set(others) == {(200, 200, True)}
