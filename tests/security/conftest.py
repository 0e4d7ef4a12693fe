"""A registry fed with hostile records, served by the production server on loopback.

`HOSTILE` rows, in the national format of the lieux de médiation numérique (the `mednum`
mapping), carry what an untrusted listing may hold: HTML and scripts in every text field,
`javascript:` and `data:` URLs as websites, bidirectional overrides and control characters,
spreadsheet formulas, 1 MB strings. `hostile_site` harvests them with the fixture sources,
publishes, and serves the result with gunicorn: per-client rate limits on, clients told apart
by `X-Forwarded-For` (one trusted proxy), short SPARQL deadline and a 1 MB answer cap.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harvesters import harvest_source
from harvesters.config import SourceConfig
from registry.publication import publish
from registry.settings import Settings
from registry.store import OxigraphStore

from ..conftest import gunicorn_server, harvest, served_settings

MEGABYTE = 1_000_000
SPARQL_TIMEOUT_S = 3
SPARQL_PER_MINUTE = 20
API_PER_MINUTE = 40
HOSTILE_SOURCE = SourceConfig(
    id="hostile",
    title="Annuaire hostile (essai)",
    publisher="Essai",
    licence="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    harvester="mapping",
    url="",
    mirror="hostile/lieux.json",
    mapping="mednum",
)
# Fragments a hostile listing puts in text fields; each marker proves, if a browser runs it,
# that harvested text became markup.
ATTACKS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    '"><svg onload="window.__pwned=3">',
    "</title><script>window.__pwned=4</script>",
    "</script><script>window.__pwned=9</script>",
    "'};window.__pwned=5;//",
    "{{ 7*7 }}{% raw %}",
    "\u202etxet esrever\u202c",
    "\u2066isolé\u2069\u200b",
    "\x1b[31mrouge\x1b[0m\x00\x07",
    '=HYPERLINK("http://evil.example","clic")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
]
BAD_WEBSITES = [
    "javascript:window.__pwned=6",
    "JaVaScRiPt:window.__pwned=7",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    'http://example.org/" onmouseover="window.__pwned=8',
]


def hostile_rows(count: int = 30, seed: int = 10) -> list[dict[str, object]]:
    """Hand-written hostile rows, then `count` rows mixing ATTACKS at random (seeded)."""
    rows: list[dict[str, object]] = [
        {"nom": ATTACKS[0] + "Lieu piégé " + ATTACKS[1], "adresse": ATTACKS[2],
         "site_web": BAD_WEBSITES[0], "presentation_resume": " ".join(ATTACKS)},
        {"nom": ATTACKS[9], "adresse": ATTACKS[12], "site_web": BAD_WEBSITES[3],
         "presentation_resume": "x" * MEGABYTE},
        {"nom": "Lieu " + "y" * MEGABYTE, "adresse": ATTACKS[10], "site_web": BAD_WEBSITES[1]},
        {"nom": ATTACKS[6] + " Lieu", "adresse": ATTACKS[11], "site_web": BAD_WEBSITES[5]},
    ]  # fmt: skip
    draw = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    for _ in range(count):
        text = lambda: " ".join(draw.sample(ATTACKS, 3))  # noqa: E731
        rows.append(
            {"nom": f"Lieu {text()}", "adresse": text(), "commune": text(),
             "site_web": draw.choice(BAD_WEBSITES), "presentation_resume": text()}
        )  # fmt: skip
    for number, row in enumerate(rows, start=1):
        row.update(
            id=f"h{number}",
            code_postal="44300",
            code_insee="44109",
            latitude=47.20 + number / 1000,
            longitude=-1.55 - number / 1000,
            horaires="Mo-Fr 09:00-17:00",
            typologie="TIERS_LIEUX",
        )
        row.setdefault("commune", "Nantes")
    return rows


@dataclass(frozen=True)
class Site:
    """The served registry: its base URL, its settings and the hostile rows it harvested."""

    url: str
    settings: Settings
    rows: list[dict[str, object]]


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("hostile")
    settings = served_settings(root)
    mirror = Path(settings.mirror_dir)
    rows = hostile_rows()
    (mirror / "hostile").mkdir()
    (mirror / HOSTILE_SOURCE.mirror).write_text(json.dumps(rows, ensure_ascii=False))
    store = OxigraphStore(settings.store_path)
    harvest(store, settings, "geographie")
    harvest(store, settings, "cget-2019")
    report = harvest_source(HOSTILE_SOURCE, store, settings)
    assert report.loaded == len(rows), report.rejected
    publish(store, settings)
    del store
    env = {
        "TL_PROXIES": "1",
        "TL_SPARQL_PER_MINUTE": str(SPARQL_PER_MINUTE),
        "TL_API_PER_MINUTE": str(API_PER_MINUTE),
        "TL_SPARQL_TIMEOUT_S": str(SPARQL_TIMEOUT_S),
        "TL_SPARQL_MAX_RESULT_MB": "1",
    }
    with gunicorn_server(settings, root / "server.log", env) as url:
        yield Site(url, settings, rows)


_clients = iter(range(1, 1_000_000))


def client() -> dict[str, str]:
    """Headers of a new client: its own address, as the trusted proxy forwards it."""
    number = next(_clients)
    return {"X-Forwarded-For": f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"}


@pytest.fixture
def as_client() -> dict[str, str]:
    """A fresh client's headers, so that the rate limits of other tests do not count."""
    return client()
