"""The JSON API: places near a point (JSON or GeoJSON), commune autocompletion, its OpenAPI.

`GET /api/lieux?pres=<lat>,<lon>&rayon=20&typologie=coworking…`: the places nearest to a point,
a commune, a postcode or an address, with their distance and an estimated travel time, filtered.
Every parameter is described in `openapi.json` (served at /api/openapi.json); a bad parameter
gets a 400 with a French message saying which one and why.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..geography import (
    AVERAGE_SPEED_KMH,
    DETOUR_FACTOR,
    Centre,
    centre_of,
    find_centre,
    suggest,
)
from ..search import PARIS, Filters, Hit
from . import context

bp = Blueprint("api", __name__, url_prefix="/api")

OPENAPI = Path(__file__).with_name("openapi.json")
DEFAULT_RADIUS_KM, MAX_RADIUS_KM = 20.0, 200.0
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
MAX_TEXT = 200
MAX_VALUES = 20  # values of one repeatable filter
ESTIMATE_NOTE = (
    f"Durée estimée : distance à vol d'oiseau × {DETOUR_FACTOR:.1f} (détours de la route), "
    f"à {AVERAGE_SPEED_KMH:.0f} km/h de moyenne. Ce n'est pas un itinéraire calculé."
).replace(".", ",", 1)
INSEE_CODE = re.compile(r"\d[\dAB]\d{3}")


class BadParameter(ValueError):
    """A query parameter the API cannot use; the message says which and why, in French."""


@bp.after_request
def allow_any_origin(response: Response) -> Response:
    """Open data: any web page may call the API."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.errorhandler(BadParameter)
def bad_parameter(error: BadParameter) -> tuple[Response, int]:
    """400 with the reason, as JSON."""
    return jsonify({"erreur": str(error)}), 400


def _values(name: str) -> tuple[str, ...]:
    """A repeatable parameter: `?service=wifi&service=imprimante` or `?service=wifi,imprimante`."""
    values = [v.strip() for raw in request.args.getlist(name) for v in raw.split(",")]
    if len(values) > MAX_VALUES:
        raise BadParameter(f"« {name} » : {MAX_VALUES} valeurs au plus.")
    for value in values:
        if len(value) > MAX_TEXT:
            raise BadParameter(f"« {name} » est trop long ({MAX_TEXT} caractères au plus).")
    return tuple(v for v in values if v)


def _number(name: str, default: float, low: float, high: float) -> float:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise BadParameter(f"« {name} » doit être un nombre (reçu « {raw[:40]} »).") from None
    if not low <= value <= high:
        raise BadParameter(f"« {name} » doit être compris entre {low:g} et {high:g}.")
    return value


def _centre() -> Centre:
    """The point of the search, from `pres`, `commune`, `cp`, `adresse` or `q` (first given)."""
    gazetteer = context.gazetteer()
    given = {
        name: request.args.get(name, "").strip()
        for name in ("pres", "commune", "cp", "adresse", "q")
        if request.args.get(name, "").strip()
    }
    if not given:
        raise BadParameter(
            "Indiquez où chercher : « pres=latitude,longitude », « commune », « cp », "
            "« adresse » ou « q »."
        )
    name, text = next(iter(given.items()))
    if len(text) > MAX_TEXT:
        raise BadParameter(f"« {name} » est trop long ({MAX_TEXT} caractères au plus).")
    if name == "pres" and "," not in text:
        raise BadParameter("« pres » s'écrit latitude,longitude (par exemple 45.76,4.83).")
    if name == "commune" and INSEE_CODE.fullmatch(text.upper()):
        commune, _ = gazetteer.current(text.upper())
        centre = centre_of(commune) if commune else None
    else:
        centre = find_centre(gazetteer, text)
    if centre is None:
        raise BadParameter(f"Lieu introuvable : « {text[:80]} » ({name}).")
    if name == "pres" and centre.commune is not None:
        raise BadParameter("« pres » s'écrit latitude,longitude (par exemple 45.76,4.83).")
    return centre


def _moment() -> datetime | None:
    """The moment of `ouvert=maintenant` (now, or `a=<date and time>` in French time)."""
    wanted = request.args.get("ouvert", "").strip()
    if not wanted:
        return None
    if wanted != "maintenant":
        raise BadParameter("« ouvert » ne prend qu'une valeur : « maintenant ».")
    at = request.args.get("a", "").strip()
    if not at:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(at[:40])
    except ValueError:
        raise BadParameter(
            "« a » doit être une date et heure ISO 8601 (2026-11-23T10:00)."
        ) from None
    if not 1900 <= moment.year <= 2200:
        raise BadParameter("« a » doit être une date entre 1900 et 2200.")
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)


def _filters() -> Filters:
    criteria_min = int(_number("criteres_min", 0, 0, 6))
    return Filters(
        typologies=_values("typologie"),
        labels=_values("label"),
        services=_values("service"),
        criteria=_values("critere"),
        min_criteria=criteria_min,
        open_now=_moment(),
        only_open=request.args.get("fermes", "") != "inclus",
    )


def _place_json(hit: Hit, moment: datetime | None) -> dict[str, Any]:
    entry = hit.entry
    minter = context.minter()
    return {
        "id": entry.id,
        "uri": str(minter.place(entry.id)),
        "page": f"{context.settings().base_uri}lieu/{entry.id}",
        "nom": entry.name,
        "commune": entry.locality,
        "code_insee": entry.commune or None,
        "code_postal": entry.postcode or None,
        "latitude": entry.latitude,
        "longitude": entry.longitude,
        "precision_position": entry.precision or None,
        "distance_km": round(hit.km, 2),
        "duree_estimee_min": hit.minutes,
        "typologies": entry.tagged("typologie"),
        "labels": entry.tagged("label"),
        "services": entry.tagged("service"),
        "criteres_remplis": entry.tagged("critere"),
        "statut": entry.status or None,
        "horaires": entry.opening_hours or None,
        "ouvert": entry.open_at(moment) if moment is not None else None,
    }


@bp.get("/lieux")
def places() -> Response:
    """The places nearest to a point, nearest first, as JSON or GeoJSON."""
    centre = _centre()
    radius = _number("rayon", DEFAULT_RADIUS_KM, 0.1, MAX_RADIUS_KM)
    limit = int(_number("limite", DEFAULT_LIMIT, 1, MAX_LIMIT))
    filters = _filters()
    output = request.args.get("format", "").strip() or (
        "geojson" if "application/geo+json" in request.headers.get("Accept", "") else "json"
    )
    if output not in ("json", "geojson"):
        raise BadParameter("« format » vaut json ou geojson.")
    hits = context.place_index().near(centre.latitude, centre.longitude, limit, radius, filters)
    places = [_place_json(hit, filters.open_now) for hit in hits]
    about = {
        "centre": {
            "latitude": round(centre.latitude, 6),
            "longitude": round(centre.longitude, 6),
            "libelle": centre.label,
            "code_insee": centre.commune.code if centre.commune else None,
        },
        "rayon_km": radius,
        "nombre": len(places),
        "duree_estimee": ESTIMATE_NOTE,
    }
    if output == "geojson":
        features = [
            {
                "type": "Feature",
                "id": place["id"],
                "geometry": {
                    "type": "Point",
                    "coordinates": [place["longitude"], place["latitude"]],
                },
                "properties": place,
            }
            for place in places
        ]
        body = {"type": "FeatureCollection", **about, "features": features}
        return Response(json.dumps(body, ensure_ascii=False), mimetype="application/geo+json")
    return jsonify({**about, "lieux": places})


@bp.get("/communes")
def communes() -> Response:
    """Autocompletion: the communes whose name or postcode starts with `q`."""
    text = request.args.get("q", "").strip()
    if not text:
        raise BadParameter(
            "« q » est obligatoire : le début d'un nom de commune ou d'un code postal."
        )
    if len(text) > MAX_TEXT:
        raise BadParameter(f"« q » est trop long ({MAX_TEXT} caractères au plus).")
    limit = int(_number("limite", 10, 1, 50))
    found = suggest(context.gazetteer(), text, limit)
    return jsonify(
        [
            {
                "code_insee": c.code,
                "nom": c.name,
                "codes_postaux": list(c.postcodes),
                "departement": c.departement,
                "population": c.population,
                "latitude": c.latitude,
                "longitude": c.longitude,
            }
            for c in found
        ]
    )


@cache
def _openapi() -> str:
    return OPENAPI.read_text(encoding="utf-8")


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return Response(_openapi(), mimetype="application/json")
