"""Publish: rebuild the registry graph, then checkpoint the store into a served snapshot.

The CLI owns the working store; `publish` copies it (an Oxigraph checkpoint, hard links, in
milliseconds) into `{data_dir}/snapshots/{stamp}` and switches the `{data_dir}/current` pointer
atomically. Web workers only ever open snapshots, read-only (DESIGN §7).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .changes import Publication, record_changes
from .coverage import coverage_ntriples, derive_coverage
from .criteria import AssessmentReport, assess
from .curation import Decisions, load_decisions
from .dumps import DumpSet, published_at, write_dumps
from .errors import NotPublished, StoreUnavailable
from .geography_rdf import load_gazetteer
from .identity import ledger_ntriples
from .indexes import index_path, save_indexes
from .iris import Minter
from .namespaces import RDF, TL
from .reconcile import build_registry
from .search import PlaceIndex
from .settings import Settings
from .store import OxigraphStore, Store
from .vocabulary import vocabulary_graph

log = logging.getLogger(__name__)
STAMP = "%Y%m%dT%H%M%S%fZ"  # a publication's stamp: its snapshot's folder name


@dataclass(frozen=True)
class PublishReport:
    """What one publication did."""

    places: int
    snapshot: Path | None
    seconds: float
    criteria: AssessmentReport
    records: int = 0
    uncertain: int = 0
    report: Path | None = None  # the uncertain pairs, for curators
    changes: Publication | None = None  # places added, changed, removed since the last one
    dumps: DumpSet | None = None  # the open dumps (a store on disk or remote; none in memory)

    def summary(self) -> str:
        """One line for the CLI."""
        where = f" → {self.snapshot}" if self.snapshot else ""
        line = f"publication : {self.places} lieux ({self.records} fiches){where}, "
        line += f"{self.seconds:.1f} s"
        if self.dumps is not None:
            line += f"\n  {self.dumps.summary()}"
        if self.changes is not None:
            c = self.changes
            line += f"\n  changements : {c.added} ajoutés, {c.changed} modifiés, "
            line += f"{c.removed} supprimés (/changements)"
        if self.report is not None:
            line += f"\n  {self.uncertain} paires incertaines à trancher : {self.report}"
        return line


def publish(store: Store, settings: Settings, decisions: Decisions | None = None) -> PublishReport:
    """Rebuild the registry, vocabulary and quality graphs; snapshot the store when on disk.

    A store on disk or remote also gets its dumps (`donnees/{stamp}/`) and the change feed.

    `decisions` are the curators' (default: curation/decisions.toml).
    """
    clock = time.perf_counter()
    minter = Minter(settings.base_uri)
    gazetteer = load_gazetteer(store, minter)
    chosen = decisions if decisions is not None else load_decisions(minter)
    registry, reconciliation = build_registry(store, minter, gazetteer, chosen)
    # The derived graphs change together: a publication killed here leaves them as before.
    with store.recoverable():
        store.rebuild_graphs(
            {
                minter.graph("registry"): registry,
                minter.graph("identifiers"): ledger_ntriples(reconciliation.ledger, minter),
                minter.graph("vocabulary"): vocabulary_graph(),
            }
        )
        report = _write_uncertain(settings, reconciliation.report_csv())
        criteria = assess_and_store(store, settings)
        index = PlaceIndex.build(store, minter)
        coverage = derive_coverage(gazetteer, index)
        store.rebuild_graphs({minter.graph("coverage"): coverage_ntriples(coverage, minter)})
    places = registry.count(f" <{RDF.type}> <{TL.TiersLieu}> .".encode())
    snapshot = None
    if isinstance(store, OxigraphStore) and store.path is not None:
        snapshot = snapshot_store(
            store, settings, lambda path: save_indexes(path, index, gazetteer), point=False
        )
    stamp = snapshot.name if snapshot is not None else datetime.now(UTC).strftime(STAMP)
    changes = record_changes(settings.data_path, stamp, registry, minter)
    dumps = write_dumps(store, settings, stamp) if store.persistent else None
    if snapshot is not None:  # last: a publication that failed before leaves the site as it was
        point_current(settings, snapshot.name)
    if store.path is None and store.persistent:  # a remote store: tell the web tier
        from .remote_store import RemoteStore, mark_published

        if isinstance(store, RemoteStore):
            mark_published(store, published_at(stamp))
    records = sum(len(g) for g in reconciliation.groups)
    seconds = time.perf_counter() - clock
    uncertain = len(reconciliation.uncertain)
    return PublishReport(
        places, snapshot, seconds, criteria, records, uncertain, report, changes, dumps
    )


def _write_uncertain(settings: Settings, text: str) -> Path:
    """Write the uncertain pairs' CSV under `{data_dir}/reports/rapprochement/`."""
    folder = settings.data_path / "reports" / "rapprochement"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-paires-incertaines.csv"
    path.write_text(text, encoding="utf-8")
    return path


def assess_and_store(store: Store, settings: Settings) -> AssessmentReport:
    """Assess the six criteria of every place and replace the quality graph."""
    minter = Minter(settings.base_uri)
    quality, report = assess(store, minter, settings.criteria_profile)
    store.rebuild_graphs({minter.graph("quality"): quality})
    return report


def snapshot_store(
    store: OxigraphStore,
    settings: Settings,
    save_index: Callable[[Path], None] = lambda path: None,
    *,
    point: bool = True,
) -> Path:
    """Checkpoint `store` into a new snapshot directory and point `current` at it.

    `save_index` writes the snapshot's indexes (registry.indexes) before `current` moves.
    With `point=False`, `current` is left as it is (the caller calls point_current).
    """
    folder = settings.data_path / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime(STAMP)
    target = folder / stamp
    store.backup(target)
    save_index(index_path(target))
    if point:
        point_current(settings, stamp)
    return target


def point_current(settings: Settings, stamp: str) -> None:
    """Make snapshot `stamp` the one the site serves (`{data_dir}/current`), atomically."""
    pointer = settings.data_path / "current"
    partial = pointer.with_suffix(".partial")
    partial.write_text(stamp + "\n", encoding="utf-8")
    partial.replace(pointer)  # atomic: readers see the old snapshot or the new one
    log.info("published snapshot %s", stamp)


class SnapshotFollower:
    """Opens the current snapshot read-only, and reopens it when `current` changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._name = ""
        self._store: OxigraphStore | None = None

    def store(self) -> OxigraphStore:
        """The store of the current snapshot (NotPublished before the first publication)."""
        pointer = self.settings.data_path / "current"
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError as error:
            raise NotPublished(
                "Aucune donnée publiée : lancez « tierslieux harvest --all » puis "
                "« tierslieux publish »."
            ) from error
        if name != self._name or self._store is None:
            path = self.settings.data_path / "snapshots" / name
            if not path.is_dir():
                raise StoreUnavailable(f"L'instantané publié {path} est introuvable.")
            self._store = OxigraphStore(path, read_only=True)
            self._name = name
            log.info("serving snapshot %s", path)
        return self._store
