"""SHACL validation of record graphs with pyshacl, reported as plain dataclasses."""

from __future__ import annotations

import logging
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
