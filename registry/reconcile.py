"""Build the registry graph: one canonical place per source record, with a permanent id.

Until cross-source reconciliation exists, each record makes one place (DESIGN §4). A record keeps
the place id it already has in the store; a new record gets a new id (registry.iris.place_id_for).
"""

from __future__ import annotations

import logging

from rdflib import Graph, URIRef
from rdflib.term import Node

from . import queries
from .iris import Minter, place_id_for
from .namespaces import DCTERMS, PROV, RDF, SCHEMA, TL, bind_prefixes
from .store import Store

log = logging.getLogger(__name__)

# Facts about the record itself, not about the place: they stay on the record.
RECORD_ONLY = {RDF.type, DCTERMS.source, TL.recordKey, PROV.wasGeneratedBy, PROV.generatedAtTime}


def assign_place_ids(store: Store, minter: Minter, records: list[str]) -> dict[str, str]:
    """Map each record IRI to its place id: the one it has, else a newly minted one."""
    known = {
        str(row["record"]): minter.local_id(str(row["place"]), "lieu")
        for row in store.select(queries.load("place-records"))
    }
    ids = {record: place for record, place in known.items() if place}
    taken = set(ids.values())
    for record in sorted(records):
        if record not in ids:
            ids[record] = place_id_for(record, taken)
            taken.add(ids[record])
    return ids


def build_registry(store: Store, minter: Minter) -> Graph:
    """The canonical places, each with its record's facts and `prov:wasDerivedFrom` it."""
    records = store.construct(queries.load("records-for-registry"))
    fragments = store.construct(queries.load("record-fragments"))
    subjects = sorted({str(s) for s in records.subjects(RDF.type, TL.SourceRecord)})
    ids = assign_place_ids(store, minter, subjects)
    place_of = {record: str(minter.place(ids[record])) for record in subjects}

    def rewrite(node: Node) -> Node:
        """A record IRI or one of its `#fragment` IRIs, moved onto its place."""
        if not isinstance(node, URIRef):
            return node
        base, _, fragment = str(node).partition("#")
        if base in place_of:
            return URIRef(place_of[base] + ("#" + fragment if fragment else ""))
        return node

    registry = bind_prefixes(Graph())
    for record, place in place_of.items():
        registry.add((URIRef(place), RDF.type, TL.TiersLieu))
        registry.add((URIRef(place), RDF.type, SCHEMA.Place))
        registry.add((URIRef(place), PROV.wasDerivedFrom, URIRef(record)))
    for s, p, o in records:
        if p not in RECORD_ONLY:
            registry.add((rewrite(s), p, rewrite(o)))
    for s, p, o in fragments:
        registry.add((rewrite(s), p, rewrite(o)))
    log.info("registry: %d places from %d records", len(place_of), len(subjects))
    return registry
