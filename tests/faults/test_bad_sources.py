"""A bad source never reaches the registry: it is quarantined, and the published site is intact.

For every kind of bad file a source can deliver (corrupt, truncated CSV, gzip or XLSX, UTF-16
without BOM, UTF-8 mixed with Latin-1, empty, header only, HTML, gigantic on disk or once
un-gzipped) and every kind of failing server (hanging before or during its answer, HTTP 500, an
HTML page with status 200, an endless or an oversized body), a re-harvest of the fixture source
`cget-2019` raises SourceQuarantined with a French reason, leaves every quad of the store outside
the catalogue exactly as it was, records the reason in the catalogue (tl:quarantineReason), and
the production server (`tierslieux serve`, started once for the module) still serves the places
published before. A file in another encoding is decoded, never loaded garbled. The CLI reports a
bad file in one French line, exit status 2, without a traceback.
"""

from __future__ import annotations

import gzip
import http.server
import io
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import openpyxl
import pytest
from rdflib import URIRef

from harvesters import harvest_source, parsing
from harvesters.config import load_sources
from registry.errors import SourceQuarantined
from registry.iris import Minter
from registry.namespaces import TL
from registry.publication import publish
from registry.settings import Settings
from registry.store import OxigraphStore

from ..conftest import (
    CGET_CSV,
    DATA,
    gunicorn_server,
    harvest,
    http_server,
    real_mirror,
    served_settings,
)
from .helpers import map_places

pytestmark = pytest.mark.server

GOOD = (DATA / "harvesters/cget/listing.csv").read_bytes()  # UTF-8 with BOM, 8 rows
TEXT = GOOD.decode("utf-8-sig")
HTML = (
    b"<!DOCTYPE html>\n<html lang='fr'><head><title>Maintenance</title></head>"
    b"<body><h1>Site en maintenance</h1></body></html>\n"
)
TIMEOUT_S = 1  # settings.http_timeout_s for the server cases
QUARANTINE = f"SELECT ?harvest ?why WHERE {{ ?harvest <{TL.quarantineReason}> ?why }}"


@dataclass(frozen=True)
class Site:
    """The module's registry: fixture sources harvested and published, served by gunicorn."""

    settings: Settings
    store: OxigraphStore
    url: str
    places: list[dict[str, object]]  # what /carte.json served after the publication
    data: list[str]  # the store's quads outside the catalogue after the publication

    @property
    def mirror_file(self) -> Path:
        return Path(self.settings.mirror_dir) / CGET_CSV


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("bad-sources")
    settings = served_settings(root)
    store = OxigraphStore(settings.store_path)
    harvest(store, settings, "geographie")
    harvest(store, settings, "cget-2019")
    publish(store, settings)
    with gunicorn_server(settings, root / "server.log", workers=1) as url:
        places = map_places(url)
        assert [place["nom"] for place in places if place["nom"] == "ADE Coworking"]
        yield Site(settings, store, url, places, [])


@pytest.fixture
def site(published: Site) -> Iterator[Site]:
    """The module's registry; the source's mirror file (and data) are put back after the test."""
    if not published.data:
        published.data.extend(data_outside_catalogue(published))
    try:
        yield published
    finally:
        published.mirror_file.write_bytes(GOOD)
        archive = published.settings.data_path / "archive" / "cget-2019"
        for path in archive.iterdir():
            if path.stat().st_size > 1 << 20:  # a gigantic file a failed test let in
                path.unlink()
        if data_outside_catalogue(published) != published.data:  # a failed test loaded it
            harvest(published.store, published.settings, "cget-2019")


def data_outside_catalogue(site: Site) -> list[str]:
    """Every quad of the store but the catalogue's (harvest records), as sorted N-Quads."""
    out = io.BytesIO()
    site.store.dump(out)
    catalogue = f"<{Minter(site.settings.base_uri).graph('catalog')}> ."
    return sorted(line for line in out.getvalue().decode().splitlines() if catalogue not in line)


def assert_quarantined(site: Site, run: Callable[[], object], reason: str) -> SourceQuarantined:
    """`run` is quarantined for `reason` (a regex); nothing but the catalogue changed."""
    before = data_outside_catalogue(site)
    with pytest.raises(SourceQuarantined) as caught:
        run()
    message = str(caught.value)
    assert re.search(reason, message), message
    assert data_outside_catalogue(site) == before  # the previous harvest stays, quad for quad
    recorded = site.store.select(QUARANTINE, {"harvest": URIRef(caught.value.report.harvest_iri)})
    assert [str(row["why"]) for row in recorded] == [message]
    archive = site.settings.data_path / "archive" / "cget-2019"
    assert not list(archive.glob(".partial-*"))  # nothing half-written left behind
    assert map_places(site.url) == site.places
    return caught.value


# -- bad files in the mirror ------------------------------------------------------------------


def corrupt(path: Path, mp: pytest.MonkeyPatch) -> None:
    path.write_bytes(random.Random(10).randbytes(64 * 1024))  # noqa: S311 (test data)


def corrupt_gzip(path: Path, mp: pytest.MonkeyPatch) -> None:
    path.write_bytes(b"\x1f\x8b\x08\x00" + random.Random(11).randbytes(4096))  # noqa: S311


def cut_in_last_row(path: Path, mp: pytest.MonkeyPatch) -> None:
    path.write_bytes(GOOD[:-60])  # the download stopped 60 bytes before the end


def cut_in_the_middle(path: Path, mp: pytest.MonkeyPatch) -> None:
    path.write_bytes(GOOD[: GOOD.index(b"\n5,") + 30])


def cut_in_quoted_value(path: Path, mp: pytest.MonkeyPatch) -> None:
    path.write_bytes(GOOD + b'9,"Tiers-lieu du Ch')


def truncated_gzip(path: Path, mp: pytest.MonkeyPatch) -> None:
    path.write_bytes(gzip.compress(GOOD)[:600])


def xlsx(csv_text: str) -> bytes:
    """The listing as the CGET's XLSX edition (sheet BDD_TL)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "BDD_TL"
    for line in csv_text.splitlines():
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def truncated_xlsx(path: Path, mp: pytest.MonkeyPatch) -> None:
    data = xlsx(TEXT)
    path.write_bytes(data[: len(data) // 2])


def utf16_without_bom(path: Path, mp: pytest.MonkeyPatch) -> None:
    path.write_bytes(TEXT.encode("utf-16-le"))


def utf8_mixed_with_latin1(path: Path, mp: pytest.MonkeyPatch) -> None:
    added = "9,Café de la Gare,,,,,,,,,Tiers lieux à dominante coworking,47.2,-1.5\n"
    path.write_bytes(GOOD[3:] + added.encode("latin-1"))  # no BOM: nothing says UTF-8


def empty(path: Path, mp: pytest.MonkeyPatch) -> None:
    path.write_bytes(b"")


def blank(path: Path, mp: pytest.MonkeyPatch) -> None:
    path.write_bytes(b"\n \r\n\t\n")


def header_only(path: Path, mp: pytest.MonkeyPatch) -> None:
    path.write_bytes(GOOD.split(b"\n", 1)[0] + b"\n")


def html_page(path: Path, mp: pytest.MonkeyPatch) -> None:
    path.write_bytes(HTML)


def sparse_gigabyte(path: Path, mp: pytest.MonkeyPatch) -> None:
    with path.open("wb") as out:  # sparse: 1 GB long, no block written
        out.truncate(1 << 30)


def gzip_bomb(path: Path, mp: pytest.MonkeyPatch) -> None:
    mp.setattr(parsing, "MAX_BYTES", 1 << 20)
    rows = GOOD.split(b"\n", 2)[1] + b"\n"
    path.write_bytes(gzip.compress(GOOD + rows * (3 * (1 << 20) // len(rows)), 1))


BAD_FILES = [
    pytest.param(corrupt, r"caractères nuls : ce n'est pas du texte", id="corrompu"),
    pytest.param(corrupt_gzip, r"archive gzip illisible", id="gzip-corrompu"),
    pytest.param(
        cut_in_last_row,
        r"fichier tronqué, la dernière ligne \(9\) s'arrête au milieu \(11 cellules sur 30\)",
        id="tronque-dans-la-derniere-ligne",
    ),
    pytest.param(
        cut_in_the_middle,
        r"fichier tronqué, la dernière ligne \(6\) s'arrête au milieu",
        id="tronque-au-milieu",
    ),
    pytest.param(
        cut_in_quoted_value,
        r"fichier tronqué, la dernière ligne \(10\)",
        id="tronque-entre-guillemets",
    ),
    pytest.param(truncated_gzip, r"archive gzip illisible \(tronquée", id="gzip-tronque"),
    pytest.param(truncated_xlsx, r"classeur XLSX illisible", id="xlsx-tronque"),
    pytest.param(utf16_without_bom, r"caractères nuls.*UTF-16 sans BOM", id="utf-16-sans-bom"),
    pytest.param(
        utf8_mixed_with_latin1,
        r"encodage mixte, de l'UTF-8 mêlé à du Windows-1252 \(Latin-1\) dès la ligne 2",
        id="utf-8-mele-de-latin-1",
    ),
    pytest.param(empty, r"le fichier est vide", id="vide"),
    pytest.param(blank, r"le fichier est vide", id="blanc"),
    pytest.param(header_only, r"le fichier ne contient aucune ligne", id="en-tete-seul"),
    pytest.param(html_page, r"le serveur a renvoyé du HTML, pas des données", id="page-html"),
    pytest.param(
        sparse_gigabyte,
        r"^cget-2019 : le fichier CGET_TiersLieux_2019\.csv est trop gros \(1 Go, la limite "
        r"est de 200 Mo\) ; il n'a pas été lu\.$",
        id="gigantesque",
    ),
    pytest.param(
        gzip_bomb,
        r"fichier trop gros une fois décompressé \(plus de 1 Mo, la limite est de 1 Mo\)",
        id="bombe-gzip",
    ),
]


@pytest.mark.parametrize(("write", "reason"), BAD_FILES)
def test_a_bad_file_is_quarantined_and_the_site_keeps_its_places(
    site: Site, monkeypatch: pytest.MonkeyPatch, write: Callable[..., None], reason: str
) -> None:
    write(site.mirror_file, monkeypatch)
    clock = time.monotonic()
    assert_quarantined(site, lambda: harvest(site.store, site.settings, "cget-2019"), reason)
    assert time.monotonic() - clock < 15  # a gigantic file is refused, not read


def test_a_gigantic_file_is_not_copied_into_the_archive(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    sparse_gigabyte(site.mirror_file, monkeypatch)
    with pytest.raises(SourceQuarantined, match="trop gros"):
        harvest(site.store, site.settings, "cget-2019")
    archive = site.settings.data_path / "archive" / "cget-2019"
    assert sum(f.stat().st_size for f in archive.iterdir()) < 1 << 20


@pytest.mark.mirror
def test_the_size_limit_is_far_above_every_real_source() -> None:
    shared = real_mirror()
    if shared is None:
        reason = "real data mirror absent: set TL_MIRROR_DIR or provide ../shared/data"
        print(f"skipped: {reason}")
        pytest.skip(reason)
    largest = 0
    for path in shared.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            largest = max(largest, len(gzip.decompress(data) if path.suffix == ".gz" else data))
    assert largest > 1 << 20  # the mirror was read
    assert 20 * largest < parsing.MAX_BYTES


# -- files in another encoding: decoded, not garbled ------------------------------------------


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8", "utf-16", "utf-16-be-bom"], ids=str)
def test_a_file_in_another_encoding_is_decoded_not_garbled(site: Site, encoding: str) -> None:
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + TEXT.encode("utf-16-be")
    else:
        data = TEXT.encode(encoding)  # utf-8: without the fixture's BOM; utf-16: LE, with BOM
    assert data != GOOD
    before = data_outside_catalogue(site)
    site.mirror_file.write_bytes(data)
    report = harvest(site.store, site.settings, "cget-2019")
    assert (report.loaded, report.unchanged, report.changed) == (5, 5, {})
    assert data_outside_catalogue(site) == before  # same text, so the very same records
    names = site.store.select(
        "SELECT ?n WHERE { GRAPH ?g { ?r <http://schema.org/streetAddress> ?n } }"
    )
    assert "9 Rue du Petit Châtelier" in {str(row["n"]) for row in names}


def test_bytes_not_in_the_declared_encoding_are_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "lieux.csv"
    path.write_bytes("id;nom\n1;Café\n".encode("latin-1"))
    rows = parsing.read_rows(path, parsing.TableFormat(encoding="utf-8"))
    with pytest.raises(
        SourceQuarantined,
        match=r"n'est pas encodé en utf-8 comme annoncé \(octet illisible ligne 2",
    ):
        list(rows)


# -- failing servers --------------------------------------------------------------------------


class Upstream(http.server.BaseHTTPRequestHandler):
    """A source's server misbehaving in one way per path."""

    release = threading.Event()  # set at the end of the module: hanging handlers return

    def do_GET(self) -> None:
        if self.path == "/suspendu":  # accepts the connection, never answers
            self.release.wait(60)
        elif self.path == "/suspendu-en-cours":  # answers half the file, then hangs
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.write(GOOD[: len(GOOD) // 2])
            self.wfile.flush()
            self.release.wait(60)
        elif self.path == "/erreur":
            self.send_error(500, "Internal Server Error")
        elif self.path == "/maintenance":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(HTML)))
            self.end_headers()
            self.wfile.write(HTML)
        elif self.path == "/sans-taille":  # a body with no Content-Length, 4× the lowered limit
            self.send_response(200)
            self.end_headers()
            self.wfile.write(GOOD)
            rows = (GOOD.split(b"\n", 2)[1] + b"\n") * 1000
            try:  # bounded, so that a missing limit fails the test without filling the disk
                for _ in range(4 * (1 << 20) // len(rows)):
                    self.wfile.write(rows)
            except OSError:  # the client hung up
                return
        elif self.path == "/annonce-10-go":
            self.send_response(200)
            self.send_header("Content-Length", str(10 << 30))
            self.end_headers()
            self.wfile.write(GOOD)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with http_server(Upstream) as port:
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            Upstream.release.set()  # free the hanging handlers before the server stops


DOWNLOAD = r"^cget-2019 : téléchargement impossible de http://127\.0\.0\.1:\d+/"
TOO_BIG = r"^cget-2019 : le fichier CGET_TiersLieux_2019\.csv est trop gros "
BAD_SERVERS = [
    pytest.param(
        "/suspendu",
        rf"{DOWNLOAD}suspendu \(le serveur n'a pas répondu pendant {TIMEOUT_S} s\)\. Hors ligne",
        20,  # 4 tries (3 retries) of 1 s, and 2 + 4 s of back-off
        id="suspendu",
    ),
    pytest.param(
        "/suspendu-en-cours",
        rf"{DOWNLOAD}suspendu-en-cours \(le serveur n'a pas répondu pendant {TIMEOUT_S} s\)",
        8,
        id="suspendu-en-cours-de-reponse",
    ),
    pytest.param(
        "/erreur", rf"{DOWNLOAD}erreur \(le serveur a répondu HTTP 500\)", 15, id="erreur-500"
    ),
    pytest.param(
        "/maintenance", r"le serveur a renvoyé du HTML, pas des données", 8, id="html-statut-200"
    ),
    pytest.param(
        "/sans-taille",
        rf"{TOO_BIG}\(plus de 1 Mo, la limite est de 1 Mo\) ; il n'a pas été lu\.$",
        8,
        id="corps-sans-taille-trop-gros",
    ),
    pytest.param(
        "/annonce-10-go",
        rf"{TOO_BIG}\(10 Go, la limite est de 200 Mo\) ; il n'a pas été lu\.$",
        8,
        id="taille-annoncee-10-go",
    ),
]


@pytest.mark.parametrize(("path", "reason", "within_s"), BAD_SERVERS)
def test_a_failing_server_is_quarantined_and_the_site_keeps_its_places(
    site: Site,
    upstream: str,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    reason: str,
    within_s: float,
) -> None:
    if path == "/sans-taille":
        monkeypatch.setattr(parsing, "MAX_BYTES", 1 << 20)
    source = replace(load_sources()["cget-2019"], url=upstream + path)
    settings = replace(site.settings, mirror_dir="", http_timeout_s=TIMEOUT_S)
    clock = time.monotonic()
    assert_quarantined(site, lambda: harvest_source(source, site.store, settings), reason)
    elapsed = time.monotonic() - clock
    assert elapsed < within_s  # the harvest gives up: it never waits for ever
    if "suspendu" in path:
        assert elapsed >= TIMEOUT_S  # …and only after the timeout


# -- the command line -------------------------------------------------------------------------


def test_the_cli_reports_a_bad_file_in_one_french_line(
    settings: Settings, mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TL_")}
    environment |= {
        "TL_DATA_DIR": settings.data_dir,
        "TL_MIRROR_DIR": str(mirror),
        "TL_BASE_URI": settings.base_uri,
    }
    tierslieux = str(Path(sys.executable).with_name("tierslieux"))

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [tierslieux, "harvest", "cget-2019"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    good = run()
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("cget-2019: 5 records")
    corrupt(mirror / CGET_CSV, monkeypatch)
    bad = run()
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    [line] = bad.stderr.strip().splitlines()  # one line, in French
    assert line.startswith("cget-2019: échec — ")
    assert line.endswith(
        "le fichier contient des caractères nuls : ce n'est pas du texte (fichier "
        "binaire ou corrompu, ou encodé en UTF-16 sans BOM)."
    )
    store = OxigraphStore(settings.store_path, read_only=True)
    reasons = [str(row["why"]) for row in store.select(QUARANTINE)]
    assert reasons == [line.split("— ", 1)[1]]  # the catalogue records what the user read
    records = store.select(f"SELECT ?r WHERE {{ ?r a <{TL.SourceRecord}> }}")
    assert len(records) == 5  # the records of the good harvest are all still there
