"""Build the registry graph: one canonical place per source record, with a permanent id.

Until cross-source reconciliation exists, each record makes one place (DESIGN §4). A record keeps
the place id it already has in the store; a new record gets a new id (registry.iris.place_id_for).
"""

from __future__ import annotations

import logging

from . import queries
from .geography import Gazetteer
from .iris import Minter, place_id_for
from .locate import REPLACED, Located, locate_records, location_triples
from .namespaces import DCTERMS, PROV, RDF, SCHEMA, TL
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


def build_registry(store: Store, minter: Minter, gazetteer: Gazetteer | None = None) -> bytes:
    """The canonical places as N-Triples: each with its record's facts, `prov:wasDerivedFrom` it.

    With a gazetteer, each place is also placed in its commune (registry.locate).

    Works on N-Triples text rather than rdflib graphs: the registry holds hundreds of thousands
    of triples, and PERF.md measured rdflib 10-60 times slower than Oxigraph at that size.
    """
    records = store.construct_nt(queries.load("records-for-registry"))
    fragments = store.construct_nt(queries.load("record-fragments"))
    record_type = f" <{RDF.type}> <{TL.SourceRecord}> ."
    subjects = sorted(
        line.split(" ", 1)[0][1:-1] for line in records.splitlines() if line.endswith(record_type)
    )
    ids = assign_place_ids(store, minter, subjects)
    place_of = {record: str(minter.place(ids[record])) for record in subjects}
    skipped = {f"<{p}>" for p in RECORD_ONLY}
    located = locate_records(store, gazetteer, minter) if gazetteer is not None else Located()
    replaced = {f"<{p}>" for p in REPLACED}

    def rewrite(term: str) -> str:
        """`<record>` or `<record#fragment>` moved onto its place; anything else unchanged."""
        if not term.startswith("<"):
            return term
        base, _, fragment = term[1:-1].partition("#")
        place = place_of.get(base)
        if place is None:
            return term
        return f"<{place}#{fragment}>" if fragment else f"<{place}>"

    out = []
    for record, place in place_of.items():
        out.append(f"<{place}> <{RDF.type}> <{TL.TiersLieu}> .")
        out.append(f"<{place}> <{RDF.type}> <{SCHEMA.Place}> .")
        out.append(f"<{place}> <{PROV.wasDerivedFrom}> <{record}> .")
        out.extend(location_triples(place, record, located, minter))
    for text, drop_record_only in ((records, True), (fragments, False)):
        for line in text.splitlines():
            if not line:
                continue
            subject, predicate, rest = line.split(" ", 2)
            if drop_record_only and predicate in skipped:
                continue
            if predicate in replaced and subject[1:-1] in located.resolutions:
                continue
            obj = rest[:-2]  # "<o> ." or '"literal"^^<dt> .'
            out.append(f"{rewrite(subject)} {predicate} {rewrite(obj)} .")
    log.info("registry: %d places from %d records", len(place_of), len(subjects))
    return ("\n".join(out) + "\n").encode("utf-8")
