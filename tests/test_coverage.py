"""The coverage graph, checked against a brute-force recomputation in plain Python.

The reference figures here share no code with registry/coverage.py: the communes come from the
`geo` graph (cross-checked against the raw fixture files), the places from the `registry` graph,
both read with SPARQL; the nearest open place of each commune is found by trying every place with
a haversine written below, and the shares, counts and white zones are recomputed by hand. The
coverage graph is then read with SPARQL, as a région would, and must give the same numbers.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pytest
from rdflib import Graph, URIRef

from registry.publication import publish
from registry.settings import Settings
from registry.store import OxigraphStore

from .conftest import DATA, harvest, real_mirror

BASE = "http://registre.test/"
GEO = f"{BASE}graph/geo"
REGISTRY = f"{BASE}graph/registry"
COVERAGE = f"{BASE}graph/coverage"
TL = "https://w3id.org/tiers-lieux/def/tl#"
STATUS = "https://w3id.org/tiers-lieux/def/statut/"
IGEO = "http://rdf.insee.fr/def/geo#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = f"""
PREFIX tl: <{TL}>
PREFIX igeo: <{IGEO}>
PREFIX schema: <http://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

# What the issue and the ontology state, written out again rather than imported.
NOT_OPEN = {STATUS + "projet", STATUS + "en-creation", STATUS + "ferme"}
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius, the one docs and registry.geography state
DETOUR, SPEED_KMH, WHITE_ZONE_MINUTES, NEAR_KM = 1.3, 50.0, 20, 10.0
TIE_KM = 1e-6  # two places this close to a commune are equally near


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def travel_minutes(km: float) -> int:
    return round(km * DETOUR / SPEED_KMH * 60)


def departement_iri(code: str) -> str:
    return f"{BASE}id/departement/{code}"


def commune_iri(code: str) -> str:
    return f"{BASE}id/commune/{code}"


def select(store: OxigraphStore, query: str) -> list[dict[str, str]]:
    return [
        {key: str(value) for key, value in row.items() if value is not None}
        for row in store.select(PREFIXES + query)
    ]


@dataclass(frozen=True)
class Unit:
    """A commune or municipal arrondissement with a centroid, as the geo graph gives it."""

    iri: str
    code: str
    latitude: float
    longitude: float
    population: int


@dataclass(frozen=True)
class Place:
    """A place of the registry graph."""

    iri: str
    latitude: float | None
    longitude: float | None
    statuses: frozenset[str]
    departement: str
    commune: str
    arrondissement: str

    @property
    def is_open(self) -> bool:
        return not self.statuses & NOT_OPEN

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def read_units(store: OxigraphStore, departement: str) -> list[Unit]:
    """The finest units of the département with a centroid (arrondissements, not their city)."""
    rows = select(
        store,
        f"""
        SELECT ?commune ?code ?latitude ?longitude ?population WHERE {{ GRAPH <{GEO}> {{
          VALUES ?kind {{ igeo:Commune igeo:ArrondissementMunicipal }}
          ?commune a ?kind ; igeo:codeCommune ?code ;
                   tl:departement <{departement_iri(departement)}> ; tl:population ?population ;
                   schema:latitude ?latitude ; schema:longitude ?longitude .
          FILTER NOT EXISTS {{
            ?part a igeo:ArrondissementMunicipal ; igeo:subdivisionDirecteDe ?commune }}
        }} }}""",
    )
    units = [
        Unit(
            r["commune"],
            r["code"],
            float(r["latitude"]),
            float(r["longitude"]),
            int(r["population"]),
        )
        for r in rows
    ]
    assert len({u.iri for u in units}) == len(units), "a commune with two centroids"
    return units


def read_places(store: OxigraphStore) -> list[Place]:
    rows = select(
        store,
        f"""
        SELECT ?place ?latitude ?longitude ?status ?departement ?commune ?arrondissement
        WHERE {{ GRAPH <{REGISTRY}> {{
          ?place a tl:TiersLieu .
          OPTIONAL {{ ?place schema:latitude ?latitude }}
          OPTIONAL {{ ?place schema:longitude ?longitude }}
          OPTIONAL {{ ?place tl:status ?status }}
          OPTIONAL {{ ?place tl:departement ?departement }}
          OPTIONAL {{ ?place tl:commune ?commune }}
          OPTIONAL {{ ?place tl:arrondissement ?arrondissement }}
        }} }}""",
    )
    values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        for key, value in row.items():
            values[row["place"]][key].add(value)
    places = []
    for iri, facts in values.items():
        for key in ("latitude", "longitude", "departement", "commune", "arrondissement"):
            assert len(facts[key]) <= 1, f"{iri} has several {key}: {sorted(facts[key])}"
        lat, lon = facts["latitude"], facts["longitude"]
        places.append(
            Place(
                iri,
                float(next(iter(lat))) if lat else None,
                float(next(iter(lon))) if lon else None,
                frozenset(facts["status"]),
                next(iter(facts["departement"]), ""),
                next(iter(facts["commune"]), ""),
                next(iter(facts["arrondissement"]), ""),
            )
        )
    return places


@dataclass
class Reference:
    """The brute-force figures of one département."""

    nearest_km: dict[str, float | None]  # commune IRI → km to the nearest open place
    nearest: dict[str, set[str]]  # commune IRI → the open places at that distance
    white: set[str]
    population: int
    within_near: int
    within_minutes: int
    places: int
    open_places: int
    place_counts: Counter[str]

    @property
    def per_100k(self) -> float:
        return self.open_places / self.population * 100_000 if self.population else 0.0


def nearest_by_brute_force(
    latitude: float, longitude: float, places: Iterable[Place]
) -> tuple[float | None, set[str]]:
    best: float | None = None
    found: set[str] = set()
    for place in places:
        km = haversine_km(latitude, longitude, place.latitude, place.longitude)  # type: ignore[arg-type]
        if best is None or km < best - TIE_KM:
            best, found = km, {place.iri}
        elif km <= best + TIE_KM:
            found.add(place.iri)
            best = min(best, km)
    return best, found


def brute_force(units: list[Unit], places: list[Place], departement: str) -> Reference:
    candidates = [p for p in places if p.is_open and p.located]
    nearest_km: dict[str, float | None] = {}
    nearest: dict[str, set[str]] = {}
    white: set[str] = set()
    within_near = within_minutes = 0
    for unit in units:
        km, found = nearest_by_brute_force(unit.latitude, unit.longitude, candidates)
        nearest_km[unit.iri], nearest[unit.iri] = km, found
        if km is not None and km <= NEAR_KM:
            within_near += unit.population
        if km is None or travel_minutes(km) > WHITE_ZONE_MINUTES:
            white.add(unit.iri)
        else:
            within_minutes += unit.population
    iri = departement_iri(departement)
    mine = [p for p in places if p.departement == iri]
    return Reference(
        nearest_km=nearest_km,
        nearest=nearest,
        white=white,
        population=sum(u.population for u in units),
        within_near=within_near,
        within_minutes=within_minutes,
        places=len(mine),
        open_places=sum(p.is_open for p in mine),
        place_counts=Counter(p.arrondissement or p.commune for p in places),
    )


def published_communes(store: OxigraphStore, departement: str) -> dict[str, dict[str, str]]:
    rows = select(
        store,
        f"""
        SELECT ?commune ?white ?count ?km ?minutes ?nearest WHERE {{
          GRAPH <{GEO}> {{ ?commune tl:departement <{departement_iri(departement)}> }}
          GRAPH <{COVERAGE}> {{
            ?commune tl:whiteZone ?white ; tl:placeCount ?count .
            OPTIONAL {{ ?commune tl:nearestPlaceKm ?km ; tl:nearestPlaceMinutes ?minutes ;
                                 tl:nearestPlace ?nearest }}
          }} }}""",
    )
    published = {row["commune"]: row for row in rows}
    assert len(published) == len(rows), "a commune with two answers in the coverage graph"
    return published


def published_territory(store: OxigraphStore, departement: str) -> dict[str, list[str]]:
    rows = select(
        store,
        f"SELECT ?p ?o WHERE {{ GRAPH <{COVERAGE}> {{ <{departement_iri(departement)}> ?p ?o }} }}",
    )
    facts: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        facts[row["p"].removeprefix(TL)].append(row["o"])
    return facts


def compare(store: OxigraphStore, departement: str) -> Reference:
    """Brute force against SPARQL for one département; every difference in one message."""
    units = read_units(store, departement)
    places = read_places(store)
    reference = brute_force(units, places, departement)
    published = published_communes(store, departement)
    assert set(published) == {u.iri for u in units}
    problems = []
    for unit in units:
        row, km = published[unit.iri], reference.nearest_km[unit.iri]
        if km is None:
            if "km" in row:
                problems.append(f"{unit.code}: no open place, published {row['km']} km")
        elif "km" not in row:
            problems.append(f"{unit.code}: nearest open place at {km:.3f} km, none published")
        else:
            if abs(float(row["km"]) - km) > 0.001:
                problems.append(f"{unit.code}: nearest at {km:.4f} km, published {row['km']}")
            if int(row["minutes"]) != travel_minutes(km):
                problems.append(
                    f"{unit.code}: {travel_minutes(km)} min expected, published {row['minutes']}"
                )
            if row["nearest"] not in reference.nearest[unit.iri]:
                problems.append(
                    f"{unit.code}: published nearest {row['nearest']} is not among "
                    f"{sorted(reference.nearest[unit.iri])}"
                )
        white = unit.iri in reference.white
        if row["white"] != str(white).lower():
            problems.append(f"{unit.code}: white zone {white}, published {row['white']}")
        if int(row["count"]) != reference.place_counts[unit.iri]:
            problems.append(
                f"{unit.code}: {reference.place_counts[unit.iri]} places, published {row['count']}"
            )
    assert problems == []

    facts = published_territory(store, departement)

    def one(name: str) -> str:
        assert len(facts[name]) == 1, f"tl:{name} of {departement}: {facts[name]}"
        return facts[name][0]

    assert int(one("placeCount")) == reference.places
    assert int(one("openPlaceCount")) == reference.open_places
    assert float(one("placesPer100k")) == pytest.approx(reference.per_100k, abs=0.005 + 1e-9)
    assert int(one("populationWithin10km")) == reference.within_near
    assert int(one("populationWithin20min")) == reference.within_minutes
    assert reference.population > 0
    share_near = reference.within_near / reference.population
    share_minutes = reference.within_minutes / reference.population
    assert float(one("shareWithin10km")) == pytest.approx(share_near, abs=1e-4)
    assert float(one("shareWithin20min")) == pytest.approx(share_minutes, abs=1e-4)
    assert int(one("whiteZoneCount")) == len(reference.white)
    assert set(facts["whiteZoneCommune"]) == reference.white
    return reference


def check_structure(store: OxigraphStore) -> None:
    """Commune IRIs, white zones and minutes agree with the geo graph and the parameters."""
    analyses = select(
        store,
        f"""
        SELECT ?analysis ?minutes ?criteria ?detour ?speed ?when WHERE {{ GRAPH <{COVERAGE}> {{
          ?analysis a tl:CoverageAnalysis ; tl:whiteZoneMinutes ?minutes ;
                    tl:qualifiedCriteriaMin ?criteria ; tl:detourFactor ?detour ;
                    tl:averageSpeedKmh ?speed ; prov:generatedAtTime ?when .
          FILTER(DATATYPE(?when) = <{XSD}dateTime>)
        }} }}""",
    )
    assert len(analyses) == 1, analyses
    analysis = analyses[0]
    assert int(analysis["minutes"]) == WHITE_ZONE_MINUTES
    assert int(analysis["criteria"]) == 4
    assert float(analysis["detour"]) == DETOUR
    assert float(analysis["speed"]) == SPEED_KMH
    threshold, detour, speed = (
        int(analysis["minutes"]),
        float(analysis["detour"]),
        float(analysis["speed"]),
    )

    # every subject of a commune-level fact, and every white-zone commune of a territory, is a
    # commune or a municipal arrondissement of the geo graph
    strays = select(
        store,
        f"""
        SELECT DISTINCT ?commune WHERE {{
          {{ GRAPH <{COVERAGE}> {{
               VALUES ?p {{ tl:whiteZone tl:nearestPlace tl:nearestPlaceKm tl:nearestPlaceMinutes
                           tl:nearestQualifiedPlace tl:nearestQualifiedPlaceKm
                           tl:nearestQualifiedPlaceMinutes }}
               ?commune ?p ?o }} }}
          UNION {{ GRAPH <{COVERAGE}> {{ ?territory tl:whiteZoneCommune ?commune }} }}
          FILTER NOT EXISTS {{ GRAPH <{GEO}> {{
            VALUES ?kind {{ igeo:Commune igeo:ArrondissementMunicipal }} ?commune a ?kind }} }}
        }}""",
    )
    assert strays == []

    # conversely, every unit with a centroid (arrondissements rather than their city) is covered
    units = select(
        store,
        f"""
        SELECT ?commune WHERE {{ GRAPH <{GEO}> {{
          VALUES ?kind {{ igeo:Commune igeo:ArrondissementMunicipal }}
          ?commune a ?kind ; schema:latitude ?latitude .
          FILTER NOT EXISTS {{
            ?part a igeo:ArrondissementMunicipal ; igeo:subdivisionDirecteDe ?commune }}
        }} }}""",
    )
    rows = select(
        store,
        f"""
        SELECT ?commune ?white ?km ?minutes ?nearest WHERE {{ GRAPH <{COVERAGE}> {{
          ?commune tl:whiteZone ?white .
          OPTIONAL {{ ?commune tl:nearestPlaceKm ?km ; tl:nearestPlaceMinutes ?minutes ;
                               tl:nearestPlace ?nearest }}
        }} }}""",
    )
    covered = [row["commune"] for row in rows]
    assert len(covered) == len(set(covered)), "a commune with two whiteZone values"
    assert set(covered) == {r["commune"] for r in units}

    not_open = {p.iri: p.statuses for p in read_places(store) if not p.is_open}
    problems = []
    for row in rows:
        expected = "minutes" not in row or int(row["minutes"]) > threshold
        if row["white"] != str(expected).lower():
            problems.append(f"{row['commune']}: whiteZone {row['white']}, {row.get('minutes')} min")
        if "km" in row:
            # minutes come from the unrounded distance: allow for the 3-decimal rounding of km
            low, high = (float(row["km"]) + d for d in (-0.0005, 0.0005))
            bounds = [round(k * detour / speed * 60) for k in (low, high)]
            if not bounds[0] <= int(row["minutes"]) <= bounds[1]:
                problems.append(f"{row['commune']}: {row['km']} km but {row['minutes']} min")
        if row.get("nearest") in not_open:
            problems.append(f"{row['commune']}: nearest {row['nearest']} is not open")
    assert problems == []
    # a nearest place is a place of the registry
    orphans = select(
        store,
        f"""
        SELECT ?commune WHERE {{
          GRAPH <{COVERAGE}> {{ ?commune tl:nearestPlace ?place }}
          FILTER NOT EXISTS {{ GRAPH <{REGISTRY}> {{ ?place a tl:TiersLieu }} }}
        }}""",
    )
    assert orphans == []


def check_neighbours(store: OxigraphStore, departements: Iterable[str] = ()) -> int:
    """tl:nearestNeighbourKm against every other located place; returns how many were checked.

    With `departements`, only the places of those are checked (against all places).
    """
    places = [p for p in read_places(store) if p.located]
    rows = select(
        store,
        f"""
        SELECT ?place ?other ?km WHERE {{ GRAPH <{COVERAGE}> {{
          ?place tl:nearestNeighbour ?other ; tl:nearestNeighbourKm ?km }} }}""",
    )
    published = {row["place"]: row for row in rows}
    assert len(published) == len(rows), "a place with two nearest neighbours"
    assert set(published) == ({p.iri for p in places} if len(places) > 1 else set())
    wanted = {departement_iri(d) for d in departements}
    checked = [p for p in places if not wanted or p.departement in wanted]
    problems = []
    for place in checked:
        others = [p for p in places if p.iri != place.iri]
        km, found = nearest_by_brute_force(place.latitude, place.longitude, others)  # type: ignore[arg-type]
        row = published[place.iri]
        if km is None or abs(float(row["km"]) - km) > 0.001:
            problems.append(f"{place.iri}: nearest neighbour at {km} km, published {row['km']}")
        if row["other"] not in found:
            problems.append(f"{place.iri}: published {row['other']}, nearest {sorted(found)}")
    assert problems == []
    return len(checked)


# ---------------------------------------------------------------------------------------------
# Fixture data: about 500 communes of six départements, five CGET places


FIXTURE_DEPARTEMENTS = ["33", "44", "24", "01", "29", "974"]


def fixture_communes(departement: str) -> dict[str, tuple[float, float, int]]:
    """Code → (latitude, longitude, population) from the raw fixture files."""
    geo = DATA / "harvesters/geographie"
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    text = (geo / "laposte_hexasmal.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        total = sums[row["Code_commune_INSEE"]]
        total[0] += float(row["latitude"])
        total[1] += float(row["longitude"])
        total[2] += 1
    communes = json.loads((geo / "communes.json").read_text(encoding="utf-8"))
    return {
        c["code"]: (
            sums[c["code"]][0] / sums[c["code"]][2],
            sums[c["code"]][1] / sums[c["code"]][2],
            c["population"],
        )
        for c in communes
        if c["departement"] == departement and c["type"] == "commune-actuelle"
    }


@pytest.mark.parametrize("departement", FIXTURE_DEPARTEMENTS)
def test_fixture_geo_graph_holds_the_files_communes(
    loaded_store: OxigraphStore, departement: str
) -> None:
    # the brute force reads the communes from the geo graph: it must hold what the files say
    expected = fixture_communes(departement)
    units = {u.code: u for u in read_units(loaded_store, departement)}
    assert set(units) == set(expected)
    for code, (latitude, longitude, population) in expected.items():
        assert units[code].population == population
        assert units[code].latitude == pytest.approx(latitude, abs=1e-6)
        assert units[code].longitude == pytest.approx(longitude, abs=1e-6)


@pytest.mark.parametrize("departement", FIXTURE_DEPARTEMENTS)
def test_fixture_coverage_equals_brute_force(loaded_store: OxigraphStore, departement: str) -> None:
    reference = compare(loaded_store, departement)
    assert reference.nearest_km  # the département has communes with a centroid


def test_fixture_gironde_figures(loaded_store: OxigraphStore) -> None:
    # what the comparison above covers, for the one place of Gironde's fixture (Libourne)
    reference = compare(loaded_store, "33")
    assert len(reference.nearest_km) == 182
    assert reference.places == reference.open_places == 1
    assert reference.population == 392_160
    assert 0 < len(reference.white) < len(reference.nearest_km)
    assert 0 < reference.within_near < reference.within_minutes < reference.population


def test_fixture_dordogne_communes_near_libourne_are_served_by_gironde(
    loaded_store: OxigraphStore,
) -> None:
    # the nearest place may lie in another département
    reference = compare(loaded_store, "24")
    gironde = {p.iri for p in read_places(loaded_store) if p.departement == departement_iri("33")}
    served = [iri for iri, found in reference.nearest.items() if found & gironde]
    assert served


def test_fixture_finistere_without_a_place_is_all_white(loaded_store: OxigraphStore) -> None:
    reference = compare(loaded_store, "29")
    assert reference.places == 0
    assert reference.white == set(reference.nearest_km)
    assert reference.within_near == reference.within_minutes == 0


def test_fixture_closed_place_is_nobody_s_nearest(
    loaded_store: OxigraphStore, settings: Settings
) -> None:
    # close Gironde's only place in its source, publish again: the figures follow
    rows = select(
        loaded_store,
        f"""
        SELECT ?place ?record ?graph WHERE {{
          GRAPH <{REGISTRY}> {{ ?place prov:wasDerivedFrom ?record ;
                                       tl:departement <{departement_iri("33")}> }}
          GRAPH ?graph {{ ?record a tl:SourceRecord }}
        }}""",
    )
    assert len(rows) == 1
    closed = rows[0]["place"]
    added = Graph()
    added.add((URIRef(rows[0]["record"]), URIRef(TL + "status"), URIRef(STATUS + "ferme")))
    loaded_store.patch_graphs({URIRef(rows[0]["graph"]): (Graph(), added)})
    publish(loaded_store, settings)

    place = next(p for p in read_places(loaded_store) if p.iri == closed)
    assert place.statuses == {STATUS + "ferme"} and not place.is_open
    gironde = compare(loaded_store, "33")
    assert gironde.places == 1 and gironde.open_places == 0
    dordogne = compare(loaded_store, "24")
    for reference in (gironde, dordogne):
        assert all(closed not in found for found in reference.nearest.values())
    check_structure(loaded_store)
    # the closed place still has, and is, a nearest neighbour: it still exists
    check_neighbours(loaded_store)
    neighbour = select(
        loaded_store,
        f"SELECT ?km WHERE {{ GRAPH <{COVERAGE}> {{ <{closed}> tl:nearestNeighbourKm ?km }} }}",
    )
    assert len(neighbour) == 1


def test_fixture_coverage_graph_structure(loaded_store: OxigraphStore) -> None:
    check_structure(loaded_store)


def test_fixture_nearest_neighbours_equal_brute_force(loaded_store: OxigraphStore) -> None:
    assert check_neighbours(loaded_store) == 5


# ---------------------------------------------------------------------------------------------
# Real data: the national geography, the CGET base, the Fabriques de Territoire and the curated
# places (which bring closed places, projects and places being set up)

REAL_SOURCES = ("geographie", "cget-2019", "fabriques-de-territoire", "lieux-documentes")
# Gironde (urban and rural), Creuse (rural), Hautes-Alpes (places being set up at Briançon and
# La Roche-de-Rame), Rhône (Lyon counted by arrondissement)
REAL_DEPARTEMENTS = ["33", "23", "05", "69"]


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    mirror = real_mirror()
    if mirror is None:
        pytest.skip("real data mirror absent: set TL_MIRROR_DIR or provide ../shared/data")
    settings = Settings(
        data_dir=str(tmp_path_factory.mktemp("var")),
        mirror_dir=str(mirror),
        base_uri=BASE,
    )
    store = OxigraphStore(None)
    for source in REAL_SOURCES:
        harvest(store, settings, source)
    publish(store, settings)
    return store


@pytest.mark.mirror
@pytest.mark.parametrize("departement", REAL_DEPARTEMENTS)
def test_real_coverage_equals_brute_force(real_store: OxigraphStore, departement: str) -> None:
    reference = compare(real_store, departement)
    assert reference.open_places > 0
    assert 0 < len(reference.white) < len(reference.nearest_km)


@pytest.mark.mirror
def test_real_places_not_open_change_the_answer(real_store: OxigraphStore) -> None:
    # some commune of the Hautes-Alpes would have a place being set up as its nearest: the
    # comparison above (which leaves them out) shows the registry leaves them out too
    places = read_places(real_store)
    units = read_units(real_store, "05")
    not_open = {p.iri for p in places if not p.is_open and p.located}
    located = [p for p in places if p.located]
    misled = []
    for unit in units:
        _, found = nearest_by_brute_force(unit.latitude, unit.longitude, located)
        if found and found <= not_open:
            misled.append(unit.iri)
    assert misled
    published = published_communes(real_store, "05")
    assert all(published[iri]["nearest"] not in not_open for iri in misled)
    compare(real_store, "05")


@pytest.mark.mirror
def test_real_lyon_is_covered_by_arrondissement(real_store: OxigraphStore) -> None:
    published = published_communes(real_store, "69")
    arrondissements = {commune_iri(f"6938{n}") for n in range(1, 10)}
    assert arrondissements <= set(published)
    assert commune_iri("69123") not in published
    lyon = sum(int(published[iri]["count"]) for iri in arrondissements)
    assert lyon > 0


@pytest.mark.mirror
def test_real_coverage_graph_structure(real_store: OxigraphStore) -> None:
    check_structure(real_store)


@pytest.mark.mirror
def test_real_nearest_neighbours_equal_brute_force(real_store: OxigraphStore) -> None:
    assert check_neighbours(real_store, REAL_DEPARTEMENTS) > 100
