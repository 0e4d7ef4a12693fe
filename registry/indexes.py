"""The in-memory indexes of a snapshot, saved at publish time beside it and loaded by the site.

`tierslieux publish` builds the place index (registry.search) and the gazetteer
(registry.geography) from the store it publishes, and writes them as one gzipped JSON file
next to the snapshot, `{data_dir}/snapshots/{stamp}.index.json.gz`. Web workers load that file
instead of querying the store for every place and commune (about a second instead of fifteen).
The file is derived, never edited: a snapshot without one is indexed from its store.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from .geography import Commune, Gazetteer, Territory
from .search import PlaceEntry, PlaceIndex
from .store import Store

FORMAT = 1
_NAMES = {kind: tuple(f.name for f in fields(kind)) for kind in (PlaceEntry, Commune, Territory)}


def index_path(snapshot: Path) -> Path:
    """Where the indexes of a snapshot directory are kept."""
    return snapshot.with_name(snapshot.name + ".index.json.gz")


def save_indexes(path: Path, index: PlaceIndex, gazetteer: Gazetteer) -> None:
    """Write both indexes to `path` (atomically: a reader never sees half a file)."""
    document = {
        "format": FORMAT,
        "places": [_entry_json(e) for e in index.entries],
        "communes": [_fields(c) for c in gazetteer.communes.values()],
        "territories": [_fields(t) for t in gazetteer.territories.values()],
        "aliases": gazetteer.aliases,
    }
    partial = path.with_name(path.name + ".partial")
    with gzip.open(partial, "wt", encoding="utf-8") as out:
        json.dump(document, out, ensure_ascii=False, separators=(",", ":"))
    partial.replace(path)


def load_indexes(path: Path, store: Store) -> tuple[PlaceIndex, Gazetteer] | None:
    """The indexes saved at `path`, or None when there is no usable file."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            document = json.load(stream)
    except (OSError, ValueError):
        return None
    if document.get("format") != FORMAT:
        return None
    entries = [_entry(item) for item in document["places"]]
    communes = {item["code"]: _commune(item) for item in document["communes"]}
    territories = {(t["kind"], t["code"]): Territory(**t) for t in document["territories"]}
    gazetteer = Gazetteer(communes, territories, dict(document["aliases"]))
    return PlaceIndex(store, entries), gazetteer


def _fields(item: Any) -> dict[str, Any]:
    """A flat dataclass as a dict: its fields hold text, numbers and tuples of text only.

    `dataclasses.asdict` would deep-copy each value: saving the demo registry's indexes took
    2.3 s with it, 1.7 s without (same document).
    """
    return {name: getattr(item, name) for name in _NAMES[type(item)]}


def _entry_json(entry: PlaceEntry) -> dict[str, Any]:
    values = _fields(entry)
    values["tags"] = sorted(entry.tags)
    return values


_COMMUNE_TUPLES = ("postcodes", "former_codes", "other_names")


def _entry(item: dict[str, Any]) -> PlaceEntry:
    return PlaceEntry(
        **{
            **item,
            "typologies": tuple(item["typologies"]),
            "tags": frozenset(item["tags"]),
        }
    )


def _commune(item: dict[str, Any]) -> Commune:
    return Commune(**{**item, **{key: tuple(item[key]) for key in _COMMUNE_TUPLES}})
