"""Fetch a source's files from the mirror or over HTTP, and archive every byte read.

Each file read is copied to `{data_dir}/archive/{source}/{sha256}{suffix}` (once per content), so
every published fact can be traced to the exact bytes it came from. A file larger than
`parsing.MAX_BYTES` is refused before it is copied or while it downloads (SourceQuarantined).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from registry import __version__
from registry.errors import SourceQuarantined, SourceUnavailable, disk_error
from registry.paths import ROOT
from registry.settings import Settings

from . import parsing
from .config import SourceConfig

log = logging.getLogger(__name__)

USER_AGENT = f"tiers-lieux-registry/{__version__} (registre ouvert des tiers-lieux)"


@dataclass(frozen=True)
class FetchedFile:
    """One file of a source as read for a harvest, with what traces it."""

    name: str  # file name within the source
    path: Path  # the archived copy
    sha256: str
    size: int
    url: str  # upstream URL
    retrieved_at: datetime
    from_mirror: bool


def new_session(retries: int = 3) -> requests.Session:
    """An HTTP session with our User-Agent and retries with back-off on transient failures."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    retry = Retry(
        total=retries,
        backoff_factor=1.0,
        status_forcelist=(429, 500, 502, 503, 504),
        raise_on_status=False,  # after the last retry, raise_for_status names the status
    )
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def fetch_source(
    source: SourceConfig, settings: Settings, session: requests.Session | None = None
) -> list[FetchedFile]:
    """Read every file of `source` (mirror when `settings.mirror_dir` is set) and archive it.

    A full disk or a read-only archive folder raises StorageUnavailable (not a quarantine: the
    source is fine, the registry cannot write).
    """
    archive = settings.data_path / "archive" / source.id
    try:
        return _fetch_all(source, settings, session, archive)
    except OSError as error:
        if (disk := disk_error(error, archive)) is not None:
            with contextlib.suppress(OSError):  # what a full disk left half-written
                for partial in archive.glob(".partial-*"):
                    partial.unlink()
            raise disk from error
        raise


def _fetch_all(
    source: SourceConfig, settings: Settings, session: requests.Session | None, archive: Path
) -> list[FetchedFile]:
    archive.mkdir(parents=True, exist_ok=True)
    fetched = []
    for name, url, mirror in source.locations():
        now = datetime.now(UTC).replace(microsecond=0)
        partial = archive / f".partial-{name}"
        if source.bundled:
            _copy_mirror(ROOT / source.bundled / name, partial, source.id)
        elif settings.mirror_dir and not mirror:
            raise SourceUnavailable(
                f"{source.id} : pas de copie de cette source dans le miroir ; "
                "elle ne se moissonne que par le réseau (TL_MIRROR_DIR vide)."
            )
        elif settings.mirror_dir:
            _copy_mirror(Path(settings.mirror_dir) / mirror, partial, source.id)
        else:
            unchanged = _download(
                session or new_session(), url, partial, settings.http_timeout_s, source.id,
                archive / name,
            )  # fmt: skip
            if unchanged is not None:  # 304 Not Modified: the archived copy is the current file
                shutil.copyfile(unchanged, partial)
        digest, size = _sha256(partial)
        target = archive / f"{digest}{''.join(Path(name).suffixes)}"
        if target.exists():
            partial.unlink()
        else:
            partial.replace(target)
        log.info("%s: read %s (%d bytes, sha256 %s)", source.id, name, size, digest)
        fetched.append(
            FetchedFile(name, target, digest, size, url, now, from_mirror=bool(settings.mirror_dir))
        )
    return fetched


def _copy_mirror(path: Path, target: Path, source_id: str) -> None:
    if not path.is_file():
        raise SourceUnavailable(
            f"{source_id} : fichier miroir introuvable {path} (vérifiez TL_MIRROR_DIR)."
        )
    size = path.stat().st_size
    if size > parsing.MAX_BYTES:  # refused before a byte is copied into the archive
        raise _too_big(source_id, path.name, size)
    shutil.copyfile(path, target)


def _too_big(source_id: str, name: str, size: int, more: bool = False) -> SourceQuarantined:
    found = f"plus de {parsing.size_fr(size)}" if more else parsing.size_fr(size)
    return SourceQuarantined(
        f"{source_id} : le fichier {name} est trop gros ({found}, la limite est de "
        f"{parsing.size_fr(parsing.MAX_BYTES)}) ; il n'a pas été lu."
    )


def _failure(error: requests.RequestException, timeout: int) -> str:
    """Why a download failed, in French."""
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"le serveur a répondu HTTP {error.response.status_code}"
    if isinstance(error, requests.Timeout) or "timed out" in repr(error).lower():
        return f"le serveur n'a pas répondu pendant {timeout} s"
    if isinstance(error, requests.ConnectionError):
        return "connexion au serveur impossible ou interrompue"
    return error.__class__.__name__


def _download(
    session: requests.Session,
    url: str,
    target: Path,
    timeout: int,
    source_id: str,
    archived_as: Path,
) -> Path | None:
    """Download `url` to `target`, conditionally: returns the archived file on 304, else None.

    The validators (ETag, Last-Modified) of the last download of each URL are kept in
    `{archive}/validators.json`; requests decompresses gzip transfer encoding itself.
    """
    archive = archived_as.parent
    ledger = archive / "validators.json"
    known = json.loads(ledger.read_text(encoding="utf-8")) if ledger.is_file() else {}
    previous = known.get(url, {})
    headers = {"Accept-Encoding": "gzip"}
    if previous.get("etag"):
        headers["If-None-Match"] = previous["etag"]
    if previous.get("last_modified"):
        headers["If-Modified-Since"] = previous["last_modified"]
    try:
        with session.get(url, timeout=timeout, stream=True, headers=headers) as response:
            if response.status_code == 304 and (archive / previous.get("file", "")).is_file():
                log.info("%s: %s not modified since the last harvest", source_id, url)
                return archive / previous["file"]
            response.raise_for_status()
            announced = response.headers.get("Content-Length", "")
            if announced.isdigit() and int(announced) > parsing.MAX_BYTES:
                raise _too_big(source_id, archived_as.name, int(announced))
            written = 0
            with target.open("wb") as out:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    written += len(chunk)
                    if written > parsing.MAX_BYTES:
                        raise _too_big(source_id, archived_as.name, parsing.MAX_BYTES, more=True)
                    out.write(chunk)
            validators = {
                "etag": response.headers.get("ETag", ""),
                "last_modified": response.headers.get("Last-Modified", ""),
            }
    except SourceQuarantined:
        target.unlink(missing_ok=True)
        raise
    except requests.RequestException as error:
        target.unlink(missing_ok=True)
        raise SourceUnavailable(
            f"{source_id} : téléchargement impossible de {url} "
            f"({_failure(error, timeout)}). "
            "Hors ligne ? Définissez TL_MIRROR_DIR pour lire un miroir local."
        ) from error
    digest, _ = _sha256(target)
    known[url] = {**validators, "file": f"{digest}{''.join(archived_as.suffixes)}"}
    ledger.write_text(json.dumps(known, indent=1), encoding="utf-8")
    return None


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 16):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
