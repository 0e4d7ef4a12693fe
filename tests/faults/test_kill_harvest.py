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
import time
from dataclasses import replace
from pathlib import Path

import pytest

from registry.settings import Settings
from registry.store import OxigraphStore

from ..conftest import CGET_CSV, fixture_mirror, harvest, real_settings
from .helpers import RENAMED, changed_copy, tierslieux_process

pytestmark = [pytest.mark.mirror, pytest.mark.server]

# Moments of the kills, as fractions of one uninterrupted harvest of the changed file.
FRACTIONS = (0.05, 0.3, 0.6, 0.85, 0.93, 0.97)
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


def harvest_process(settings: Settings) -> subprocess.Popen[bytes]:
    return tierslieux_process(settings, "harvest", "cget-2019")


def test_a_harvest_killed_at_any_moment_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    settings = real_settings(tmp_path / "var")
    real_csv = Path(settings.mirror_dir) / CGET_CSV
    mirror = fixture_mirror(tmp_path / "mirror")  # small geography, real CGET base
    shutil.copy(real_csv, mirror / CGET_CSV)
    settings = replace(settings, mirror_dir=str(mirror))
    store = OxigraphStore(settings.store_path)
    harvest(store, settings, "geographie")
    first = harvest(store, settings, "cget-2019")
    del store
    before = store_quads(settings.store_path)  # type: ignore[arg-type]
    changed_copy(real_csv, mirror / CGET_CSV)

    # One uninterrupted harvest of the changed file, on a copy of the store: its duration and
    # the store it leaves.
    pristine, probe = tmp_path / "pristine", tmp_path / "probe"
    shutil.copytree(settings.data_path, pristine)
    shutil.copytree(settings.data_path, probe)
    clock = time.monotonic()
    finished = harvest_process(replace(settings, data_dir=str(probe)))
    _, err = finished.communicate(timeout=600)
    duration = time.monotonic() - clock
    assert finished.returncode == 0, err.decode()
    done = store_quads(probe / "store")
    assert done != before
    assert any(RENAMED in line for line in done)

    outcomes: list[str] = []
    for fraction in FRACTIONS:
        process = harvest_process(settings)
        time.sleep(duration * fraction)
        if process.poll() is not None:
            pytest.fail(f"the harvest ended before the kill at {fraction:.0%} of {duration:.1f} s")
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        assert process.returncode == -signal.SIGKILL
        now = store_quads(settings.store_path)  # type: ignore[arg-type]
        # Killed before its one write transaction committed: the store is as before; after it
        # (while it wrote its JSON report or closed the store): the harvest is whole.
        assert now in (before, done), f"half a harvest in the store after {fraction:.0%}"
        outcomes.append("before" if now == before else "whole")
        if now == done:  # start the next kill from the same store
            shutil.rmtree(settings.data_path)
            shutil.copytree(pristine, settings.data_path)
    print(
        f"harvest of {duration:.1f} s killed at "
        + ", ".join(f"{f:.0%} ({o})" for f, o in zip(FRACTIONS, outcomes, strict=True))
    )
    assert outcomes.count("before") >= 3, outcomes

    # The next harvest succeeds and loads the change.
    process = harvest_process(settings)
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err.decode()
    assert "cget-2019:" in out.decode()
    assert store_quads(settings.store_path) == done  # type: ignore[arg-type]
    assert first.loaded > 1000
