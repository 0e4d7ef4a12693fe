"""The curated source: places from the domain documents, every fact cited."""

from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from harvesters import HARVESTERS, HarvestReport, run_harvest
from harvesters.config import load_sources
from harvesters.fetch import FetchedFile
from registry.iris import Minter
from registry.namespaces import RDF, SCHEMA, SKOS, TL
from registry.paths import ROOT
from registry.settings import Settings
from registry.store import OxigraphStore

from .conftest import DATA, harvest

FIXTURE = DATA / "harvesters" / "curated"
BUNDLED = ROOT / "harvesters" / "curated" / "lieux-documentes.csv"
SEEDS = ROOT.parent / "shared" / "domain" / "seeds"
REC = "http://registre.test/id/record/lieux-documentes/"


def fixture_files(folder: Path = FIXTURE) -> list[FetchedFile]:
    now = datetime.datetime.now(datetime.UTC)
    return [
        FetchedFile(name, folder / name, "0" * 64, 0, "", now, from_mirror=False)
        for name in ("lieux-documentes.csv", "documents.csv")
    ]


def harvest_fixture(settings: Settings) -> tuple[OxigraphStore, HarvestReport]:
    source = load_sources()["lieux-documentes"]
    store = OxigraphStore(None)
    harvester = HARVESTERS["curated"](source, Minter(settings.base_uri))
    return store, run_harvest(harvester, store, settings, files=fixture_files())


def source_graph(store: OxigraphStore) -> Graph:
    return store.construct(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
        {"g": URIRef("http://registre.test/graph/source/lieux-documentes")},
    )


def test_fixture_places_load_and_bad_facts_are_reported(settings: Settings) -> None:
    _store, report = harvest_fixture(settings)
    assert report.loaded == 5  # "sansnom" is rejected
    assert report.rejected == [{"key": "sansnom", "row": "42", "reason": "lieu sansnom sans nom"}]
    assert [(w["key"], w["message"]) for w in report.warnings] == [
        ("boitron", "ligne 31, champ_inconnu « x » : champ inconnu"),
        (
            "boitron",
            "ligne 32, offre « journee beaucoup » : « durée prix » attendu, ex. « journee 15 »",
        ),
    ]
    assert report.repairs == {"fait illisible": 2}


def test_every_fact_is_cited_with_document_and_lines(settings: Settings) -> None:
    store, _ = harvest_fixture(settings)
    graph = source_graph(store)
    murat = URIRef(REC + "murat")
    day = URIRef(REC + "murat#offre-1")
    assert (murat, SCHEMA.makesOffer, day) in graph
    assert str(graph.value(day, SCHEMA.price)) == "20"
    citations = [c for c in graph.subjects(RDF.object, day)]
    assert len(citations) == 1
    assert graph.value(citations[0], TL.lines) == Literal("2068-2077")
    assert graph.value(citations[0], TL.document) == URIRef("http://registre.test/id/document/003")
    assert str(graph.value(citations[0], URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))
    # each triple about the place itself has its citation
    facts = {(p, o) for p, o in graph.predicate_objects(murat) if p not in (RDF.type, TL.recordKey)}
    facts -= {(p, o) for p, o in facts if str(p).startswith("http://purl.org/dc/terms/source")}
    facts -= {(p, o) for p, o in facts if str(p).startswith("http://www.w3.org/ns/prov#")}
    cited = {
        (graph.value(c, RDF.predicate), graph.value(c, RDF.object))
        for c in graph.subjects(RDF.subject, murat)
    }
    assert facts <= cited


def test_operators_are_numbered_in_file_order(settings: Settings) -> None:
    store, _ = harvest_fixture(settings)
    graph = source_graph(store)
    operator = URIRef(REC + "murat#porteur-1")
    assert str(graph.value(operator, SKOS.prefLabel)) == "Communauté de communes du Pays de Murat"
    assert graph.value(operator, TL.legalForm) == URIRef(
        "https://w3id.org/tiers-lieux/def/forme-juridique/epci"
    )


def test_bundled_curated_source_is_clean(settings: Settings) -> None:
    report = harvest(OxigraphStore(None), settings, "lieux-documentes")
    places = {row["lieu"] for row in bundled_rows()}
    assert len(places) >= 25
    assert report.loaded == len(places)
    assert report.rejected == []
    assert report.warnings == []


def test_bundled_citations_point_inside_their_documents() -> None:
    if not SEEDS.is_dir():
        pytest.skip("domain documents absent: ../shared/domain/seeds not found")
    lengths = {
        path.name.split("_")[0]: len(path.read_text(encoding="utf-8").splitlines())
        for path in SEEDS.glob("*.txt")
    }
    for row in bundled_rows():
        first, _, last = row["lignes"].partition("-")
        assert 1 <= int(first) <= int(last or first) <= lengths[row["document"]], row


def test_no_personal_data_in_the_curated_source() -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    assert re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text) == []  # e-mail addresses
    assert re.findall(r"\b0[1-9](?:[ .]?\d{2}){4}\b", text) == []  # French phone numbers


def bundled_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(BUNDLED.read_text(encoding="utf-8"))))
