"""Readers during a harvest and a publish always see one whole registry, and never a 5xx.

The production server (gunicorn, 2 workers) serves a registry published from the real CGET base.
Four client threads ask for pages, place pages, the JSON API and a SPARQL count without pause,
while `tierslieux harvest` then `tierslieux publish` run on the same data folder with a changed
copy of the base (a tenth of the places dropped, names edited). Every answer must be a success;
every SPARQL count and every API answer must be the old registry's or the new one's (never a
mix); once the publish has ended, the new registry is served.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from registry.publication import publish
from registry.store import OxigraphStore

from ..conftest import (
    CGET_CSV,
    free_port,
    gunicorn_server,
    harvest,
)
from .helpers import changed_copy, real_cget_settings, tierslieux_process

pytestmark = [pytest.mark.mirror, pytest.mark.server]

COUNT = """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
SELECT (COUNT(DISTINCT ?lieu) AS ?n) WHERE { ?lieu a tl:TiersLieu }"""
NO_LIMITS = {"TL_SPARQL_PER_MINUTE": "0", "TL_API_PER_MINUTE": "0"}


def sparql_count(base: str) -> int:
    answer = requests.get(
        f"{base}sparql",
        params={"query": COUNT},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    answer.raise_for_status()
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def api_answer(base: str) -> tuple[tuple[str, str], ...]:
    """The 100 places nearest to Paris: (id, name) of each."""
    answer = requests.get(
        f"{base}api/lieux", params={"pres": "48.8566,2.3522", "limite": "100"}, timeout=60
    )
    answer.raise_for_status()
    return tuple((place["id"], place["nom"]) for place in answer.json()["lieux"])


def test_readers_see_a_whole_registry_during_a_harvest_and_a_publish(tmp_path: Path) -> None:
    settings, real_csv = real_cget_settings(tmp_path)
    mirror = Path(settings.mirror_dir)
    settings = replace(settings, base_uri=f"http://127.0.0.1:{free_port()}/")
    store = OxigraphStore(settings.store_path)
    harvest(store, settings, "geographie")
    harvest(store, settings, "cget-2019")
    publish(store, settings)
    del store
    changed_copy(real_csv, mirror / CGET_CSV)

    with gunicorn_server(settings, tmp_path / "server.log", NO_LIMITS) as base:
        old_count, old_answer = sparql_count(base), api_answer(base)
        pages = [
            "",
            "recherche?q=coworking",
            f"lieu/{old_answer[0][0]}",
            "carte.json",
            "donnees",
            "sources",
        ]
        seen: Counter[str] = Counter()
        counts: set[int] = set()
        answers: set[tuple[tuple[str, str], ...]] = set()
        failures: list[str] = []
        stop = threading.Event()

        def read(worker: int) -> None:
            session = requests.Session()
            turn = worker
            while not stop.is_set():
                turn += 1
                try:
                    if turn % 3 == 0:
                        counts.add(sparql_count(base))
                        seen["sparql"] += 1
                    elif turn % 3 == 1:
                        answers.add(api_answer(base))
                        seen["api"] += 1
                    else:
                        path = pages[turn % len(pages)]
                        answer = session.get(f"{base}{path}", timeout=60)
                        if answer.status_code != 200:
                            failures.append(f"/{path}: {answer.status_code}")
                        seen["pages"] += 1
                except (requests.RequestException, KeyError, ValueError) as error:
                    failures.append(f"{type(error).__name__}: {error}")

        readers = [threading.Thread(target=read, args=(n,)) for n in range(4)]
        for reader in readers:
            reader.start()
        try:
            clock = time.monotonic()
            for arguments in (("harvest", "cget-2019"), ("publish",)):
                process = tierslieux_process(settings, *arguments)
                _, err = process.communicate(timeout=900)
                assert process.returncode == 0, err.decode()
            writing = time.monotonic() - clock
            time.sleep(3)  # the workers notice the new snapshot on their next request
        finally:
            stop.set()
            for reader in readers:
                reader.join(timeout=120)
        new_count, new_answer = sparql_count(base), api_answer(base)

    print(
        f"{sum(seen.values())} requests ({dict(seen)}) during {writing:.0f} s of harvest and "
        f"publish: {len(failures)} failures; counts seen {sorted(counts)}, "
        f"{len(answers)} distinct API answers"
    )
    assert not failures, failures[:10]
    assert new_count < old_count  # a tenth of the rows were dropped
    assert new_answer != old_answer
    assert counts <= {old_count, new_count}
    assert answers <= {old_answer, new_answer}
    assert seen["sparql"] >= 10 and seen["pages"] >= 10 and seen["api"] >= 10
