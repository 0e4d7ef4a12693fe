"""Coordinates from any source shape to WGS84 latitude/longitude within France.

Accepts numbers or text (decimal comma), "lat, lon" in one string, {lon, lat} objects, GeoJSON
Point geometries, and Lambert-93 metres (converted with pyproj). Detects swapped latitude and
longitude. Rejects points outside France and its overseas territories.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

# (south, north, west, east) of metropolitan France and each overseas territory
TERRITORIES = {
    "France métropolitaine": (41.0, 51.5, -5.8, 10.0),
    "Guadeloupe": (15.8, 16.6, -61.9, -60.9),
    "Martinique": (14.3, 15.0, -61.3, -60.7),
    "Guyane": (2.0, 6.0, -55.0, -51.0),
    "La Réunion": (-21.5, -20.8, 55.1, 55.9),
    "Mayotte": (-13.1, -12.5, 44.9, 45.4),
    "Saint-Pierre-et-Miquelon": (46.7, 47.2, -56.5, -56.0),
    "Saint-Barthélemy et Saint-Martin": (17.8, 18.2, -63.2, -62.7),
    "Nouvelle-Calédonie": (-23.0, -19.0, 163.0, 169.0),
    "Polynésie française": (-28.0, -7.0, -155.0, -134.0),
    "Wallis-et-Futuna": (-14.5, -13.0, -178.5, -176.0),
}
LAMBERT93 = (-400_000.0, 1_400_000.0, 6_000_000.0, 7_200_000.0)  # x min/max, y min/max (padded)
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


@dataclass(frozen=True)
class Point:
    """A WGS84 position and how it was obtained."""

    latitude: float
    longitude: float
    repair: str = ""  # "" | "latitude et longitude inversées" | "Lambert-93 converti en WGS84"


class BadCoordinates(ValueError):
    """The values are not a usable position in France; the message says why, in French."""


def number(value: Any) -> float | None:
    """A float from a number or a text with a decimal point or comma; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadCoordinates(f"valeur non numérique « {value} »")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if not _NUMBER.match(text):
        raise BadCoordinates(f"valeur non numérique « {value} »")
    return float(text.replace(",", "."))


def territory(latitude: float, longitude: float) -> str | None:
    """The French territory containing the point, or None."""
    for name, (south, north, west, east) in TERRITORIES.items():
        if south <= latitude <= north and west <= longitude <= east:
            return name
    return None


@cache
def _lambert93() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(2154, 4326, always_xy=True)


def point(latitude: Any, longitude: Any) -> Point | None:
    """Normalise a latitude/longitude pair (or x/y metres); None when both are absent."""
    lat, lon = number(latitude), number(longitude)
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise BadCoordinates("latitude ou longitude manquante")
    if abs(lat) > 1000 or abs(lon) > 1000:
        x, y = (lon, lat) if lat > lon else (lat, lon)  # metres: y (northing) is the larger
        x_min, x_max, y_min, y_max = LAMBERT93
        if not (x_min <= x <= x_max and y_min <= y <= y_max):
            raise BadCoordinates(f"coordonnées en mètres hors Lambert-93 ({x}, {y})")
        lon, lat = _lambert93().transform(x, y)
        if territory(lat, lon) is None:
            raise BadCoordinates("coordonnées Lambert-93 hors de France")
        return Point(round(lat, 7), round(lon, 7), "Lambert-93 converti en WGS84")
    if territory(lat, lon):
        return Point(lat, lon)
    if territory(lon, lat):
        return Point(lon, lat, "latitude et longitude inversées")
    raise BadCoordinates(f"position hors de France ({lat}, {lon})")


def parse_any(value: Any) -> Point | None:
    """A position from "lat, lon" text, a {lon, lat} object or a GeoJSON Point."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        if value.get("type") == "GeometryCollection":  # the first point of the collection
            points = [g for g in value.get("geometries") or [] if g.get("type") == "Point"]
            return parse_any(points[0]) if points else None
        if value.get("type") == "Point" and isinstance(value.get("coordinates"), list):
            coordinates = value["coordinates"]
            if len(coordinates) < 2:
                raise BadCoordinates("géométrie Point sans coordonnées")
            return point(coordinates[1], coordinates[0])
        lat = value.get("lat", value.get("latitude"))
        lon = value.get("lon", value.get("lng", value.get("longitude")))
        return point(lat, lon)
    if isinstance(value, list) and len(value) == 2:
        return point(value[0], value[1])
    text = str(value).strip()
    if text.startswith("{"):  # a GeoJSON geometry or {lat, lon} object stored as text
        try:
            return parse_any(json.loads(text))
        except json.JSONDecodeError as error:
            raise BadCoordinates(f"position illisible « {text[:40]} »") from error
    if re.fullmatch(r"-?\d+\.\d+,-?\d+\.\d+", text):  # "47.7507,7.341805": a comma, no space
        return point(*text.split(","))
    parts = [p for p in re.split(r"[;,]\s+|\s+|;", text) if p]
    if len(parts) == 2:
        return point(parts[0], parts[1])
    if len(parts) == 4 and all(p.isdigit() for p in parts):  # "48,85, 2,35" with decimal commas
        return point(f"{parts[0]}.{parts[1]}", f"{parts[2]}.{parts[3]}")
    raise BadCoordinates(f"position illisible « {value} »")
