"""SPARQL queries kept one per file in registry/queries/*.rq, loaded by name."""

from __future__ import annotations

from functools import cache

from ..paths import QUERIES


@cache
def load(name: str) -> str:
    """The text of `registry/queries/{name}.rq`."""
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
