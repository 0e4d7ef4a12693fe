"""The gazetteer as RDF in the `geo` graph, and back from the store.

Written as N-Triples text with Oxigraph's term serialisation (escaping done in Rust): the graph
holds about half a million triples, which rdflib would take tens of seconds to build.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pyoxigraph as ox

from . import queries
from .geography import Commune, Gazetteer, Territory
from .iris import Minter
from .namespaces import GEO, IGEO, RDF, RDFS, SCHEMA, SKOS, TL, XSD
from .store import Store


def _iri(value: str) -> str:
    return f"<{value}>"


def _text(value: str, lang: str = "") -> str:
    return str(ox.Literal(value, language=lang)) if lang else str(ox.Literal(value))


def _typed(value: object, datatype: str) -> str:
    return str(ox.Literal(str(value), datatype=ox.NamedNode(datatype)))


def _decimal(value: float, digits: int = 6) -> str:
    return _typed(f"{value:.{digits}f}", str(XSD.decimal))


def _integer(value: int) -> str:
    return _typed(value, str(XSD.integer))


def gazetteer_ntriples(gazetteer: Gazetteer, minter: Minter) -> bytes:
    """Régions, départements, EPCI, communes and arrondissements as N-Triples."""
    lines: list[str] = []

    def add(subject: str, predicate: object, obj: str) -> None:
        lines.append(f"{subject} <{predicate}> {obj} .")

    territory_iri = {
        "region": minter.region,
        "departement": minter.departement,
        "epci": minter.epci,
    }
    population: dict[tuple[str, str], int] = defaultdict(int)
    for commune in gazetteer.communes.values():
        if commune.is_arrondissement:
            continue
        population["departement", commune.departement] += commune.population
        population["region", commune.region] += commune.population
        if commune.epci:
            population["epci", commune.epci] += commune.population
    for (kind, code), territory in sorted(gazetteer.territories.items()):
        subject = _iri(str(territory_iri[kind](code)))
        _territory(add, subject, territory, minter)
        if population[kind, code]:
            add(subject, TL.population, _integer(population[kind, code]))
    for commune in sorted(gazetteer.communes.values(), key=lambda c: c.code):
        _commune(add, commune, minter)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _territory(add, subject: str, territory: Territory, minter: Minter) -> None:  # type: ignore[no-untyped-def]
    name = _text(territory.name, "fr")
    add(subject, RDFS.label, name)
    add(subject, IGEO.nom, name)
    if territory.kind == "region":
        add(subject, RDF.type, _iri(str(IGEO.Region)))
        add(subject, IGEO.codeRegion, _text(territory.code))
    elif territory.kind == "departement":
        add(subject, RDF.type, _iri(str(IGEO.Departement)))
        add(subject, IGEO.codeDepartement, _text(territory.code))
        add(subject, TL.region, _iri(str(minter.region(territory.parent))))
    else:
        add(subject, RDF.type, _iri(str(TL.Epci)))
        add(subject, TL.siren, _text(territory.code))
        if territory.category:
            add(subject, TL.epciCategory, _text(territory.category))


def _commune(add, commune: Commune, minter: Minter) -> None:  # type: ignore[no-untyped-def]
    subject = _iri(str(minter.commune(commune.code)))
    kind = IGEO.ArrondissementMunicipal if commune.is_arrondissement else IGEO.Commune
    add(subject, RDF.type, _iri(str(kind)))
    add(subject, IGEO.codeCommune, _text(commune.code))
    name = _text(commune.name, "fr")
    add(subject, RDFS.label, name)
    add(subject, IGEO.nom, name)
    for other in commune.other_names:
        add(subject, SKOS.altLabel, _text(other, "fr"))
    add(subject, TL.departement, _iri(str(minter.departement(commune.departement))))
    add(subject, TL.region, _iri(str(minter.region(commune.region))))
    if commune.parent:
        add(subject, IGEO.subdivisionDirecteDe, _iri(str(minter.commune(commune.parent))))
    else:
        add(subject, IGEO.subdivisionDirecteDe, _iri(str(minter.departement(commune.departement))))
    if commune.epci:
        add(subject, TL.epci, _iri(str(minter.epci(commune.epci))))
    add(subject, TL.population, _integer(commune.population))
    for postcode in commune.postcodes:
        add(subject, SCHEMA.postalCode, _text(postcode))
    for old in commune.former_codes:
        add(subject, TL.formerCode, _text(old))
    if commune.latitude is not None and commune.longitude is not None:
        latitude, longitude = _decimal(commune.latitude), _decimal(commune.longitude)
        add(subject, SCHEMA.latitude, latitude)
        add(subject, SCHEMA.longitude, longitude)
        geometry = _iri(str(minter.commune(commune.code)) + "#centre")
        add(subject, GEO.hasGeometry, geometry)
        add(geometry, RDF.type, _iri(str(GEO.Geometry)))
        wkt = f"POINT({commune.longitude:.6f} {commune.latitude:.6f})"
        add(geometry, GEO.asWKT, _typed(wkt, str(GEO.wktLiteral)))


def load_gazetteer(store: Store, minter: Minter) -> Gazetteer:
    """The gazetteer the `geo` graph of `store` holds (empty when no geography was harvested)."""

    def code_of(row: Mapping[str, object], key: str, kind: str) -> str:
        return minter.local_id(str(row[key]), kind) or "" if key in row else ""

    def number(row: Mapping[str, object], key: str) -> float | None:
        return float(str(row[key])) if key in row else None

    geo = minter.graph("geo")
    communes = {}
    for row in store.select(queries.load("geo-communes"), default_graphs=[geo]):
        code = str(row["code"])
        communes[code] = Commune(
            code=code,
            name=str(row["name"]),
            departement=code_of(row, "departement", "departement"),
            region=code_of(row, "region", "region"),
            population=int(str(row["population"])),
            postcodes=tuple(sorted(str(row.get("postcodes", "")).split())),
            latitude=number(row, "latitude"),
            longitude=number(row, "longitude"),
            epci=code_of(row, "epci", "epci"),
            parent=code_of(row, "parent", "commune"),
            former_codes=tuple(sorted(str(row.get("formers", "")).split())),
            other_names=tuple(sorted(n for n in str(row.get("others", "")).split("|") if n)),
        )
    territories = {}
    for row in store.select(queries.load("geo-territories"), default_graphs=[geo]):
        kind, code = str(row["kind"]), str(row["code"])
        territories[kind, code] = Territory(
            kind,
            code,
            str(row["name"]),
            parent=code_of(row, "parent", "region"),
            category=str(row.get("category", "")),
        )
    return Gazetteer(communes, territories)
