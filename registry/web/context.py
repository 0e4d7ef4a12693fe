"""What views share: the current store, the minter, and the search index of the snapshot."""

from __future__ import annotations

from flask import current_app

from ..iris import Minter
from ..publication import SnapshotFollower
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
    if isinstance(holder, SnapshotFollower):
        return holder.store()
    value: Store = holder
    return value


def minter() -> Minter:
    """The IRI minter of this deployment."""
    return Minter(settings().base_uri)


def place_index() -> PlaceIndex:
    """The search index of the store being served, rebuilt when the snapshot changes."""
    current = store()
    cached: PlaceIndex | None = current_app.extensions.get("tl.index")
    if cached is None or cached.store is not current:
        cached = PlaceIndex.build(current, minter())
        current_app.extensions["tl.index"] = cached
    return cached
