"""Permanent place ids: stable across harvests, merges answer 301, withdrawals 410, gone stays."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from harvesters import harvest_source
from harvesters.config import load_sources
from registry.curation import load_decisions
from registry.iris import Minter
from registry.publication import publish
from registry.reconcile import previous_ids
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import create_app

from .conftest import CGET_CSV, harvest, real_mirror


def ids_by_key(store: OxigraphStore, settings: Settings) -> dict[str, str]:
    """Each record's place id, by `source/key`."""
    prefix = f"{Minter(settings.base_uri).base}id/record/"
    return {
        record[len(prefix) :]: place
        for record, place in previous_ids(store, Minter(settings.base_uri)).items()
    }


def status(store: OxigraphStore, place_id: str, settings: Settings) -> str:
    rows = store.select(
        "PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#> "
        "SELECT ?p ?s WHERE { ?p tl:idStatus ?s }",
        {"p": Minter(settings.base_uri).place(place_id)},
    )
    return str(rows[0]["s"]) if rows else ""


@pytest.fixture
def published(loaded_store: OxigraphStore) -> OxigraphStore:
    """The fixture sources, harvested and published (conftest's `loaded_store`)."""
    return loaded_store


def client(settings: Settings, store: OxigraphStore) -> FlaskClient:
    return create_app(settings, store=store).test_client()


def test_harvesting_everything_again_changes_no_id(
    published: OxigraphStore, settings: Settings
) -> None:
    before = ids_by_key(published, settings)
    assert len(before) == 5
    harvest(published, settings, "geographie")
    harvest(published, settings, "cget-2019")
    publish(published, settings)
    assert ids_by_key(published, settings) == before
    assert {status(published, i, settings) for i in before.values()} == {"actif"}


def test_a_curator_merge_keeps_one_id_and_the_other_answers_301(
    published: OxigraphStore, settings: Settings, tmp_path: Path
) -> None:
    before = ids_by_key(published, settings)
    first, second = before["cget-2019/1"], before["cget-2019/6"]
    decisions_file = tmp_path / "decisions.toml"
    decisions_file.write_text(
        '[[meme-lieu]]\nfiches = ["cget-2019/1", "cget-2019/6"]\nmotif = "essai"\n',
        encoding="utf-8",
    )
    decisions = load_decisions(Minter(settings.base_uri), decisions_file)
    publish(published, settings, decisions)
    after = ids_by_key(published, settings)
    survivor = after["cget-2019/1"]
    assert after["cget-2019/6"] == survivor and survivor in (first, second)
    loser = second if survivor == first else first
    assert status(published, loser, settings) == "fusionne"
    assert {k: v for k, v in after.items() if k not in ("cget-2019/1", "cget-2019/6")} == {
        k: v for k, v in before.items() if k not in ("cget-2019/1", "cget-2019/6")
    }
    web = client(settings, published)
    page = web.get(f"/id/lieu/{loser}", headers={"Accept": "text/html"})
    assert page.status_code == 301 and page.headers["Location"].endswith(f"/lieu/{survivor}")
    data = web.get(f"/lieu/{loser}.ttl")
    assert data.status_code == 301 and data.headers["Location"].endswith(f"/lieu/{survivor}.ttl")
    described = web.get(f"/lieu/{survivor}.ttl").get_data(as_text=True)
    assert "cget-2019/1>" in described and "cget-2019/6>" in described
    page = web.get(f"/lieu/{survivor}").get_data(as_text=True)
    assert "essai" in page
    ledger = published.select(
        "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?p ?by WHERE { ?p dct:isReplacedBy ?by }",
        {"p": Minter(settings.base_uri).place(loser)},
    )
    assert [str(r["by"]) for r in ledger] == [str(Minter(settings.base_uri).place(survivor))]


def test_a_withdrawn_place_answers_410(
    published: OxigraphStore, settings: Settings, tmp_path: Path
) -> None:
    place_id = ids_by_key(published, settings)["cget-2019/6"]
    decisions_file = tmp_path / "decisions.toml"
    decisions_file.write_text(
        f'[[retrait]]\nlieu = "{place_id}"\nmotif = "lieu fictif"\n', encoding="utf-8"
    )
    publish(published, settings, load_decisions(Minter(settings.base_uri), decisions_file))
    after = ids_by_key(published, settings)
    assert place_id not in after.values()
    assert "cget-2019/6" not in after  # its record is not published under another id
    assert len(after) == 4
    assert status(published, place_id, settings) == "retire"
    web = client(settings, published)
    assert web.get(f"/id/lieu/{place_id}").status_code == 410
    response = web.get(f"/lieu/{place_id}", headers={"Accept": "text/html"})
    assert response.status_code == 410 and "retiré" in response.get_data(as_text=True)


def test_a_place_no_source_lists_keeps_its_uri_and_says_so(
    published: OxigraphStore, settings: Settings, mirror: Path
) -> None:
    place_id = ids_by_key(published, settings)["cget-2019/6"]
    listing = mirror / CGET_CSV
    original = listing.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(original)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(r for r in rows if r["ID"] != "6")
    listing.write_text(out.getvalue(), encoding="utf-8")
    harvest(published, settings, "cget-2019")
    publish(published, settings)
    assert status(published, place_id, settings) == "disparu"
    web = client(settings, published)
    page = web.get(f"/lieu/{place_id}")
    assert page.status_code == 200
    assert "n'apparaît plus" in html.unescape(page.get_data(as_text=True))
    data = web.get(f"/lieu/{place_id}.ttl")
    assert data.status_code == 200 and "disparu" in data.get_data(as_text=True)
    # the id is never given to another place, and the place gets it back when it returns
    harvest(published, settings, "cget-2019")
    publish(published, settings)
    assert place_id not in ids_by_key(published, settings).values()
    listing.write_text(original, encoding="utf-8")
    harvest(published, settings, "cget-2019")
    publish(published, settings)
    assert ids_by_key(published, settings)["cget-2019/6"] == place_id
    assert status(published, place_id, settings) == "actif"


@pytest.mark.mirror
def test_france_services_2020_then_2022_keeps_the_id_of_every_place_in_both(
    tmp_path: Path,
) -> None:
    mirror = real_mirror()
    if mirror is None:
        pytest.skip("real data mirror absent: set TL_MIRROR_DIR or provide ../shared/data")
    settings = Settings(
        data_dir=str(tmp_path), mirror_dir=str(mirror), base_uri="http://registre.test/"
    )
    sources, store = load_sources(), OxigraphStore(None)
    harvest_source(sources["geographie"], store, settings)
    harvest_source(sources["france-services-2020"], store, settings)
    publish(store, settings)
    before = ids_by_key(store, settings)
    harvest_source(sources["france-services"], store, settings)
    publish(store, settings)
    after = ids_by_key(store, settings)
    both = set(before) & set(after)
    assert len(both) == 901
    changed = sorted(key for key in both if before[key] != after[key])
    assert changed == []
