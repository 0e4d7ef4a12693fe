"""An in-memory index of the published places for the site's search (built per snapshot)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from . import queries
from .iris import Minter
from .store import Store
from .vocabulary import fold, label

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlaceEntry:
    """What a search result shows of a place."""

    id: str
    name: str
    locality: str
    postcode: str
    region: str
    typologies: tuple[str, ...]
    latitude: float | None
    longitude: float | None
    keys: str  # folded name, commune and postcode, for matching


@dataclass
class PlaceIndex:
    """All places of one store, searchable by name, commune or postcode."""

    store: Store
    entries: list[PlaceEntry] = field(default_factory=list)

    @classmethod
    def build(cls, store: Store, minter: Minter) -> PlaceIndex:
        """Read every place of `store` once."""
        grouped: dict[str, dict[str, object]] = {}
        for row in store.select(queries.load("place-index")):
            place_id = minter.local_id(str(row["place"]), "lieu")
            if place_id is None:
                continue
            entry = grouped.setdefault(place_id, {"typologies": set(), **row})
            if "typology" in row:
                entry["typologies"].add(label(str(row["typology"])))  # type: ignore[attr-defined]
        entries = []
        for place_id, values in grouped.items():
            name, locality = str(values["name"]), str(values.get("locality", ""))
            postcode = str(values.get("postcode", ""))
            lat, lon = values.get("latitude"), values.get("longitude")
            entries.append(
                PlaceEntry(
                    id=place_id,
                    name=name,
                    locality=locality,
                    postcode=postcode,
                    region=str(values.get("region", "")),
                    typologies=tuple(sorted(values["typologies"])),  # type: ignore[call-overload]
                    latitude=float(str(lat)) if lat is not None else None,
                    longitude=float(str(lon)) if lon is not None else None,
                    keys=f"{fold(name)} | {fold(locality)} | {postcode}",
                )
            )
        entries.sort(key=lambda e: (fold(e.name), e.id))
        log.info("search index: %d places", len(entries))
        return cls(store, entries)

    def search(self, text: str, limit: int = 100) -> tuple[int, list[PlaceEntry]]:
        """Places whose name, commune or postcode contain every word of `text`.

        Returns the number of matches and the first `limit`, exact commune or name first.
        """
        words = fold(text).split()
        if not words:
            return 0, []
        wanted = " ".join(words)
        found = [e for e in self.entries if all(w in e.keys for w in words)]
        found.sort(key=lambda e: (wanted not in (fold(e.locality), fold(e.name)), fold(e.name)))
        return len(found), found[:limit]

    def __len__(self) -> int:
        return len(self.entries)
