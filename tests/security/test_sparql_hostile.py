"""Hostile use of /sparql and /api against the production server: nothing runs away or gets in.

Queries that would run for minutes are stopped at the deadline (3 s here) while other clients
keep their answers; updates, LOAD, CLEAR, SERVICE and file or URL access are refused without
any side effect (a local HTTP server proves no request ever leaves); oversized queries and
answers are refused with a French reason; each client is limited to its share of requests.
"""

from __future__ import annotations

import http.server
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

import pytest
import requests

from ..conftest import http_server
from .conftest import API_PER_MINUTE, SPARQL_PER_MINUTE, SPARQL_TIMEOUT_S, Site, client

pytestmark = pytest.mark.server
WORKERS = 2  # gunicorn workers of hostile_site (gunicorn_server's default)

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
ASK = "ASK { ?s ?p ?o }"
RUNAWAYS = {
    "cartesian product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "property path over everything": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<urn:x:none>)* ?o . ?o (!<urn:x:none>)* ?z }"
    ),
    "huge ORDER BY": (
        "SELECT ?c WHERE { ?a ?b ?c . ?d ?e ?f } "
        "ORDER BY (SHA512(CONCAT(STR(?c), STR(?f)))) LIMIT 1"
    ),
}


def sparql(
    site: Site, headers: dict[str, str], method: str = "GET", **request: object
) -> requests.Response:
    return requests.request(method, f"{site.url}sparql", headers=headers, timeout=120, **request)  # type: ignore[arg-type]


def count_quads(site: Site) -> int:
    answer = sparql(
        site,
        {**client(), "Accept": "application/sparql-results+json"},
        params={"query": COUNT_ALL},
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("kind", list(RUNAWAYS))
def test_a_runaway_query_is_stopped_while_other_clients_get_answers(
    hostile_site: Site, kind: str
) -> None:
    with ThreadPoolExecutor(1) as pool:
        clock = time.monotonic()
        runaway = pool.submit(sparql, hostile_site, client(), params={"query": RUNAWAYS[kind]})
        time.sleep(0.5)
        others = []
        while not runaway.done():  # other clients meanwhile: answered, and quickly
            started = time.monotonic()
            ask = sparql(hostile_site, client(), params={"query": ASK})
            page = requests.get(hostile_site.url, timeout=30)
            others.append(time.monotonic() - started)
            assert ask.status_code == 200 and page.status_code == 200
            time.sleep(0.3)
        answer = runaway.result()
        seconds = time.monotonic() - clock
    assert answer.status_code == 503, answer.text[:200]
    assert "délai" in answer.text or "secondes" in answer.text
    assert "Traceback" not in answer.text
    assert SPARQL_TIMEOUT_S <= seconds < SPARQL_TIMEOUT_S + 15
    assert others and max(others) < SPARQL_TIMEOUT_S
    print(f"{kind}: stopped after {seconds:.1f} s; {len(others)} other answers meanwhile")


UPDATES = {
    "INSERT DATA": "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
    "DELETE WHERE": "DELETE WHERE { ?s ?p ?o }",
    "DELETE/INSERT": "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "LOAD file": "LOAD <file:///etc/passwd>",
    "LOAD URL": "LOAD <http://127.0.0.1:{port}/data.ttl> INTO GRAPH <urn:x:g>",
    "CLEAR ALL": "CLEAR ALL",
    "DROP ALL": "DROP ALL",
    "DROP GRAPH": "DROP GRAPH <http://127.0.0.1/graph/registry>",
    "CREATE GRAPH": "CREATE GRAPH <urn:x:new>",
    "ADD": "ADD DEFAULT TO <urn:x:g>",
    "COPY": "COPY DEFAULT TO <urn:x:g>",
    "MOVE": "MOVE DEFAULT TO <urn:x:g>",
}
CALLS_OUT = {
    "SERVICE": "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "service lowercase": "select * where { service <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "SERVICE SILENT": "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:{port}/s> { ?s ?p ?o } }",
    "SERVICE variable": (
        "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:{port}/s> } SERVICE ?e { ?s ?p ?o } }"
    ),
    "SERVICE nested": (
        "SELECT * WHERE { { SELECT ?s WHERE { OPTIONAL { SERVICE <http://127.0.0.1:{port}/s> "
        "{ ?s ?p ?o } } } } }"
    ),
}
READS_OUT = {
    "FROM URL": "SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE { ?s ?p ?o } LIMIT 5",
    "FROM NAMED URL": (
        "SELECT * FROM NAMED <http://127.0.0.1:{port}/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }"
    ),
    "FROM file": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o } LIMIT 5",
    "DESCRIBE URL": "DESCRIBE <http://127.0.0.1:{port}/data.ttl>",
}


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers anything with Turtle, and records every request it gets."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Recorder.seen.append(f"{self.command} {self.path}")
        body = b"<urn:x:leak> <urn:x:leak> <urn:x:leak> .\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET  # noqa: N815 (the name http.server calls)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[int]:
    """A server the registry must never call; yields its port."""
    with http_server(Recorder) as port:
        yield port


def _ways(text: str) -> list[tuple[str, dict[str, object]]]:
    """The SPARQL protocol's three ways of sending `text` (and `update=` for updates)."""
    return [
        ("GET", {"params": {"query": text}}),
        ("POST", {"data": {"query": text}}),
        ("POST", {"data": text.encode(), "headers": {"Content-Type": "application/sparql-query"}}),
        ("POST", {"data": {"update": text}}),
        ("POST", {"data": text.encode(), "headers": {"Content-Type": "application/sparql-update"}}),
    ]


@pytest.mark.parametrize("kind", list(UPDATES) + list(CALLS_OUT))
def test_updates_and_federated_calls_are_refused_without_effect(
    hostile_site: Site, elsewhere: int, kind: str
) -> None:
    text = {**UPDATES, **CALLS_OUT}[kind].replace("{port}", str(elsewhere))
    before = count_quads(hostile_site)
    Recorder.seen.clear()
    for method, options in _ways(text):
        extra = options.pop("headers", {})
        answer = sparql(hostile_site, {**client(), **extra}, method, **options)  # type: ignore[dict-item]
        assert answer.status_code in (400, 403, 415), (method, answer.status_code, answer.text)
        assert "Traceback" not in answer.text
        assert any(
            word in answer.text
            for word in ("refusé", "lecture seule", "invalide", "pris en charge")
        ), answer.text
    assert Recorder.seen == []
    assert count_quads(hostile_site) == before


@pytest.mark.parametrize("kind", list(READS_OUT))
def test_dataset_clauses_never_fetch_a_url_or_a_file(
    hostile_site: Site, elsewhere: int, kind: str
) -> None:
    text = READS_OUT[kind].replace("{port}", str(elsewhere))
    Recorder.seen.clear()
    answer = sparql(hostile_site, client(), params={"query": text})
    assert answer.status_code in (200, 400, 403), answer.text[:200]
    assert Recorder.seen == []
    assert "urn:x:leak" not in answer.text and "root:" not in answer.text


def test_an_oversized_query_is_refused_in_french(hostile_site: Site) -> None:
    padding = "# " + "x" * 150_000 + "\n"
    answer = sparql(hostile_site, client(), "POST", data={"query": padding + ASK})
    assert answer.status_code == 413
    assert "Requête trop longue" in answer.text


def test_an_oversized_answer_is_refused_in_french(hostile_site: Site) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    answer = sparql(
        hostile_site,
        {**client(), "Accept": "application/sparql-results+json"},
        params={"query": query},
    )
    assert answer.status_code == 413, answer.text[:200]
    assert "Mo" in answer.text and "Traceback" not in answer.text


@pytest.mark.parametrize(
    ("path", "limit"),
    [(f"sparql?query={ASK}", SPARQL_PER_MINUTE), ("api/lieux?pres=47.2,-1.55", API_PER_MINUTE)],
)
def test_each_client_gets_its_share_and_no_more(hostile_site: Site, path: str, limit: int) -> None:
    """Each of the 2 web workers counts on its own: a client gets `limit` to 2 × `limit`."""
    greedy, other = client(), client()
    statuses = [
        requests.get(f"{hostile_site.url}{path}", headers=greedy, timeout=30)
        for _ in range(WORKERS * limit + 1)
    ]
    assert [s.status_code for s in statuses[:limit]] == [200] * limit
    refused = [s for s in statuses if s.status_code != 200]
    assert refused, f"{len(statuses)} requests of one client in a minute, none refused"
    assert {s.status_code for s in refused} == {429}
    assert "Trop de requêtes" in refused[0].text
    assert 1 <= int(refused[0].headers["Retry-After"]) <= 60
    # Another client is served all the same, and so are the pages, which are not limited.
    assert requests.get(f"{hostile_site.url}{path}", headers=other, timeout=30).status_code == 200
    assert requests.get(hostile_site.url, headers=greedy, timeout=30).status_code == 200
