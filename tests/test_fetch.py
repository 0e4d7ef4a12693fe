"""Fetching over HTTP from a real local server: archive, conditional GET, failures."""

from __future__ import annotations

import http.server
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import ClassVar

import pytest

from harvesters.config import SourceConfig
from harvesters.fetch import fetch_source, new_session
from registry.errors import SourceUnavailable
from registry.settings import Settings

from .conftest import http_server

BODY = "id;nom;commune\n1;Tiers-lieu;Lyon\n"


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder (Last-Modified / If-Modified-Since included); /erreur answers 500."""

    requests_seen: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:
        Handler.requests_seen.append((self.path, self.headers.get("If-Modified-Since", "")))
        if self.path == "/erreur":
            self.send_error(500, "Erreur du serveur")
            return
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    folder = tmp_path / "www"
    folder.mkdir()
    (folder / "lieux.csv").write_text(BODY, encoding="utf-8")
    Handler.requests_seen = []
    with http_server(partial(Handler, directory=str(folder))) as port:
        yield f"http://127.0.0.1:{port}/"


def source(url: str) -> SourceConfig:
    return SourceConfig(
        id="essai", title="Essai", publisher="", licence="", harvester="mapping",
        url=url, mirror="essai/lieux.csv",
    )  # fmt: skip


def test_download_is_archived_then_not_downloaded_again_when_unchanged(
    server: str, tmp_path: Path
) -> None:
    settings = Settings(data_dir=str(tmp_path / "var"), mirror_dir="")
    first = fetch_source(source(server + "lieux.csv"), settings, new_session(retries=0))
    second = fetch_source(source(server + "lieux.csv"), settings, new_session(retries=0))
    assert first[0].sha256 == second[0].sha256
    assert first[0].path.read_text(encoding="utf-8") == BODY
    assert not first[0].from_mirror
    sent = [since for path, since in Handler.requests_seen if path == "/lieux.csv"]
    assert sent[0] == ""  # first request: unconditional
    assert sent[1]  # second request: If-Modified-Since, answered 304 Not Modified


def test_a_server_error_is_a_clear_unavailability(server: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path / "var"), mirror_dir="")
    with pytest.raises(SourceUnavailable, match="téléchargement impossible"):
        fetch_source(source(server + "erreur"), settings, new_session(retries=0))
    assert not list((tmp_path / "var/archive/essai").glob("*.csv"))
