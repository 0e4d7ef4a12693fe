"""Assess the six characterisation criteria of every place with the SHACL criteria shapes.

The shapes (shapes/criteria.shapes.ttl) report evidence, not errors: each result says that a fact
of a place supports "rempli" or "non rempli" for one criterion. This module runs them once over
the places that have such facts, with the thresholds of a profile, and writes one assessment per
place and criterion into the quality graph; a criterion without evidence is "inconnu".
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from . import queries
from .iris import Minter
from .namespaces import CRITERE, PROV, RDF, RDFS, RESULTAT, SH, TL, XSD
from .paths import SHAPES
from .store import Row, Store
from .validate import load_shapes

log = logging.getLogger(__name__)

_TEMPLATE = re.compile(r"\{[?$](\w+)\}")  # {?var} in sh:message
CRITERIA = ("ouverture", "flexibilite", "accessibilite", "accueil", "numerique", "gouvernance")
DEFAULT_PROFILE = SHAPES / "profiles" / "defaut.ttl"


@dataclass(frozen=True)
class Evidence:
    """One fact behind an outcome."""

    outcome: URIRef
    path: str
    value: Node | None
    message: str


EvidenceMap = dict[str, dict[str, list[Evidence]]]  # place IRI -> criterion slug -> evidence


@dataclass
class AssessmentReport:
    """What one assessment run produced."""

    places: int = 0
    assessed_with_evidence: int = 0
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (criterion, outcome)
    seconds: float = 0.0

    def table(self) -> str:
        """Places per criterion and outcome, as aligned text."""
        outcomes = ("rempli", "non-rempli", "inconnu")
        lines = [f"{'critère':<15}" + "".join(f"{o:>12}" for o in outcomes)]
        for criterion in CRITERIA:
            row = "".join(f"{self.counts[(criterion, o)]:>12}" for o in outcomes)
            lines.append(f"{criterion:<15}{row}")
        return "\n".join(lines)

    def summary(self) -> str:
        """One line for the CLI."""
        return (
            f"critères : {self.places} lieux évalués ({self.assessed_with_evidence} avec des "
            f"éléments), {self.seconds:.1f} s"
        )


def load_profile(path: str | Path = "") -> Graph:
    """The thresholds profile (default: shapes/profiles/defaut.ttl)."""
    return _load_profile(str(path or DEFAULT_PROFILE))


@cache
def _load_profile(path: str) -> Graph:
    graph = Graph().parse(path, format="turtle")
    if len(set(graph.subjects(RDF.type, TL.CriteriaProfile))) != 1:
        raise ValueError(f"{path} must describe exactly one tl:CriteriaProfile")
    return graph


@cache
def shape_outcomes() -> dict[str, tuple[str, URIRef]]:
    """Criteria shape IRI -> (criterion slug, outcome) from the shapes' annotations."""
    shapes = load_shapes("criteria")
    found = {}
    for shape, outcome in shapes.subject_objects(TL.outcome):
        criterion = shapes.value(shape, TL.criterion)
        found[str(shape)] = (str(criterion).removeprefix(str(CRITERE)), URIRef(str(outcome)))
    return found


@cache
def prevailing() -> dict[str, URIRef]:
    """Criterion slug -> the outcome kept when both kinds of evidence exist."""
    shapes = load_shapes("criteria")
    return {
        str(criterion).removeprefix(str(CRITERE)): URIRef(str(shapes.value(shape, TL.prevails)))
        for shape, criterion in shapes.subject_objects(TL.criterion)
        if shapes.value(shape, TL.prevails) is not None
    }


@dataclass(frozen=True)
class Constraint:
    """One SPARQL constraint of the criteria shapes."""

    shape: str
    criterion: str
    outcome: URIRef
    select: str
    message: str
    prefixes: tuple[tuple[str, str], ...]


@cache
def constraints() -> list[Constraint]:
    """The SPARQL constraints of shapes/criteria.shapes.ttl with their prefixes (sh:declare)."""
    shapes = load_shapes("criteria")
    prefixes = tuple(
        sorted(
            (str(shapes.value(d, SH.prefix)), str(shapes.value(d, SH.namespace)))
            for d in shapes.objects(None, SH.declare)
        )
    )
    outcomes = shape_outcomes()
    found = []
    for shape, constraint in shapes.subject_objects(SH.sparql):
        criterion, outcome = outcomes[str(shape)]
        found.append(
            Constraint(
                shape=str(shape),
                criterion=criterion,
                outcome=outcome,
                select=str(shapes.value(constraint, SH.select)),
                message=str(shapes.value(constraint, SH.message)),
                prefixes=prefixes,
            )
        )
    return sorted(found, key=lambda c: c.shape)


def evidence_from_store(store: Store, graphs: list[URIRef]) -> EvidenceMap:
    """Run each criteria constraint once over all places (set at a time, in the store).

    Equivalent to validating every place with pySHACL (tests/test_criteria.py checks it on the
    fixtures), but one query per constraint instead of one per constraint and place. `graphs`
    must hold the places, the vocabularies and the profile, and no source record.
    """
    evidence: EvidenceMap = defaultdict(lambda: defaultdict(list))
    for constraint in constraints():
        rows = store.select(
            constraint.select, default_graphs=graphs, prefixes=dict(constraint.prefixes)
        )
        for row in rows:
            message = fill_message(constraint.message, row)
            evidence[str(row["this"])][constraint.criterion].append(
                Evidence(constraint.outcome, str(row.get("path", "")), row.get("value"), message)
            )
    return evidence


def fill_message(template: str, row: Row) -> str:
    """Replace each {?var} of a SHACL message with the row's value, as SHACL-SPARQL does."""
    return _TEMPLATE.sub(lambda match: str(row.get(match.group(1), "")), template)


def decide(criterion: str, found: list[Evidence]) -> tuple[URIRef, list[Evidence]]:
    """The outcome of one criterion and the evidence it rests on."""
    kinds = {e.outcome for e in found}
    if not kinds:
        return RESULTAT.inconnu, []
    outcome = next(iter(kinds)) if len(kinds) == 1 else prevailing()[criterion]
    return outcome, [e for e in found if e.outcome == outcome]


def assess(
    store: Store, minter: Minter, profile_path: str | Path = ""
) -> tuple[bytes, AssessmentReport]:
    """Assess every place of the registry graph; return the quality graph (N-Triples), counts.

    The quality graph holds the profile it used and one tl:CriterionAssessment per place and
    criterion. The constraints read the profile from its own graph, `graph/profile`.
    """
    clock = time.perf_counter()
    profile = load_profile(profile_path)
    profile_iri = next(profile.subjects(RDF.type, TL.CriteriaProfile))
    profile_graph = minter.graph("profile")  # small: rewritten at each assessment
    store.rebuild_graphs({profile_graph: profile})
    graphs = [minter.graph("registry"), minter.graph("vocabulary"), profile_graph]
    evidence = evidence_from_store(store, graphs)
    records: dict[str, list[str]] = defaultdict(list)
    for row in store.select(queries.load("place-sources")):
        records[str(row["place"])].append(str(row["record"]))
    citations = _citations(store, records)
    now = Literal(datetime.now(UTC).replace(microsecond=0).isoformat(), datatype=XSD.dateTime)

    # Most assessments are "inconnu" without evidence: they are written as N-Triples text (the
    # quality graph has six per place); the few pieces of evidence go through rdflib.
    lines: list[str] = []
    proofs = profile + Graph()
    report = AssessmentReport(places=len(records))
    fixed = (
        f"<{RDF.type}> <{TL.CriterionAssessment}>",
        f"<{TL.profile}> <{profile_iri}>",
        f"<{PROV.generatedAtTime}> {now.n3()}",
    )
    for place in sorted(records):
        report.assessed_with_evidence += place in evidence
        for criterion in CRITERIA:
            outcome, used = decide(criterion, evidence.get(place, {}).get(criterion, []))
            report.counts[(criterion, str(outcome).removeprefix(str(RESULTAT)))] += 1
            node = f"{place}#critere-{criterion}"
            lines.append(f"<{place}> <{TL.assessment}> <{node}> .")
            lines.extend(f"<{node}> {pair} ." for pair in fixed)
            lines.append(f"<{node}> <{TL.criterion}> <{CRITERE[criterion]}> .")
            lines.append(f"<{node}> <{TL.outcome}> <{outcome}> .")
            for number, item in enumerate(used, start=1):
                _add_proof(proofs, URIRef(node), number, item, records[place],
                           citations.get((place, item.path, str(item.value)), []))  # fmt: skip
    report.seconds = time.perf_counter() - clock
    log.info("criteria: %d places assessed in %.1f s", report.places, report.seconds)
    text = "\n".join(lines) + "\n" + proofs.serialize(format="nt")
    return text.encode("utf-8"), report


def _add_proof(
    graph: Graph,
    node: URIRef,
    number: int,
    item: Evidence,
    records: list[str],
    citations: list[URIRef],
) -> None:
    """One tl:Evidence of an assessment: the fact, why it counts, its records and citations."""
    proof = URIRef(f"{node}-preuve-{number}")
    graph.add((node, TL.evidence, proof))
    graph.add((proof, RDF.type, TL.Evidence))
    graph.add((proof, RDFS.comment, Literal(item.message, lang="fr")))
    graph.add((proof, TL.evidenceProperty, URIRef(item.path)))
    if item.value is not None:
        graph.add((proof, RDF.value, item.value))
    for record in records:
        graph.add((proof, PROV.wasDerivedFrom, URIRef(record)))
    for citation in citations:
        graph.add((proof, TL.citation, citation))


def _citations(
    store: Store, records: dict[str, list[str]]
) -> dict[tuple[str, str, str], list[URIRef]]:
    """(place, predicate, object as on the place) -> citations of that fact in its records."""
    place_of = {record: place for place, rs in records.items() for record in rs}
    found: dict[tuple[str, str, str], list[URIRef]] = defaultdict(list)
    for row in store.select(queries.load("citations")):
        record = str(row["record"])
        if record not in place_of:
            continue
        place = place_of[record]
        value = str(row["object"])
        if value.startswith(record + "#"):  # a record's fragment node is its place's fragment
            value = place + value[len(record) :]
        found[(place, str(row["predicate"]), value)].append(URIRef(str(row["citation"])))
    return found
