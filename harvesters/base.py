"""The harvester interface and the runner: fetch, map, validate, replace the source graph.

Harvesters parse and map; only `run_harvest` writes, in one transaction (DESIGN §3).
"""

from __future__ import annotations

import json
import logging
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from rdflib import Graph, Literal, URIRef

from registry.iris import Minter
from registry.namespaces import DCAT, DCTERMS, FOAF, PROV, RDF, SPDX, TL, XSD, bind_prefixes
from registry.settings import Settings
from registry.store import Store
from registry.validate import harvest_shapes, validate
from registry.vocabulary import vocabulary_graph

from .config import SourceConfig
from .fetch import FetchedFile, fetch_source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceRecord:
    """One raw record of a source: its stable key and its values."""

    key: str  # stable id in the source; sole input of the record IRI
    row: int  # 1-based position in the file, for messages
    payload: Mapping[str, Any]


class SkipRecord(Exception):
    """Raised by map_record for an unusable record; counted and reported, never fatal."""


class Harvester(ABC):
    """Turns one listing into RDF records. Never touches the store."""

    name: ClassVar[str]  # key in HARVESTERS and value of `harvester` in sources.toml
    target: ClassVar[str] = "source"  # "source": graph/source/{id}; else graph/{target}

    def __init__(self, source: SourceConfig, minter: Minter) -> None:
        self.source = source
        self.minter = minter
        self.warnings: list[tuple[str, str]] = []

    def warn(self, record: SourceRecord, message: str) -> None:
        """Note a value dropped or repaired without rejecting the record."""
        self.warnings.append((record.key, message))

    @abstractmethod
    def records(self, files: list[FetchedFile]) -> Iterator[SourceRecord]:
        """Parse the fetched files into raw records."""

    @abstractmethod
    def map_record(self, record: SourceRecord, graph: Graph) -> URIRef | None:
        """Add the triples of one record to `graph`; return its subject (None: not a record)."""


@dataclass
class HarvestReport:
    """What one harvest did; written as JSON next to the data and as PROV in the catalogue."""

    source: str
    started: str = ""
    ended: str = ""
    seconds: float = 0.0
    files: list[dict[str, Any]] = field(default_factory=list)
    read: int = 0
    loaded: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)  # key, row, reason
    warnings: list[dict[str, str]] = field(default_factory=list)  # key, message
    recommendations: dict[str, int] = field(default_factory=dict)  # warning shape message -> count
    harvest_iri: str = ""

    def summary(self) -> str:
        """One line: `cget-2019: 1498 records, 14 rejected, 3 warnings, 0.9 s`."""
        return (
            f"{self.source}: {self.loaded} records, {len(self.rejected)} rejected, "
            f"{len(self.warnings)} warnings, {self.seconds:.1f} s"
        )


def run_harvest(
    harvester: Harvester,
    store: Store,
    settings: Settings,
    on_record: Callable[[], object] = lambda: None,
    files: list[FetchedFile] | None = None,
) -> HarvestReport:
    """Harvest one source: fetch, map, validate, then replace its named graph in one transaction.

    A failure anywhere before the final replacement leaves the store as it was.
    """
    clock = time.perf_counter()
    started = datetime.now(UTC).replace(microsecond=0)
    source = harvester.source
    minter = harvester.minter
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    activity = minter.harvest(source.id, stamp)
    report = HarvestReport(source.id, started=started.isoformat(), harvest_iri=str(activity))
    files = files if files is not None else fetch_source(source, settings)

    graph = bind_prefixes(Graph())
    rows: dict[str, SourceRecord] = {}
    for record in harvester.records(files):
        report.read += 1
        mapped = Graph()
        try:
            subject = harvester.map_record(record, mapped)
            if subject is not None and str(subject) in rows:
                raise SkipRecord(
                    f"clé « {record.key} » en double (déjà vue ligne {rows[str(subject)].row})"
                )
        except SkipRecord as why:
            report.rejected.append({"key": record.key, "row": str(record.row), "reason": str(why)})
            log.info("%s: rejected %s (%s)", source.id, record.key, why)
        else:
            if subject is not None:
                rows[str(subject)] = record
                _add_provenance(
                    mapped, subject, record, minter.source(source.id), activity, started
                )
            graph += mapped
        on_record()

    validation = validate(graph, harvest_shapes(), ontology=vocabulary_graph())
    report.recommendations = dict(
        Counter(f.message for f in validation.findings if f.severity == "Warning").most_common()
    )
    findings = validation.reasons_by_record()
    for focus, reasons in sorted(findings.items()):
        record = rows[focus]
        report.rejected.append(
            {"key": record.key, "row": str(record.row), "reason": " ".join(sorted(set(reasons)))}
        )
        _drop_record(graph, URIRef(focus))
    report.loaded = len(rows) - len(findings)
    report.warnings = [{"key": k, "message": m} for k, m in harvester.warnings]
    report.files = [_file_facts(f) for f in files]

    _describe_source(graph, source, minter)
    target = (
        minter.source_graph(source.id)
        if harvester.target == "source"
        else minter.graph(harvester.target)
    )
    # The PROV record goes into the same transaction, so its end time is taken just before it.
    report.ended = datetime.now(UTC).replace(microsecond=0).isoformat()
    catalog = _harvest_activity(report, activity, minter, files)
    store.replace_graphs({target: graph}, add={minter.graph("catalog"): catalog})
    report.seconds = time.perf_counter() - clock  # everything, the store write included
    _write_report(report, settings, stamp)
    return report


def _add_provenance(
    graph: Graph,
    subject: URIRef,
    record: SourceRecord,
    source: URIRef,
    activity: URIRef,
    when: datetime,
) -> None:
    if (subject, RDF.type, TL.SourceRecord) not in graph:
        return
    graph.add((subject, DCTERMS.source, source))
    graph.add((subject, TL.recordKey, Literal(record.key)))
    graph.add((subject, PROV.wasGeneratedBy, activity))
    graph.add((subject, PROV.generatedAtTime, Literal(when.isoformat(), datatype=XSD.dateTime)))


def _drop_record(graph: Graph, subject: URIRef) -> None:
    """Remove a record and its `#fragment` nodes (address, geometry)."""
    prefix = str(subject) + "#"
    for node in {s for s in graph.subjects() if s == subject or str(s).startswith(prefix)}:
        graph.remove((node, None, None))


def _describe_source(graph: Graph, source: SourceConfig, minter: Minter) -> None:
    iri = minter.source(source.id)
    graph.add((iri, RDF.type, DCAT.Dataset))
    graph.add((iri, DCTERMS.identifier, Literal(source.id)))
    graph.add((iri, DCTERMS.title, Literal(source.title, lang="fr")))
    graph.add((iri, DCTERMS.description, Literal(source.description, lang="fr")))
    graph.add((iri, DCTERMS.license, URIRef(source.licence)))
    publisher = URIRef(f"{iri}#editeur")
    graph.add((iri, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(source.publisher, lang="fr")))
    if source.landing_page:
        graph.add((iri, DCAT.landingPage, URIRef(source.landing_page)))
    for name, url, _mirror in source.locations():
        distribution = URIRef(f"{iri}#{name}")
        graph.add((iri, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        if url:
            graph.add((distribution, DCAT.downloadURL, URIRef(url)))
        graph.add((distribution, DCTERMS.title, Literal(name)))


def _harvest_activity(
    report: HarvestReport, activity: URIRef, minter: Minter, files: list[FetchedFile]
) -> Graph:
    graph = Graph()
    graph.add((activity, RDF.type, TL.Harvest))
    graph.add((activity, PROV.used, minter.source(report.source)))
    graph.add((activity, PROV.startedAtTime, Literal(report.started, datatype=XSD.dateTime)))
    graph.add((activity, PROV.endedAtTime, Literal(report.ended, datatype=XSD.dateTime)))
    graph.add((activity, TL.recordCount, Literal(report.loaded)))
    graph.add((activity, TL.rejectedCount, Literal(len(report.rejected))))
    graph.add((activity, TL.warningCount, Literal(len(report.warnings))))
    for fetched in files:
        node = minter.file(fetched.sha256)
        graph.add((activity, PROV.used, node))
        graph.add((node, RDF.type, PROV.Entity))
        if fetched.url:
            graph.add((node, DCAT.downloadURL, URIRef(fetched.url)))
        graph.add((node, DCAT.byteSize, Literal(fetched.size)))
        graph.add((node, DCTERMS.title, Literal(fetched.name)))
        checksum = URIRef(f"{node}#sha256")
        graph.add((node, SPDX.checksum, checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(fetched.sha256, datatype=XSD.hexBinary)))
    for number, rejected in enumerate(report.rejected, start=1):
        node = URIRef(f"{activity}#rejet-{number}")
        graph.add((activity, TL.rejection, node))
        graph.add((node, RDF.type, TL.Rejection))
        graph.add((node, TL.recordKey, Literal(rejected["key"])))
        graph.add((node, TL.reason, Literal(rejected["reason"], lang="fr")))
    return graph


def _file_facts(fetched: FetchedFile) -> dict[str, Any]:
    facts = asdict(fetched)
    facts["path"] = str(fetched.path)
    facts["retrieved_at"] = fetched.retrieved_at.isoformat()
    return facts


def _write_report(report: HarvestReport, settings: Settings, stamp: str) -> None:
    folder = settings.data_path / "reports" / report.source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stamp}.json"
    path.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2), encoding="utf-8")
    log.info("%s: report written to %s", report.source, path)
