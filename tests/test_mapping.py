"""The declarative mapping harvester on fixtures: OpenStreetMap (Overpass JSON) and AMI sheets."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from harvesters import HarvestReport, run_harvest
from harvesters.config import SourceConfig, load_sources
from harvesters.fetch import FetchedFile
from harvesters.mapping import MappingHarvester, load_mapping
from registry.errors import SourceQuarantined
from registry.iris import Minter
from registry.namespaces import DEF, SCHEMA, TL, TYPO
from registry.settings import Settings
from registry.store import OxigraphStore

from .conftest import DATA

MAPPINGS = Path(__file__).parent.parent / "harvesters" / "mappings"


def run(
    source: SourceConfig, path: Path, settings: Settings, store: OxigraphStore | None = None
) -> tuple[OxigraphStore, HarvestReport]:
    store = store or OxigraphStore(None)
    fetched = FetchedFile(
        path.name, path, "0" * 64, 0, "", datetime.datetime.now(datetime.UTC), True
    )
    harvester = MappingHarvester(source, Minter(settings.base_uri))
    return store, run_harvest(harvester, store, settings, files=[fetched])


def records(store: OxigraphStore, source_id: str) -> Graph:
    return store.construct(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
        {"g": URIRef(f"http://registre.test/graph/source/{source_id}")},
    )


def test_every_mapping_file_loads_and_names_known_fields() -> None:
    names = sorted(p.stem for p in MAPPINGS.glob("*.toml"))
    assert len(names) >= 18
    for name in names:
        load_mapping(name)  # raises on an unknown field or concept field


def test_osm_overpass_elements(settings: Settings) -> None:
    source = load_sources()["osm-tiers-lieux"]
    store, report = run(source, DATA / "harvesters/osm/overpass.json", settings)
    assert report.read == 5
    assert report.loaded == 3
    assert report.rejections == {
        "La fiche n'a pas de nom.": 1,
        "La fiche n'a ni position (latitude et longitude), ni commune, ni code postal "
        "(ni département pour un lieu itinérant).": 1,  # the relation in Madrid
    }
    graph = records(store, "osm-tiers-lieux")
    node = URIRef("http://registre.test/id/record/osm-tiers-lieux/node-1000000001")
    way = URIRef("http://registre.test/id/record/osm-tiers-lieux/way-2000000002")
    assert graph.value(node, TL.typology) == TYPO.coworking
    assert graph.value(way, TL.typology) == TYPO.hackerspace
    assert str(graph.value(node, SCHEMA.openingHours)) == "Mo-Fr 08:30-19:00"
    assert str(graph.value(way, SCHEMA.latitude)) == "48.1173"  # a way's centre
    text = graph.serialize(format="nt")
    assert "jean.martin@gmail.com" not in text and "06 12 34 56 78" not in text
    assert report.repairs["donnée personnelle écartée"] == 2
    assert report.repairs["horaires non reconnus"] == 1  # kept as text, never invented


def ami_sources() -> dict[str, SourceConfig]:
    with (DATA / "harvesters/ami/sources.toml").open("rb") as stream:
        tables = tomllib.load(stream)
    return {key: SourceConfig(id=key, **value) for key, value in tables.items()}


def test_ami_occitanie_cp1252_sheet(settings: Settings) -> None:
    source = ami_sources()["ami-occitanie-2017"]
    store, report = run(source, DATA / "harvesters/ami/ami-occitanie-2017.csv", settings)
    assert report.read == 21
    assert report.loaded == 19
    reasons = {(r["row"], r["reason"]) for r in report.rejected}
    assert ("7", "La fiche n'a pas de nom.") in reasons
    assert ("19", "clé « AMI-TL-2017-058 » en double (déjà vue ligne 11)") in reasons
    assert report.repairs == {"code INSEE réparé": 1}  # 9225 → 09225
    graph = records(store, "ami-occitanie-2017")
    names = {str(o) for o in graph.objects(None, SCHEMA.name)}
    assert any("œ" in n or "Œ" in n for n in names)  # CP1252 decoded, not garbled
    statuses = set(graph.objects(None, TL.status))
    assert statuses == {URIRef(DEF + "statut/projet")}
    assert set(graph.objects(None, TL.hasLabel)) >= {URIRef(DEF + "label/ami-occitanie-2017")}
    assert URIRef("http://registre.test/id/commune/09225") in set(graph.objects(None, TL.commune))


def test_ami_nouvelle_aquitaine_xlsx(settings: Settings) -> None:
    source = ami_sources()["ami-nouvelle-aquitaine"]
    store, report = run(source, DATA / "harvesters/ami/ami-nouvelle-aquitaine.xlsx", settings)
    assert (report.read, report.loaded, report.rejected) == (14, 14, [])
    graph = records(store, "ami-nouvelle-aquitaine")
    labels = {str(o).rsplit("/", 1)[-1] for o in graph.objects(None, TL.hasLabel)}
    assert labels == {"ami-nouvelle-aquitaine-2016", "ami-nouvelle-aquitaine-2017"}
    localities = {str(o) for o in graph.objects(None, SCHEMA.addressLocality)}
    assert "Guéret" in localities  # trailing space trimmed
    assert "24200" in {str(o) for o in graph.objects(None, SCHEMA.postalCode)}  # numeric cell


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "vide"), (b"<html><body>502 Bad Gateway</body></html>", "HTML"),
     (b'{"elements": []}', "aucune ligne"),
     (b'{"elements": [{"type": "node", "id": 1, ', "JSON illisible")],
)  # fmt: skip
def test_a_corrupt_file_quarantines_the_source_and_keeps_the_published_graph(
    settings: Settings, tmp_path: Path, content: bytes, reason: str
) -> None:
    source = load_sources()["osm-tiers-lieux"]
    store, _ = run(source, DATA / "harvesters/osm/overpass.json", settings)
    before = records(store, "osm-tiers-lieux")
    broken = tmp_path / "overpass.json"
    broken.write_bytes(content)
    with pytest.raises(SourceQuarantined, match=reason) as caught:
        run(source, broken, settings, store)
    assert caught.value.report.quarantined
    assert len(records(store, "osm-tiers-lieux")) == len(before)
