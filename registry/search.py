"""The in-memory index of the published places: text search, near-home search, filters.

Built from the store of each published snapshot (never edited by hand), once per web worker and
per snapshot, and by the coverage derivation at publish time. Near-home search uses a k-d tree
over points on the unit sphere (scipy's cKDTree): the chord between two points grows with their
great-circle distance, so the tree's nearest neighbours are the true nearest places.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from scipy.spatial import cKDTree

from . import queries
from .geography import chord_to_km, estimated_minutes, km_to_chord, unit_vectors
from .iris import Minter
from .namespaces import STATUT
from .store import Store
from .vocabulary import fold, label

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
# Statuses of a place that does not (yet, or any more) welcome anyone.
NOT_OPEN = {str(STATUT.projet), str(STATUT["en-creation"]), str(STATUT.ferme)}


def local_name(iri: str) -> str:
    """The last segment of a concept IRI: its code in filters ("coworking", "france-services")."""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@dataclass(frozen=True)
class PlaceEntry:
    """What a search result shows of a place, and what the filters test."""

    id: str
    name: str
    locality: str
    postcode: str
    region: str  # label of the région
    typologies: tuple[str, ...]  # labels, for display
    latitude: float | None
    longitude: float | None
    keys: str  # folded name, commune and postcode, for matching
    commune: str = ""  # INSEE code
    arrondissement: str = ""  # INSEE code of the arrondissement (Paris, Lyon, Marseille)
    departement: str = ""
    region_code: str = ""
    precision: str = ""  # local name of the position precision concept
    status: str = ""  # local name of the status concept ("" when the sources do not say)
    opening_hours: str = ""  # OSM opening_hours syntax
    tags: frozenset[str] = frozenset()  # "typologie:coworking", "label:…", "service:…", "critere:…"

    @property
    def is_open(self) -> bool:
        """Not a project, not being set up, not closed (no status: listed as existing)."""
        return self.status not in {"projet", "en-creation", "ferme"}

    @property
    def criteria_met(self) -> int:
        """How many of the six criteria the place meets (rempli)."""
        return sum(1 for tag in self.tags if tag.startswith("critere:"))

    def tagged(self, kind: str) -> list[str]:
        """The codes of one kind of tag: typologie, label, service, acces, pmr or critere."""
        prefix = kind + ":"
        return sorted(t[len(prefix) :] for t in self.tags if t.startswith(prefix))

    def open_at(self, moment: datetime) -> bool | None:
        """Whether the opening hours say the place is open at `moment` (None: unknown)."""
        if not self.opening_hours:
            return None
        try:
            local = moment.astimezone(PARIS).replace(tzinfo=None)
        except (OverflowError, ValueError):
            return None
        return _is_open(self.opening_hours, local)


_TAG_KIND = {
    "typology": "typologie",
    "label": "label",
    "service": "service",
    "access": "acces",
    "pmr": "pmr",
    "criterion": "critere",
}
FREE = "acces:gratuit"  # tag of a place whose sources say it is free of charge
STEP_FREE = "pmr:oui"  # tag of a place accessible to people with reduced mobility


def _is_open(hours: str, moment: datetime) -> bool | None:
    from opening_hours import OpeningHours

    try:
        return bool(OpeningHours(hours).is_open(moment))
    except (SyntaxError, ValueError):
        return None


@dataclass(frozen=True)
class Filters:
    """What a near-home search asks of the places, besides distance."""

    typologies: tuple[str, ...] = ()  # any of them
    labels: tuple[str, ...] = ()  # any of them
    services: tuple[str, ...] = ()  # all of them
    criteria: tuple[str, ...] = ()  # all of them met
    min_criteria: int = 0
    open_now: datetime | None = None  # open at this moment, per the opening hours
    only_open: bool = True  # leave out projects and closed places
    free: bool = False  # free of charge, per the sources
    step_free: bool = False  # accessible to people with reduced mobility, per the sources

    def accepts(self, entry: PlaceEntry) -> bool:
        """True when `entry` passes every filter."""
        tags = entry.tags
        return (
            (not self.only_open or entry.is_open)
            and (not self.typologies or any(f"typologie:{t}" in tags for t in self.typologies))
            and (not self.labels or any(f"label:{t}" in tags for t in self.labels))
            and all(f"service:{s}" in tags for s in self.services)
            and all(f"critere:{c}" in tags for c in self.criteria)
            and entry.criteria_met >= self.min_criteria
            and (not self.free or FREE in tags)
            and (not self.step_free or STEP_FREE in tags)
            and (self.open_now is None or entry.open_at(self.open_now) is True)
        )


@dataclass(frozen=True)
class Hit:
    """A place found near a point, with its distance and estimated travel time."""

    entry: PlaceEntry
    km: float

    @property
    def minutes(self) -> int:
        """Estimated travel time (registry.geography.estimated_minutes)."""
        return estimated_minutes(self.km)


class SpatialIndex:
    """The k nearest points to a position, filtered, over a k-d tree on the sphere."""

    # A filter that keeps few points (at most this many, and at most this share of them) is
    # answered by scanning those (vectorised): cheaper than widening the tree query until
    # enough of them turn up.
    SCAN_BELOW = 16384
    SCAN_SHARE = 0.25

    def __init__(self, latitudes: Sequence[float], longitudes: Sequence[float]) -> None:
        self.size = len(latitudes)
        self.points = unit_vectors(np.asarray(latitudes), np.asarray(longitudes))
        self.tree = cKDTree(self.points)

    def nearest(
        self,
        latitude: float,
        longitude: float,
        k: int = 10,
        radius_km: float | None = None,
        accept: Callable[[int], bool] | None = None,
        mask: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """Up to `k` (index, km) pairs, nearest first, within `radius_km`, in `mask`, `accept`ed.

        `mask` (booleans, one per point) is the vectorised part of a filter; `accept` the rest,
        tested on candidates only. A selective mask is answered by scanning the points it keeps;
        otherwise the tree is asked for more and more candidates until `k` pass or none are
        left. Either way the answer is exact. Ties are broken by index.
        """
        if not self.size or k <= 0:
            return []
        point = unit_vectors(np.array([latitude]), np.array([longitude]))[0]
        bound = km_to_chord(radius_km) * (1 + 1e-12) if radius_km is not None else np.inf
        few = min(self.SCAN_BELOW, self.size * self.SCAN_SHARE)
        if mask is not None and np.count_nonzero(mask) <= few:
            return self._scan(point, np.flatnonzero(mask), k, radius_km, accept)
        asked = min(self.size, k if accept is None and mask is None else 4 * k)
        while True:
            chords, indices = self.tree.query(point, k=asked, distance_upper_bound=bound)
            chords, indices = np.atleast_1d(chords), np.atleast_1d(indices)
            found = indices < self.size
            exhausted = asked >= self.size or not found.all()
            chords, indices = chords[found], indices[found]
            if mask is not None:
                chords, indices = chords[mask[indices]], indices[mask[indices]]
            kept = self._ordered(chords, indices, accept, radius_km)
            # places tied with the k-th may lie beyond what the tree returned: ask for more
            settled = len(kept) >= k and (not len(chords) or kept[k - 1][1] < _far(chords))
            if settled or exhausted:
                return kept[:k]
            asked = min(self.size, asked * 4)

    def _scan(
        self,
        point: np.ndarray,
        candidates: np.ndarray,
        k: int,
        radius_km: float | None,
        accept: Callable[[int], bool] | None,
    ) -> list[tuple[int, float]]:
        chords = np.linalg.norm(self.points[candidates] - point, axis=1)
        bound = km_to_chord(radius_km) * (1 + 1e-12) if radius_km is not None else np.inf
        inside = chords <= bound  # (the exact radius in km is checked by _ordered)
        chords, candidates = chords[inside], candidates[inside]
        if accept is None and len(candidates) > k:
            kth = np.partition(chords, k - 1)[k - 1]
            keep = chords <= kth
            chords, candidates = chords[keep], candidates[keep]
        return self._ordered(chords, candidates, accept, radius_km)[:k]

    @staticmethod
    def _ordered(
        chords: np.ndarray,
        indices: np.ndarray,
        accept: Callable[[int], bool] | None,
        radius_km: float | None,
    ) -> list[tuple[int, float]]:
        """(index, km) pairs by distance then index, within the radius, that `accept` takes."""
        pairs = sorted(zip(chord_to_km(chords).tolist(), indices.tolist(), strict=True))
        return [
            (i, km)
            for km, i in pairs
            if (radius_km is None or km <= radius_km) and (accept is None or accept(i))
        ]


def _far(chords: np.ndarray) -> float:
    """The largest distance among the chords, in km, less a rounding margin."""
    return float(chord_to_km(np.array([chords.max()]))[0]) - 1e-9


def brute_force_nearest(
    latitudes: np.ndarray,
    longitudes: np.ndarray,
    latitude: float,
    longitude: float,
    k: int = 10,
    radius_km: float | None = None,
    mask: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """The reference answer: vectorised haversine over every point (for tests and benchmarks)."""
    lat1, lon1 = np.radians(latitude), np.radians(longitude)
    lat2, lon2 = np.radians(latitudes), np.radians(longitudes)
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    km = 2 * 6371.0088 * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    keep = np.ones(len(km), dtype=bool) if mask is None else mask.copy()
    if radius_km is not None:
        keep &= km <= radius_km
    candidates = np.flatnonzero(keep)
    if len(candidates) > k:
        # everything as near as the k-th nearest, so that ties are broken by index as ours are
        kth = km[candidates][np.argpartition(km[candidates], k - 1)[k - 1]]
        candidates = candidates[km[candidates] <= kth]
    order = sorted(candidates.tolist(), key=lambda i: (km[i], i))
    return [(i, float(km[i])) for i in order[:k]]


@dataclass
class PlaceIndex:
    """All places of one store: text search, near-home search."""

    store: Store | None
    entries: list[PlaceEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.located = [e for e in self.entries if e.latitude is not None]
        self.spatial = SpatialIndex(
            [e.latitude for e in self.located],  # type: ignore[misc]
            [e.longitude for e in self.located],  # type: ignore[misc]
        )
        self.by_id = {e.id: e for e in self.entries}
        self._tag_masks: dict[str, np.ndarray] = {}
        self._known_tags: set[str] = set().union(*(e.tags for e in self.located))
        self._open = np.array([e.is_open for e in self.located], dtype=bool)
        self._criteria = np.array([e.criteria_met for e in self.located], dtype=np.int8)

    def _tag_mask(self, tag: str) -> np.ndarray:
        """Which located places carry `tag` (computed once per tag that exists)."""
        if tag not in self._known_tags:  # an unknown code: nobody, and nothing kept
            return np.zeros(len(self.located), dtype=bool)
        if tag not in self._tag_masks:
            self._tag_masks[tag] = np.array([tag in e.tags for e in self.located], dtype=bool)
        return self._tag_masks[tag]

    def mask(self, filters: Filters) -> np.ndarray:
        """The located places passing every filter but the opening hours, as booleans."""
        keep = self._open.copy() if filters.only_open else np.ones(len(self.located), bool)
        for kind, codes in (("typologie", filters.typologies), ("label", filters.labels)):
            if codes:
                keep &= np.logical_or.reduce([self._tag_mask(f"{kind}:{c}") for c in codes])
        for kind, codes in (("service", filters.services), ("critere", filters.criteria)):
            for code in codes:
                keep &= self._tag_mask(f"{kind}:{code}")
        if filters.min_criteria:
            keep &= self._criteria >= filters.min_criteria
        for wanted, tag in ((filters.free, FREE), (filters.step_free, STEP_FREE)):
            if wanted:
                keep &= self._tag_mask(tag)
        return keep

    @classmethod
    def build(cls, store: Store, minter: Minter) -> PlaceIndex:
        """Read every place of `store` once (two queries)."""
        tags: dict[str, set[str]] = defaultdict(set)
        typology_labels: dict[str, set[str]] = defaultdict(set)
        registry, quality, geo = (minter.graph(g) for g in ("registry", "quality", "geo"))
        for row in store.select(queries.load("place-tags"), default_graphs=[registry, quality]):
            place, kind, tag = str(row["place"]), str(row["kind"]), str(row["tag"])
            tags[place].add(f"{_TAG_KIND[kind]}:{local_name(tag)}")
            if kind == "typology":
                typology_labels[place].add(label(tag))
        entries = []
        for row in store.select(queries.load("place-index"), default_graphs=[registry, geo]):
            iri = str(row["place"])
            place_id = minter.local_id(iri, "lieu")
            if place_id is None:
                continue
            name, locality = str(row["name"]), str(row.get("locality", ""))
            postcode = str(row.get("postcode", ""))

            def code(key: str, kind: str, values: Mapping[str, object] = row) -> str:
                return minter.local_id(str(values[key]), kind) or "" if key in values else ""

            lat, lon = row.get("latitude"), row.get("longitude")
            entries.append(
                PlaceEntry(
                    id=place_id,
                    name=name,
                    locality=locality,
                    postcode=postcode,
                    region=str(row.get("regionName", "")),
                    typologies=tuple(sorted(typology_labels[iri])),
                    latitude=float(str(lat)) if lat is not None else None,
                    longitude=float(str(lon)) if lon is not None else None,
                    keys=f"{fold(name)} | {fold(locality)} | {postcode}",
                    commune=code("commune", "commune"),
                    arrondissement=code("arrondissement", "commune"),
                    departement=code("departement", "departement"),
                    region_code=code("region", "region"),
                    precision=local_name(str(row["precision"])) if "precision" in row else "",
                    status=local_name(str(row["status"])) if "status" in row else "",
                    opening_hours=str(row.get("hours", "")),
                    tags=frozenset(tags[iri]),
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

    def near(
        self,
        latitude: float,
        longitude: float,
        k: int = 10,
        radius_km: float | None = None,
        filters: Filters | None = None,
    ) -> list[Hit]:
        """The `k` nearest places passing `filters`, within `radius_km`, nearest first."""
        chosen = filters or Filters()
        located = self.located
        moment = chosen.open_now
        accept = None if moment is None else (lambda i: located[i].open_at(moment) is True)
        pairs = self.spatial.nearest(
            latitude, longitude, k, radius_km, accept=accept, mask=self.mask(chosen)
        )
        return [Hit(located[i], km) for i, km in pairs]

    def __len__(self) -> int:
        return len(self.entries)
