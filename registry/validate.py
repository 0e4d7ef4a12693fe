"""SHACL validation of record graphs with pyshacl, reported as plain dataclasses."""

from __future__ import annotations

import logging
import multiprocessing
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph
from rdflib.namespace import SH
from rdflib.term import Node

from .paths import SHAPES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    """One SHACL result: which node failed which shape, and the French message."""

    focus: str
    shape: str
    path: str
    severity: str  # "Violation", "Warning" or "Info"
    message: str
    value: Node | None = None  # sh:value, when the result has one

    @property
    def record(self) -> str:
        """The record a finding is about (a `#fragment` node belongs to its record)."""
        return self.focus.split("#", 1)[0]


@dataclass
class ValidationReport:
    """What validating one graph found."""

    conforms: bool
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        """The findings that reject a record."""
        return [f for f in self.findings if f.severity == "Violation"]

    def reasons_by_record(self) -> dict[str, list[str]]:
        """Violation messages grouped by the record they reject."""
        grouped: dict[str, list[str]] = {}
        for finding in self.violations:
            grouped.setdefault(finding.record, []).append(finding.message)
        return grouped


@cache
def load_shapes(name: str = "core") -> Graph:
    """Parse `shapes/{name}.shapes.ttl` once per process."""
    path: Path = SHAPES / f"{name}.shapes.ttl"
    return Graph().parse(path, format="turtle")


@cache
def harvest_shapes() -> Graph:
    """The shapes every record is checked against at harvest.

    Core and vocabularies reject a record (sh:Violation); recommended ones are counted (sh:Warning).
    """
    return load_shapes("core") + load_shapes("vocabularies") + load_shapes("recommended")


def validate(data: Graph, shapes: Graph, ontology: Graph | None = None) -> ValidationReport:
    """Validate `data` (plus `ontology`, e.g. the vocabularies) against `shapes`, no inference."""
    if ontology is not None:  # pyshacl's ont_graph is only mixed in for inference: do it here
        data = data + ontology
    conforms, results, _text = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
    )
    findings = []
    if not isinstance(results, Graph):  # pyshacl returns a ValidationFailure on bad shapes
        raise RuntimeError(f"SHACL validation failed: {_text}")
    # top-level results only: sh:detail results of nested shapes are also sh:ValidationResult
    for result in results.objects(None, SH.result):
        message = results.value(result, SH.resultMessage)
        severity = results.value(result, SH.resultSeverity)
        findings.append(
            Finding(
                focus=str(results.value(result, SH.focusNode)),
                shape=str(results.value(result, SH.sourceShape)),
                path=str(results.value(result, SH.resultPath) or ""),
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                message=str(message) if message else "Contrainte non respectée.",
                value=results.value(result, SH.value),
            )
        )
    findings.sort(key=lambda f: (f.focus, f.shape))
    log.debug("validated %d triples: %d findings", len(data), len(findings))
    return ValidationReport(conforms=bool(conforms), findings=findings)


# Chunks handed to forked worker processes (they inherit them: nothing is pickled but indexes).
_CHUNKS: list[Graph] = []
_SHAPES: list[tuple[Graph, Graph | None]] = []
CHUNK_SIZE = 400  # records per pySHACL call


def _validate_chunk(index: int) -> list[Finding]:
    shapes, ontology = _SHAPES[0]
    return validate(_CHUNKS[index], shapes, ontology).findings


def validate_records(
    records: list[Graph], shapes: Graph, ontology: Graph | None = None, workers: int = 0
) -> ValidationReport:
    """Validate independent record graphs in chunks, on every core (PERF.md: pySHACL is linear).

    Equivalent to validating their union when no shape relates two records, as ours don't.
    """
    chunks = [Graph() for _ in range(max(1, -(-len(records) // CHUNK_SIZE)))]
    for number, record in enumerate(records):
        chunks[number // CHUNK_SIZE] += record
    workers = workers or min(len(chunks), os.cpu_count() or 1)
    if workers <= 1 or len(chunks) == 1:
        findings = [f for chunk in chunks for f in validate(chunk, shapes, ontology).findings]
    else:
        _CHUNKS[:] = chunks
        _SHAPES[:] = [(shapes, ontology)]
        try:
            context = multiprocessing.get_context("fork")
            with context.Pool(workers) as pool:
                findings = [
                    f for part in pool.map(_validate_chunk, range(len(chunks))) for f in part
                ]
        finally:
            _CHUNKS.clear()
            _SHAPES.clear()
    findings.sort(key=lambda f: (f.focus, f.shape))
    conforms = not any(f.severity == "Violation" for f in findings)
    return ValidationReport(conforms=conforms, findings=findings)
