"""Every real source of the mirror: loaded at 98 % or more, reported, private data kept out."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import URIRef

from harvesters import HARVESTERS, HarvestReport, harvest_source, run_harvest
from harvesters.config import load_sources
from harvesters.mapping import load_mapping, personal_first
from harvesters.parsing import get, read_rows
from registry.iris import Minter
from registry.settings import Settings
from registry.store import OxigraphStore

from .conftest import real_mirror

pytestmark = pytest.mark.mirror
NOT_LOCATED = "ni position"  # rejection reasons for rows without a name or a locatable place
NO_NAME = "pas de nom"
DUPLICATE = "en double"  # a second row of an already loaded record loses no place


@pytest.fixture(scope="module")
def harvested(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[OxigraphStore, dict[str, HarvestReport], Settings]:
    mirror = real_mirror()
    if mirror is None:
        pytest.skip("real data mirror absent: set TL_MIRROR_DIR or provide ../shared/data")
    settings = Settings(
        data_dir=str(tmp_path_factory.mktemp("var")), mirror_dir=str(mirror),
        base_uri="http://registre.test/",
    )  # fmt: skip
    store = OxigraphStore(None)
    reports = {}
    for source in personal_first(list(load_sources().values())):
        if source.in_all and (source.mirror or source.bundled):
            reports[source.id] = harvest_source(source, store, settings)
    return store, reports, settings


def test_every_source_is_harvested(harvested: tuple) -> None:
    _, reports, _ = harvested
    expected = {s.id for s in load_sources().values() if s.in_all and (s.mirror or s.bundled)}
    assert set(reports) == expected
    assert len(expected) >= 28
    for report in reports.values():
        assert report.read > 0 and report.loaded > 0, report.source
        assert not report.quarantined


def test_at_least_98_percent_of_locatable_named_rows_load(harvested: tuple) -> None:
    _, reports, _ = harvested
    rates = {}
    for source, report in reports.items():
        unlocatable = sum(
            1
            for r in report.rejected
            if any(why in r["reason"] for why in (NOT_LOCATED, NO_NAME, DUPLICATE))
        )
        candidates = report.read - report.auxiliary - unlocatable
        rates[source] = report.loaded / candidates if candidates else 1.0
    assert {s: r for s, r in rates.items() if r < 0.98} == {}


def test_every_rejection_has_a_french_reason_and_a_row(harvested: tuple) -> None:
    _, reports, _ = harvested
    for report in reports.values():
        for rejected in report.rejected:
            assert rejected["reason"][0].isupper() or rejected["reason"].startswith(
                ("ligne", "clé")
            )
            assert rejected["row"].isdigit()


def personal_values(source_id: str, mirror: Path) -> set[str]:
    source = load_sources()[source_id]
    mapping = load_mapping(source.mapping or source.id)
    values: set[str] = set()
    if not mapping.personal:
        return values
    path = mirror / source.mirror
    for _, row in _raw_rows(path):
        for column in mapping.personal:
            value = str(get(row, column) or "").strip()
            e_mail = "@" in value and len(value) > 5
            phone = sum(c.isdigit() for c in value) >= 9
            name = len(value.split()) >= 2 and len(value) > 6
            if e_mail or phone or name:
                values.add(value)
    return values


def _raw_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """The rows as the file holds them, personal columns included (read_rows keeps them)."""
    for number, row in read_rows(path):
        if isinstance(row, dict):
            yield number, row


def test_personal_columns_never_reach_the_store(harvested: tuple) -> None:
    store, reports, settings = harvested
    out = io.BytesIO()
    store.dump(out)
    dump = out.getvalue().decode("utf-8")
    checked = 0
    for source_id in reports:
        source = load_sources()[source_id]
        if source.harvester != "mapping" or not source.mirror:
            continue
        for value in personal_values(source_id, Path(settings.mirror_dir)):
            checked += 1
            assert value not in dump, (source_id, value)
    assert checked > 50  # the raw sources do name persons


def test_reports_are_in_the_catalogue_and_on_the_sources_page(harvested: tuple) -> None:
    store, reports, settings = harvested
    from registry.web import create_app

    client = create_app(settings, store=store).test_client()
    page = client.get("/sources/france-services").get_data(as_text=True)
    report = reports["france-services"]
    assert f"<td>{report.read}</td>" in page and f"<td>{report.loaded}</td>" in page
    assert "Dernier moissonnage : rejets par motif" in page
    assert f"{len(report.rejected)} × La fiche n&#39;a ni position" in page
    redirect = client.get("/id/source/france-services", headers={"Accept": "text/html"})
    assert redirect.status_code == 303
    assert redirect.headers["Location"].endswith("/sources/france-services")


def test_france_services_2020_then_2022_reports_the_differences(
    tmp_path: Path, harvested: tuple
) -> None:
    _, _, settings = harvested
    mirror = Path(settings.mirror_dir)
    sources = load_sources()
    store = OxigraphStore(None)
    first = run_harvest(
        HARVESTERS["mapping"](sources["france-services-2020"], Minter(settings.base_uri)),
        store, settings,
    )  # fmt: skip
    second = run_harvest(
        HARVESTERS["mapping"](sources["france-services"], Minter(settings.base_uri)),
        store, settings,
    )  # fmt: skip
    old = {str(f["properties"]["MATRICULE"]): f["properties"] for f in json.loads(
        (mirror / "france-services/france_services-2020.geojson").read_text(encoding="utf-8")
    )["features"]}  # fmt: skip
    import csv

    new = {r["id_fs"]: r for r in csv.DictReader(io.StringIO(
        (mirror / "france-services/liste-fs-20221201.csv").read_text(encoding="utf-8")
    ))}  # fmt: skip
    rejected_2022 = {r["key"] for r in second.rejected}
    loaded_2020 = set(old) - {r["key"] for r in first.rejected}
    loaded_2022 = set(new) - rejected_2022
    assert sorted(second.added) == sorted(loaded_2022 - loaded_2020)
    assert sorted(second.removed) == sorted(loaded_2020 - loaded_2022)
    common = loaded_2020 & loaded_2022
    assert len(second.changed) + second.unchanged == len(common)
    renamed = {
        k for k in common
        if old[k]["lib_france_services"].strip() != new[k]["lib_fs"].strip()
    }  # fmt: skip
    assert renamed <= set(second.changed)
    assert all("http://schema.org/name" in second.changed[k] for k in renamed)
    record = URIRef(f"http://registre.test/id/record/france-services/{sorted(common)[0]}")
    assert store.ask("ASK { ?r ?p ?o }", {"r": record})


def test_the_whole_registry_counts_each_real_place_once(harvested: tuple) -> None:
    """Done-when of issue 6: no two canonical places share a SIRET and a commune, or a name
    within 50 m, unless the curators said they differ (curation/decisions.toml)."""
    from collections import defaultdict

    from registry.curation import load_decisions
    from registry.geography import distance_km
    from registry.publication import publish
    from registry.vocabulary import fold

    store, _, settings = harvested
    decisions = load_decisions(Minter(settings.base_uri))
    report = publish(store, settings, decisions)
    assert report.places < report.records  # duplicates across sources were merged
    rows = store.select(
        """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
        PREFIX schema: <http://schema.org/>
        PREFIX adms: <http://www.w3.org/ns/adms#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?place ?name ?commune ?lat ?lon ?siret WHERE {
          ?place a tl:TiersLieu ; schema:name ?name .
          OPTIONAL { ?place tl:commune ?commune }
          OPTIONAL { ?place schema:latitude ?lat ; schema:longitude ?lon }
          OPTIONAL { ?place tl:operator/adms:identifier/skos:notation ?siret } }""",
        default_graphs=[Minter(settings.base_uri).graph("registry")],
    )
    apart = {frozenset(records) for records, _ in decisions.different}
    records_of: dict[str, set[str]] = defaultdict(set)
    for row in store.select(
        "PREFIX prov: <http://www.w3.org/ns/prov#> "
        "SELECT ?place ?record WHERE { ?place prov:wasDerivedFrom ?record }",
        default_graphs=[Minter(settings.base_uri).graph("registry")],
    ):
        records_of[str(row["place"])].add(str(row["record"]))

    def said_apart(a: str, b: str) -> bool:
        return any(group & records_of[a] and group & records_of[b] for group in map(set, apart))

    by_siret: dict[tuple[str, str], set[str]] = defaultdict(set)
    by_name: dict[str, set[tuple[str, float, float]]] = defaultdict(set)
    for row in rows:
        place = str(row["place"])
        if "siret" in row and "commune" in row and len(str(row["siret"])) == 14:
            by_siret[str(row["siret"]), str(row["commune"])].add(place)
        if "lat" in row:
            spot = (place, float(str(row["lat"])), float(str(row["lon"])))
            by_name[fold(str(row["name"]))].add(spot)
    twins = [
        (key, sorted(places))
        for key, places in by_siret.items()
        if len(places) > 1 and not all(said_apart(a, b) for a in places for b in places if a < b)
    ]
    assert twins == []
    close = []
    for name, spots in by_name.items():
        ordered = sorted(spots)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if distance_km(a[1], a[2], b[1], b[2]) <= 0.05 and not said_apart(a[0], b[0]):
                    close.append((name, a[0], b[0]))
    assert close == []
