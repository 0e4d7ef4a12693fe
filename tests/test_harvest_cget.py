"""The CGET harvester and the harvest runner, on the small fixture listing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from registry.errors import SourceQuarantined
from registry.namespaces import DCTERMS, PROV, TL
from registry.settings import Settings
from registry.store import OxigraphStore

from .conftest import DATA, harvest

SOURCE_GRAPH = URIRef("http://registre.test/graph/source/cget-2019")
PROVENANCE = (DCTERMS.source, TL.recordKey, PROV.wasGeneratedBy, PROV.generatedAtTime)


def source_graph(store: OxigraphStore) -> Graph:
    return store.construct(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": SOURCE_GRAPH}
    )


def test_fixture_rows_map_to_expected_records(settings: Settings) -> None:
    store = OxigraphStore(None)
    harvest(store, settings, "cget-2019")
    graph = source_graph(store)
    for prop in PROVENANCE:
        graph.remove((None, prop, None))
    for node in [
        s for s in graph.subjects() if str(s).startswith("http://registre.test/id/source/")
    ]:
        graph.remove((node, None, None))
    expected = Graph().parse(DATA / "harvesters/cget/expected.ttl")
    _, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(graph))
    assert isomorphic(graph, expected), (
        f"missing:\n{missing.serialize(format='nt')}\nextra:\n{extra.serialize(format='nt')}"
    )


def test_report_lists_each_rejected_row_with_its_reason(settings: Settings) -> None:
    report = harvest(OxigraphStore(None), settings, "cget-2019")
    rejected = {(r["key"], r["row"]): r["reason"] for r in report.rejected}
    assert rejected == {
        ("1", "8"): "clé « 1 » en double (déjà vue ligne 2)",
        ("3", "4"): "La fiche n'a pas de nom.",
        ("4", "5"): "La fiche n'a ni position (latitude et longitude), ni commune, ni code postal "
        "(ni département pour un lieu itinérant).",
    }
    assert report.read == 8
    assert report.loaded == 5
    assert report.summary().startswith("cget-2019: 5 records, 3 rejected, 6 warnings, ")


def test_report_counts_repairs_and_dropped_values(settings: Settings) -> None:
    report = harvest(OxigraphStore(None), settings, "cget-2019")
    messages = {(w["key"], w["message"]) for w in report.warnings}
    assert ("2", "code postal réparé : 1000 → 01000") in messages
    assert ("2", "code INSEE réparé : 1053 → 01053") in messages
    assert ("5", "département 2A incohérent avec 97418, ignoré") in messages
    assert ("8", "coordonnées invalides « quarante ; 1.08 »") in messages


def test_report_is_written_as_json_and_as_prov(settings: Settings) -> None:
    store = OxigraphStore(None)
    report = harvest(store, settings, "cget-2019")
    written = list((Path(settings.data_dir) / "reports" / "cget-2019").glob("*.json"))
    assert len(written) == 1
    assert json.loads(written[0].read_text(encoding="utf-8"))["loaded"] == 5
    rows = store.select(
        """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
        SELECT ?count ?key ?reason WHERE {
          ?h a tl:Harvest ; tl:recordCount ?count ;
             tl:rejection [ tl:recordKey ?key ; tl:reason ?reason ] }"""
    )
    assert {str(r["key"]) for r in rows} == {"1", "3", "4"}
    assert {int(r["count"]) for r in rows} == {report.loaded}


def test_fetched_file_is_archived_with_its_sha256(settings: Settings) -> None:
    harvest(OxigraphStore(None), settings, "cget-2019")
    archived = list((Path(settings.data_dir) / "archive" / "cget-2019").iterdir())
    assert len(archived) == 1
    import hashlib

    assert archived[0].name == hashlib.sha256(archived[0].read_bytes()).hexdigest() + ".csv"


def test_records_keep_their_provenance(settings: Settings) -> None:
    store = OxigraphStore(None)
    report = harvest(store, settings, "cget-2019")
    record = URIRef("http://registre.test/id/record/cget-2019/2")
    graph = source_graph(store)
    assert graph.value(record, DCTERMS.source) == URIRef("http://registre.test/id/source/cget-2019")
    assert str(graph.value(record, TL.recordKey)) == "2"
    assert str(graph.value(record, PROV.wasGeneratedBy)) == report.harvest_iri
    assert graph.value(record, PROV.generatedAtTime) is not None


def test_contact_and_mail_are_never_loaded(settings: Settings) -> None:
    store = OxigraphStore(None)
    harvest(store, settings, "cget-2019")
    dump = store.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    text = dump.serialize(format="nt")
    for personal in ("Jeanne Exemple", "jeanne.exemple@example.org", "Personne-Privée"):
        assert personal not in text


def test_missing_mirror_file_leaves_the_store_untouched(settings: Settings, mirror: Path) -> None:
    store = OxigraphStore(None)
    harvest(store, settings, "cget-2019")
    before = len(source_graph(store))
    (mirror / "cget-tiers-lieux-2019/CGET_TiersLieux_2019.csv").unlink()
    with pytest.raises(SourceQuarantined, match="fichier miroir introuvable"):
        harvest(store, settings, "cget-2019")
    assert len(source_graph(store)) == before
    reasons = store.select(
        "SELECT ?why WHERE { ?h <https://w3id.org/tiers-lieux/def/tl#quarantineReason> ?why }"
    )
    assert [str(r["why"]) for r in reasons] == [
        f"cget-2019 : fichier miroir introuvable {mirror}/cget-tiers-lieux-2019/"
        "CGET_TiersLieux_2019.csv (vérifiez TL_MIRROR_DIR)."
    ]


def test_a_broken_new_harvest_is_quarantined(settings: Settings, mirror: Path) -> None:
    store = OxigraphStore(None)
    harvest(store, settings, "cget-2019")
    before = source_graph(store)
    csv = mirror / "cget-tiers-lieux-2019/CGET_TiersLieux_2019.csv"
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    csv.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")  # header + rows 1 and 2
    with pytest.raises(SourceQuarantined, match=r"perdu plus d'un tiers de ses fiches \(5 → 2\)"):
        harvest(store, settings, "cget-2019")
    assert isomorphic(source_graph(store), before)  # the previous graph stays published


def test_a_second_harvest_reports_changes_and_keeps_unchanged_records(
    settings: Settings, mirror: Path
) -> None:
    store = OxigraphStore(None)
    first = harvest(store, settings, "cget-2019")
    csv = mirror / "cget-tiers-lieux-2019/CGET_TiersLieux_2019.csv"
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    lines = [line for line in lines if not line.startswith("6,")]  # row 6 removed
    lines = [line.replace("Fablab de l'Ain", "Fablab de l'Ain (Bourg)") for line in lines]
    lines.append(lines[1].replace("1,ADE Coworking", "9,Nouveau lieu", 1))  # a new place
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    second = harvest(store, settings, "cget-2019")
    assert second.added == ["9"]
    assert second.removed == ["6"]
    assert second.changed == {"2": ["http://schema.org/name"]}
    assert second.unchanged == 3  # rows 1, 5 and 8
    graph = source_graph(store)
    unchanged = URIRef("http://registre.test/id/record/cget-2019/5")
    changed = URIRef("http://registre.test/id/record/cget-2019/2")
    assert str(graph.value(unchanged, PROV.wasGeneratedBy)) == first.harvest_iri
    assert str(graph.value(changed, PROV.wasGeneratedBy)) == second.harvest_iri
    counts = store.select(
        """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
        SELECT ?h ?a ?r ?c WHERE {
          ?h tl:addedCount ?a ; tl:removedCount ?r ; tl:changedCount ?c }""",
        {"h": URIRef(second.harvest_iri)},
    )
    assert [(int(r["a"]), int(r["r"]), int(r["c"])) for r in counts] == [(1, 1, 1)]
