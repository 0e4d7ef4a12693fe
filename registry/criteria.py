"""Assess the six characterisation criteria of every place with the SHACL criteria shapes.

The shapes (shapes/criteria.shapes.ttl) report evidence, not errors: each result says that a fact
of a place supports "rempli" or "non rempli" for one criterion. This module runs them once over
the places that have such facts, with the thresholds of a profile, and writes one assessment per
place and criterion into the quality graph; a criterion without evidence is "inconnu".
"""

from __future__ import annotations

import logging
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
from .namespaces import CRITERE, PROV, RDF, RDFS, RESULTAT, TL, XSD, bind_prefixes
from .paths import SHAPES
from .store import Store
from .validate import load_shapes, validate
from .vocabulary import vocabulary_graph

log = logging.getLogger(__name__)

CRITERIA = ("ouverture", "flexibilite", "accessibilite", "accueil", "numerique", "gouvernance")
DEFAULT_PROFILE = SHAPES / "profiles" / "defaut.ttl"


@dataclass(frozen=True)
class Evidence:
    """One fact behind an outcome."""

    outcome: URIRef
    path: str
    value: Node | None
    message: str


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


def collect_evidence(data: Graph, profile: Graph) -> dict[str, dict[str, list[Evidence]]]:
    """Run the criteria shapes; return place IRI -> criterion slug -> evidence."""
    report = validate(data + profile + vocabulary_graph(), load_shapes("criteria"))
    outcomes = shape_outcomes()
    evidence: dict[str, dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
    for finding in report.findings:
        if finding.shape not in outcomes:
            raise RuntimeError(f"criteria shape without tl:outcome: {finding.shape}")
        criterion, outcome = outcomes[finding.shape]
        evidence[finding.focus][criterion].append(
            Evidence(outcome, finding.path, finding.value, finding.message)
        )
    return evidence


def decide(criterion: str, found: list[Evidence]) -> tuple[URIRef, list[Evidence]]:
    """The outcome of one criterion and the evidence it rests on."""
    kinds = {e.outcome for e in found}
    if not kinds:
        return RESULTAT.inconnu, []
    outcome = next(iter(kinds)) if len(kinds) == 1 else prevailing()[criterion]
    return outcome, [e for e in found if e.outcome == outcome]


def assess(store: Store, minter: Minter, profile_path: str | Path = "") -> tuple[Graph, AssessmentReport]:
    """Assess every place; return the quality graph and the counts."""
    clock = time.perf_counter()
    profile = load_profile(profile_path)
    profile_iri = next(profile.subjects(RDF.type, TL.CriteriaProfile))
    evidence = collect_evidence(store.construct(queries.load("criteria-input")), profile)
    records: dict[str, list[str]] = defaultdict(list)
    for row in store.select(queries.load("place-sources")):
        records[str(row["place"])].append(str(row["record"]))
    citations = _citations(store, records)
    now = Literal(datetime.now(UTC).replace(microsecond=0).isoformat(), datatype=XSD.dateTime)

    graph = bind_prefixes(Graph())
    report = AssessmentReport(places=len(records))
    for place in sorted(records):
        place_iri = URIRef(place)
        report.assessed_with_evidence += place in evidence
        for criterion in CRITERIA:
            outcome, used = decide(criterion, evidence.get(place, {}).get(criterion, []))
            report.counts[(criterion, str(outcome).removeprefix(str(RESULTAT)))] += 1
            node = URIRef(f"{place}#critere-{criterion}")
            graph.add((place_iri, TL.assessment, node))
            graph.add((node, RDF.type, TL.CriterionAssessment))
            graph.add((node, TL.criterion, CRITERE[criterion]))
            graph.add((node, TL.outcome, outcome))
            graph.add((node, TL.profile, profile_iri))
            graph.add((node, PROV.generatedAtTime, now))
            for number, item in enumerate(used, start=1):
                proof = URIRef(f"{node}-preuve-{number}")
                graph.add((node, TL.evidence, proof))
                graph.add((proof, RDF.type, TL.Evidence))
                graph.add((proof, RDFS.comment, Literal(item.message, lang="fr")))
                graph.add((proof, TL.evidenceProperty, URIRef(item.path)))
                if item.value is not None:
                    graph.add((proof, RDF.value, item.value))
                for record in records[place]:
                    graph.add((proof, PROV.wasDerivedFrom, URIRef(record)))
                for citation in citations.get((place, item.path, str(item.value)), []):
                    graph.add((proof, TL.citation, citation))
    report.seconds = time.perf_counter() - clock
    log.info("criteria: %d places assessed in %.1f s", report.places, report.seconds)
    return graph, report


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
