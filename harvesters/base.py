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

from registry import queries
from registry.errors import SourceQuarantined, SourceUnavailable
from registry.iris import Minter
from registry.namespaces import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SPDX, TL, XSD, bind_prefixes
from registry.settings import Settings
from registry.store import Store
from registry.validate import harvest_shapes, validate_records
from registry.vocabulary import vocabulary_graph

from .config import SourceConfig
from .fetch import FetchedFile, fetch_source
from .privacy import load_personal_values, save_personal_values

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
        self.warnings: list[tuple[str, str, str]] = []  # key, message, kind
        # values of personal columns seen in any source so far (never published, see privacy.py)
        self.personal_values: set[str] = set()

    def warn(self, record: SourceRecord, message: str, kind: str = "") -> None:
        """Note a value dropped or repaired without rejecting the record; `kind` groups them."""
        self.warnings.append((record.key, message, kind or message))

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
    auxiliary: int = 0  # rows read that describe something else than a place (documents, régions)
    loaded: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)  # key, row, reason
    warnings: list[dict[str, str]] = field(default_factory=list)  # key, message, kind
    recommendations: dict[str, int] = field(default_factory=dict)  # warning shape message -> count
    added: list[str] = field(default_factory=list)  # record keys
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # record key -> changed properties
    unchanged: int = 0
    quarantined: str = ""  # why the harvest was not published ("" when it was)
    harvest_iri: str = ""

    @property
    def repairs(self) -> dict[str, int]:
        """Warnings counted by kind (code postal réparé, coordonnées inversées…)."""
        return dict(Counter(w.get("kind") or w["message"] for w in self.warnings).most_common())

    @property
    def rejections(self) -> dict[str, int]:
        """Rejected records counted by reason."""
        return dict(Counter(r["reason"] for r in self.rejected).most_common())

    def summary(self) -> str:
        """One line: `cget-2019: 1498 records, 14 rejected, 3 warnings, 0.9 s`."""
        line = (
            f"{self.source}: {self.loaded} records, {len(self.rejected)} rejected, "
            f"{len(self.warnings)} warnings, {self.seconds:.1f} s"
        )
        if self.added or self.removed or self.changed or self.unchanged:
            line += (
                f" (+{len(self.added)} -{len(self.removed)} ~{len(self.changed)} ={self.unchanged})"
            )
        return line


def run_harvest(
    harvester: Harvester,
    store: Store,
    settings: Settings,
    on_record: Callable[[], object] = lambda: None,
    files: list[FetchedFile] | None = None,
) -> HarvestReport:
    """Harvest one source: fetch, map, validate, compare, then update its graph in one transaction.

    Unchanged records keep their triples and provenance. A source that cannot be read, or whose
    new harvest looks broken, is quarantined: the published graph stays as it was, the catalogue
    records why, and SourceQuarantined is raised with the report.
    """
    clock = time.perf_counter()
    now = datetime.now(UTC)
    started = now.replace(microsecond=0)
    source = harvester.source
    minter = harvester.minter
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")  # unique even for two harvests in one second
    activity = minter.harvest(source.id, stamp)
    report = HarvestReport(source.id, started=started.isoformat(), harvest_iri=str(activity))
    target = (
        minter.source_graph(source.dataset)
        if harvester.target == "source"
        else minter.graph(harvester.target)
    )
    harvester.personal_values = load_personal_values(settings)
    try:
        files = files if files is not None else fetch_source(source, settings)
        report.files = [_file_facts(f) for f in files]
        records, rows = _map_all(harvester, files, report, activity, started, on_record)
        new = _validate(records, rows, report)
        previous = store.construct(queries.load("graph-triples"), {"g": target})
        _check_not_broken(report, previous)
    except (SourceUnavailable, SourceQuarantined) as error:
        report.quarantined = _reason(str(error), files or [])
        _finish(report, store, settings, minter, activity, stamp, clock, files=[])
        raise SourceQuarantined(report.quarantined, report) from error
    save_personal_values(settings, harvester.personal_values)
    graph = _keep_unchanged(new, previous, rows, report)
    _describe_source(graph, source, minter)
    _finish(report, store, settings, minter, activity, stamp, clock, files, target, graph, previous)
    return report


def _reason(message: str, files: list[FetchedFile]) -> str:
    """A quarantine reason as people read it: files by their name, not their archived copy's."""
    for fetched in files:
        message = message.replace(fetched.path.name, fetched.name)
    return message


def _map_all(
    harvester: Harvester,
    files: list[FetchedFile],
    report: HarvestReport,
    activity: URIRef,
    started: datetime,
    on_record: Callable[[], object],
) -> tuple[dict[str, Graph], dict[str, SourceRecord]]:
    """Map every record into its own graph; duplicates and SkipRecord are rejections."""
    source, minter = harvester.source, harvester.minter
    records: dict[str, Graph] = {}
    rows: dict[str, SourceRecord] = {}
    extra = Graph()  # triples that are not about a record (régions, documents…)
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
            if subject is None:
                report.auxiliary += 1
                extra += mapped
            else:
                rows[str(subject)] = record
                # dct:source names the listing actually read (a vintage names itself), while the
                # record IRI is the dataset's, so vintages compare record by record
                _add_provenance(
                    mapped, subject, record, minter.source(source.id), activity, started
                )
                records[str(subject)] = mapped
        on_record()
    report.warnings = [{"key": k, "message": m, "kind": kind} for k, m, kind in harvester.warnings]
    if len(extra):
        records[""] = extra
    return records, rows


def _validate(
    records: dict[str, Graph], rows: dict[str, SourceRecord], report: HarvestReport
) -> dict[str, Graph]:
    """Check every record with the harvest shapes; drop the violating ones into the report."""
    validation = validate_records(
        list(records.values()), harvest_shapes(), ontology=vocabulary_graph()
    )
    report.recommendations = dict(
        Counter(f.message for f in validation.findings if f.severity == "Warning").most_common()
    )
    findings = validation.reasons_by_record()
    for focus, reasons in sorted(findings.items()):
        record = rows.get(focus)
        if record is None:
            continue
        report.rejected.append(
            {"key": record.key, "row": str(record.row), "reason": " ".join(sorted(set(reasons)))}
        )
        del records[focus]
    report.loaded = len([r for r in records if r])
    return records


def _check_not_broken(report: HarvestReport, previous: Graph) -> None:
    """Quarantine a harvest that lost a third of the records, or rejected most rows."""
    before = len(set(previous.subjects(RDF.type, TL.SourceRecord)))
    if report.read == 0:
        raise SourceQuarantined("le fichier ne contient aucune ligne.")
    if len(report.rejected) > report.read / 2:
        raise SourceQuarantined(
            f"la plupart des lignes sont rejetées ({len(report.rejected)} sur {report.read})."
        )
    if before and report.loaded < before * 2 / 3:
        raise SourceQuarantined(
            f"la source a perdu plus d'un tiers de ses fiches ({before} → {report.loaded})."
        )


def _keep_unchanged(
    records: dict[str, Graph], previous: Graph, rows: dict[str, SourceRecord], report: HarvestReport
) -> Graph:
    """Compare with the previous harvest: unchanged records keep their old triples."""
    old = _by_record(previous)
    graph = bind_prefixes(Graph())
    for subject, mapped in records.items():
        if not subject:
            graph += mapped
            continue
        key = rows[subject].key
        if subject not in old:
            report.added.append(key)
            graph += mapped
            continue
        before, after = _content(old[subject]), _content(mapped)
        if before == after:
            report.unchanged += 1
            graph += old[subject]  # same facts, same provenance: the record is untouched
        else:
            report.changed[key] = sorted({str(p) for _, p, _ in before.symmetric_difference(after)})
            graph += mapped
    kept = set(records)
    report.removed = sorted(
        str(previous.value(URIRef(s), TL.recordKey) or s) for s in old if s not in kept
    )
    return graph


PROVENANCE = (DCTERMS.source, TL.recordKey, PROV.wasGeneratedBy, PROV.generatedAtTime)


def _by_record(graph: Graph) -> dict[str, Graph]:
    """The triples of each record (and of its #fragment nodes), by record IRI."""
    records = {str(s) for s in graph.subjects(RDF.type, TL.SourceRecord)}
    grouped: dict[str, Graph] = {r: Graph() for r in records}
    for s, p, o in graph:
        base = str(s).split("#", 1)[0]
        if base in grouped:
            grouped[base].add((s, p, o))
    return grouped


def _content(graph: Graph) -> set[tuple[Any, Any, Any]]:
    """A record's facts without its harvest provenance, for comparison."""
    return {(s, p, o) for s, p, o in graph if p not in PROVENANCE}


def _finish(
    report: HarvestReport,
    store: Store,
    settings: Settings,
    minter: Minter,
    activity: URIRef,
    stamp: str,
    clock: float,
    files: list[FetchedFile],
    target: URIRef | None = None,
    graph: Graph | None = None,
    previous: Graph | None = None,
) -> None:
    """Write the source graph's changes and the harvest's PROV in one transaction; the JSON."""
    # The PROV record goes into the same transaction, so its end time is taken just before it.
    report.ended = datetime.now(UTC).replace(microsecond=0).isoformat()
    catalog = _harvest_activity(report, activity, minter, files)
    if target is not None and graph is not None:
        before = previous if previous is not None else Graph()
        store.patch_graphs(
            {target: (before - graph, graph - before)}, add={minter.graph("catalog"): catalog}
        )
    else:
        store.replace_graphs({}, add={minter.graph("catalog"): catalog})
    report.seconds = time.perf_counter() - clock  # everything, the store write included
    _write_report(report, settings, stamp)


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


def _describe_source(graph: Graph, source: SourceConfig, minter: Minter) -> None:
    iri = minter.source(source.id)
    graph.add((iri, RDF.type, DCAT.Dataset))
    graph.add((iri, DCTERMS.identifier, Literal(source.id)))
    graph.add((iri, DCTERMS.title, Literal(source.title, lang="fr")))
    graph.add((iri, DCTERMS.description, Literal(source.description, lang="fr")))
    if source.licence:
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
    graph.add((activity, TL.readCount, Literal(report.read)))
    if report.quarantined:
        graph.add((activity, TL.quarantineReason, Literal(report.quarantined, lang="fr")))
    for name, count in (
        (TL.addedCount, len(report.added)),
        (TL.removedCount, len(report.removed)),
        (TL.changedCount, len(report.changed)),
        (TL.unchangedCount, report.unchanged),
    ):
        graph.add((activity, name, Literal(count)))
    for number, (kind, count) in enumerate(report.repairs.items(), start=1):
        tally = URIRef(f"{activity}#avertissement-{number}")
        graph.add((activity, TL.tally, tally))
        graph.add((tally, RDF.type, TL.Tally))
        graph.add((tally, RDFS.label, Literal(kind, lang="fr")))
        graph.add((tally, TL.count, Literal(count)))
    changes: list[tuple[str, str, list[str]]] = [("ajout", k, []) for k in report.added]
    changes += [("suppression", k, []) for k in report.removed]
    changes += [("modification", k, props) for k, props in report.changed.items()]
    for number, (kind, key, props) in enumerate(changes, start=1):
        change = URIRef(f"{activity}#changement-{number}")
        graph.add((activity, TL.change, change))
        graph.add((change, RDF.type, TL.Change))
        graph.add((change, TL.changeKind, Literal(kind)))
        graph.add((change, TL.recordKey, Literal(key)))
        for prop in props:
            graph.add((change, TL.changedProperty, URIRef(prop)))
    for number, rejected in enumerate(report.rejected, start=1):
        node = URIRef(f"{activity}#rejet-{number}")
        graph.add((activity, TL.rejection, node))
        graph.add((node, RDF.type, TL.Rejection))
        graph.add((node, TL.recordKey, Literal(rejected["key"])))
        if rejected["row"].isdigit():
            graph.add((node, TL.rowNumber, Literal(int(rejected["row"]))))
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
