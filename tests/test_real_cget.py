"""Done-when of the foundation: the real CGET base, counted by région through /sparql."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from registry.geography_rdf import load_gazetteer
from registry.iris import Minter
from registry.publication import publish
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import create_app

from .conftest import CGET_CSV, ROOT, harvest, real_settings

pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[OxigraphStore, Settings, object]:
    settings = real_settings(tmp_path_factory.mktemp("var"))
    store = OxigraphStore(None)
    harvest(store, settings, "geographie")
    report = harvest(store, settings, "cget-2019")
    publish(store, settings)
    return store, settings, report


def csv_rows(settings: Settings) -> list[dict[str, str]]:
    text = (Path(settings.mirror_dir) / CGET_CSV).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_sparql_counts_by_region_equal_the_csv_minus_rejections(real: tuple) -> None:
    """Each row counts in the région of its INSEE commune (COG 2026), else its INSEEREG.

    Rows that give neither are placed by postcode, name or position: they may count anywhere,
    but every row is counted once.
    """
    store, settings, report = real
    rows = csv_rows(settings)
    rejected = {r["key"] for r in report.rejected}
    gazetteer = load_gazetteer(store, Minter(settings.base_uri))
    expected: Counter[str] = Counter()
    free = 0
    for row in rows:
        if row["ID"] in rejected:
            continue
        commune, _ = gazetteer.current(row["INSEECOM"].strip().zfill(5))
        if commune is not None:
            expected[commune.region] += 1
        elif row["INSEEREG"].strip():
            expected[row["INSEEREG"].strip()] += 1
        else:
            free += 1

    client = create_app(settings, store=store).test_client()
    query = (ROOT / "docs/queries/places-by-region.rq").read_text(encoding="utf-8")
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    answer = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    places = Counter({row["region"].rsplit("/", 1)[-1]: int(row["lieux"]) for row in answer})
    total = store.select(
        "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/tiers-lieux/def/tl#TiersLieu> }"
    )
    assert sum(places.values()) == int(total[0]["n"])
    # rows the CGET lists twice make one place: count the rows (records) of each région's places
    by_records = store.select(
        """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?region (COUNT(?record) AS ?n) WHERE {
          ?place a tl:TiersLieu ; tl:region ?region ; prov:wasDerivedFrom ?record }
        GROUP BY ?region"""
    )
    counted = Counter({str(r["region"]).rsplit("/", 1)[-1]: int(str(r["n"])) for r in by_records})
    assert all(places[region] <= counted[region] for region in places)
    assert sum(counted.values()) == len(rows) - len(rejected)
    assert not (expected - counted), "a région lost rows it should have"
    assert sum((counted - expected).values()) == free
    assert "" not in counted  # every place is in a région now
    # the CSV's own région names agree with the COG names the registry shows
    names = {r["INSEEREG"]: r["NOMREG"] for r in rows}
    by_code = {row["region"].rsplit("/", 1)[-1]: row["nom"] for row in answer}
    assert by_code["11"] == names["11"] == "Île-de-France"
    assert by_code["75"] == "Nouvelle-Aquitaine" and names["75"] == "Nouvelle Aquitaine"


def test_every_row_is_loaded_or_rejected_with_a_reason(real: tuple) -> None:
    store, settings, report = real
    assert report.read == len(csv_rows(settings)) == 1512
    assert report.loaded + len(report.rejected) == report.read
    assert all(r["reason"] for r in report.rejected)
    linked = store.select(
        "SELECT (COUNT(DISTINCT ?p) AS ?places) (COUNT(DISTINCT ?r) AS ?records) WHERE { "
        "?p a <https://w3id.org/tiers-lieux/def/tl#TiersLieu> ; "
        "<http://www.w3.org/ns/prov#wasDerivedFrom> ?r }"
    )
    # every loaded row is a record of exactly one place; rows listed twice share their place
    assert int(linked[0]["records"]) == report.loaded
    assert report.loaded - 20 <= int(linked[0]["places"]) <= report.loaded


def test_no_contact_or_mail_value_is_published(real: tuple) -> None:
    store, settings, _ = real
    personal = set()
    for row in csv_rows(settings):
        for column in ("CONTACT", "MAIL"):
            values = {v.strip() for v in row[column].split(",") if len(v.strip()) > 3}
            # one row names its own organisation as contact: that is the place's name, not a person
            personal.update(values - {row["NOM_TL"].strip()})
    assert len(personal) > 50  # the file does name persons
    out = io.BytesIO()
    store.dump(out)
    # the reference geography names 35,000 communes: "Julian" is in Saint-Julian, not a leak
    geo = f"<{Minter(settings.base_uri).graph('geo')}> ."
    dump = "\n".join(
        line for line in out.getvalue().decode("utf-8").splitlines() if not line.endswith(geo)
    )
    leaked = sorted(value for value in personal if value in dump)
    assert leaked == []
