"""A harvest killed with SIGKILL at any moment leaves the store as it was, never half changed.

The real CGET base (1,512 rows) is harvested once; then a changed copy of it (names edited, rows
dropped) is harvested by `tierslieux harvest` in a subprocess that is killed with `kill -9` at
several moments spread over a whole harvest, the last ones while it writes the store. After each
kill, the store's every quad is compared with the quads before; then a harvest runs to its end and
loads the change.
"""

from __future__ import annotations

import io
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from registry.settings import Settings
from registry.store import OxigraphStore

from ..conftest import CGET_CSV, ROOT, harvest, real_settings
from .helpers import RENAMED, changed_copy, real_cget_settings, tierslieux_process

pytestmark = [pytest.mark.mirror, pytest.mark.server]

# Moments of the kills, as fractions of one uninterrupted harvest of the changed file.
FRACTIONS = (0.1, 0.4, 0.7, 0.9)
STAMP = re.compile(r"/moissonnage/([^/>]+)/\d{8}T\d+Z")
DATETIME = re.compile(r'"\d{4}-\d\d-\d\dT[^"]*"\^\^(?=<http://www.w3.org/2001/XMLSchema#dateTime>)')


def store_quads(path: Path) -> list[str]:
    """Every quad of the store at `path`, as sorted N-Quads lines, harvest times blanked.

    Two harvests of the same files differ only by their moment: the harvest's IRI (a UTC stamp)
    and its xsd:dateTime values are replaced by placeholders.
    """
    store = OxigraphStore(path)
    data = io.BytesIO()
    store.dump(data)
    del store
    text = STAMP.sub("STAMP", DATETIME.sub('"TIME"^^', data.getvalue().decode()))
    return sorted(text.splitlines())


def kill_at_moments(
    settings: Settings, source_id: str, fractions: tuple[float, ...], work: Path
) -> tuple[list[str], list[str], list[str]]:
    """Kill `tierslieux harvest SOURCE` at `fractions` of one uninterrupted run; check the store.

    After each kill the store is read as the next command finds it (opening it for writing
    puts back what an interrupted bulk load left). Returns the quads before, the quads after a
    whole harvest, and the outcome of each kill ("before", "whole", or "ended" when that run
    ended before the kill).
    """
    before = store_quads(settings.store_path)  # type: ignore[arg-type]
    pristine, probe = work / "pristine", work / "probe"
    shutil.copytree(settings.data_path, pristine)
    shutil.copytree(settings.data_path, probe)
    clock = time.monotonic()
    finished = tierslieux_process(replace(settings, data_dir=str(probe)), "harvest", source_id)
    _, err = finished.communicate(timeout=600)
    duration = time.monotonic() - clock
    assert finished.returncode == 0, err.decode()
    done = store_quads(probe / "store")
    assert done != before

    outcomes: list[str] = []
    for fraction in fractions:
        process = tierslieux_process(settings, "harvest", source_id)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)  # a process that already ended ignores it
        process.communicate(timeout=60)
        now = store_quads(settings.store_path)  # type: ignore[arg-type]
        if process.returncode != -signal.SIGKILL:  # this run was faster than the probe
            assert process.returncode == 0
            assert now == done
            outcomes.append("ended")
            shutil.rmtree(settings.data_path)
            shutil.copytree(pristine, settings.data_path)
            continue
        # Killed before its write committed: the store is as before; after it (while it wrote
        # its JSON report or closed the store): the harvest is whole. Never half of it.
        assert now in (before, done), f"half a harvest in the store after {fraction:.0%}"
        outcomes.append("before" if now == before else "whole")
        if now == done:  # start the next kill from the same store
            shutil.rmtree(settings.data_path)
            shutil.copytree(pristine, settings.data_path)
    print(
        f"{source_id}: harvest of {duration:.1f} s killed at "
        + ", ".join(f"{f:.0%} ({o})" for f, o in zip(fractions, outcomes, strict=True))
    )
    return before, done, outcomes


def test_a_harvest_killed_at_any_moment_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    settings, real_csv = real_cget_settings(tmp_path)
    mirror = Path(settings.mirror_dir)
    store = OxigraphStore(settings.store_path)
    harvest(store, settings, "geographie")
    first = harvest(store, settings, "cget-2019")
    del store
    changed_copy(real_csv, mirror / CGET_CSV)
    _, done, outcomes = kill_at_moments(settings, "cget-2019", FRACTIONS, tmp_path)
    assert any(RENAMED in line for line in done)
    assert outcomes.count("before") >= 2, outcomes

    # The next harvest succeeds and loads the change.
    process = tierslieux_process(settings, "harvest", "cget-2019")
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err.decode()
    assert "cget-2019:" in out.decode()
    assert store_quads(settings.store_path) == done  # type: ignore[arg-type]
    assert first.loaded > 1000


def test_a_geography_harvest_killed_while_it_bulk_loads_leaves_the_store_as_it_was(
    tmp_path: Path,
) -> None:
    """The geography is bulk-loaded (not one transaction): killed then, the store is put back.

    The kill comes 1 s after the checkpoint's marker appears, that is inside the bulk load of
    the real geography's 540,000 triples (a few seconds).
    """
    settings = real_settings(tmp_path / "var")
    store = OxigraphStore(settings.store_path)
    harvest(store, settings, "geographie")
    del store
    before = store_quads(settings.store_path)  # type: ignore[arg-type]
    marker = settings.data_path / "store.a-restaurer"
    process = tierslieux_process(settings, "harvest", "geographie")
    deadline = time.monotonic() + 600
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(1)
    assert process.poll() is None, "the harvest ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert marker.exists()  # killed inside the bulk load
    assert store_quads(settings.store_path) == before  # type: ignore[arg-type]


def test_a_process_dying_inside_a_bulk_load_is_undone_at_the_next_opening(tmp_path: Path) -> None:
    """Deterministic: the process exits (os._exit) in the middle of `recoverable`."""
    path = tmp_path / "store"
    store = OxigraphStore(path)
    store.replace_graphs({URIRef("urn:x:g"): _graph("avant", 10)})
    del store
    before = store_quads(path)
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from rdflib import URIRef\n"
        "from registry.store import OxigraphStore\n"
        "from tests.faults.test_kill_harvest import _graph\n"
        f"store = OxigraphStore(Path({str(path)!r}))\n"
        "with store.recoverable():\n"
        "    store.rebuild_graphs({URIRef('urn:x:g'): _graph('apres', 5000)})\n"
        "    store.rebuild_graphs({URIRef('urn:x:h'): _graph('apres', 5000)})\n"
        "    os._exit(9)\n"
    )
    died = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True)
    assert died.returncode == 9, died.stderr.decode()
    assert path.with_name("store.a-restaurer").exists()  # the process died inside the block
    assert store_quads(path) == before  # opened again: put back
    assert not path.with_name("store.a-restaurer").exists()
    assert not path.with_name("store.avant-ecriture").exists()


def _graph(word: str, size: int) -> Graph:
    graph = Graph()
    for number in range(size):
        graph.add((URIRef(f"urn:x:{word}{number}"), URIRef("urn:x:p"), Literal(number)))
    return graph
