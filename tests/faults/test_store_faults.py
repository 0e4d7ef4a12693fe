"""A full disk or a read-only data directory stops harvest and publish cleanly; the site serves on.

Each fault is real: the folder is a tmpfs of its own, remounted read-only or filled to the last
byte (tests run as root in CI, where chmod stops nothing; without the right to mount, they skip
and say why). For each fault (the whole data directory read-only or full, the archive folder
alone read-only, the snapshots folder alone full) `tierslieux harvest` and/or `tierslieux
publish` exit with status 2 and one French line naming the problem and the folder, without a
traceback; the production server (`tierslieux serve`) keeps serving the snapshot published before
(the same places, status 200); and once the disk is writable or has room again, the next harvest
and publish succeed and the site serves the new snapshot. A write the full disk refuses leaves
the store as it was (one transaction) and the store reopens intact.
"""

from __future__ import annotations

import errno
import gc
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pytest
import requests
from rdflib import Graph, Literal, URIRef

from registry.errors import StorageUnavailable
from registry.settings import Settings
from registry.store import OxigraphStore

from ..conftest import gunicorn_server, served_settings
from .helpers import map_places

pytestmark = pytest.mark.server

TIERSLIEUX = str(Path(sys.executable).with_name("tierslieux"))
READ_ONLY = "le disque est en lecture seule. Remontez-le en écriture"
FULL = "Espace disque insuffisant pour écrire dans"


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@contextmanager
def tmpfs(folder: Path, size: str = "64m") -> Iterator[Path]:
    """A tmpfs mounted on `folder` for the block; unmounted after, whatever happens."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)])
    if mounted.returncode != 0:
        reason = f"cannot mount a tmpfs (root and CAP_SYS_ADMIN needed): {mounted.stderr.strip()}"
        print(f"skipped: {reason}")
        pytest.skip(reason)
    try:
        yield folder
    finally:
        gc.collect()  # a store still referenced keeps files open
        if run(["umount", str(folder)]).returncode != 0:
            run(["umount", "--lazy", str(folder)])


def remount(folder: Path, mode: str) -> None:
    result = run(["mount", "-o", f"remount,{mode}", str(folder)])
    assert result.returncode == 0, result.stderr


def fill(folder: Path) -> Path:
    """Write a file in `folder` until its file system has no byte left; return the file."""
    filler = folder / "remplissage"
    with filler.open("ab", buffering=0) as out:
        for block in (1 << 20, 4096):  # big blocks, then the last pages
            assert write_until_error(out, b"\0" * block).errno == errno.ENOSPC
    assert shutil.disk_usage(folder).free < 4096
    return filler


def write_until_error(out: BinaryIO, block: bytes) -> OSError:
    try:
        while True:
            out.write(block)
    except OSError as error:
        return error


def tierslieux(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TL_")}
    environment |= {
        "TL_DATA_DIR": settings.data_dir,
        "TL_MIRROR_DIR": settings.mirror_dir,
        "TL_BASE_URI": settings.base_uri,
    }
    return subprocess.run(
        [TIERSLIEUX, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def succeeds(settings: Settings, *args: str) -> None:
    result = tierslieux(settings, *args)
    assert result.returncode == 0, result.stderr


def served_places(url: str) -> list[dict[str, object]]:
    """Every place on the site's map, each of their pages and the main pages answering 200."""
    places = map_places(url)
    for path in ("", "sources/cget-2019", "sante"):
        assert requests.get(f"{url}{path}", timeout=10).status_code == 200
    return places


@dataclass(frozen=True)
class Registry:
    """The module's registry on tmpfs: the data directory, its archive and snapshots folders
    each on a file system of their own; fixture sources harvested, published and served."""

    settings: Settings
    url: str
    places: list[dict[str, object]]  # what the site served after the first publication

    @property
    def pointer(self) -> Path:
        return self.settings.data_path / "current"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    root = tmp_path_factory.mktemp("store-faults")
    settings = served_settings(root)
    data = settings.data_path
    with (
        tmpfs(data),
        tmpfs(data / "archive", "16m"),
        tmpfs(data / "snapshots", "128m"),
    ):
        succeeds(settings, "harvest", "geographie", "cget-2019")
        succeeds(settings, "publish")
        with gunicorn_server(settings, root / "server.log", workers=1) as url:
            yield Registry(settings, url, served_places(url))


@dataclass(frozen=True)
class Fault:
    folder: str  # the folder of the data directory whose file system fails ("" = the data dir)
    kind: str  # "ro": remounted read-only; "full": filled to the last byte
    fails: tuple[str, ...]  # the commands the fault stops
    message: str  # what their one line of error says


FAULTS = [
    pytest.param(Fault("", "ro", ("harvest", "publish"), READ_ONLY), id="donnees-lecture-seule"),
    pytest.param(Fault("", "full", ("harvest", "publish"), FULL), id="donnees-disque-plein"),
    pytest.param(Fault("archive", "ro", ("harvest",), READ_ONLY), id="archive-lecture-seule"),
    pytest.param(Fault("snapshots", "full", ("publish",), FULL), id="instantanes-disque-plein"),
]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_storage_fault_stops_the_commands_cleanly_and_the_site_serves_on(
    registry: Registry, fault: Fault
) -> None:
    settings = registry.settings
    folder = settings.data_path / fault.folder
    published = registry.pointer.read_text(encoding="utf-8")
    filler = fill(folder) if fault.kind == "full" else None
    if fault.kind == "ro":
        remount(folder, "ro")
    try:
        for command, *args in (("harvest", "cget-2019"), ("publish",)):
            result = tierslieux(settings, command, *args)
            if command not in fault.fails:
                assert result.returncode == 0, result.stderr
                continue
            assert result.returncode == 2, result.stdout
            assert "Traceback" not in result.stderr
            [line] = result.stderr.strip().splitlines()  # one line, in French
            assert fault.message in line
            assert str(folder) in line  # it names the folder to free or to remount
        if "publish" in fault.fails:
            assert registry.pointer.read_text(encoding="utf-8") == published
        assert served_places(registry.url) == registry.places  # what was published, still
    finally:
        if filler is not None:
            filler.unlink()
        if fault.kind == "ro":
            remount(folder, "rw")
    for command, *args in (("harvest", "cget-2019"), ("publish",)):
        if command in fault.fails:  # what the fault stopped works again
            succeeds(settings, command, *args)
    assert registry.pointer.read_text(encoding="utf-8") != published
    assert served_places(registry.url) == registry.places  # the new snapshot: the same places
    assert not list((settings.data_path / "snapshots").glob("*.tmp"))  # no half-copy left


def test_a_write_the_full_disk_refuses_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    graph = URIRef("http://registre.test/graph/essai")
    small, large = Graph(), Graph()
    for number in range(100):
        small.add((URIRef(f"http://registre.test/id/{number}"), URIRef("http://p"), Literal("a")))
    for number in range(5000):
        large.add((URIRef(f"http://registre.test/id/{number}"), URIRef("http://p"), Literal("b")))
    with tmpfs(tmp_path / "disque", "16m") as disk:
        store = OxigraphStore(disk / "store")
        store.replace_graphs({graph: small})
        filler = fill(disk)
        expected = (
            f"Espace disque insuffisant pour écrire dans {disk / 'store'} : libérez de la "
            "place, puis relancez la commande."
        )
        with pytest.raises(StorageUnavailable, match=f"^{re.escape(expected)}$"):
            store.replace_graphs({graph: large})
        assert store.count(graph) == 100  # still readable, unchanged
        del store
        gc.collect()  # closes RocksDB
        filler.unlink()
        store = OxigraphStore(disk / "store")
        assert store.count(graph) == 100  # the refused transaction left no trace
        store.replace_graphs({graph: large})
        assert store.count(graph) == 5000
        del store
