"""The change feed: what an aggregator polling it after each publication learns."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from registry.changes import (
    ADDED,
    CHANGED,
    REMOVED,
    read_changes,
    read_publications,
    record_changes,
)
from registry.iris import Minter
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import create_app
from registry.web.changes import PAGE_SIZE

MINTER = Minter("http://registre.test/")
NAME = "<http://schema.org/name>"
URL = "<http://schema.org/url>"
POSTCODE = "<http://schema.org/postalCode>"


def place(place_id: str, name: str, url: str = "", postcode: str = "33000") -> str:
    iri = f"<http://registre.test/id/lieu/{place_id}>"
    lines = [f'{iri} {NAME} "{name}" .', f"{iri} <http://schema.org/address> {iri[:-1]}#adresse> ."]
    lines.append(f'{iri[:-1]}#adresse> {POSTCODE} "{postcode}" .')
    if url:
        lines.append(f"{iri} {URL} <{url}> .")
    return "\n".join(lines) + "\n"


def publish(data: Path, stamp: str, *places: str) -> None:
    record_changes(data, stamp, "".join(places).encode(), MINTER, datetime.now(UTC))


def test_two_publications_give_added_changed_and_removed_places(tmp_path: Path) -> None:
    publish(tmp_path, "p1", place("a", "Alpha"), place("b", "Bêta \\u00e9"), place("c", "Gamma"))
    first = read_changes(tmp_path)
    assert [(c.kind, c.place_id, c.seq) for c in first] == [
        (ADDED, "a", 1), (ADDED, "b", 2), (ADDED, "c", 3),
    ]  # fmt: skip
    assert first[1].name == "Bêta é"
    publish(
        tmp_path,
        "p2",
        place("a", "Alpha"),  # unchanged
        place("b", "Bêta \\u00e9", url="https://beta.example/", postcode="33100"),
        place("d", "Delta"),
    )
    second = read_changes(tmp_path, after=3)
    assert [(c.kind, c.place_id, c.seq) for c in second] == [
        (CHANGED, "b", 4), (REMOVED, "c", 5), (ADDED, "d", 6),
    ]  # fmt: skip
    assert second[0].fields == ["adresse/http://schema.org/postalCode", "http://schema.org/url"]
    assert second[1].name == "Gamma"  # a removed place keeps its last name in the feed
    beta = place("b", "Bêta \\u00e9", "https://beta.example/", "33100")
    publish(tmp_path, "p3", place("a", "Alpha"), beta, place("d", "Delta"))
    assert read_changes(tmp_path, after=6) == []
    publications = [
        (p.stamp, p.added, p.changed, p.removed, p.first_seq, p.last_seq)
        for p in read_publications(tmp_path)
    ]
    assert publications == [
        ("p1", 3, 0, 0, 1, 3), ("p2", 1, 1, 1, 4, 6), ("p3", 0, 0, 0, 0, 0),
    ]  # fmt: skip


def test_a_line_cut_by_a_crash_does_not_hide_the_others(tmp_path: Path) -> None:
    publish(tmp_path, "p1", place("a", "Alpha"))
    journal = tmp_path / "changements" / "journal.jsonl"
    journal.write_text(journal.read_text() + '{"seq": 2, "publ')
    publish(tmp_path, "p2", place("a", "Alpha"), place("b", "Bêta"))
    assert [c.place_id for c in read_changes(tmp_path)] == ["a", "b"]


@pytest.fixture
def feed_client(tmp_path: Path) -> object:
    settings = Settings(data_dir=str(tmp_path), base_uri="http://registre.test/")
    publish(tmp_path, "p1", *(place(f"l{i:03d}", f"Lieu {i}") for i in range(PAGE_SIZE + 30)))
    publish(tmp_path, "p2", *(place(f"l{i:03d}", f"Lieu {i}") for i in range(1, PAGE_SIZE + 31)))
    return create_app(settings, store=OxigraphStore(None)).test_client()


def test_the_feed_pages_are_stable_and_complete(feed_client: object) -> None:
    client = feed_client
    collection = client.get("/changements/flux").get_json()  # type: ignore[attr-defined]
    assert collection["type"] == "OrderedCollection"
    assert collection["totalItems"] == PAGE_SIZE + 32  # 130 added, then 1 removed, 1 added
    seen, url = [], collection["first"]
    while url:
        page = client.get(url.replace("http://localhost", "")).get_json()  # type: ignore[attr-defined]
        seen += page["orderedItems"]
        url = page.get("next")
    assert [item["tl:numero"] for item in seen] == list(range(1, PAGE_SIZE + 33))
    assert seen[-2]["type"] == "Delete" and seen[-2]["object"]["id"].endswith("/id/lieu/l000")
    assert seen[-1]["type"] == "Create" and seen[-1]["object"]["name"] == f"Lieu {PAGE_SIZE + 30}"


def test_an_aggregator_polls_after_the_last_number_it_applied(feed_client: object) -> None:
    client = feed_client
    page = client.get(f"/changements/flux?depuis={PAGE_SIZE + 30}").get_json()  # type: ignore[attr-defined]
    assert [i["type"] for i in page["orderedItems"]] == ["Delete", "Create"]
    assert "next" not in page
    empty = client.get(f"/changements/flux?depuis={PAGE_SIZE + 32}").get_json()  # type: ignore[attr-defined]
    assert empty["orderedItems"] == []
    assert client.get("/changements/flux?depuis=abc").status_code == 400  # type: ignore[attr-defined]


def test_the_changelog_page_lists_the_publications(feed_client: object) -> None:
    html = client_get(feed_client, "/changements")
    assert "Publications" in html and "supprimé" in html and "Lieu 0" in html
    assert feed_client.get("/changements?publication=inconnue").status_code == 404  # type: ignore[attr-defined]


def client_get(client: object, path: str) -> str:
    response = client.get(path)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_publish_records_the_changes_of_the_registry(
    settings: Settings, loaded_store: OxigraphStore
) -> None:
    from registry.publication import publish as publish_registry

    first = read_publications(settings.data_path)
    places = loaded_store.select(
        "PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#> "
        "SELECT (COUNT(?p) AS ?n) WHERE { GRAPH ?g { ?p a tl:TiersLieu } }"
    )
    assert [(p.added, p.changed, p.removed) for p in first] == [(int(str(places[0]["n"])), 0, 0)]
    again = publish_registry(loaded_store, settings)
    assert again.changes is not None and (again.changes.added, again.changes.changed) == (0, 0)
    assert "changements : 0 ajoutés" in again.summary()
