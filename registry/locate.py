"""Place every record in its commune (registry.geography), as triples of the registry graph.

A record's own commune, département and région statements are replaced by the resolved ones,
with how the commune was found (`tl:communeResolution`); a record without a position gets the
centroid of its commune (or arrondissement), flagged `tl:positionPrecision prec:commune`.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from . import queries
from .geography import Gazetteer, Resolution
from .iris import Minter
from .namespaces import GEO, PREC, RDF, RESOLUTION, SCHEMA, TL, XSD
from .store import Store

log = logging.getLogger(__name__)

# Statements of a record that the resolved ones replace on its place.
REPLACED = {TL.commune, TL.departement, TL.region}


@dataclass
class Located:
    """The resolution of every record, and the tally of methods."""

    resolutions: dict[str, Resolution] = field(default_factory=dict)  # record IRI → resolution
    positioned: set[str] = field(default_factory=set)  # records that give their own position
    methods: Counter[str] = field(default_factory=Counter)
    unresolved: int = 0


def locate_records(store: Store, gazetteer: Gazetteer, minter: Minter) -> Located:
    """Resolve the commune of every source record in `store`."""
    located = Located()
    if not len(gazetteer):
        return located
    for row in store.select(queries.load("record-geography")):
        record = str(row["record"])
        if record in located.resolutions:
            continue  # a record with two postcodes: the first row decides
        latitude = float(str(row["latitude"])) if "latitude" in row else None
        longitude = float(str(row["longitude"])) if "longitude" in row else None
        if latitude is not None:
            located.positioned.add(record)
        code = minter.local_id(str(row["commune"]), "commune") or "" if "commune" in row else ""
        resolution = gazetteer.resolve(
            code=code,
            postcode=str(row.get("postcode", "")),
            name=str(row.get("locality", "")),
            latitude=latitude,
            longitude=longitude,
        )
        if resolution is None:
            located.unresolved += 1
            continue
        located.resolutions[record] = resolution
        located.methods[resolution.method] += 1
    log.info("communes: %s, %d unresolved", dict(located.methods), located.unresolved)
    return located


def location_triples(
    place: str, record: str, located: Located, minter: Minter, positioned: bool | None = None
) -> list[str]:
    """N-Triples lines placing `place` in the commune resolved for `record`.

    Without a position of its own (`positioned`, default: the record's), the place gets the
    centroid of its commune or arrondissement.
    """
    resolution = located.resolutions.get(record)
    if resolution is None:
        return []
    commune, finest = resolution.commune, resolution.arrondissement or resolution.commune
    subject = f"<{place}>"
    lines = [
        f"{subject} <{TL.commune}> <{minter.commune(commune.code)}> .",
        f"{subject} <{TL.departement}> <{minter.departement(commune.departement)}> .",
        f"{subject} <{TL.region}> <{minter.region(commune.region)}> .",
        f"{subject} <{TL.communeResolution}> <{RESOLUTION[resolution.method]}> .",
    ]
    if resolution.arrondissement is not None:
        arrondissement = minter.commune(resolution.arrondissement.code)
        lines.append(f"{subject} <{TL.arrondissement}> <{arrondissement}> .")
    if commune.epci:
        lines.append(f"{subject} <{TL.epci}> <{minter.epci(commune.epci)}> .")
    if positioned is None:
        positioned = record in located.positioned
    if not positioned and finest.latitude is not None:
        latitude = f'"{finest.latitude:.6f}"^^<{XSD.decimal}>'
        longitude = f'"{finest.longitude:.6f}"^^<{XSD.decimal}>'
        geometry = f"<{place}#position>"
        wkt = f'"POINT({finest.longitude:.6f} {finest.latitude:.6f})"^^<{GEO.wktLiteral}>'
        lines += [
            f"{subject} <{SCHEMA.latitude}> {latitude} .",
            f"{subject} <{SCHEMA.longitude}> {longitude} .",
            f"{subject} <{GEO.hasGeometry}> {geometry} .",
            f"{geometry} <{RDF.type}> <{GEO.Geometry}> .",
            f"{geometry} <{GEO.asWKT}> {wkt} .",
            f"{subject} <{TL.positionPrecision}> <{PREC.commune}> .",
        ]
    return lines
