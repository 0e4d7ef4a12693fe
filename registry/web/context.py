"""What views share: the current store, the minter, and the search index of the snapshot."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from .. import queries
from ..geography import Gazetteer
from ..geography_rdf import load_gazetteer
from ..indexes import index_path, load_indexes
from ..iris import Minter
from ..publication import SnapshotFollower
from ..remote_store import RemoteFollower
from ..search import PlaceIndex
from ..settings import Settings
from ..store import Store


def settings() -> Settings:
    """The app's settings."""
    value: Settings = current_app.extensions["tl.settings"]
    return value


def store() -> Store:
    """The store to read: the fixed one (tests) or the current published snapshot."""
    holder = current_app.extensions["tl.store"]
    if isinstance(holder, SnapshotFollower | RemoteFollower):
        return holder.store()
    value: Store = holder
    return value


def minter() -> Minter:
    """The IRI minter of this deployment."""
    return Minter(settings().base_uri)


def _indexes() -> tuple[PlaceIndex, Gazetteer]:
    """The place index and gazetteer of the store being served, reloaded with the snapshot.

    Read from the file `publish` saved beside the snapshot; built from the store otherwise.
    """
    current = store()
    cached: tuple[Store, PlaceIndex, Gazetteer] | None = current_app.extensions.get("tl.indexes")
    if cached is None or cached[0] is not current:
        path = getattr(current, "path", None)
        loaded = load_indexes(index_path(path), current) if path is not None else None
        if loaded is None:
            loaded = (PlaceIndex.build(current, minter()), load_gazetteer(current, minter()))
        cached = (current, *loaded)
        current_app.extensions["tl.indexes"] = cached
    return cached[1], cached[2]


T = TypeVar("T")


def per_snapshot(name: str, compute: Callable[[Store], T]) -> T:
    """`compute(store)`, once per published snapshot and per worker.

    For what only a new publication changes: headline figures, aggregates, the home map.
    """
    current = store()
    cache: dict[str, tuple[Store, Any]] = current_app.extensions.setdefault("tl.per-snapshot", {})
    cached = cache.get(name)
    if cached is None or cached[0] is not current:
        cached = (current, compute(current))
        cache[name] = cached
    value: T = cached[1]
    return value


_LOCK = threading.Lock()
REMEMBERED = 4096  # entries per kind and per worker (a place page's data is a few kB)


def remembered(name: str, key: str, compute: Callable[[], T]) -> T:
    """`compute()`, kept for `key` until the next publication (the `REMEMBERED` latest keys).

    For what a request reads from the store and only a publication changes: a place page's
    data, a place's status. What depends on the moment (open now) is computed per request.
    """
    entries: OrderedDict[str, Any] = per_snapshot(f"remembered:{name}", lambda _: OrderedDict())
    with _LOCK:
        if key in entries:
            entries.move_to_end(key)
            found: T = entries[key]
            return found
    value = compute()
    with _LOCK:
        entries[key] = value
        while len(entries) > REMEMBERED:
            entries.popitem(last=False)
    return value


def gazetteer() -> Gazetteer:
    """The communes of the store being served."""
    return _indexes()[1]


def place_index() -> PlaceIndex:
    """The search index of the store being served."""
    return _indexes()[0]


def place_status(place_id: str) -> dict[str, str]:
    """The ledger entry of a place id: status, since, replacedBy (an id), label, reason."""
    return dict(remembered("status", place_id, lambda: _place_status(place_id)))


def _place_status(place_id: str) -> dict[str, str]:
    iri = minter().place(place_id)
    rows = store().select(queries.load("identifier-status"), {"place": iri})
    if not rows:
        return {}
    entry = {key: str(value) for key, value in rows[0].items() if key != "place"}
    if "replacedBy" in entry:
        entry["replacedBy"] = minter().local_id(entry["replacedBy"], "lieu") or ""
    return entry
