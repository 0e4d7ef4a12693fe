"""Harvesters: one module per kind of source; `HARVESTERS` maps sources.toml names to classes."""

from __future__ import annotations

from .base import Harvester, HarvestReport, SkipRecord, SourceRecord, run_harvest
from .cget import CgetHarvester
from .curated import CuratedHarvester
from .decoupage import DecoupageHarvester
from .mapping import MappingHarvester

HARVESTERS: dict[str, type[Harvester]] = {
    CgetHarvester.name: CgetHarvester,
    CuratedHarvester.name: CuratedHarvester,
    DecoupageHarvester.name: DecoupageHarvester,
    MappingHarvester.name: MappingHarvester,
}

__all__ = ["HARVESTERS", "HarvestReport", "Harvester", "SkipRecord", "SourceRecord", "run_harvest"]
