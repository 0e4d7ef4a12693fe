"""Harvesters: one module per kind of source; `HARVESTERS` maps sources.toml names to classes."""

from __future__ import annotations

from .base import Harvester, HarvestReport, SkipRecord, SourceRecord, run_harvest
from .cget import CgetHarvester
from .decoupage import DecoupageHarvester

HARVESTERS: dict[str, type[Harvester]] = {
    CgetHarvester.name: CgetHarvester,
    DecoupageHarvester.name: DecoupageHarvester,
}

__all__ = ["HARVESTERS", "HarvestReport", "Harvester", "SkipRecord", "SourceRecord", "run_harvest"]
