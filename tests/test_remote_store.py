"""End to end on a real Virtuoso: harvest → publish → the site and /sparql answer from it, the
same as from the embedded Oxigraph store."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from registry.paths import EXAMPLE_QUERIES
from registry.publication import PublishReport, publish
from registry.remote_store import RemoteStore
from registry.settings import Settings
from registry.store import open_store
from registry.web import create_app

from .conftest import harvest

pytestmark = pytest.mark.endpoint
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture
def both(remote_settings: Settings, tmp_path: Path) -> dict[str, tuple[FlaskClient, PublishReport]]:
    """The fixture sources harvested and published twice: into Virtuoso, and into Oxigraph."""
    embedded = replace(remote_settings, store_url="", data_dir=str(tmp_path / "oxigraph"))
    found = {}
    for name, settings in (("virtuoso", remote_settings), ("oxigraph", embedded)):
        store = open_store(settings)
        harvest(store, settings, "geographie")
        harvest(store, settings, "cget-2019")
        report = publish(store, settings)
        del store
        found[name] = (create_app(settings).test_client(), report)
    return found


def rows(client: FlaskClient, query: str) -> Counter[str]:
    response = client.post("/sparql", data={"query": query}, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    document = response.get_json()
    if "boolean" in document:
        return Counter([str(document["boolean"])])
    for row in document["results"]["bindings"]:
        for cell in row.values():  # when each registry was published differs by some seconds
            if cell.get("datatype") == "http://www.w3.org/2001/XMLSchema#dateTime":
                cell["value"] = "(moment de la publication)"
    return Counter(json.dumps(row, sort_keys=True) for row in document["results"]["bindings"])


MOMENT = re.compile(rb"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?")


def timeless(page: bytes) -> bytes:
    """A page with its moments blanked: the two registries were published seconds apart."""
    return MOMENT.sub(b"(moment)", page)


def test_example_queries_give_the_same_answers_on_both_stores(both: dict) -> None:
    virtuoso, oxigraph = both["virtuoso"][0], both["oxigraph"][0]
    compared = 0
    for path in sorted(EXAMPLE_QUERIES.glob("*.rq")):
        query = path.read_text(encoding="utf-8")
        ours, reference = rows(virtuoso, query), rows(oxigraph, query)
        assert ours == reference, path.name
        compared += 1
    print(f"{compared} example queries, identical answers on Virtuoso and Oxigraph")
    assert compared >= 10


def test_publish_on_virtuoso_reports_and_dumps_as_on_oxigraph(both: dict) -> None:
    (_, remote), (_, embedded) = both["virtuoso"], both["oxigraph"]
    assert remote.places == embedded.places == 5
    assert remote.records == embedded.records
    assert remote.snapshot is None  # the server is the state: no local snapshot
    assert remote.dumps is not None and embedded.dumps is not None
    counts = {d.name: (d.triples, d.rows) for d in embedded.dumps.dumps}
    assert {d.name: (d.triples, d.rows) for d in remote.dumps.dumps} == counts


@pytest.mark.parametrize(
    "url",
    ["/", "/recherche?q=nantes", "/territoires", "/donnees", "/sources", "/api/lieux?q=nantes"],
)
def test_the_site_answers_the_same_from_both_stores(both: dict, url: str) -> None:
    virtuoso, oxigraph = both["virtuoso"][0], both["oxigraph"][0]
    ours, reference = virtuoso.get(url), oxigraph.get(url)
    assert ours.status_code == reference.status_code == 200
    if url.startswith("/api"):
        assert ours.get_json() == reference.get_json()
    else:
        assert timeless(ours.get_data()) == timeless(reference.get_data())


def test_each_place_page_is_the_same_from_both_stores(both: dict) -> None:
    virtuoso, oxigraph = both["virtuoso"][0], both["oxigraph"][0]
    places = "SELECT ?p WHERE { ?p a <https://w3id.org/tiers-lieux/def/tl#TiersLieu> }"
    ids = [json.loads(row)["p"]["value"].rsplit("/", 1)[-1] for row in rows(oxigraph, places)]
    assert len(ids) == 5
    for place_id in ids:
        for suffix in ("", ".ttl"):
            ours = virtuoso.get(f"/lieu/{place_id}{suffix}")
            reference = oxigraph.get(f"/lieu/{place_id}{suffix}")
            assert ours.status_code == reference.status_code == 200
            assert timeless(ours.get_data()) == timeless(reference.get_data()), place_id


def test_the_web_tier_follows_a_new_publication(remote_settings: Settings) -> None:
    store = RemoteStore.from_settings(remote_settings)
    harvest(store, remote_settings, "geographie")
    harvest(store, remote_settings, "cget-2019")
    publish(store, remote_settings)
    client = create_app(replace(remote_settings)).test_client()
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/tiers-lieux/def/tl#TiersLieu> }"
    assert rows(client, count)
    assert "Nantes" in client.get("/recherche?q=nantes").get_data(as_text=True)


def test_a_runaway_query_on_virtuoso_is_given_up_at_the_deadline(remote_settings: Settings) -> None:
    store = RemoteStore.from_settings(remote_settings)
    harvest(store, remote_settings, "geographie")
    client = create_app(replace(remote_settings, sparql_timeout_s=2)).test_client()
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    response = client.post("/sparql", data={"query": runaway}, headers=JSON)
    assert response.status_code == 503
    assert "délai de 2 s" in response.get_data(as_text=True)
    bad = client.post("/sparql", data={"query": "SELECT ?x WHERE { ?x ?p }"}, headers=JSON)
    assert bad.status_code == 400 and "invalide" in bad.get_data(as_text=True)
