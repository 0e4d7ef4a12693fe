"""/sparql on a published snapshot: a runaway query is stopped at the deadline while others are
answered, and an answer over the size cap is refused; both say why, in French."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from registry.errors import QueryRejected
from registry.publication import publish
from registry.query_pool import QueryPool
from registry.settings import Settings
from registry.store import open_store
from registry.web import create_app

from . import conftest
from .conftest import harvest

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 10^13 rows
ASK = "ASK { ?p a <https://w3id.org/tiers-lieux/def/tl#TiersLieu> }"
JSON = {"Accept": "application/sparql-results+json"}
TIMEOUT_S = 3


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The fixture registry published on disk: the app serves its snapshot, as in production."""
    root = tmp_path_factory.mktemp("limits")
    mirror = conftest.mirror.__wrapped__(root)
    settings = Settings(
        data_dir=str(root / "var"), mirror_dir=str(mirror), base_uri="http://registre.test/"
    )
    store = open_store(settings)
    harvest(store, settings, "geographie")
    harvest(store, settings, "cget-2019")
    publish(store, settings)
    del store  # close the working store: the app reads the snapshot
    return replace(settings, sparql_timeout_s=TIMEOUT_S, sparql_workers=2)


@pytest.fixture(scope="module")
def client(published: Settings) -> FlaskClient:
    return create_app(published).test_client()


def test_a_runaway_query_is_stopped_while_others_are_answered(client: FlaskClient) -> None:
    assert client.get("/sparql", query_string={"query": ASK}, headers=JSON).status_code == 200
    runaway: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        response = client.get("/sparql", query_string={"query": RUNAWAY}, headers=JSON)
        runaway.update(response=response, seconds=time.monotonic() - started,
                       ended=time.monotonic())  # fmt: skip

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.5)  # the runaway query holds one worker
    answered = []
    for _ in range(5):
        response = client.get("/sparql", query_string={"query": ASK}, headers=JSON)
        assert response.status_code == 200 and response.get_json()["boolean"] is True
        answered.append(time.monotonic())
    thread.join(120)
    assert not thread.is_alive()
    response = runaway["response"]
    assert response.status_code == 503  # type: ignore[attr-defined]
    message = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert f"délai de {TIMEOUT_S} s" in message
    assert TIMEOUT_S <= runaway["seconds"] < TIMEOUT_S + 60  # type: ignore[operator]
    assert max(answered) < runaway["ended"]  # type: ignore[operator]  # answered meanwhile
    # the stopped worker was replaced: the endpoint answers as before
    after = client.get("/sparql", query_string={"query": ASK}, headers=JSON)
    assert after.status_code == 200 and after.get_json()["boolean"] is True


def test_each_worker_can_be_stopped_and_replaced(client: FlaskClient) -> None:
    """Both workers held by runaway queries: both are stopped, then both answer again."""
    statuses: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: statuses.append(
                client.post("/sparql", data={"query": RUNAWAY}, headers=JSON).status_code
            )
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses == [503, 503]
    for _ in range(3):
        assert client.get("/sparql", query_string={"query": ASK}, headers=JSON).status_code == 200


def test_an_answer_over_the_cap_is_refused(published: Settings) -> None:
    capped = create_app(replace(published, sparql_max_result_mb=1)).test_client()
    big = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 50000"  # about 15 MB of JSON
    response = capped.get("/sparql", query_string={"query": big}, headers=JSON)
    assert response.status_code == 413
    assert "au plus 1 Mo" in response.get_data(as_text=True)
    small = capped.get("/sparql", query_string={"query": big.replace("50000", "100")}, headers=JSON)
    assert small.status_code == 200
    assert len(small.get_json()["results"]["bindings"]) == 100


def test_the_pool_serves_the_snapshot_it_is_given(published: Settings) -> None:
    """A new publication is a new snapshot path: the worker opens it instead of the old one."""
    snapshots = sorted(p for p in (published.data_path / "snapshots").iterdir() if p.is_dir())
    pool = QueryPool(1, 30, 10_000_000)
    try:
        types = {"bindings": "application/sparql-results+json", "graph": "text/turtle",
                 "boolean": "application/sparql-results+json"}  # fmt: skip
        answer = pool.run(snapshots[-1], ASK, (), (), types)
        assert answer.kind == "boolean" and json.loads(answer.body)["boolean"] is True
        with pytest.raises(QueryRejected, match="invalide"):
            pool.run(snapshots[-1], "SELECT WHERE {", (), (), types)
        missing = Path(published.data_dir) / "snapshots" / "absent"
        with pytest.raises(QueryRejected, match="absent") as refused:
            pool.run(missing, ASK, (), (), types)
        assert refused.value.status == 503
        assert pool.run(snapshots[-1], ASK, (), (), types).kind == "boolean"
    finally:
        pool.close()
