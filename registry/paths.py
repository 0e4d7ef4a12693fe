"""The one place that locates the project's non-Python folders (ontology, shapes, site, queries)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
VOCABULARIES = ONTOLOGY / "vocabularies"
SHAPES = ROOT / "shapes"
SITE = ROOT / "site"
QUERIES = Path(__file__).resolve().parent / "queries"
SOURCES_TOML = ROOT / "harvesters" / "sources.toml"
EXAMPLE_QUERIES = ROOT / "docs" / "queries"
