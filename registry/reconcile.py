"""Build the registry graph: one canonical place per real place, with a permanent id.

The records of every source are grouped into places (registry.matching, with the curators'
decisions of curation/decisions.toml), each group keeps its permanent id (registry.identity),
and the place's facts are merged from its records by the merge policy below: the one place in
code where it is written (docs/decisions.md, "Merge policy").
"""

from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from . import queries
from .curation import Decisions
from .geography import Gazetteer
from .identity import Ledger, _literal, assign_ids
from .iris import Minter
from .locate import REPLACED, Located, locate_records, location_triples
from .matching import MATCH, UNSURE, Decision, MatchRecord, cluster, load_match_records, score_pairs
from .namespaces import DCTERMS, GEO, PROV, RDF, SCHEMA, TL
from .store import Store

log = logging.getLogger(__name__)

# Facts about the record itself, not about the place: they stay on the record.
RECORD_ONLY = {RDF.type, DCTERMS.source, TL.recordKey, PROV.wasGeneratedBy, PROV.generatedAtTime}

# Merge policy. A place has one name, one address, one position, one status, one set of hours…:
# each of these comes from the first record, in rank order, that gives it (the position as a
# whole). Every other property
# (typologies, labels, services, offers, operators, publics, citations…) unites the values of
# all its records.
SINGLE_VALUED = {
    SCHEMA.name, SCHEMA.description, SCHEMA.url, SCHEMA.telephone, SCHEMA.email,
    SCHEMA.address, SCHEMA.latitude, SCHEMA.longitude, GEO.hasGeometry, TL.positionPrecision,
    TL.status, TL.statusDate, SCHEMA.openingHours, TL.openingHoursText, TL.openingDate,
    TL.closingDate, TL.itinerant,
}  # fmt: skip
# The leading record of a place: from the source that ranks first here (curated facts, then the
# national label lists, then regional hubs, then national censuses), else the newest record.
SOURCE_RANK = (
    "lieux-documentes", "fabriques-de-territoire", "manufactures-de-proximite",
    "france-services", "conseillers-numeriques-2022", "cget-2019",
)  # fmt: skip


def _rank(record: MatchRecord) -> tuple[int, str]:
    dataset = record.dataset
    if dataset in SOURCE_RANK:
        return (SOURCE_RANK.index(dataset), record.iri)
    if dataset.startswith("mednum-") or dataset.startswith("raw-"):
        return (len(SOURCE_RANK), record.iri)
    return (len(SOURCE_RANK) + 1, record.iri)


@dataclass
class Reconciliation:
    """What the build decided, for the report and the tests."""

    groups: list[list[str]] = field(default_factory=list)  # record IRIs, leading record first
    ids: dict[int, str] = field(default_factory=dict)
    uncertain: list[tuple[MatchRecord, MatchRecord, Decision]] = field(default_factory=list)
    ledger: Ledger = field(default_factory=Ledger)

    def report_csv(self) -> str:
        """The uncertain pairs, for curators: one row each, the likeliest first."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["score", "fiche_a", "nom_a", "commune_a", "fiche_b", "nom_b",
                         "commune_b", "raisons"])  # fmt: skip
        for a, b, decision in self.uncertain:
            writer.writerow(
                [f"{decision.evidence.score:.3f}", f"{a.dataset}/{a.key}", a.name, a.commune,
                 f"{b.dataset}/{b.key}", b.name, b.commune, "; ".join(decision.evidence.reasons)]
            )  # fmt: skip
        return out.getvalue()


def previous_ids(store: Store, minter: Minter) -> dict[str, str]:
    """Each record's place id in the registry graph as last published."""
    found = {}
    for row in store.select(queries.load("place-records")):
        place_id = minter.local_id(str(row["place"]), "lieu")
        if place_id:
            found[str(row["record"])] = place_id
    return found


def reconcile(
    store: Store,
    minter: Minter,
    located: Located,
    decisions: Decisions,
    now: datetime | None = None,
) -> Reconciliation:
    """Group the records into places and give each its permanent id."""
    ledger = Ledger.load(store, minter)
    previous = {**ledger.remembered(), **previous_ids(store, minter)}
    # records of a place the curators withdrew stay out of the registry
    withdrawn = {r for r, i in previous.items() if ledger.final(i) in decisions.withdrawn}
    records = [r for r in load_match_records(store, minter, located) if r.iri not in withdrawn]
    position = {r.iri: i for i, r in enumerate(records)}

    def pairs(groups: list[tuple[list[str], str]]) -> list[tuple[int, int]]:
        found = []
        for iris, _ in groups:
            known = [position[i] for i in iris if i in position]
            found += [(a, b) for x, a in enumerate(known) for b in known[x + 1 :]]
        return found

    scored = score_pairs(records)
    groups = cluster(records, scored, pairs(decisions.same), pairs(decisions.different))
    ordered = [sorted(g, key=lambda i: _rank(records[i])) for g in groups]
    result = Reconciliation(groups=[[records[i].iri for i in g] for g in ordered])
    result.ledger = ledger
    result.ids = assign_ids(result.groups, previous, ledger, decisions.withdrawn, now)
    for number, group in enumerate(ordered):
        result.ledger.entries[result.ids[number]].label = records[group[0]].name
    together = {i: n for n, g in enumerate(groups) for i in g}
    result.uncertain = [
        (records[d.a], records[d.b], d)
        for d in scored
        if UNSURE <= d.evidence.score < MATCH and together[d.a] != together[d.b]
    ]
    return result


def build_registry(
    store: Store,
    minter: Minter,
    gazetteer: Gazetteer | None = None,
    decisions: Decisions | None = None,
    now: datetime | None = None,
) -> tuple[bytes, Reconciliation]:
    """The canonical places as N-Triples, and what reconciliation decided.

    Works on N-Triples text rather than rdflib graphs: the registry holds hundreds of thousands
    of triples, and PERF.md measured rdflib 10-60 times slower than Oxigraph at that size.
    """
    located = locate_records(store, gazetteer, minter) if gazetteer is not None else Located()
    result = reconcile(store, minter, located, decisions or Decisions(), now)
    records = store.construct_nt(queries.load("records-for-registry"))
    fragments = store.construct_nt(queries.load("record-fragments"))
    place_of: dict[str, str] = {}
    rank_of: dict[str, int] = {}  # record → its position in its place (0: the leading record)
    size: dict[str, int] = {}
    for number, group in enumerate(result.groups):
        place = str(minter.place(result.ids[number]))
        size[place] = len(group)
        for rank, record in enumerate(group):
            place_of[record], rank_of[record] = place, rank
    skipped = {f"<{p}>" for p in RECORD_ONLY}
    POSITION = {  # noqa: N806 (a constant of this build)
        f"<{p}>": "position"
        for p in (SCHEMA.latitude, SCHEMA.longitude, GEO.hasGeometry, TL.positionPrecision)
    }
    replaced = {f"<{p}>" for p in REPLACED}
    single = {f"<{p}>" for p in SINGLE_VALUED}

    def rewrite(term: str) -> str:
        """`<record>` or `<record#fragment>` moved onto its place; anything else unchanged.

        Fragments of a place's other records get the record's rank in their name, so that two
        records' addresses or offers never mix.
        """
        if not term.startswith("<"):
            return term
        base, _, fragment = term[1:-1].partition("#")
        place = place_of.get(base)
        if place is None:
            return term
        if not fragment:
            return f"<{place}>"
        rank = rank_of[base]
        return f"<{place}#{fragment}>" if rank == 0 else f"<{place}#{fragment}-{rank}>"

    # which record gives each single-valued property: the first, in rank order, that has it
    # (the four position properties come together, from the first record with a latitude)
    given: dict[str, set[str]] = defaultdict(set)
    for line in records.splitlines():
        if line:
            subject, predicate, _ = line.split(" ", 2)
            given[subject[1:-1]].add(POSITION.get(predicate, predicate))
    chosen: dict[tuple[str, str], str] = {}
    for group in result.groups:
        for record in group:
            for predicate in given[record]:
                chosen.setdefault((place_of[record], predicate), record)

    out = []
    for group in result.groups:
        place = place_of[group[0]]
        out.append(f"<{place}> <{RDF.type}> <{TL.TiersLieu}> .")
        out.append(f"<{place}> <{RDF.type}> <{SCHEMA.Place}> .")
        for record in group:
            out.append(f"<{place}> <{PROV.wasDerivedFrom}> <{record}> .")
        resolved = next((r for r in group if r in located.resolutions), group[0])
        positioned = any(r in located.positioned for r in group)
        out.extend(location_triples(place, resolved, located, minter, positioned))
        for records_, reason in (decisions or Decisions()).same:
            if set(records_) & set(group):
                out.append(f"<{place}> <{TL.curatorDecision}> {_literal(reason, 'fr')} .")
    kept_fragments: set[str] = set()
    provenance: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for line in records.splitlines():
        if not line:
            continue
        subject, predicate, rest = line.split(" ", 2)
        record = subject[1:-1]
        if predicate in skipped or record not in place_of:
            continue
        if predicate in replaced and record in located.resolutions:
            continue
        bundle = POSITION.get(predicate, predicate)
        if predicate in single and chosen.get((place_of[record], bundle)) != record:
            continue
        obj = rewrite(rest[:-2])
        out.append(f"{rewrite(subject)} {predicate} {obj} .")
        if obj.startswith("<") and "#" in obj:
            kept_fragments.add(obj)
        if size[place_of[record]] > 1:
            provenance[place_of[record]].append((f"{predicate} {obj}", record))
    for line in fragments.splitlines():
        if not line:
            continue
        subject, predicate, rest = line.split(" ", 2)
        node = rewrite(subject)
        if node in kept_fragments:
            out.append(f"{node} {predicate} {rewrite(rest[:-2])} .")
    out.extend(_value_sources(provenance))
    places = len(result.groups)
    log.info("registry: %d places from %d records", places, len(place_of))
    return ("\n".join(out) + "\n").encode("utf-8"), result


def _value_sources(provenance: dict[str, list[tuple[str, str]]]) -> list[str]:
    """For a place merged from several records, which record each of its values came from.

    Standard RDF reification (`rdf:Statement`), so any SPARQL client can read it.
    """
    lines = []
    for place, values in provenance.items():
        for number, (statement, record) in enumerate(values, start=1):
            predicate, obj = statement.split(" ", 1)
            node = f"<{place}#valeur-{number}>"
            lines += [
                f"{node} <{RDF.type}> <{RDF.Statement}> .",
                f"{node} <{RDF.subject}> <{place}> .",
                f"{node} <{RDF.predicate}> {predicate} .",
                f"{node} <{RDF.object}> {obj} .",
                f"{node} <{PROV.wasDerivedFrom}> <{record}> .",
            ]
    return lines
