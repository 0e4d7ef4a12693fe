"""The example SPARQL queries of docs/queries/ run on the demo registry and mean what they say.

Every query is run as a user would run it (the SPARQL endpoint's entry point, default graph =
union of all graphs) on the fixture registry; its figures are checked against the same figures
computed independently, from plain triple patterns counted in Python.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from registry.coverage import CoverageParameters
from registry.iris import Minter
from registry.namespaces import TL
from registry.publication import publish
from registry.settings import Settings
from registry.store import OxigraphStore

QUERIES = Path(__file__).parent.parent / "docs" / "queries"
FILES = sorted(QUERIES.glob("*.rq"))

PREFIXES = """
PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
"""

# Queries whose header says they may return nothing, with the columns they return then.
POSSIBLY_EMPTY = {
    "labels-par-departement.rq": ["code", "departement", "label", "lieux"],
    "lieux-proches-voisins.rq": [
        "lieu",
        "nom",
        "voisin",
        "nomVoisin",
        "commune",
        "communeVoisin",
        "metres",
        "memeNom",
    ],
}

Rows = list[dict[str, str]]


def run(store: OxigraphStore, text: str) -> tuple[list[str], Rows]:
    """Run `text` as the endpoint does; its columns and its rows (unbound values left out)."""
    data = json.loads(store.query(text).serialize("application/sparql-results+json"))
    rows = [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
    return data["head"]["vars"], rows


def example(store: OxigraphStore, name: str) -> Rows:
    """The rows of docs/queries/`name`."""
    return run(store, (QUERIES / name).read_text(encoding="utf-8"))[1]


def facts(store: OxigraphStore, where: str) -> Rows:
    """The distinct solutions of `where`, a plain graph pattern (the independent computation)."""
    return run(store, f"{PREFIXES} SELECT DISTINCT * WHERE {{ {where} }}")[1]


def header(path: Path) -> str:
    """The leading comment block of a query file, without the '#' marks."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def test_there_are_at_least_ten_commented_examples() -> None:
    assert len(FILES) >= 10, [f.name for f in FILES]
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# "), f"{path.name} must open with a comment"
        assert len(header(path).split()) >= 10, f"{path.name}: the comment explains too little"
        assert not re.search(r"\bSERVICE\b", text, re.IGNORECASE), path.name


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_example_query_runs_on_the_demo_registry(loaded_store: OxigraphStore, path: Path) -> None:
    columns, rows = run(loaded_store, path.read_text(encoding="utf-8"))
    assert columns
    if path.name in POSSIBLY_EMPTY:
        assert "empty" in header(path).lower(), f"{path.name} must say it may return nothing"
        assert columns == POSSIBLY_EMPTY[path.name]
    else:
        assert rows, f"{path.name} returns nothing on the demo registry"
        # Every column a row shows is one the query declares.
        assert set().union(*rows) <= set(columns)


def test_places_per_departement(loaded_store: OxigraphStore) -> None:
    rows = example(loaded_store, "lieux-par-departement.rq")
    located = facts(loaded_store, "?lieu a tl:TiersLieu ; tl:departement/igeo:codeDepartement ?c")
    expected = Counter(r["c"] for r in located)
    assert expected, "the demo registry has located places"
    assert {r["code"]: int(r["lieux"]) for r in rows if r["lieux"] != "0"} == expected
    # Every département of the geography is listed, even without places.
    departements = facts(loaded_store, "?d a igeo:Departement ; igeo:codeDepartement ?code")
    assert sorted(r["code"] for r in rows) == sorted(r["code"] for r in departements)
    counts = [int(r["lieux"]) for r in rows]
    assert counts == sorted(counts, reverse=True)
    # The same figure as the coverage analysis's.
    coverage = facts(loaded_store, "?d igeo:codeDepartement ?code ; tl:placeCount ?n")
    assert {r["code"]: int(r["lieux"]) for r in rows} == {r["code"]: int(r["n"]) for r in coverage}


def test_places_per_epci_of_one_region(loaded_store: OxigraphStore) -> None:
    rows = example(loaded_store, "lieux-par-epci.rq")
    members = facts(
        loaded_store,
        '?commune a igeo:Commune ; tl:epci/tl:siren ?siren ; tl:region/igeo:codeRegion "75"',
    )
    assert {r["siren"] for r in rows} == {r["siren"] for r in members}
    placed = facts(loaded_store, "?lieu a tl:TiersLieu ; tl:epci/tl:siren ?siren")
    counted = Counter(r["siren"] for r in placed)
    assert {r["siren"]: int(r["lieux"]) for r in rows} == {
        r["siren"]: counted[r["siren"]] for r in rows
    }
    assert sum(int(r["lieux"]) for r in rows) > 0
    assert all(int(r["lieuxOuverts"]) <= int(r["lieux"]) for r in rows)
    counts = [int(r["lieux"]) for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_coverage_per_region(loaded_store: OxigraphStore) -> None:
    rows = example(loaded_store, "couverture-par-region.rq")
    regions = facts(loaded_store, "?r a igeo:Region ; igeo:codeRegion ?code")
    assert sorted(r["code"] for r in rows) == sorted(r["code"] for r in regions)
    for row in rows:
        assert 0 <= float(row["part10km"]) <= 1
        assert 0 <= float(row["part20min"]) <= 1
        assert int(row["lieuxOuverts"]) <= int(row["lieux"])
    placed = facts(loaded_store, "?lieu a tl:TiersLieu ; tl:region ?r")
    assert sum(int(r["lieux"]) for r in rows) == len(placed) > 0
    # White zones and the share within 20 minutes, recomputed from the communes' own figures.
    communes = facts(
        loaded_store,
        "?c tl:region/igeo:codeRegion ?code ; tl:whiteZone ?white ; tl:population ?population",
    )
    white: Counter[str] = Counter()
    population: Counter[str] = Counter()
    reached: Counter[str] = Counter()
    for commune in communes:
        population[commune["code"]] += int(commune["population"])
        if commune["white"] == "true":
            white[commune["code"]] += 1
        else:
            reached[commune["code"]] += int(commune["population"])
    for row in rows:
        assert int(row["zonesBlanches"]) == white[row["code"]], row["region"]
        share = reached[row["code"]] / population[row["code"]]
        assert float(row["part20min"]) == pytest.approx(share, abs=1e-4), row["region"]
    assert any(0 < float(r["part20min"]) < 1 for r in rows), "the demo data is partly covered"


def test_white_zones_of_one_departement(loaded_store: OxigraphStore) -> None:
    rows = example(loaded_store, "zones-blanches-departement.rq")
    (gironde,) = facts(loaded_store, '?d igeo:codeDepartement "33" ; tl:whiteZoneCount ?n')
    assert len(rows) == int(gironde["n"]) > 0
    assert all(r["code"].startswith("33") for r in rows)
    threshold = CoverageParameters().white_zone_minutes
    assert all(int(r["minutes"]) > threshold for r in rows if "minutes" in r)
    populations = [int(r["population"]) for r in rows]
    assert populations == sorted(populations, reverse=True)


def test_farthest_communes(loaded_store: OxigraphStore) -> None:
    rows = example(loaded_store, "communes-les-plus-eloignees.rq")
    measured = facts(loaded_store, '?c tl:region/igeo:codeRegion "75" ; tl:nearestPlaceKm ?km')
    distances = sorted((float(r["km"]) for r in measured), reverse=True)
    assert len(distances) > 20, "the demo région has more communes than the list shows"
    assert [float(r["km"]) for r in rows] == distances[:20]
    # A white zone is anything farther than the analysis's travel time.
    threshold = CoverageParameters().white_zone_minutes
    assert int(rows[0]["minutes"]) > threshold


def test_typologies_per_region(loaded_store: OxigraphStore) -> None:
    rows = example(loaded_store, "typologies-par-region.rq")
    tagged = facts(
        loaded_store,
        """?lieu a tl:TiersLieu ; tl:region/igeo:codeRegion ?code ; tl:typology ?t .
        ?t skos:prefLabel ?label . FILTER(lang(?label) = "fr")""",
    )
    expected = Counter((r["code"], r["label"]) for r in tagged)
    assert expected
    assert {(r["code"], r["typologie"]): int(r["lieux"]) for r in rows} == expected


@pytest.fixture
def labelled_store(loaded_store: OxigraphStore, settings: Settings) -> OxigraphStore:
    """The demo registry where two source records carry labels, published again."""
    records = facts(loaded_store, "?lieu prov:wasDerivedFrom ?record . GRAPH ?g { ?record a ?k }")
    (first, source_graph), (second, _) = sorted({(r["record"], r["g"]) for r in records})[:2]
    scheme = "https://w3id.org/tiers-lieux/def/label/"
    graph = Graph()
    for record, name in [
        (first, "france-services"),
        (first, "manufacture-de-proximite"),
        (second, "france-services"),
    ]:
        graph.add((URIRef(record), TL.hasLabel, URIRef(scheme + name)))
    loaded_store.patch_graphs({URIRef(source_graph): (Graph(), graph)})
    publish(loaded_store, settings)
    return loaded_store


def test_labels_per_departement(labelled_store: OxigraphStore) -> None:
    rows = example(labelled_store, "labels-par-departement.rq")
    tagged = facts(
        labelled_store,
        """?lieu a tl:TiersLieu ; tl:departement/igeo:codeDepartement ?code ; tl:hasLabel ?l .
        ?l skos:prefLabel ?label . FILTER(lang(?label) = "fr")""",
    )
    expected = Counter((r["code"], r["label"]) for r in tagged)
    assert sum(expected.values()) == 3, "the labels given to the records reach their places"
    assert {(r["code"], r["label"]): int(r["lieux"]) for r in rows} == expected


def test_labels_per_departement_is_empty_without_labels(loaded_store: OxigraphStore) -> None:
    assert not facts(loaded_store, "?lieu tl:hasLabel ?l")
    assert example(loaded_store, "labels-par-departement.rq") == []


def test_close_neighbours(loaded_store: OxigraphStore) -> None:
    text = (QUERIES / "lieux-proches-voisins.rq").read_text(encoding="utf-8")
    neighbours = facts(
        loaded_store,
        """?lieu a tl:TiersLieu ; tl:nearestNeighbour ?voisin ; tl:nearestNeighbourKm ?km .
        OPTIONAL { ?lieu tl:positionPrecision ?p } OPTIONAL { ?voisin tl:positionPrecision ?q }""",
    )
    centroid = "https://w3id.org/tiers-lieux/def/precision/commune"

    def pairs(km: float) -> set[frozenset[str]]:
        return {
            frozenset((n["lieu"], n["voisin"]))
            for n in neighbours
            if float(n["km"]) < km and centroid not in (n.get("p"), n.get("q"))
        }

    # The demo places lie far apart: none within 100 m…
    assert not pairs(0.1)
    assert run(loaded_store, text)[1] == []
    # …but with the threshold raised as the comment says, the pairs are the expected ones.
    wide = text.replace("BIND(0.1 AS ?seuilKm)", "BIND(100000 AS ?seuilKm)")
    assert wide != text
    rows = run(loaded_store, wide)[1]
    assert pairs(100000), "the demo data has neighbours placed at an address"
    assert len(rows) == len(pairs(100000))
    assert {frozenset((r["lieu"], r["voisin"])) for r in rows} == pairs(100000)
    assert {r["memeNom"] for r in rows} <= {"oui", "non"}
    metres = [float(r["metres"]) for r in rows if r["memeNom"] == "non"]
    assert metres == sorted(metres)


def test_commune_resolution_per_source(loaded_store: OxigraphStore) -> None:
    rows = example(loaded_store, "rattachement-communes.rq")
    resolved = facts(
        loaded_store,
        """?lieu a tl:TiersLieu ; prov:wasDerivedFrom/dct:source ?source .
        OPTIONAL { ?lieu tl:communeResolution/skos:prefLabel ?m . FILTER(lang(?m) = "fr") }""",
    )
    expected = Counter((r["source"], r.get("m")) for r in resolved)
    assert {(r["source"], r.get("methode")): int(r["lieux"]) for r in rows} == expected
    places = facts(loaded_store, "?lieu a tl:TiersLieu")
    assert sum(int(r["lieux"]) for r in rows) == len(places), "one source: each place once"


def test_communes_far_from_a_qualified_place(loaded_store: OxigraphStore) -> None:
    rows = example(loaded_store, "lieux-qualifies-proches.rq")
    communes = facts(
        loaded_store,
        """?c tl:region/igeo:codeRegion "75" ; tl:whiteZone ?w ; igeo:codeCommune ?code .
        OPTIONAL { ?c tl:nearestQualifiedPlaceMinutes ?minutes }""",
    )
    far = {r["code"] for r in communes if int(r.get("minutes", 10**9)) > 20}
    assert far
    assert {r["code"] for r in rows} == far
    assert len(rows) == len(far)
    assert {r["criteresMin"] for r in rows} == {str(CoverageParameters().qualified_criteria)}


def test_a_qualified_place_nearby_takes_a_commune_off_the_list(
    loaded_store: OxigraphStore, settings: Settings
) -> None:
    # No demo place meets four criteria, so every commune is listed; give two communes that are
    # far from any place a nearest qualified place, one within 20 minutes and one beyond.
    before = example(loaded_store, "lieux-qualifies-proches.rq")
    near, far = [r for r in before if int(r["minutesLieu"]) > 20][:2]
    coverage, added = Minter(settings.base_uri).graph("coverage"), Graph()
    for row, minutes in [(near, 5), (far, 45)]:
        (commune,) = facts(loaded_store, f'?c igeo:codeCommune "{row["code"]}" ; tl:whiteZone ?w')
        added.add((URIRef(commune["c"]), TL.nearestQualifiedPlaceMinutes, Literal(minutes)))
    loaded_store.patch_graphs({coverage: (Graph(), added)})
    after = {r["code"]: r for r in example(loaded_store, "lieux-qualifies-proches.rq")}
    assert near["code"] not in after
    assert after[far["code"]]["minutesLieuQualifie"] == "45"
    assert len(after) == len(before) - 1


def test_coverage_parameters(loaded_store: OxigraphStore) -> None:
    (row,) = example(loaded_store, "parametres-couverture.rq")
    defaults = CoverageParameters()
    assert int(row["seuilZoneBlancheMinutes"]) == defaults.white_zone_minutes
    assert int(row["criteresMin"]) == defaults.qualified_criteria


def test_existing_place_counts_add_up(loaded_store: OxigraphStore) -> None:
    places = facts(loaded_store, "?lieu a tl:TiersLieu")
    rows = example(loaded_store, "places-by-region.rq")
    assert sum(int(r["lieux"]) for r in rows) == len(places) > 0
    rows = example(loaded_store, "criteres-par-departement.rq")
    assert sum(int(r["lieux"]) for r in rows) == len(places)
