"""Publication: registry graph with permanent ids, snapshots and the pointer the site follows."""

from __future__ import annotations

from pathlib import Path

from registry.iris import Minter, place_id_for
from registry.publication import SnapshotFollower, publish
from registry.settings import Settings
from registry.store import OxigraphStore, open_store

from .conftest import harvest

PLACES = "SELECT ?place ?record WHERE { ?place prov:wasDerivedFrom ?record }"
PREFIX = "PREFIX prov: <http://www.w3.org/ns/prov#>\n"


def place_of_record(store: OxigraphStore) -> dict[str, str]:
    return {str(r["record"]): str(r["place"]) for r in store.select(PREFIX + PLACES)}


def test_each_record_makes_one_place_with_its_facts(loaded_store: OxigraphStore) -> None:
    mapping = place_of_record(loaded_store)
    assert len(mapping) == len(set(mapping.values())) == 5
    rows = loaded_store.select(
        "SELECT ?name WHERE { ?p a <https://w3id.org/tiers-lieux/def/tl#TiersLieu> ; "
        "<http://schema.org/name> ?name }"
    )
    assert {str(r["name"]) for r in rows} == {
        "ADE Coworking",
        "Fablab de l'Ain",
        "FabLab Réunion",
        "Espace Partagé",
        "Tiers-lieu du Bourg",
    }


def test_place_ids_survive_reharvest_and_republication(
    settings: Settings, loaded_store: OxigraphStore
) -> None:
    before = place_of_record(loaded_store)
    harvest(loaded_store, settings, "cget-2019")
    publish(loaded_store, settings)
    assert place_of_record(loaded_store) == before


def test_an_existing_id_is_kept_even_if_minting_would_differ(settings: Settings) -> None:
    store = OxigraphStore(None)
    harvest(store, settings, "cget-2019")
    publish(store, settings)
    minter = Minter(settings.base_uri)
    record = "http://registre.test/id/record/cget-2019/2"
    old = place_of_record(store)[record]
    store._store.update(  # simulate an id minted by an earlier rule
        f"DELETE {{ GRAPH ?g {{ <{old}> ?p ?o }} }} "
        f"INSERT {{ GRAPH ?g {{ <{minter.place('ancien')}> ?p ?o }} }} "
        f"WHERE {{ GRAPH ?g {{ <{old}> ?p ?o }} }}"
    )
    publish(store, settings)
    assert place_of_record(store)[record] == str(minter.place("ancien"))


def test_place_ids_are_short_opaque_and_never_collide() -> None:
    record = "http://registre.test/id/record/a/1"
    first = place_id_for(record, set())
    assert len(first) == 8 and first.isalnum() and first.islower()
    assert place_id_for(record, set()) == first  # the same record always gives the same id
    longer = place_id_for(record, {first})  # taken by another place: lengthen, never reuse
    assert len(longer) == 9 and longer.startswith(first)


def test_publish_switches_the_snapshot_readers_follow(settings: Settings, mirror: Path) -> None:
    store = open_store(settings)
    harvest(store, settings, "cget-2019")
    first = publish(store, settings)
    follower = SnapshotFollower(settings)
    count = (
        "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/tiers-lieux/def/tl#TiersLieu> }"
    )
    assert int(follower.store().select(count)[0]["n"]) == 5
    # the working store changes; readers keep the published snapshot until the next publish
    csv = mirror / "cget-tiers-lieux-2019/CGET_TiersLieux_2019.csv"
    kept = [line for line in csv.read_text(encoding="utf-8-sig").splitlines() if line[:2] != "6,"]
    csv.write_text("\n".join(kept) + "\n", encoding="utf-8")
    harvest(store, settings, "cget-2019")
    assert int(follower.store().select(count)[0]["n"]) == 5
    second = publish(store, settings)
    assert second.snapshot != first.snapshot
    assert int(follower.store().select(count)[0]["n"]) == 4
    assert (Path(settings.data_dir) / "current").read_text().strip() == second.snapshot.name
