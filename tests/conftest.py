"""Shared fixtures: offline by default, settings in a temporary folder, fixture mirror."""

from __future__ import annotations

import gzip
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph
import pytest
from rdflib import Graph
from rdflib.term import Node

from harvesters import HarvestReport, harvest_source
from harvesters.config import load_sources
from registry.publication import publish
from registry.remote_store import RemoteStore
from registry.settings import Settings
from registry.store import OxigraphStore

from . import virtuoso

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
CGET_CSV = "cget-tiers-lieux-2019/CGET_TiersLieux_2019.csv"


def real_mirror() -> Path | None:
    """The real data mirror: TL_MIRROR_DIR, else ../shared/data next to the checkout."""
    candidates = [os.environ.get("TL_MIRROR_DIR", ""), str(ROOT.parent / "shared" / "data")]
    for candidate in candidates:
        if candidate and (Path(candidate) / CGET_CSV).is_file():
            return Path(candidate)
    return None


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a host other than this machine fails the test."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else ""
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in (
            "127.0.0.1",
            "::1",
            "localhost",
        ):
            raise OSError(f"network access in a test: {address}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A mirror folder laid out as sources.toml expects, holding the small fixture files."""
    return fixture_mirror(tmp_path / "mirror")


def fixture_mirror(root: Path) -> Path:
    """Lay out the small fixture files in `root` as sources.toml expects them; return `root`."""
    (root / "cget-tiers-lieux-2019").mkdir(parents=True)
    shutil.copy(DATA / "harvesters/cget/listing.csv", root / CGET_CSV)
    geo, cog = DATA / "harvesters/geographie", root / "geo-decoupage-administratif"
    cog.mkdir()
    for name in ("regions.json", "departements.json"):
        shutil.copy(geo / name, cog / name)
    for name in ("communes.json", "epci.json"):  # stored gzip-compressed, as in the real mirror
        (cog / f"{name}.gz").write_bytes(gzip.compress((geo / name).read_bytes()))
    (root / "geo-laposte-hexasmal-2022").mkdir()
    shutil.copy(geo / "laposte_hexasmal.csv", root / "geo-laposte-hexasmal-2022")
    return root


def real_settings(data_dir: Path) -> Settings:
    """Settings reading the real data mirror into `data_dir`, or a skip that says why."""
    mirror = real_mirror()
    if mirror is None:
        print("skipped: real data mirror absent (TL_MIRROR_DIR or ../shared/data)")
        pytest.skip("real data mirror absent: set TL_MIRROR_DIR or provide ../shared/data")
    return Settings(
        data_dir=str(data_dir), mirror_dir=str(mirror), base_uri="http://registre.test/"
    )


@pytest.fixture
def shared_mirror() -> Path:
    """The real data mirror, or a skip that says why."""
    found = real_mirror()
    if found is None:
        pytest.skip("real data mirror absent: set TL_MIRROR_DIR or provide ../shared/data")
    return found


@pytest.fixture
def settings(tmp_path: Path, mirror: Path) -> Settings:
    """Settings for a registry in a temporary folder reading the fixture mirror."""
    return Settings(
        data_dir=str(tmp_path / "var"),
        mirror_dir=str(mirror),
        base_uri="http://registre.test/",
    )


def harvest(store: OxigraphStore, settings: Settings, source_id: str) -> HarvestReport:
    """Run one configured source's harvester into `store`."""
    return harvest_source(load_sources()[source_id], store, settings)


@pytest.fixture
def loaded_store(settings: Settings) -> OxigraphStore:
    """An in-memory store holding the fixture sources, published."""
    store = OxigraphStore(None)
    harvest(store, settings, "geographie")
    harvest(store, settings, "cget-2019")
    publish(store, settings)
    return store


def parse_rdf(data: bytes, media_type: str) -> Graph:
    """Parse an RDF document with Oxigraph's parsers (independent of rdflib, which wrote it)."""
    graph = Graph()
    for triple in pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.from_media_type(media_type)):
        graph.add(tuple(_rdflib_term(t) for t in (triple.subject, triple.predicate, triple.object)))
    return graph


def _rdflib_term(term: object) -> Node:
    from registry.store import _to_rdflib

    return _to_rdflib(term)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[virtuoso.Virtuoso]:
    """One Virtuoso for the session (about 15 s to start), or a skip that says why."""
    why = virtuoso.missing()
    if why:
        print(f"skipped: {why}")
        pytest.skip(why)
    instance = virtuoso.start(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def remote_settings(settings: Settings, virtuoso_server: virtuoso.Virtuoso) -> Settings:
    """`settings` with the Virtuoso as the store, emptied of the registry's graphs."""
    chosen = replace(
        settings,
        store_url=virtuoso_server.sparql,
        store_graph_store_url=virtuoso_server.graph_store,
    )
    store = RemoteStore.from_settings(chosen)
    for graph in store.graph_names():
        store.replace_graphs({graph: Graph()})
    return chosen


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def served_settings(root: Path) -> Settings:
    """Settings of a registry in `root` (fixture mirror) to be served on a free loopback port."""
    return Settings(
        data_dir=str(root / "var"),
        mirror_dir=str(fixture_mirror(root / "mirror")),
        base_uri=f"http://127.0.0.1:{free_port()}/",
    )


@contextmanager
def gunicorn_server(
    settings: Settings, log_path: Path, env: dict[str, str] | None = None, workers: int = 2
) -> Iterator[str]:
    """Run `tierslieux serve` (gunicorn) on loopback over `settings`' data; yield its base URL.

    `settings.base_uri` must name the port to serve on. The server's output goes to
    `log_path`; it is stopped (SIGTERM to its process group) on exit.
    """
    import requests

    port = urlsplit(settings.base_uri).port
    environment = {
        **os.environ,
        "TL_DATA_DIR": settings.data_dir,
        "TL_BASE_URI": settings.base_uri,
        **(env or {}),
    }
    if settings.store_url:
        environment["TL_STORE_URL"] = settings.store_url
    tierslieux = Path(sys.executable).with_name("tierslieux")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(tierslieux), "serve", "--port", str(port), "--workers", str(workers)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:  # the first answer opens the snapshot and loads its index: give it time
                    requests.get(f"{settings.base_uri}sante", timeout=10)
                    break
                except (requests.ConnectionError, requests.Timeout):
                    if process.poll() is not None:
                        pytest.fail(f"server exited: {log_path.read_text()}")
                    time.sleep(0.2)
            else:
                pytest.fail("server did not answer within 60 s")
            yield settings.base_uri
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)


@contextmanager
def http_server(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve `handler` with a threaded stdlib HTTP server on loopback; yield its port."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def live_server(app: object) -> Iterator[str]:
    """Serve a WSGI app with a real HTTP server on loopback (a thread); yield its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
