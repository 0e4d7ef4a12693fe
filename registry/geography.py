"""French reference geography: communes, EPCI, départements, régions, and commune resolution.

The `Gazetteer` holds the communes of INSEE's COG (current communes and the municipal
arrondissements of Paris, Lyon and Marseille) with their centroids, and resolves a harvested
record to its commune from whatever the record gives (`Gazetteer.resolve`):

1. its INSEE code, when it is a current commune or arrondissement, or an old code (a commune
   merged since, a commune déléguée or associée), which resolves to today's commune;
2. else its postcode and commune name, compared accent-, case- and article-insensitively
   ("ST ETIENNE" = "Saint-Étienne", "LE MANS" = "Mans"), names of communes déléguées included;
   a CEDEX or unknown postcode falls back to the name within the postcode's département;
   without a usable postcode, the commune of that name nearest to the record's position;
3. else the commune of the postcode nearest to the record's position (or, without a position,
   the most populated commune of the postcode);
4. else the commune whose centroid is nearest to the record's position.

The method used is returned with the commune, and published with the place.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from .vocabulary import fold

EARTH_RADIUS_KM = 6371.0088

# How a record was resolved to its commune: the notations of the `resolution` concept scheme.
BY_CODE = "code-insee"
BY_FORMER_CODE = "ancien-code-insee"
BY_POSTCODE_AND_NAME = "code-postal-et-nom"
BY_NAME_IN_DEPARTEMENT = "nom-et-departement"
BY_NAME_NEAR_POSITION = "nom-et-position"
BY_POSTCODE_NEAREST = "code-postal-et-position"
BY_POSTCODE_ONLY = "code-postal"
BY_NEAREST = "position"
METHODS = (
    BY_CODE,
    BY_FORMER_CODE,
    BY_POSTCODE_AND_NAME,
    BY_NAME_IN_DEPARTEMENT,
    BY_NAME_NEAR_POSITION,
    BY_POSTCODE_NEAREST,
    BY_POSTCODE_ONLY,
    BY_NEAREST,
)


@dataclass(frozen=True, slots=True)
class Commune:
    """A current commune or a municipal arrondissement (`parent` is then its commune)."""

    code: str
    name: str
    departement: str
    region: str
    population: int
    postcodes: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    epci: str = ""
    parent: str = ""  # for an arrondissement municipal: the code of its commune
    former_codes: tuple[str, ...] = ()  # codes of communes merged into this one
    other_names: tuple[str, ...] = ()  # names of its communes déléguées or associées

    @property
    def is_arrondissement(self) -> bool:
        """True for the arrondissements municipaux of Paris, Lyon and Marseille."""
        return bool(self.parent)


@dataclass(frozen=True, slots=True)
class Territory:
    """An EPCI, a département or a région."""

    kind: str  # "epci", "departement" or "region"
    code: str
    name: str
    parent: str = ""  # région of a département
    category: str = ""  # CC, CA, CU, METRO, MET69 for an EPCI


@dataclass(frozen=True, slots=True)
class Resolution:
    """The commune a record lies in, at commune level, its arrondissement if known, and how."""

    commune: Commune
    method: str
    arrondissement: Commune | None = None


def name_key(name: str) -> str:
    """A commune name folded for matching: no case, accents, punctuation, articles or CEDEX.

    "ST ETIENNE CEDEX 2", "Saint-Étienne" → "saint etienne"; "L'Haÿ-les-Roses" → "hay les roses";
    "Paris 11e Arrondissement", "MARSEILLE 03" → "paris", "marseille".
    """
    text = fold(name.replace("’", "'").replace(".", " "))
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    words = text.split()
    if "cedex" in words:
        words = words[: words.index("cedex")]
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    while words and words[0] in _ARTICLES and len(words) > 1:
        words = words[1:]
    if (
        len(words) > 1
        and words[0] in ("paris", "lyon", "marseille")
        and (re.fullmatch(r"\d+(e|er|eme)?", words[1]) or words[1] == "arrondissement")
    ):
        return words[0]
    return " ".join(words)


# A commune named by a record without a usable postcode must lie this close to its position.
NAME_NEAR_POSITION_KM = 20.0


def _compact(key: str) -> str:
    """A name key without spaces: "grand lieu" and "grandlieu" are spelled both ways."""
    return key.replace(" ", "")


_ARTICLES = {"le", "la", "les", "l"}
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def unit_vectors(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    """Points on the unit sphere: the chord between two is monotonic in their true distance."""
    lat, lon = np.radians(latitudes), np.radians(longitudes)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def chord_to_km(chord: np.ndarray) -> np.ndarray:
    """Great-circle kilometres of chord lengths on the unit sphere."""
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.asarray(chord) / 2)))


def km_to_chord(km: float) -> float:
    """The chord length on the unit sphere of a great-circle distance in kilometres."""
    return float(2 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2))


def departement_of_postcode(postcode: str) -> str:
    """The département a postcode belongs to: "69286" → "69", "20000" → "2A", "97411" → "974"."""
    if postcode.startswith("97") or postcode.startswith("98"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if postcode < "20200" else "2B"
    return postcode[:2]


@dataclass
class Gazetteer:
    """The communes and territories of one COG vintage, indexed for resolution."""

    communes: dict[str, Commune]
    territories: dict[tuple[str, str], Territory] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # old or delegated code → commune code

    def __post_init__(self) -> None:
        self.by_postcode: dict[str, list[Commune]] = defaultdict(list)
        self.by_name: dict[str, list[Commune]] = defaultdict(list)
        self.children: dict[str, list[Commune]] = defaultdict(list)
        for commune in self.communes.values():
            if commune.parent:
                self.children[commune.parent].append(commune)
            for postcode in commune.postcodes:
                self.by_postcode[postcode].append(commune)
            for name in {commune.name, *commune.other_names}:
                self.by_name[_compact(name_key(name))].append(commune)
            for old in commune.former_codes:
                self.aliases.setdefault(old, commune.code)
        self.sorted_names = sorted(self.by_name)
        # the finest units with a centroid: arrondissements rather than Paris, Lyon, Marseille
        self.located = [
            c
            for c in self.communes.values()
            if c.latitude is not None and c.code not in self.children
        ]
        self.located.sort(key=lambda c: c.code)
        if self.located:
            points = unit_vectors(
                np.array([c.latitude for c in self.located]),
                np.array([c.longitude for c in self.located]),
            )
            self._tree = cKDTree(points)

    def __len__(self) -> int:
        return len(self.communes)

    def territory(self, kind: str, code: str) -> Territory | None:
        """The EPCI, département or région with this code."""
        return self.territories.get((kind, code))

    def current(self, code: str) -> tuple[Commune | None, bool]:
        """The commune an INSEE code names today, and whether the code was an old one."""
        if code in self.communes:
            return self.communes[code], False
        if code in self.aliases and self.aliases[code] in self.communes:
            return self.communes[self.aliases[code]], True
        return None, False

    def nearest(self, latitude: float, longitude: float, among: Iterable[Commune] = ()) -> Commune:
        """The commune (or arrondissement) whose centroid is nearest; within `among` if given."""
        pool = list(among)
        candidates = [c for c in pool if c.latitude is not None]
        if pool and not candidates:  # none of them has a centroid: the most populated
            return max(pool, key=lambda c: (c.population, c.code))
        if candidates:
            return min(
                candidates,
                key=lambda c: (distance_km(latitude, longitude, c.latitude, c.longitude), c.code),  # type: ignore[arg-type]
            )
        _, index = self._tree.query(unit_vectors(np.array([latitude]), np.array([longitude]))[0])
        return self.located[int(index)]

    def resolve(
        self,
        code: str = "",
        postcode: str = "",
        name: str = "",
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> Resolution | None:
        """The commune of a record (see the module's docstring for the order); None if nothing."""
        code, postcode = code.strip().upper(), postcode.strip()
        located = latitude is not None and longitude is not None
        if code:
            commune, was_old = self.current(code)
            if commune is not None:
                return self._at_commune_level(
                    commune, BY_FORMER_CODE if was_old else BY_CODE, postcode, latitude, longitude
                )
        key = _compact(name_key(name)) if name else ""
        in_postcode = self.by_postcode.get(postcode, []) if postcode else []
        if key:
            named = self.by_name.get(key, [])
            matches = [c for c in named if c in in_postcode]
            method = BY_POSTCODE_AND_NAME
            if not matches and postcode and re.fullmatch(r"\d{5}", postcode):
                departement = departement_of_postcode(postcode)
                matches = [c for c in named if c.departement == departement]
                method = BY_NAME_IN_DEPARTEMENT
            if not matches and not in_postcode and located:
                near = [c for c in named if c.latitude is not None]
                near = [
                    c
                    for c in near
                    if distance_km(latitude, longitude, c.latitude, c.longitude)  # type: ignore[arg-type]
                    <= NAME_NEAR_POSITION_KM
                ]
                matches, method = near, BY_NAME_NEAR_POSITION
            if matches:
                commune = (
                    self.nearest(latitude, longitude, matches)  # type: ignore[arg-type]
                    if located and len(matches) > 1
                    else max(matches, key=lambda c: (c.population, c.code))
                )
                return self._at_commune_level(commune, method, postcode, latitude, longitude)
        if in_postcode:
            if located:
                commune = self.nearest(latitude, longitude, in_postcode)  # type: ignore[arg-type]
                return self._at_commune_level(
                    commune, BY_POSTCODE_NEAREST, postcode, latitude, longitude
                )
            commune = max(in_postcode, key=lambda c: (not c.is_arrondissement, c.population))
            return self._at_commune_level(commune, BY_POSTCODE_ONLY, postcode, None, None)
        if located and self.located:
            commune = self.nearest(latitude, longitude)  # type: ignore[arg-type]
            return self._at_commune_level(commune, BY_NEAREST, postcode, latitude, longitude)
        return None

    def _at_commune_level(
        self,
        commune: Commune,
        method: str,
        postcode: str,
        latitude: float | None,
        longitude: float | None,
    ) -> Resolution:
        """Paris, Lyon and Marseille: the commune, and the arrondissement when it can be told."""
        if commune.is_arrondissement:
            return Resolution(self.communes[commune.parent], method, commune)
        arrondissements = self.children.get(commune.code, [])
        if not arrondissements:
            return Resolution(commune, method)
        by_postcode = [c for c in arrondissements if postcode in c.postcodes]
        if len(by_postcode) == 1:
            return Resolution(commune, method, by_postcode[0])
        if latitude is not None and longitude is not None:
            return Resolution(
                commune, method, self.nearest(latitude, longitude, by_postcode or arrondissements)
            )
        return Resolution(commune, method)


# Travel time is estimated, not routed: the crow-flies distance times a detour factor, at an
# average speed (docs/decisions.md, "Travel time estimate").
DETOUR_FACTOR = 1.3
AVERAGE_SPEED_KMH = 50.0


def estimated_minutes(km: float) -> int:
    """Estimated travel time by road, in whole minutes, for a crow-flies distance."""
    return round(km * DETOUR_FACTOR / AVERAGE_SPEED_KMH * 60)


def km_within_minutes(minutes: float) -> float:
    """The crow-flies distance whose estimated travel time is `minutes`."""
    return minutes / 60 * AVERAGE_SPEED_KMH / DETOUR_FACTOR


@dataclass(frozen=True)
class Centre:
    """Where a near-home search starts: a point and what it is."""

    latitude: float
    longitude: float
    label: str
    commune: Commune | None = None


_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_POSTCODE = re.compile(r"\b(\d{5})\b")


def suggest(gazetteer: Gazetteer, text: str, limit: int = 10) -> list[Commune]:
    """Communes whose name starts with `text` (folded), or whose postcode does; biggest first.

    For autocompletion: "st eti" finds Saint-Étienne, "330" the communes of 330xx postcodes.
    """
    key = _compact(name_key(text)) if text.strip() else ""
    if not key:
        return []
    if key.isdigit():
        found = {
            c.code: c
            for postcode, communes in gazetteer.by_postcode.items()
            if postcode.startswith(key)
            for c in communes
        }
        ranked = sorted(found.values(), key=lambda c: (-c.population, c.code))
        return ranked[:limit]
    exact = gazetteer.by_name.get(key, [])
    names = gazetteer.sorted_names
    prefixed = []
    for position in range(bisect_left(names, key), len(names)):
        if not names[position].startswith(key):
            break
        prefixed.extend(gazetteer.by_name[names[position]])
    ranked = sorted(
        {c.code: c for c in prefixed}.values(),
        key=lambda c: (c not in exact, -c.population, c.code),
    )
    return ranked[:limit]


def find_centre(gazetteer: Gazetteer, text: str) -> Centre | None:
    """The point a user means: "lat, lon", a postcode, a commune name, or an address with one.

    An address is located at the centroid of its commune (postcode and name), not geocoded.
    """
    if match := _COORDINATES.match(text):
        latitude, longitude = float(match[1]), float(match[2])
        if -90 <= latitude <= 90 and -180 <= longitude <= 180:
            return Centre(latitude, longitude, f"{latitude:.5f}, {longitude:.5f}")
        return None
    if match := _POSTCODE.search(text):
        postcode = match[1]
        after = text[match.end() :].strip(" ,")
        before = text[: match.start()].strip(" ,").rsplit(",", 1)[-1].strip()
        resolution = None
        for name in (after, before):
            found = gazetteer.resolve(postcode=postcode, name=name) if name else None
            if found is not None and found.method in (BY_POSTCODE_AND_NAME, BY_NAME_IN_DEPARTEMENT):
                resolution = found
                break
        resolution = resolution or gazetteer.resolve(postcode=postcode)
        if resolution is None:
            return None
        return centre_of(resolution.arrondissement or resolution.commune, postcode)
    named = suggest(gazetteer, text, limit=1)
    return centre_of(named[0]) if named else None


def centre_of(commune: Commune, postcode: str = "") -> Centre | None:
    """The centroid of a commune as a search centre (None when it has none)."""
    if commune.latitude is None or commune.longitude is None:
        return None
    shown = postcode or (commune.postcodes[0] if commune.postcodes else commune.departement)
    return Centre(commune.latitude, commune.longitude, f"{commune.name} ({shown})", commune)
