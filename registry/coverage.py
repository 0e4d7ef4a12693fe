"""How well each territory is covered: the `coverage` graph, derived at every publication.

For every commune (Paris, Lyon and Marseille by arrondissement), from its centroid: the nearest
open place, its distance and estimated travel time, whether the commune is a white zone, and the
nearest place meeting at least `qualified_criteria` of the six criteria. For every EPCI,
département and région: places by typology and label, open places per 100,000 inhabitants, the
population within 10 km and within 20 minutes (estimate) of an open place, and the white zones.
For every place: its nearest neighbour. All of it as plain triples, so that a région answers its
questions with SPARQL (docs/queries/).

Distances are great-circle distances between centroids and places; travel times are estimates
(registry.geography.estimated_minutes). A place is open unless a source says it is a project,
being set up, or closed.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from .geography import (
    AVERAGE_SPEED_KMH,
    DETOUR_FACTOR,
    Commune,
    Gazetteer,
    chord_to_km,
    estimated_minutes,
    km_within_minutes,
)
from .iris import Minter
from .namespaces import DEF, PROV, RDF, TL, XSD
from .search import PlaceEntry, PlaceIndex, SpatialIndex

log = logging.getLogger(__name__)

TAG_SCHEMES = {"typologie": DEF + "typologie/", "label": DEF + "label/"}


@dataclass(frozen=True)
class CoverageParameters:
    """The thresholds of the analysis, published with it."""

    white_zone_minutes: int = 20  # "at most 15-20 minutes from home" (domain/seeds-A.md §5)
    near_km: float = 10.0
    qualified_criteria: int = 4  # of the six characterisation criteria

    @property
    def white_zone_km(self) -> float:
        """The crow-flies distance beyond which a commune is a white zone."""
        return km_within_minutes(self.white_zone_minutes)


@dataclass
class CommuneCoverage:
    """The nearest places to one commune's centroid."""

    commune: Commune
    nearest: PlaceEntry | None
    km: float | None
    qualified: PlaceEntry | None
    qualified_km: float | None


@dataclass
class TerritoryCoverage:
    """The figures of one EPCI, département or région."""

    kind: str
    code: str
    places: int = 0
    open_places: int = 0
    population: int = 0
    within_near: int = 0
    within_minutes: int = 0
    white_zones: tuple[str, ...] = ()
    categories: Counter[str] | None = None

    @property
    def per_100k(self) -> float:
        """Open places per 100,000 inhabitants."""
        return self.open_places / self.population * 100_000 if self.population else 0.0


@dataclass
class Coverage:
    """The whole analysis."""

    parameters: CoverageParameters
    communes: list[CommuneCoverage]
    territories: dict[tuple[str, str], TerritoryCoverage]
    neighbours: dict[str, tuple[PlaceEntry, float]]  # place id → nearest other place, km
    place_counts: Counter[str]  # commune (arrondissement in Paris, Lyon, Marseille) → places
    seconds: float = 0.0


def _nearest_each(
    places: list[PlaceEntry], communes: list[Commune]
) -> tuple[list[PlaceEntry | None], np.ndarray]:
    """For each commune, the nearest of `places` and the distance (NaN when there is none)."""
    if not places:
        return [None] * len(communes), np.full(len(communes), np.nan)
    index = SpatialIndex([p.latitude for p in places], [p.longitude for p in places])  # type: ignore[misc]
    found = [index.nearest(c.latitude, c.longitude, k=1)[0] for c in communes]  # type: ignore[arg-type]
    return [places[i] for i, _ in found], np.array([km for _, km in found])


def derive_coverage(
    gazetteer: Gazetteer, index: PlaceIndex, parameters: CoverageParameters | None = None
) -> Coverage:
    """Compute the coverage of every commune, territory and place."""
    clock = time.perf_counter()
    params = parameters or CoverageParameters()
    located = [e for e in index.located if e.is_open]
    qualified = [e for e in located if e.criteria_met >= params.qualified_criteria]
    units = gazetteer.located
    nearest, kms = _nearest_each(located, units)
    best, best_kms = _nearest_each(qualified, units)
    communes = [
        CommuneCoverage(
            unit,
            nearest[i],
            None if np.isnan(kms[i]) else float(kms[i]),
            best[i],
            None if np.isnan(best_kms[i]) else float(best_kms[i]),
        )
        for i, unit in enumerate(units)
    ]
    territories: dict[tuple[str, str], TerritoryCoverage] = {}

    def territories_of(commune: Commune) -> list[tuple[str, str]]:
        keys = [("departement", commune.departement), ("region", commune.region)]
        return keys + ([("epci", commune.epci)] if commune.epci else [])

    for kind, code in gazetteer.territories:
        territories[kind, code] = TerritoryCoverage(kind, code, categories=Counter())
    white: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item in communes:
        for key in territories_of(item.commune):
            figures = territories.setdefault(key, TerritoryCoverage(*key, categories=Counter()))
            figures.population += item.commune.population
            if item.km is not None and item.km <= params.near_km:
                figures.within_near += item.commune.population
            if item.km is not None and estimated_minutes(item.km) <= params.white_zone_minutes:
                figures.within_minutes += item.commune.population
            else:
                white[key].append(item.commune.code)
    place_counts: Counter[str] = Counter()
    for entry in index.entries:
        commune = gazetteer.communes.get(entry.commune)
        if commune is None:
            continue
        place_counts[entry.arrondissement or entry.commune] += 1
        for key in territories_of(commune):
            figures = territories.setdefault(key, TerritoryCoverage(*key, categories=Counter()))
            figures.places += 1
            figures.open_places += entry.is_open
            for tag in entry.tags:
                if tag.split(":", 1)[0] in TAG_SCHEMES:
                    figures.categories[tag] += 1  # type: ignore[index]
    for key, codes in white.items():
        territories[key].white_zones = tuple(sorted(codes))
    neighbours = _neighbours(index)
    seconds = time.perf_counter() - clock
    log.info(
        "coverage: %d communes, %d territories, %.1f s", len(communes), len(territories), seconds
    )
    return Coverage(params, communes, territories, neighbours, place_counts, seconds)


def _neighbours(index: PlaceIndex) -> dict[str, tuple[PlaceEntry, float]]:
    """Each located place's nearest other located place (ties: any of them)."""
    located = index.located
    if len(located) < 2:
        return {}
    chords, found = index.spatial.tree.query(index.spatial.points, k=2)
    kilometres = chord_to_km(chords)
    neighbours = {}
    for position, entry in enumerate(located):
        first, second = int(found[position][0]), int(found[position][1])
        other, km = (second, kilometres[position][1]) if first == position else (first, 0.0)
        neighbours[entry.id] = (located[other], float(km))
    return neighbours


def coverage_ntriples(coverage: Coverage, minter: Minter, when: datetime | None = None) -> bytes:
    """The analysis as N-Triples for the `coverage` graph."""
    lines: list[str] = []

    def add(subject: str, predicate: str, obj: str) -> None:
        lines.append(f"<{subject}> <{predicate}> {obj} .")

    def decimal(value: float, digits: int) -> str:
        return f'"{value:.{digits}f}"^^<{XSD.decimal}>'

    def integer(value: int) -> str:
        return f'"{value}"^^<{XSD.integer}>'

    def place(entry: PlaceEntry) -> str:
        return f"<{minter.place(entry.id)}>"

    params = coverage.parameters
    analysis = str(minter.graph("coverage"))
    stamp = (when or datetime.now(UTC)).replace(microsecond=0).isoformat()
    add(analysis, str(RDF.type), f"<{TL.CoverageAnalysis}>")
    add(analysis, str(PROV.generatedAtTime), f'"{stamp}"^^<{XSD.dateTime}>')
    add(analysis, str(TL.whiteZoneMinutes), integer(params.white_zone_minutes))
    add(analysis, str(TL.qualifiedCriteriaMin), integer(params.qualified_criteria))
    add(analysis, str(TL.detourFactor), decimal(DETOUR_FACTOR, 2))
    add(analysis, str(TL.averageSpeedKmh), decimal(AVERAGE_SPEED_KMH, 1))
    for item in coverage.communes:
        subject = str(minter.commune(item.commune.code))
        if item.nearest is not None and item.km is not None:
            add(subject, str(TL.nearestPlace), place(item.nearest))
            add(subject, str(TL.nearestPlaceKm), decimal(item.km, 3))
            add(subject, str(TL.nearestPlaceMinutes), integer(estimated_minutes(item.km)))
        white = item.km is None or estimated_minutes(item.km) > params.white_zone_minutes
        add(subject, str(TL.whiteZone), f'"{str(white).lower()}"^^<{XSD.boolean}>')
        if item.qualified is not None and item.qualified_km is not None:
            add(subject, str(TL.nearestQualifiedPlace), place(item.qualified))
            add(subject, str(TL.nearestQualifiedPlaceKm), decimal(item.qualified_km, 3))
            minutes = estimated_minutes(item.qualified_km)
            add(subject, str(TL.nearestQualifiedPlaceMinutes), integer(minutes))
        add(subject, str(TL.placeCount), integer(coverage.place_counts[item.commune.code]))
    iri = {"epci": minter.epci, "departement": minter.departement, "region": minter.region}
    for (kind, code), figures in sorted(coverage.territories.items()):
        subject = str(iri[kind](code))
        add(subject, str(TL.placeCount), integer(figures.places))
        add(subject, str(TL.openPlaceCount), integer(figures.open_places))
        add(subject, str(TL.placesPer100k), decimal(figures.per_100k, 2))
        add(subject, str(TL.populationWithin10km), integer(figures.within_near))
        add(subject, str(TL.populationWithin20min), integer(figures.within_minutes))
        if figures.population:
            add(
                subject,
                str(TL.shareWithin10km),
                decimal(figures.within_near / figures.population, 4),
            )
            share = figures.within_minutes / figures.population
            add(subject, str(TL.shareWithin20min), decimal(share, 4))
        add(subject, str(TL.whiteZoneCount), integer(len(figures.white_zones)))
        for commune in figures.white_zones:
            add(subject, str(TL.whiteZoneCommune), f"<{minter.commune(commune)}>")
        for tag, count in sorted((figures.categories or Counter()).items()):
            scheme, value = tag.split(":", 1)
            node = f"{subject}#{scheme}-{value}"
            add(subject, str(TL.breakdown), f"<{node}>")
            add(node, str(RDF.type), f"<{TL.CategoryCount}>")
            add(node, str(TL.category), f"<{TAG_SCHEMES[scheme]}{value}>")
            add(node, str(TL.placeCount), integer(count))
    for place_id, (other, km) in sorted(coverage.neighbours.items()):
        subject = str(minter.place(place_id))
        add(subject, str(TL.nearestNeighbour), place(other))
        add(subject, str(TL.nearestNeighbourKm), decimal(km, 3))
    return ("\n".join(lines) + "\n").encode("utf-8")
