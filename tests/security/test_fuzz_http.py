"""Fuzzing the production server over real HTTP: the JSON API against its OpenAPI, and beyond.

One `tierslieux serve` (gunicorn) on loopback, over a registry harvested from the fixture mirror
and published. Schemathesis generates requests from the OpenAPI description the server itself
serves (/api/openapi.json) and checks each answer against it; Hypothesis then sends what no schema
describes (odd paths, query strings, SPARQL bodies) and checks that nothing is a server error,
shows a traceback or an internal path, lacks a Content-Type, or explains an error in another
language than French. Every Hypothesis run is derandomized: the same requests on every machine.
`pytest -s` prints how many requests each test sent.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from registry.publication import publish
from registry.store import OxigraphStore, open_store
from registry.web.errors import MESSAGES

from ..conftest import gunicorn_server, harvest, served_settings

pytestmark = pytest.mark.server

# Requests sent, per test and kind: printed when the module's server stops.
SENT: Counter[str] = Counter()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The production server over the fixture registry, with no per-client rate limit."""
    root = tmp_path_factory.mktemp("fuzz-http")
    settings = served_settings(root)
    store = open_store(settings)
    assert isinstance(store, OxigraphStore)  # on disk, in data_dir: what `serve` reads
    harvest(store, settings, "geographie")
    harvest(store, settings, "cget-2019")
    publish(store, settings)
    del store
    env = {"TL_SPARQL_PER_MINUTE": "0", "TL_API_PER_MINUTE": "0"}
    with gunicorn_server(settings, root / "server.log", env) as url:
        yield url
    print("\nRequests sent by the HTTP fuzzing tests:")
    for name, count in sorted(SENT.items()):
        print(f"  {name}: {count}")
    print(f"  total: {sum(SENT.values())}")


# --- The JSON API against its OpenAPI description (schemathesis) ---------------------------------

# Every check schemathesis has (its default), two of them told what this API means:
# - /api/lieux rightly answers 400 to schema-valid requests the schema cannot rule out (no
#   starting point, since each of the five is optional; a commune that does not exist), so
#   "schema-valid data is accepted" does not hold there;
# - gunicorn answers 414 to a request line over its limit: a right rejection of invalid data.
SCHEMATHESIS_CONFIG = """
[checks.negative_data_rejection]
expected-statuses = ["400", "404", "405", "406", "414", "415", "429"]

[[operations]]
include-path = "/api/lieux"
checks.positive_data_acceptance.enabled = false
"""
MAX_EXAMPLES = 300  # per operation, in the fuzzing phase


def test_the_api_answers_as_its_openapi_description_says(server: str, tmp_path: Path) -> None:
    """`schemathesis run` on /api/openapi.json: examples, coverage and fuzzing phases.

    The command line rather than schemathesis' pytest integration, which does not run under
    pytest 9.2 (it sets `Function._nodeid`, which pytest no longer has).
    """
    command = Path(sys.executable).with_name("schemathesis")
    if not command.exists():
        print("skipped: schemathesis is not installed (pip install -e '.[test]')")
        pytest.skip("schemathesis is not installed: pip install -e '.[test]'")
    config = tmp_path / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG, encoding="utf-8")
    reports = tmp_path / "reports"
    run = subprocess.run(
        [str(command), "--config-file", str(config), "run", f"{server}api/openapi.json",
         "--phases", "examples,coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES),
         "--generation-deterministic", "--workers", "1", "--request-timeout", "30",
         "--report", "ndjson", "--report-dir", str(reports), "--no-color"],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
    )  # fmt: skip
    cases: Counter[tuple[str, str]] = Counter()
    for report in reports.glob("*.ndjson"):
        for line in report.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if finished := event.get("ScenarioFinished"):
                recorder = finished["recorder"]
                cases[(recorder["label"], finished["phase"])] += len(recorder["cases"])
    for (label, phase), count in sorted(cases.items()):
        SENT[f"schemathesis {label} {phase}"] += count
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert {label for label, _ in cases} == {"GET /api/lieux", "GET /api/communes"}
    assert sum(cases.values()) >= 2 * MAX_EXAMPLES


# --- Beyond the schema: raw HTTP requests Hypothesis builds --------------------------------------

# What an answer must never show: a traceback, a source file, an installation path.
LEAKS = ("Traceback (most recent call last)", 'File "', '.py"', "site-packages", "/work/")
# Words of the French answers (errors.py MESSAGES and each endpoint's own messages).
FRENCH = re.compile(
    r"\b(?:requêtes?|cette|existe|accès|refusée?s?|méthode|autorisée|aucun|disponibles?|"
    r"volumineuse|charge|réessayez|trop|vide|introuvable|indiquez|est|une|des|pas|donné|vaut|"
    r"doit|être|plusieurs|entre|caractères|valeurs|formulaire|invalide|inconnue?|écrit|exemple|"
    r"nombre|compris)\b",
    re.IGNORECASE,
)
# The longest request target sent: gunicorn refuses a request line over 4094 bytes itself
# (test_what_gunicorn_refuses_itself_is_explained_in_french).
MAX_TARGET = 4000
FUZZ = hypothesis_settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fuzz(examples: int) -> hypothesis_settings:
    return hypothesis_settings(FUZZ, max_examples=examples)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def send(
    server: str,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> Answer:
    """One request exactly as written: no normalisation of `..` or of escapes (unlike requests)."""
    port = urlsplit(server).port
    lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", port or 80), timeout=60) as sock:
        sock.sendall(head + body)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        data = response.read()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)


def check_answer(server: str, answer: Answer, sent: str) -> None:
    """No server error, a Content-Type, nothing internal shown; an error explained in French."""
    where = f"{sent[:300]!r} → {answer.status}"
    text = answer.text
    assert answer.status < 500, f"{where}: {text[:500]}"
    kind = answer.headers.get("content-type", "")
    assert kind, f"{where}: no Content-Type"
    for leak in LEAKS:
        assert leak not in text or leak in sent, f"{where}: shows {leak!r}: {text[:500]}"
    assert "x-injecte" not in answer.headers, f"{where}: header injected from the request"
    if answer.status == 405:
        assert answer.headers.get("allow"), f"{where}: a 405 without Allow (RFC 9110)"
    location = answer.headers.get("location", "")
    assert not location.startswith("//"), f"{where}: sent off the site: {location}"
    if location.startswith(("http:", "https:")):
        assert location.startswith(server), f"{where}: sent off the site: {location}"
    if 400 <= answer.status < 500 and not sent.startswith("HEAD "):  # HEAD: no body
        message = text
        if kind.startswith("text/html"):
            assert '<html lang="fr">' in text, f"{where}: not a French page: {text[:300]}"
        elif kind.startswith("application/json"):
            message = json.loads(text)["erreur"]
        assert any(m in message for m in MESSAGES.values()) or FRENCH.search(message), (
            f"{where}: not explained in French: {message[:300]}"
        )


def encoded(text: str) -> str:
    return quote(text, safe="")


def printable(text: str) -> str:
    """A header value as a client may send it: printable ASCII, no line break."""
    return "".join(c for c in text if " " <= c <= "~").strip()


NASTY = [
    "", " ", ".", "..", "...", "%00", "%", "%zz", "%ff", "%c0%af", "%2e%2e", "%2f", "%5c", "..%2f",
    "%252e%252e", "~", "index.html", "etc", "passwd", ".env", ".git", "config", "%0d%0aX-Injecte:1",
    "lieu", "api", "sparql", "id", "def", "static", "donnees", "ressource", "graph", "territoires",
    "a.ttl", "a.jsonld", "a.nt", "a.rdf", "a.xyz", "a.", ".ttl", "%F0%9F%98%80", "%C3%A9", "null",
]  # fmt: skip
PREFIXES = [
    "/", "/static/", "/static/../", "/static/..%2f", "/static/%2e%2e/", "/api/", "/lieu/",
    "/id/lieu/", "/id/", "/ressource/", "/ressource/lieu/", "/def/", "/def/typologie/",
    "/territoires/region/", "/territoires/departement/", "/donnees/", "/graph/", "/sources/",
    "/sparql/", "//", "/./", "/%2e/", "/integrer/", "/widget/", "/changements/",
]  # fmt: skip
segment = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40).map(encoded),
    st.text(st.characters(codec="ascii"), min_size=200, max_size=1200).map(encoded),
)
paths = st.builds(
    lambda prefix, parts, slash: prefix + "/".join(parts) + ("/" if slash else ""),
    st.sampled_from(PREFIXES),
    st.lists(segment, max_size=5),
    st.booleans(),
)
ACCEPTS = [
    "", "*/*", "text/html", "application/json", "text/turtle", "application/ld+json",
    "application/n-triples", "application/rdf+xml", "application/sparql-results+json",
    "application/sparql-results+xml", "text/csv", "text/tab-separated-values", "image/png",
    "application/geo+json", "text/html;q=0, */*;q=0", "text/*;q=0.5, */*;q=0.1", ";;;", "*/*;q=x",
    "application/xhtml+xml,text/html;q=0.9,*/*;q=0.8",
]  # fmt: skip
accepts = st.one_of(st.sampled_from(ACCEPTS), st.text(st.characters(codec="ascii"), max_size=60))


def accept_header(accept: str) -> dict[str, str]:
    value = printable(accept)
    return {"Accept": value} if value else {}


def test_random_paths_are_answered_in_french_and_never_with_a_server_error(server: str) -> None:
    @fuzz(800)
    @given(
        method=st.sampled_from(["GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]),
        path=paths,
        query=st.text(max_size=40).map(lambda q: f"?{quote(q, safe='=&')}" if q else ""),
        accept=accepts,
    )
    def check(method: str, path: str, query: str, accept: str) -> None:
        SENT["paths"] += 1
        target = (path + query)[:MAX_TARGET]
        answer = send(server, method, target, accept_header(accept))
        check_answer(server, answer, f"{method} {target} (Accept: {accept})")

    check()


# The parameters of /recherche, /api/lieux, /api/communes and /widget (registry.web.searching).
PARAMETERS = [
    "pres", "commune", "cp", "adresse", "q", "nom", "rayon", "limite", "typologie", "label",
    "service", "critere", "criteres_min", "gratuit", "pmr", "ouvert", "a", "fermes", "format",
    "territoire", "centre", "zoom", "page",
]  # fmt: skip
VALUES = [
    "", " ", "nantes", "Libourne", "33500", "44109", "2A004", "12 rue Haute, 33500 Libourne",
    "47.2184,-1.5536", "47.2184;-1.5536", "91,181", "-90,-180", "0,0", "45,4,5", ",", "nan,nan",
    "1e308,1e308", "20", "0.1", "200", "200.0001", "0", "-1", "1e309", "nan", "inf", "-inf", "0x10",
    "１２", "20,5", "99999999999999999999", "oui", "non", "OUI", "on", "1", "true", "maintenant",
    "inclus", "json", "geojson", "xml", "coworking", "wifi,imprimante", "coworking," * 25,
    "2026-11-23T10:00", "2026-02-30T10:00", "9999-12-31T23:59", "0001-01-01", "2026-03-29T02:30",
    "2026-10-25T02:30", "2026-11-23T10:00+14:00", "2026-11-23T10:00Z", "region:53",
    "departement:33", "epci:243300316", "region:", ":", "x" * 201, "é" * 200, "\x00", "%00",
    "<script>alert(1)</script>", "' OR '1'='1", "{{7*7}}", "../../etc/passwd", "\u202e", "😀",
]  # fmt: skip
values = st.one_of(
    st.sampled_from(VALUES),
    st.text(max_size=60),
    st.text(st.characters(codec="ascii"), max_size=250),
)
RAW_BITS = ["&", "=", "==", "%", "%zz", ";", "a=b=c", "%00=%00", "q", "q="]
query_strings = st.builds(
    lambda pairs, extra: "&".join([urlencode([pair]) for pair in pairs] + extra),
    st.lists(
        st.tuples(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=8)), values), max_size=8
    ),
    st.lists(st.sampled_from(RAW_BITS), max_size=2),
)
SEARCHES = ["/recherche", "/api/lieux", "/api/communes", "/widget", "/integrer", "/", "/carte.json"]


def test_random_query_strings_are_answered_in_french_and_never_with_a_server_error(
    server: str,
) -> None:
    @fuzz(1000)
    @given(endpoint=st.sampled_from(SEARCHES), query=query_strings, accept=accepts)
    def check(endpoint: str, query: str, accept: str) -> None:
        SENT["query strings"] += 1
        target = f"{endpoint}?{query}"[:MAX_TARGET]
        answer = send(server, "GET", target, accept_header(accept))
        check_answer(server, answer, f"GET {target} (Accept: {accept})")

    check()


SUFFIXES = [
    "", "", ".ttl", ".jsonld", ".nt", ".rdf", ".html", ".xyz", ".", "/", "/signaler",
    "/signaler/merci", "/x",
]  # fmt: skip


@pytest.fixture(scope="module")
def place_ids(server: str) -> list[str]:
    """The ids of the places the registry publishes."""
    answer = send(server, "GET", "/carte.json")
    return [point["id"] for point in json.loads(answer.text)]


def test_random_place_ids_are_answered_in_french_and_never_with_a_server_error(
    server: str, place_ids: list[str]
) -> None:
    assert place_ids
    ids = st.one_of(
        st.sampled_from(place_ids),
        st.sampled_from(place_ids).map(lambda known: known[:-1]),
        st.sampled_from(place_ids).map(lambda known: known.upper()),
        st.sampled_from(NASTY),
        st.text(max_size=40).map(encoded),
        st.text(st.characters(codec="ascii"), min_size=100, max_size=1500).map(encoded),
    )

    @fuzz(400)
    @given(
        prefix=st.sampled_from(["/lieu/", "/id/lieu/", "/ressource/lieu/"]),
        place=ids,
        suffix=st.sampled_from(SUFFIXES),
        method=st.sampled_from(["GET", "GET", "HEAD", "POST"]),
        accept=accepts,
    )
    def check(prefix: str, place: str, suffix: str, method: str, accept: str) -> None:
        SENT["place ids"] += 1
        target = (prefix + place + suffix)[:MAX_TARGET]
        headers = accept_header(accept)
        body = b""
        if method == "POST":  # the form of /lieu/<id>/signaler, without its CSRF token
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = b"champ=nom&message=" + quote(place).encode()
        answer = send(server, method, target, headers, body)
        check_answer(server, answer, f"{method} {target} (Accept: {accept})")

    check()


def test_every_worker_serves_the_report_form(server: str, place_ids: list[str]) -> None:
    """The form of /lieu/<id>/signaler needs the signing key: each worker must have read it.

    Workers starting together once read the key file before the first had written it (an empty
    key, then a 500 on every form of that worker); the fuzzing above found it.
    """
    statuses: Counter[int] = Counter()
    for _ in range(30):  # one connection each: both workers answer some
        answer = send(server, "GET", f"/lieu/{place_ids[0]}/signaler")
        SENT["report form"] += 1
        statuses[answer.status] += 1
        assert answer.status != 200 or 'name="csrf_token"' in answer.text
    assert statuses == {200: 30}, statuses


SPARQL_PREFIX = "PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>\n"
QUERIES = [
    "ASK { ?p a tl:TiersLieu }",
    "SELECT ?p WHERE { ?p a tl:TiersLieu } LIMIT 5",
    "SELECT (COUNT(*) AS ?n) WHERE { ?p a tl:TiersLieu }",
    "CONSTRUCT { ?p a tl:TiersLieu } WHERE { ?p a tl:TiersLieu } LIMIT 5",
    "DESCRIBE <https://w3id.org/tiers-lieux/def/tl#TiersLieu>",
    'SELECT * WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "^(a+)+$")) } LIMIT 3',
    "SELECT * FROM <http://127.0.0.1:1/graphe> WHERE { ?s ?p ?o } LIMIT 3",
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 3",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
    "LOAD <http://127.0.0.1:1/donnees.ttl>",
    "CLEAR DEFAULT",
    "SELECT * WHERE { ?s ?p ?o } LIMIT -1",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999999",
    "SELECT * WHERE { " + "{ " * 200 + "?s ?p ?o" + " }" * 200 + " } LIMIT 1",
    "SELECT * WHERE { ?s ?p " + '"é\\u0000"' + " }",
    "",
    " ",
]
FORMATS = [
    "", "json", "xml", "csv", "tsv", "turtle", "ttl", "nt", "ntriples", "json-ld", "jsonld",
    "rdfxml", "text/csv", "application/sparql-results+json", "text/html", "html", "png", "%00",
]  # fmt: skip


def mutated(query: str, cut: int, insert: str) -> str:
    """A query cut at `cut` characters, `insert` added there (mostly malformed, never slower)."""
    at = min(cut, len(query))
    return query[:at] + insert + query[at:] if insert else query[:at]


sparql_texts = st.one_of(
    st.sampled_from(QUERIES),
    st.sampled_from(QUERIES).map(lambda q: SPARQL_PREFIX + q),
    st.builds(mutated, st.sampled_from(QUERIES), st.integers(0, 120), st.text(max_size=5)),
    st.text(max_size=200),
    st.text(st.sampled_from("{}()<>?$\"'#.;,*aAsS \n\\"), max_size=120),
)


def test_random_sparql_requests_are_answered_in_french_and_never_with_a_server_error(
    server: str,
) -> None:
    @fuzz(800)
    @given(
        how=st.sampled_from(["GET", "form", "direct", "other type", "update form"]),
        text=sparql_texts,
        output=st.one_of(st.sampled_from(FORMATS), st.text(max_size=20)),
        accept=accepts,
        graphs=st.lists(
            st.tuples(
                st.sampled_from(["default-graph-uri", "named-graph-uri"]),
                st.one_of(st.just("http://127.0.0.1:1/g"), st.text(max_size=30)),
            ),
            max_size=2,
        ),
        content_type=st.sampled_from(
            ["text/plain", "application/json", "multipart/form-data", "", "application/x-www"]
        ),
    )
    def check(
        how: str,
        text: str,
        output: str,
        accept: str,
        graphs: list[tuple[str, str]],
        content_type: str,
    ) -> None:
        SENT["sparql"] += 1
        fields = [("query", text), *graphs] + ([("format", output)] if output else [])
        headers = accept_header(accept)
        target, body = "/sparql", b""
        if how == "GET":
            target = f"/sparql?{urlencode(fields)}"[:MAX_TARGET]
            method = "GET"
        else:
            method = "POST"
            if how in ("form", "update form"):
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                if how == "update form":
                    fields = [("update", text), *fields[1:]]
                body = urlencode(fields).encode()
            elif how == "direct":
                headers["Content-Type"] = "application/sparql-query"
                target = f"/sparql?{urlencode(fields[1:])}"
                body = text.encode()
            else:
                if content_type:
                    headers["Content-Type"] = content_type
                body = text.encode()
        answer = send(server, method, target, headers, body)
        check_answer(server, answer, f"{method} {target} {body[:200]!r} (Accept: {accept})")

    check()


def test_oversized_sparql_requests_are_refused_in_french(server: str) -> None:
    @fuzz(12)
    @given(
        size=st.sampled_from([100_001, 600_000, 3_000_000]),
        how=st.sampled_from(["form", "direct", "multipart"]),
        filler=st.sampled_from(["a", "é", "#", " "]),
    )
    def check(size: int, how: str, filler: str) -> None:
        SENT["oversized sparql"] += 1
        text = "ASK {}" + filler * size
        if how == "form":
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            body = urlencode({"query": text}).encode()
        elif how == "direct":
            headers = {"Content-Type": "application/sparql-query"}
            body = text.encode()
        else:
            boundary = "fuzzfuzz"
            headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
            body = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="query"\r\n\r\n'
                f"{text}\r\n--{boundary}--\r\n"
            ).encode()
        answer = send(server, "POST", "/sparql", headers, body)
        check_answer(server, answer, f"POST /sparql {how} {size} × {filler!r}")
        assert answer.status == 413, answer.text[:300]

    check()


def send_raw(server: str, request: bytes) -> Answer:
    """Bytes as they are, for what gunicorn reads before the app: request line and headers."""
    port = urlsplit(server).port
    with socket.create_connection(("127.0.0.1", port or 80), timeout=60) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        data = response.read()
    return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)


END = b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n"
REFUSED_BY_GUNICORN = {
    "request line over 4094 bytes": b"GET /recherche?q=" + b"a" * 5000 + b" HTTP/1.1\r\n" + END,
    "header over 8190 bytes": b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 9000 + b"\r\n" + END,
    "over 100 headers": b"GET / HTTP/1.1\r\n" + b"X-Un: 1\r\n" * 120 + END,
    "control character in the target": b"GET /\x01 HTTP/1.1\r\n" + END,
    "space in the target": b"GET /a b HTTP/1.1\r\n" + END,
    "invalid method": b"G@T / HTTP/1.1\r\n" + END,
    "unknown HTTP version": b"GET / HTTP/9.9\r\n" + END,
    "header without colon": b"GET / HTTP/1.1\r\nX-Bad\r\n" + END,
    "bad Content-Length": b"POST /sparql HTTP/1.1\r\nContent-Length: -1\r\n" + END,
    "raw UTF-8 in the target": "GET /lieu/é😀 HTTP/1.1\r\n".encode() + END,
    "raw Latin-1 in the target": "GET /recherche?q=Orléans HTTP/1.1\r\n".encode("latin-1") + END,
}


@pytest.mark.parametrize("case", REFUSED_BY_GUNICORN)
def test_what_gunicorn_refuses_itself_is_explained_in_french(server: str, case: str) -> None:
    """What gunicorn cannot read never reaches the app: gunicorn itself must answer in French."""
    SENT["refused by gunicorn"] += 1
    answer = send_raw(server, REFUSED_BY_GUNICORN[case])
    check_answer(server, answer, case)
    assert answer.status in (400, 414, 431)
