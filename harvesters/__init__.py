"""Harvesters: one module per kind of source; `HARVESTERS` maps sources.toml names to classes."""

from __future__ import annotations

from collections.abc import Callable

from registry.iris import Minter
from registry.settings import Settings
from registry.store import Store

from .base import Harvester, HarvestReport, SkipRecord, SourceRecord, run_harvest
from .cget import CgetHarvester
from .config import SourceConfig
from .curated import CuratedHarvester
from .geography import harvest_geography
from .mapping import MappingHarvester

HARVESTERS: dict[str, type[Harvester]] = {
    CgetHarvester.name: CgetHarvester,
    CuratedHarvester.name: CuratedHarvester,
    MappingHarvester.name: MappingHarvester,
}
# Reference data loaded in bulk, not record by record (see harvesters/geography.py).
REFERENCE_HARVESTERS = {"geographie": harvest_geography}


def harvest_source(
    source: SourceConfig,
    store: Store,
    settings: Settings,
    on_record: Callable[[], object] = lambda: None,
) -> HarvestReport:
    """Harvest one configured source with the harvester `sources.toml` names for it."""
    if source.harvester in REFERENCE_HARVESTERS:
        return REFERENCE_HARVESTERS[source.harvester](source, store, settings)
    harvester = HARVESTERS[source.harvester](source, Minter(settings.base_uri))
    return run_harvest(harvester, store, settings, on_record=on_record)


__all__ = [
    "HARVESTERS",
    "HarvestReport",
    "Harvester",
    "SkipRecord",
    "SourceRecord",
    "harvest_source",
    "run_harvest",
]
