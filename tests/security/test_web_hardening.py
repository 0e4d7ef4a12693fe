"""The public site's hardening, proved with real HTTP requests against the production server.

`hostile_site` (tests/security/conftest.py) serves a registry holding hostile records with
gunicorn, as `tierslieux serve` does in production. Each test is one or more fresh clients (its
own `X-Forwarded-For`), so that the per-client rate limits of other tests do not count. What is
proved, as a visitor or an attacker would check it:

1. every kind of response carries a strict Content-Security-Policy (own scripts only, no
   plugin, no `<base>` elsewhere, no framing except `/widget`), `nosniff`, a Referrer-Policy and
   X-Frame-Options;
2. no page holds an inline script (the CSP would block it): every `<script>` without `src` is a
   JSON data block, and it parses as JSON even around hostile names;
3. every form posted to this site's session needs its CSRF token: without one, with another
   session's or a forged one, the report is refused (400, in French); with its own, it is
   queued (303 to the thank-you page). Two POST endpoints are exempt by design, because no
   session of this site is behind them: the SPARQL 1.1 Protocol (`POST /sparql`, read-only, a
   public query service any site may call; the query form of /sparql posts there) and the
   JSON API (GET only);
4. inputs are bounded: search text, report messages, and any request body (2 MiB, Flask's
   MAX_CONTENT_LENGTH, set by registry.web.security), without shortening what /sparql accepts;
5. no error shows a traceback, an exception's text or an internal path: 400, 404, 405, 413,
   429 and a real 500; browsers get a French HTML page (`lang="fr"`), programs French text;
6. there is no administration surface: every route is in a reviewed allow-list, nothing
   private is reachable by any path trick, writes other than the two POSTs are refused, and
   neither a report's text nor the signing key ever appears in an answer.

`pytest -s` prints how many requests the module sent.
"""

from __future__ import annotations

import http.client
import json
import re
import secrets
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
import requests

from registry.corrections import MAX_LENGTH
from registry.web import create_app
from registry.web.errors import MESSAGES
from registry.web.searching import MAX_TEXT
from registry.web.security import MAX_BODY_BYTES
from registry.web.sparql import MAX_QUERY_CHARS

from ..conftest import ROOT, live_server
from .conftest import API_PER_MINUTE, SPARQL_PER_MINUTE, Site, client

pytestmark = pytest.mark.server

TEMPLATES = ROOT / "site" / "templates"
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"  # what a browser sends
PLAIN_ACCEPT = "text/plain"
NEAR_NANTES = {"pres": "47.2,-1.55", "rayon": "20", "limite": "5"}
CSRF_REFUSED = "Le formulaire a expiré ou ne vient pas de ce site"
REPORT_FIELD = "horaires"
ASK = "ASK { ?s ?p ?o }"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# What an error answer must never show: a traceback, source files, folders of this machine,
# the framework's own (English) pages.
LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|site-packages|/home/|/tmp/|/usr/|/work/|werkzeug|jinja|flask"
    r"|The requested URL|Not Found|Bad Request|Method Not Allowed|Internal Server Error"
    r"|Too Many Requests|Entity Too Large|Content Too Large",
    re.IGNORECASE,
)
REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


# --- Every request and answer of the module, counted and kept (to look for the secret key) ---


@dataclass
class Ledger:
    """Requests sent by this module, and each answer's headers and body as received."""

    sent: int = 0
    answers: list[bytes] = field(default_factory=list)

    def record(self, headers: dict[str, str], body: bytes) -> None:
        self.sent += 1
        head = "".join(f"{name}: {value}\n" for name, value in headers.items())
        self.answers.append(head.encode("utf-8", "replace") + body)


LEDGER = Ledger()


@pytest.fixture(scope="module", autouse=True)
def _count_requests() -> Iterator[None]:
    yield
    print(f"\nRequests sent by test_web_hardening.py: {LEDGER.sent}")


def _recorded(response: requests.Response, **_: Any) -> None:
    LEDGER.record(dict(response.headers), response.content)


def browser(accept: str = HTML_ACCEPT) -> requests.Session:
    """A new client (its own address and cookies) whose every answer goes to the ledger."""
    session = requests.Session()
    session.headers.update({**client(), "Accept": accept})
    session.hooks["response"].append(_recorded)
    return session


def fetch(
    site: Site,
    method: str,
    path: str,
    session: requests.Session | None = None,
    **options: Any,
) -> requests.Response:
    """One request of `session` (else of a new client) to `path`; redirects not followed."""
    options.setdefault("timeout", 60)
    options.setdefault("allow_redirects", False)
    return (session or browser()).request(method, urljoin(site.url, path), **options)


def raw(
    site: Site, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, str]:
    """Send `path` exactly as written (no dot-segment removal, unlike requests), then `body`
    whole before reading the answer, as simple clients do: the answer's status and text."""
    parts = urlsplit(site.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        sent = {**client(), "Accept": HTML_ACCEPT, **(headers or {})}
        connection.request(method, path, body=body or None, headers=sent)
        response = connection.getresponse()
        body = response.read()
        LEDGER.record(dict(response.getheaders()), body)
        return response.status, body.decode("utf-8", "replace")
    finally:
        connection.close()


# --- Reading pages with the standard library's HTML parser -----------------------------------


class Page(HTMLParser):
    """What a browser would run, follow or post on a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.scripts: list[tuple[dict[str, str], str]] = []  # (attributes, inline text)
        self.handlers: list[str] = []  # on… attributes (inline event handlers)
        self.scripted_urls: list[str] = []  # javascript: URLs in href, src, action
        self.links: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self.text = ""  # what the page shows (script blocks aside), character references read
        self._script: tuple[dict[str, str], list[str]] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.handlers += [f"<{tag} {name}>" for name in values if name.startswith("on")]
        for name in ("href", "src", "action", "formaction"):
            if re.sub(r"[\s\x00-\x20]", "", values.get(name, "")).lower().startswith("javascript:"):
                self.scripted_urls.append(f"<{tag} {name}={values[name]!r}>")
        if tag == "html":
            self.lang = values.get("lang")
        elif tag == "script":
            self._script = (values, [])
        elif tag == "a" and values.get("href"):
            self.links.append(values["href"])
        elif tag == "form":
            self.forms.append(
                {"method": values.get("method", "get").lower(), "action": values.get("action", "")}
            )
            self.forms[-1]["inputs"] = {}
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1]["inputs"][values["name"]] = values.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script[1].append(data)
        else:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None


def inline_script_problems(page: Page) -> list[str]:
    """What the CSP would block on `page`, or a data block a hostile text has broken."""
    problems = []
    for attributes, text in page.scripts:
        if attributes.get("src"):
            if urlsplit(attributes["src"]).netloc:
                problems.append(f"script from another site: {attributes['src']}")
            if text.strip():
                problems.append(f"script with both src and text: {text[:80]!r}")
            continue
        kind = attributes.get("type", "").lower()
        if kind not in ("application/json", "application/ld+json"):
            problems.append(f"inline script (type {kind or 'none'!r}): {text[:80]!r}")
            continue
        try:
            json.loads(text)
        except ValueError:
            problems.append(f"{kind} block that is not JSON: {text[:80]!r}")
    return problems + page.handlers + page.scripted_urls


def report_form(site: Site, place_id: str, session: requests.Session) -> str:
    """Open the report form of `place_id` in `session`; return its CSRF token."""
    answer = fetch(site, "GET", f"/lieu/{place_id}/signaler", session)
    assert answer.status_code == 200, answer.text[:300]
    (form,) = [f for f in Page(answer.text).forms if f["method"] == "post"]
    assert form["action"] == f"/lieu/{place_id}/signaler"
    return str(form["inputs"]["csrf_token"])


def report(site: Site, place_id: str, session: requests.Session, **form: str) -> requests.Response:
    """POST the report form of `place_id` with `form` (champ, message, csrf_token…)."""
    return fetch(site, "POST", f"/lieu/{place_id}/signaler", session, data=form)


@pytest.fixture(scope="module")
def place_ids(hostile_site: Site) -> list[str]:
    """Five places near Nantes (hostile ones among them), from the JSON API."""
    answer = fetch(hostile_site, "GET", "/api/lieux", params=NEAR_NANTES)
    assert answer.status_code == 200, answer.text[:300]
    ids = [str(place["id"]) for place in answer.json()["lieux"]]
    assert len(ids) == 5, ids
    return ids


# --- 1. Security headers on every kind of response --------------------------------------------

# name → method, path ({place}: a place id), expected status, request options.
RESPONSES: dict[str, tuple[str, str, int, dict[str, Any]]] = {
    "accueil": ("GET", "/", 200, {}),
    "fiche lieu": ("GET", "/lieu/{place}", 200, {}),
    "recherche": ("GET", "/recherche", 200, {"params": {"commune": "Nantes"}}),
    "sparql requête": ("GET", "/sparql", 200, {"params": {"query": ASK}}),
    "sparql page": ("GET", "/sparql", 200, {}),
    "api lieux": ("GET", "/api/lieux", 200, {"params": NEAR_NANTES}),
    "openapi": ("GET", "/api/openapi.json", 200, {}),
    "données": ("GET", "/donnees", 200, {}),
    "fichier de données": ("GET", "/donnees/latest/lieux.geojson", 200, {}),
    "css": ("GET", "/static/style.css", 200, {}),
    "404": ("GET", "/nulle-part", 404, {}),
    "400 recherche": ("GET", "/recherche", 400, {"params": {"q": "a" * (MAX_TEXT + 1)}}),
    "400 formulaire": ("POST", "/lieu/{place}/signaler", 400, {"data": {"champ": "nom"}}),
    "405": ("PUT", "/lieu/{place}", 405, {}),
    "413": (
        "POST",
        "/lieu/{place}/signaler",
        413,
        {"data": "x" * (MAX_BODY_BYTES + 1), "headers": FORM},
    ),
    "widget": ("GET", "/widget", 200, {}),
}


def policy(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as directive → sources."""
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


@pytest.mark.parametrize("name", RESPONSES)
def test_every_kind_of_response_carries_the_security_headers(
    hostile_site: Site, place_ids: list[str], name: str
) -> None:
    method, path, status, options = RESPONSES[name]
    answer = fetch(hostile_site, method, path.format(place=place_ids[0]), **options)
    assert answer.status_code == status, answer.text[:300]
    headers = answer.headers
    assert "Content-Security-Policy" in headers, f"{name}: no Content-Security-Policy"
    csp = policy(headers["Content-Security-Policy"])
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts, f"{name}: the CSP does not restrict scripts: {csp}"
    for loose in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert loose not in scripts, f"{name}: script-src allows {loose}"
    assert csp.get("object-src") == ["'none'"], csp
    assert csp.get("base-uri") == ["'self'"], csp
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") in REFERRER_POLICIES, headers.get("Referrer-Policy")
    if path == "/widget":  # any site may embed the widget in a frame
        assert csp.get("frame-ancestors") not in (None, ["'none'"]), csp
        assert "X-Frame-Options" not in headers
    else:
        assert csp.get("frame-ancestors") == ["'none'"], csp
        assert headers.get("X-Frame-Options") == "DENY"


def test_the_session_cookie_is_http_only_and_same_site(
    hostile_site: Site, place_ids: list[str]
) -> None:
    """Scripts cannot read the session; other sites' forms and frames do not send it."""
    answer = fetch(hostile_site, "GET", f"/lieu/{place_ids[0]}/signaler")
    cookie = answer.headers.get("Set-Cookie", "")
    assert cookie.startswith("session="), answer.headers
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes or "samesite=strict" in attributes, cookie


# --- 2. No inline script anywhere --------------------------------------------------------------

MAX_PAGES = 70  # pages the crawl reads
PER_KIND = 4  # linked pages of one kind it follows (/lieu/…, /territoires/…/…): more add little


@pytest.fixture(scope="module")
def site_pages(hostile_site: Site, place_ids: list[str]) -> dict[str, Page]:
    """The HTML pages a visitor reaches: chosen entries, then the links they hold (same site)."""
    queue = [
        "/",
        *(f"/lieu/{place}" for place in place_ids),
        f"/lieu/{place_ids[0]}/signaler",
        f"/lieu/{place_ids[0]}/signaler/merci",
        "/recherche",
        "/recherche?" + urlencode({"q": "Lieu"}),
        "/recherche?" + urlencode(NEAR_NANTES),
        "/sparql",
        "/donnees",
        "/integrer",
        "/widget",
        "/widget?" + urlencode({"centre": "47.2,-1.55"}),
        "/sources",
        "/territoires",
        "/changements",
        "/def/tl",
        "/nulle-part",
        "/recherche?" + urlencode({"q": "a" * (MAX_TEXT + 1)}),
    ]
    pages: dict[str, Page] = {}
    seen = set(queue)
    kinds: Counter[str] = Counter()
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        # Redirects followed, as a browser does (it never shows a redirect's own body).
        answer = fetch(hostile_site, "GET", path, allow_redirects=True)
        if not answer.headers.get("Content-Type", "").startswith("text/html"):
            continue
        pages[path] = page = Page(answer.text)
        for link in page.links:
            parts = urlsplit(urljoin(hostile_site.url, link))
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            segments = parts.path.split("/")  # kind: first segment, depth, query or not
            kind = f"{segments[1]}/{len(segments)}{'?' if parts.query else ''}"
            if (
                f"{parts.scheme}://{parts.netloc}/" == hostile_site.url
                and target not in seen
                and kinds[kind] < PER_KIND
                and "." not in parts.path.rsplit("/", 1)[-1]  # data files, not pages
                and not parts.path.startswith(("/static/", "/api/", "/donnees/"))
                and "query=" not in parts.query
            ):
                seen.add(target)
                kinds[kind] += 1
                queue.append(target)
    return pages


def test_no_page_holds_an_inline_script(site_pages: dict[str, Page]) -> None:
    assert len(site_pages) >= 40, sorted(site_pages)
    problems = {
        path: found for path, page in site_pages.items() if (found := inline_script_problems(page))
    }
    assert not problems, problems
    # The check reads script blocks: the pages that pass data to their scripts have some.
    data_blocks = [
        text for page in site_pages.values() for attrs, text in page.scripts if not attrs.get("src")
    ]
    assert len(data_blocks) >= 5, "no JSON data block found: the parser read no script"


def test_every_page_is_french(site_pages: dict[str, Page]) -> None:
    assert {path: page.lang for path, page in site_pages.items() if page.lang != "fr"} == {}


# --- 3. CSRF on every form ---------------------------------------------------------------------

POST_FORMS = {"report": re.compile(r"/lieu/[a-z0-9]+/signaler"), "sparql": re.compile(r"/sparql")}


def test_every_post_form_is_known_and_carries_a_token(site_pages: dict[str, Page]) -> None:
    """The forms that post are the report form (CSRF token) and the SPARQL form (exempt)."""
    found: set[str] = set()
    for path, page in site_pages.items():
        for form in page.forms:
            if form["method"] != "post":
                continue
            kinds = [
                kind for kind, pattern in POST_FORMS.items() if pattern.fullmatch(form["action"])
            ]
            assert kinds, f"{path}: a form posts to {form['action']}, which no test covers"
            found.update(kinds)
            if kinds == ["report"]:
                assert form["inputs"].get("csrf_token"), f"{path}: report form without a token"
    assert found == set(POST_FORMS)
    # Templates no crawl reached: every form that posts names its token, but the SPARQL one.
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"<form[^>]*method=[\"']?post", text, re.IGNORECASE):
            assert template.name == "sparql.html" or "csrf_token()" in text, template


@pytest.mark.parametrize("accept", [HTML_ACCEPT, PLAIN_ACCEPT])
def test_a_report_without_token_is_refused_in_french(
    hostile_site: Site, place_ids: list[str], accept: str
) -> None:
    session = browser(accept)
    report_form(hostile_site, place_ids[0], session)  # a session, but no token sent
    answer = report(
        hostile_site, place_ids[0], session, champ=REPORT_FIELD, message="Fermé le lundi."
    )
    assert answer.status_code == 400
    assert CSRF_REFUSED in answer.text
    if accept == HTML_ACCEPT:
        assert Page(answer.text).lang == "fr"
    else:
        assert answer.headers["Content-Type"].startswith("text/plain")


def test_a_token_of_another_session_or_forged_is_refused(
    hostile_site: Site, place_ids: list[str]
) -> None:
    place = place_ids[1]
    victim, attacker = browser(), browser()
    victim_token = report_form(hostile_site, place, victim)
    attacker_token = report_form(hostile_site, place, attacker)
    message = "Ouvert aussi le samedi matin (source : affiche)."
    tries = {
        "token of another session": (attacker, victim_token),
        "session of another token": (victim, attacker_token),
        "token without a session": (browser(), victim_token),
        "forged token": (
            victim,
            victim_token[:-4] + ("AAAA" if victim_token[-4:] != "AAAA" else "BBBB"),
        ),
        "random token": (victim, secrets.token_urlsafe(40)),
    }
    for why, (session, token) in tries.items():
        answer = report(
            hostile_site, place, session, champ=REPORT_FIELD, message=message, csrf_token=token
        )
        assert answer.status_code == 400, f"{why}: {answer.status_code}"
        assert CSRF_REFUSED in answer.text, why
    # Its own token in its own session: the same report is accepted.
    answer = report(
        hostile_site, place, victim, champ=REPORT_FIELD, message=message, csrf_token=victim_token
    )
    assert answer.status_code == 303, answer.text[:300]
    assert urlsplit(answer.headers["Location"]).path == f"/lieu/{place}/signaler/merci"


def test_a_report_with_its_token_is_queued_and_thanked(
    hostile_site: Site, place_ids: list[str]
) -> None:
    place = place_ids[2]
    session = browser()
    token = report_form(hostile_site, place, session)
    answer = report(
        hostile_site,
        place,
        session,
        champ=REPORT_FIELD,
        message="Horaires : fermé le mercredi après-midi.",
        csrf_token=token,
    )
    assert answer.status_code == 303, answer.text[:300]
    thanks = fetch(hostile_site, "GET", answer.headers["Location"], session)
    assert thanks.status_code == 200
    assert "Merci pour votre signalement" in thanks.text
    assert not inline_script_problems(Page(thanks.text))
    number = re.search(r'<span class="number">([0-9a-f]{8})</span>', thanks.text)
    assert number, thanks.text
    # The request number is this browser's only: another visitor of the same page sees none.
    other = fetch(hostile_site, "GET", answer.headers["Location"])
    assert other.status_code == 200 and number.group(1) not in other.text


# --- 4. Input length limits --------------------------------------------------------------------


def test_search_text_is_bounded(hostile_site: Site) -> None:
    too_long = f"« q » est trop long ({MAX_TEXT} caractères au plus)."
    at_limit = fetch(hostile_site, "GET", "/recherche", params={"q": "a" * MAX_TEXT})
    assert at_limit.status_code == 200
    over = fetch(hostile_site, "GET", "/recherche", params={"q": "a" * (MAX_TEXT + 1)})
    assert over.status_code == 400 and too_long in over.text
    # 10,000 characters: over gunicorn's request line (4,094 bytes), which answers itself, in
    # French and without quoting the request; below that limit the search page refuses it.
    huge = fetch(hostile_site, "GET", "/recherche", params={"q": "b" * 10_000})
    assert huge.status_code in (400, 414), huge.status_code
    assert huge.text.strip() in (MESSAGES[400], MESSAGES[414]) or too_long in huge.text
    assert "bbbbbbbbbb" not in huge.text
    assert huge.headers.get("X-Content-Type-Options") == "nosniff"


def test_a_report_message_is_bounded(hostile_site: Site, place_ids: list[str]) -> None:
    place = place_ids[3]
    session = browser()
    token = report_form(hostile_site, place, session)
    over = report(
        hostile_site,
        place,
        session,
        champ=REPORT_FIELD,
        message="m" * (MAX_LENGTH + 1),
        csrf_token=token,
    )
    assert over.status_code == 400
    assert f"{MAX_LENGTH + 1} caractères pour {MAX_LENGTH} au plus" in over.text
    assert Page(over.text).lang == "fr"
    assert not inline_script_problems(Page(over.text))
    at_limit = report(
        hostile_site, place, session, champ=REPORT_FIELD, message="m" * MAX_LENGTH, csrf_token=token
    )
    assert at_limit.status_code == 303, at_limit.text[:300]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/lieu/{place}/signaler", "application/x-www-form-urlencoded"),
        ("/sparql", "application/sparql-query"),
    ],
)
def test_a_body_over_the_cap_is_refused_in_french(
    hostile_site: Site, place_ids: list[str], path: str, content_type: str
) -> None:
    body = b"x" * (MAX_BODY_BYTES + 1)
    answer = fetch(
        hostile_site,
        "POST",
        path.format(place=place_ids[0]),
        browser(PLAIN_ACCEPT),
        data=body,
        headers={"Content-Type": content_type},
    )
    assert answer.status_code == 413
    assert answer.text.strip() == MESSAGES[413]
    # A client that sends its whole body before reading, on a connection it closes after, gets
    # the answer too (the refused body is read and dropped, not left to reset the connection).
    headers = {"Content-Type": content_type, "Connection": "close", "Accept": PLAIN_ACCEPT}
    status, text = raw(hostile_site, "POST", path.format(place=place_ids[0]), headers, body * 2)
    assert (status, text.strip()) == (413, MESSAGES[413])


def test_sparql_still_takes_queries_up_to_its_own_limit(hostile_site: Site) -> None:
    """The body cap is above /sparql's limit: a query of MAX_QUERY_CHARS 4-byte characters,
    percent-encoded in a form (1.2 MB), is answered; one character more gets /sparql's 413."""
    comment = "# " + "😀" * (MAX_QUERY_CHARS - len(ASK) - 3) + "\n"
    longest = comment + ASK
    assert len(longest) == MAX_QUERY_CHARS
    assert len(quote(longest).encode()) > 1_000_000  # well over Werkzeug's 500 kB form default
    sparql = browser("application/sparql-results+json")
    answer = fetch(hostile_site, "POST", "/sparql", sparql, data={"query": longest})
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["boolean"] is True
    over = fetch(
        hostile_site, "POST", "/sparql", browser(PLAIN_ACCEPT), data={"query": "#" + longest}
    )
    assert over.status_code == 413
    size = f"{MAX_QUERY_CHARS + 1:,} caractères ; {MAX_QUERY_CHARS:,} au plus".replace(",", " ")
    assert over.text.strip() == f"Requête trop longue ({size})."


# --- 5. No stack trace, no internal path in any error ------------------------------------------

# name → method, path, expected status, expected French message, request options.
ERRORS: dict[str, tuple[str, str, int, str, dict[str, Any]]] = {
    "404": ("GET", "/lieu/inconnu", 404, MESSAGES[404], {}),
    "405": ("DELETE", "/recherche", 405, MESSAGES[405], {}),
    "400": ("POST", "/lieu/{place}/signaler", 400, CSRF_REFUSED, {"data": {"message": "x"}}),
    "413": (
        "POST",
        "/lieu/{place}/signaler",
        413,
        MESSAGES[413],
        {"data": "x" * (MAX_BODY_BYTES + 1), "headers": FORM},
    ),
}


def assert_clean_error(answer: requests.Response, accept: str, message: str, *hidden: str) -> None:
    """A French error answer, HTML for browsers and text for programs, showing nothing inside."""
    shown = Page(answer.text).text if answer.headers["Content-Type"].startswith("text/html") else ""
    assert message in (shown or answer.text), answer.text[:300]
    assert not LEAKS.search(answer.text), LEAKS.search(answer.text)
    for text in hidden:
        assert text not in answer.text
    if accept == HTML_ACCEPT:
        assert answer.headers["Content-Type"].startswith("text/html")
        page = Page(answer.text)
        assert page.lang == "fr"
        assert not inline_script_problems(page)
    else:
        assert answer.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("accept", [HTML_ACCEPT, PLAIN_ACCEPT])
@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_french_and_show_nothing_internal(
    hostile_site: Site, place_ids: list[str], name: str, accept: str
) -> None:
    method, path, status, message, options = ERRORS[name]
    answer = fetch(
        hostile_site, method, path.format(place=place_ids[0]), browser(accept), **options
    )
    assert answer.status_code == status, answer.text[:300]
    assert_clean_error(answer, accept, message, hostile_site.settings.data_dir)
    if status == 405:
        assert method not in answer.headers["Allow"]


def test_over_the_sparql_limit_a_client_gets_429_and_others_are_served(hostile_site: Site) -> None:
    greedy = browser("application/sparql-results+json")  # one keep-alive connection: one worker
    statuses = []
    for _ in range(SPARQL_PER_MINUTE + 1):
        statuses.append(fetch(hostile_site, "GET", "/sparql", greedy, params={"query": ASK}))
    assert [s.status_code for s in statuses] == [200] * SPARQL_PER_MINUTE + [429]
    refused = statuses[-1]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert_clean_error(refused, PLAIN_ACCEPT, f"Trop de requêtes : {SPARQL_PER_MINUTE} par minute")
    other = fetch(
        hostile_site,
        "GET",
        "/sparql",
        browser("application/sparql-results+json"),
        params={"query": ASK},
    )
    assert other.status_code == 200 and other.json()["boolean"] is True


def test_over_the_api_limit_a_browser_gets_a_french_429_page(hostile_site: Site) -> None:
    greedy = browser()
    params = {**NEAR_NANTES, "limite": "1"}
    statuses = [
        fetch(hostile_site, "GET", "/api/lieux", greedy, params=params)
        for _ in range(API_PER_MINUTE + 1)
    ]
    assert [s.status_code for s in statuses] == [200] * API_PER_MINUTE + [429]
    assert 1 <= int(statuses[-1].headers["Retry-After"]) <= 60
    assert_clean_error(statuses[-1], HTML_ACCEPT, f"Trop de requêtes : {API_PER_MINUTE} par minute")


@pytest.mark.parametrize("accept", [HTML_ACCEPT, PLAIN_ACCEPT])
def test_a_real_500_shows_nothing_of_the_exception(
    hostile_site: Site, accept: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An app as production builds it, with a route that fails, served over real HTTP."""
    detail = f"détail interne {secrets.token_hex(6)} {ROOT / 'registry' / 'web' / 'pages.py'}"

    def failing() -> str:
        raise RuntimeError(detail)

    app = create_app(hostile_site.settings)
    app.add_url_rule("/essai/panne", "essai_panne", failing)
    assert not app.debug
    with live_server(app) as url:
        answer = fetch(hostile_site, "GET", f"{url}/essai/panne", browser(accept))
        console = fetch(hostile_site, "GET", f"{url}/console", browser(accept))
    assert answer.status_code == 500
    assert_clean_error(answer, accept, MESSAGES[500], detail, "RuntimeError", "failing", str(ROOT))
    assert policy(answer.headers["Content-Security-Policy"]).get("script-src") == ["'self'"]
    assert console.status_code == 404  # no Werkzeug debugger
    # …while the team is told, with the traceback, in the log.
    assert any(r.exc_info and detail in str(r.exc_info[1]) for r in caplog.records)


# --- 6. No administration surface --------------------------------------------------------------

# Every route of the site and its methods other than HEAD and OPTIONS, as reviewed. A new route
# fails test_every_route_is_a_reviewed_public_one until someone adds it here, knowingly.
PUBLIC_ROUTES: dict[str, set[str]] = {
    "/": {"GET"},
    "/.well-known/void": {"GET"},
    "/api/communes": {"GET"},
    "/api/lieux": {"GET"},
    "/api/openapi.json": {"GET"},
    "/carte.json": {"GET"},
    "/catalog": {"GET"},
    "/catalog.<ext>": {"GET"},
    "/changements": {"GET"},
    "/changements/flux": {"GET"},
    "/def/<scheme>/": {"GET"},
    "/def/<scheme>/<concept>": {"GET"},
    "/def/tl": {"GET"},
    "/def/tl.<ext>": {"GET"},
    "/donnees": {"GET"},
    "/donnees/<stamp>/<name>": {"GET"},
    "/donnees/contexte.jsonld": {"GET"},
    "/donnees/versions.json": {"GET"},
    "/graph/<path:name>": {"GET"},
    "/id/<kind>/<path:key>": {"GET"},
    "/integrer": {"GET"},
    "/lieu/<place_id>": {"GET"},
    "/lieu/<place_id>.<ext>": {"GET"},
    "/lieu/<place_id>/signaler": {"GET", "POST"},  # the report form (CSRF token)
    "/lieu/<place_id>/signaler/merci": {"GET"},
    "/recherche": {"GET"},
    "/ressource/<kind>/<path:key>": {"GET"},
    "/ressource/<kind>/<path:key>.<ext>": {"GET"},
    "/sante": {"GET"},
    "/sources": {"GET"},
    "/sources/<source_id>": {"GET"},
    "/sparql": {"GET", "POST"},  # the SPARQL 1.1 Protocol, read-only
    "/sparql/graph": {"GET"},
    "/static/<path:filename>": {"GET"},
    "/territoires": {"GET"},
    "/territoires/<any(region, departement, epci):kind>/<code>": {"GET"},
    "/territoires/<any(region, departement, epci):kind>/<code>/lieux.csv": {"GET"},
    "/void": {"GET"},
    "/void.<ext>": {"GET"},
    "/widget": {"GET"},
}
PRIVATE_WORDS = re.compile(r"admin|curat|correction|queue|private|prive|debug|console|secret")


def test_every_route_is_a_reviewed_public_one(hostile_site: Site) -> None:
    app = create_app(hostile_site.settings)
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        routes.setdefault(rule.rule, set()).update(set(rule.methods or ()) - {"HEAD", "OPTIONS"})
    assert routes == PUBLIC_ROUTES
    writes = {rule: methods - {"GET"} for rule, methods in routes.items() if methods - {"GET"}}
    assert writes == {"/lieu/<place_id>/signaler": {"POST"}, "/sparql": {"POST"}}
    assert [rule for rule in routes if PRIVATE_WORDS.search(rule.lower())] == []
    assert not app.debug and not app.testing


PRIVATE_PATHS = [
    "/admin",
    "/admin/",
    "/curation",
    "/corrections",
    "/signalements",
    "/private/corrections.jsonl",
    "/var/private/secret-key",
    "/static/../private/secret-key",
    "/static/%2e%2e/private/secret-key",
    "/static/..%2f..%2fvar%2fprivate%2fsecret-key",
    "/static/%2e%2e/%2e%2e/registry/settings.py",
    "/donnees/../private/corrections.jsonl",
    "/donnees/latest/../../private/secret-key",
    "/donnees/%2e%2e/private%2fsecret-key",
    "/donnees/latest/%2e%2e%2f%2e%2e%2fprivate%2fcorrections.jsonl",
    "/donnees/..%2fprivate/corrections.jsonl",
    "/graph/..%2f..%2fprivate%2fsecret-key",
    "/.git/config",
    "/.env",
    "/console",
]


def test_nothing_private_is_reachable(hostile_site: Site) -> None:
    key = (Path(hostile_site.settings.data_dir) / "private" / "secret-key").read_text().strip()
    found = {}
    for path in PRIVATE_PATHS:
        status, body = raw(hostile_site, "GET", path)
        if status not in (400, 404) or key in body or '"kind"' in body:
            found[path] = (status, body[:120])
    assert found == {}
    # The same way to ask does reach a public file: the refusals above are not an accident.
    assert raw(hostile_site, "GET", "/static/css/../style.css")[0] == 200
    # Werkzeug's debugger would answer its own resources on any path: here, the home page.
    status, body = raw(hostile_site, "GET", "/?__debugger__=yes&cmd=resource&f=debugger.js")
    assert status == 200 and Page(body).lang == "fr" and "CONSOLE_MODE" not in body


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_no_write_method_is_accepted(hostile_site: Site, place_ids: list[str], method: str) -> None:
    for path in (
        "/sparql",
        "/api/lieux",
        f"/lieu/{place_ids[0]}",
        f"/lieu/{place_ids[0]}/signaler",
    ):
        answer = fetch(hostile_site, method, path, browser(PLAIN_ACCEPT), data="x")
        assert answer.status_code == 405, f"{method} {path}: {answer.status_code}"
        assert method not in answer.headers["Allow"]


def test_a_report_is_never_published(hostile_site: Site, place_ids: list[str]) -> None:
    """No public answer reads the queue: pages, changelog, dumps, SPARQL.

    The dumps and the snapshot predate the report (a publication reads no queue either: that is
    tests/test_corrections.py's store count); here, what is served live must not show it.
    """
    marker = f"signalconfidentiel{secrets.token_hex(4)}"
    place = place_ids[4]
    session = browser()
    token = report_form(hostile_site, place, session)
    sent = report(
        hostile_site,
        place,
        session,
        champ=REPORT_FIELD,
        message=f"Fermé le dimanche ({marker}).",
        csrf_token=token,
    )
    assert sent.status_code == 303, sent.text[:300]
    queue = hostile_site.settings.corrections_path
    assert marker in queue.read_text(encoding="utf-8")  # queued: its absence below means something
    assert stat.S_IMODE(queue.stat().st_mode) == 0o600
    listing = fetch(hostile_site, "GET", "/donnees").text
    files = sorted(
        {
            link
            for link in Page(listing).links
            if re.fullmatch(r"/donnees/latest/[\w.-]+\.(csv|geojson)", link)
        }
    )
    assert len(files) >= 2, files
    public = [
        f"/lieu/{place}",
        f"/lieu/{place}/signaler",
        sent.headers["Location"],
        "/changements",
        "/changements/flux",
        *files,
    ]
    for path in public:
        answer = fetch(hostile_site, "GET", path, session)
        assert answer.status_code == 200, path
        assert marker not in answer.text, path
    # Nor in the store: no literal holds it, while the same query finds a harvested name.
    query = "SELECT ?o WHERE {{ ?s ?p ?o FILTER(isLiteral(?o) && CONTAINS(STR(?o), {0})) }} LIMIT 5"
    sparql = browser("application/sparql-results+json")
    for text, expected in ((marker, 0), ("Lieu piégé", 1)):
        answer = fetch(
            hostile_site,
            "GET",
            "/sparql",
            sparql,
            params={"query": query.format(json.dumps(text, ensure_ascii=False))},
        )
        assert answer.status_code == 200, answer.text[:300]
        assert min(len(answer.json()["results"]["bindings"]), 1) == expected, text


def test_the_signing_key_appears_in_no_answer(hostile_site: Site, place_ids: list[str]) -> None:
    """Looks through every answer this module received (headers and bodies): run it last."""
    key = (Path(hostile_site.settings.data_dir) / "private" / "secret-key").read_text().strip()
    assert len(key) >= 32
    before = len(LEDGER.answers)
    session = browser()  # answers that a key could sign or slip into: forms, cookies, errors
    token = report_form(hostile_site, place_ids[0], session)
    report(hostile_site, place_ids[0], session, champ="nom", message="x", csrf_token=token)
    for path in ("/", "/nulle-part", "/sparql", f"/lieu/{place_ids[0]}/signaler/merci"):
        fetch(hostile_site, "GET", path, session)
    fetch(hostile_site, "POST", f"/lieu/{place_ids[0]}/signaler", session, data={"x": "y"})
    assert len(LEDGER.answers) - before == 7
    leaked = [answer[:200] for answer in LEDGER.answers if key.encode() in answer]
    assert leaked == []
