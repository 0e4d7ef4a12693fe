"""Try a mapping file on a local file without touching the registry (tierslieux check-mapping)."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, URIRef

from registry.iris import Minter
from registry.settings import Settings
from registry.store import OxigraphStore

from .base import HarvestReport, run_harvest
from .config import SourceConfig
from .fetch import FetchedFile
from .mapping import MappingHarvester


def try_mapping(mapping: str, path: Path, settings: Settings) -> tuple[HarvestReport, Graph]:
    """Harvest `path` with `mapping` into a throw-away store; return the report and records."""
    source = SourceConfig(
        id=f"essai-{mapping}", title=mapping, publisher="", licence="", harvester="mapping",
        url="", mirror="", mapping=mapping,
    )  # fmt: skip
    data = path.read_bytes()
    fetched = FetchedFile(
        path.name, path, hashlib.sha256(data).hexdigest(), len(data), "",
        datetime.now(UTC), from_mirror=True,
    )  # fmt: skip
    store = OxigraphStore(None)
    with tempfile.TemporaryDirectory() as folder:
        local = replace(settings, data_dir=folder)
        report = run_harvest(
            MappingHarvester(source, Minter(local.base_uri)), store, local, files=[fetched]
        )
    graph = store.construct(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
        {"g": URIRef(Minter(settings.base_uri).source_graph(source.id))},
    )
    return report, graph
