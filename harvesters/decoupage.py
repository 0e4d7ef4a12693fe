"""Régions and départements from INSEE's COG, as packaged by @etalab/decoupage-administratif.

Writes the `geo` graph (not a source graph): the territories the registry's places belong to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from rdflib import Graph, Literal, URIRef

from registry.namespaces import IGEO, RDF, RDFS, TL

from .base import Harvester, SkipRecord, SourceRecord
from .fetch import FetchedFile


class DecoupageHarvester(Harvester):
    """One record per région and per département."""

    name = "decoupage"
    target = "geo"

    def records(self, files: list[FetchedFile]) -> Iterator[SourceRecord]:
        """Yield the entries of regions.json then departements.json."""
        for fetched in files:
            kind = fetched.name.removesuffix(".json")
            entries = json.loads(fetched.path.read_text(encoding="utf-8"))
            for number, entry in enumerate(entries, start=1):
                yield SourceRecord(key=f"{kind}/{entry.get('code')}", row=number, payload=entry)

    def map_record(self, record: SourceRecord, graph: Graph) -> URIRef | None:
        """Map a région or a département with its code, name and région."""
        entry = record.payload
        kind = record.key.split("/", 1)[0]
        code, name = entry.get("code"), entry.get("nom")
        if not code or not name:
            raise SkipRecord("code ou nom absent")
        if kind == "regions":
            subject = self.minter.region(code)
            graph.add((subject, RDF.type, IGEO.Region))
            graph.add((subject, IGEO.codeRegion, Literal(code)))
        else:
            subject = self.minter.departement(code)
            graph.add((subject, RDF.type, IGEO.Departement))
            graph.add((subject, IGEO.codeDepartement, Literal(code)))
            graph.add((subject, TL.region, self.minter.region(entry["region"])))
        graph.add((subject, RDFS.label, Literal(name, lang="fr")))
        graph.add((subject, IGEO.nom, Literal(name, lang="fr")))
        return subject
