"""The reference geography: INSEE's COG (@etalab/decoupage-administratif) and commune centroids.

Not a listing of places: it fills the `geo` graph with régions, départements, EPCI, communes
and municipal arrondissements (codes, names, populations, postcodes, centroids, old codes), which
the registry resolves places against (registry.geography). About 35,000 communes make half a
million triples, so the graph is written as N-Triples by Oxigraph's bulk loader rather than
record by record through SHACL: reference data from INSEE need no per-record checks, only the
sanity checks of `read_geography` (a truncated or empty file quarantines the source).

Centroids are the La Poste "base officielle des codes postaux" coordinates, averaged per INSEE
code; a commune without its own row there (Paris, Lyon, Marseille; a commune nouvelle created
after the file) gets the mean of its arrondissements or of the communes merged into it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from rdflib import Graph, URIRef

from registry.errors import SourceQuarantined, SourceUnavailable
from registry.geography import Commune, Gazetteer, Territory
from registry.geography_rdf import gazetteer_ntriples, load_gazetteer
from registry.iris import Minter
from registry.settings import Settings
from registry.store import Store

from .base import HarvestReport, _describe_source, _harvest_activity, _write_report
from .config import SourceConfig
from .fetch import FetchedFile, fetch_source
from .parsing import decode, read_bytes

log = logging.getLogger(__name__)

COG_FILES = ("regions.json", "departements.json", "communes.json", "epci.json")
CENTROIDS_FILE = "laposte_hexasmal.csv"
# Fewer communes than this is no geography at all; a harvest that loses more than a third of
# the communes already in the store is quarantined too (harvest_geography), as for any source.
MIN_COMMUNES = 1


def read_geography(files: dict[str, bytes], min_communes: int = MIN_COMMUNES) -> Gazetteer:
    """Build the gazetteer from the COG files and the La Poste file (bytes by file name).

    A file that is not what the package publishes quarantines the source.
    """
    try:
        return _read_geography(files, min_communes)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise SourceQuarantined(f"fichier de géographie illisible ({error!r}).") from error


def _read_geography(files: dict[str, bytes], min_communes: int) -> Gazetteer:
    missing = [name for name in (*COG_FILES, CENTROIDS_FILE) if name not in files]
    if missing:
        raise SourceQuarantined(f"fichiers absents : {', '.join(missing)}.")
    try:
        regions = _json_list(files, "regions.json")
        departements = _json_list(files, "departements.json")
        entries = _json_list(files, "communes.json")
        epcis = _json_list(files, "epci.json")
        centroids = _centroids(decode(files[CENTROIDS_FILE]))
    except (KeyError, TypeError, ValueError) as error:
        raise SourceQuarantined(f"fichier de géographie illisible ({error}).") from error
    territories: dict[tuple[str, str], Territory] = {}
    for entry in regions:
        territories["region", entry["code"]] = Territory("region", entry["code"], entry["nom"])
    for entry in departements:
        territories["departement", entry["code"]] = Territory(
            "departement", entry["code"], entry["nom"], parent=entry["region"]
        )
    epci_of: dict[str, str] = {}
    for entry in epcis:
        territories["epci", entry["code"]] = Territory(
            "epci", entry["code"], entry["nom"], category=entry.get("type", "")
        )
        for member in entry.get("membres", []):
            epci_of[member["code"]] = entry["code"]
    communes, aliases, other_names = _communes(entries, centroids, epci_of)
    if len(communes) < min_communes:
        raise SourceQuarantined(
            f"seulement {len(communes)} communes lues (au moins {min_communes} attendues)."
        )
    for code, names in other_names.items():
        if code in communes:
            commune = communes[code]
            communes[code] = replace(commune, other_names=tuple(sorted(names - {commune.name})))
    return Gazetteer(communes, territories, aliases)


def _json_list(files: dict[str, bytes], name: str) -> list[dict[str, Any]]:
    data = json.loads(decode(files[name]))
    if not isinstance(data, list):
        raise ValueError(f"{name} n'est pas une liste JSON")
    return data


def _centroids(text: str) -> dict[str, tuple[float, float]]:
    """Mean latitude and longitude per INSEE code of the La Poste file."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        try:
            lat, lon = float(row["latitude"]), float(row["longitude"])
        except (TypeError, ValueError):
            continue  # a few rows (overseas collectivities) have no coordinates
        total = sums[row["Code_commune_INSEE"]]
        total[0] += lat
        total[1] += lon
        total[2] += 1
    return {code: (lat / n, lon / n) for code, (lat, lon, n) in sums.items()}


def _communes(
    entries: list[dict[str, Any]],
    centroids: dict[str, tuple[float, float]],
    epci_of: dict[str, str],
) -> tuple[dict[str, Commune], dict[str, str], dict[str, set[str]]]:
    """Current communes and arrondissements; old and delegated codes; delegated names."""
    kept = [e for e in entries if e["type"] in ("commune-actuelle", "arrondissement-municipal")]
    parts: dict[str, list[str]] = defaultdict(list)  # commune → codes whose centroids make it
    aliases: dict[str, str] = {}
    other_names: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        if entry["type"] in ("commune-deleguee", "commune-associee") and entry.get("chefLieu"):
            parts[entry["chefLieu"]].append(entry["code"])
            other_names[entry["chefLieu"]].add(entry["nom"])
            if entry["code"] != entry["chefLieu"]:
                aliases.setdefault(entry["code"], entry["chefLieu"])
        elif entry["type"] == "arrondissement-municipal":
            parts[entry["commune"]].append(entry["code"])
    communes = {}
    for entry in kept:
        code = entry["code"]
        point = centroids.get(code)
        if point is None:
            known = [
                centroids[c] for c in parts[code] + entry.get("anciensCodes", []) if c in centroids
            ]
            if known:
                point = (
                    sum(p[0] for p in known) / len(known),
                    sum(p[1] for p in known) / len(known),
                )
        parent = entry.get("commune", "") if entry["type"] == "arrondissement-municipal" else ""
        communes[code] = Commune(
            code=code,
            name=entry["nom"],
            departement=entry["departement"],
            region=entry["region"],
            population=int(entry.get("population") or 0),
            postcodes=tuple(entry.get("codesPostaux", ())),
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
            epci=epci_of.get(code) or epci_of.get(parent, ""),
            parent=parent,
            former_codes=tuple(c for c in entry.get("anciensCodes", ()) if c != code),
        )
    return communes, aliases, other_names


def harvest_geography(
    source: SourceConfig, store: Store, settings: Settings, min_communes: int = MIN_COMMUNES
) -> HarvestReport:
    """Fetch, read and load the geography into the `geo` graph; a PROV harvest in the catalogue.

    A file that cannot be read quarantines the source: the `geo` graph is left as it was.
    """
    clock = time.perf_counter()
    now = datetime.now(UTC)
    minter = Minter(settings.base_uri)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    activity = minter.harvest(source.id, stamp)
    report = HarvestReport(
        source.id, started=now.replace(microsecond=0).isoformat(), harvest_iri=str(activity)
    )
    fetched: list[FetchedFile] = []
    try:
        fetched = fetch_source(source, settings)
        gazetteer = read_geography({f.name: read_bytes(f.path) for f in fetched}, min_communes)
        before = len(load_gazetteer(store, minter).communes)
        if before and len(gazetteer.communes) < before * 2 / 3:
            raise SourceQuarantined(
                f"la géographie a perdu plus d'un tiers de ses communes "
                f"({before} → {len(gazetteer.communes)})."
            )
    except (SourceUnavailable, SourceQuarantined) as error:
        report.quarantined = str(error)
        _record(report, source, store, settings, minter, activity, clock, [])
        raise SourceQuarantined(str(error), report) from error
    data = gazetteer_ntriples(gazetteer, minter)
    report.read = len(gazetteer.communes) + len(gazetteer.territories)
    report.loaded = report.read
    with store.recoverable():  # killed while loading: the store is put back as it was
        store.rebuild_graphs({minter.graph("geo"): data})
        _record(report, source, store, settings, minter, activity, clock, fetched)
    log.info(
        "%s: %d communes, %d territories", source.id, len(gazetteer), len(gazetteer.territories)
    )
    return report


def _record(
    report: HarvestReport,
    source: SourceConfig,
    store: Store,
    settings: Settings,
    minter: Minter,
    activity: URIRef,
    clock: float,
    fetched: list[FetchedFile],
) -> None:
    """The harvest's PROV and the source's description in the catalogue; the JSON report."""
    report.files = [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in fetched]
    report.ended = datetime.now(UTC).replace(microsecond=0).isoformat()
    catalog = _harvest_activity(report, activity, minter, fetched)
    described = Graph()
    _describe_source(described, source, minter)
    store.replace_graphs({}, add={minter.graph("catalog"): catalog + described})
    report.seconds = time.perf_counter() - clock
    _write_report(report, settings, activity.rsplit("/", 1)[-1])
