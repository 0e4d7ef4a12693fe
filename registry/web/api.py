"""The JSON API: places near a point (JSON or GeoJSON), commune autocompletion, its OpenAPI.

`GET /api/lieux?pres=<lat>,<lon>&rayon=20&typologie=coworking…`: the places nearest to a point,
a commune, a postcode or an address, with their distance and an estimated travel time, filtered.
Every parameter is described in `openapi.json` (served at /api/openapi.json); a bad parameter
gets a 400 with a French message saying which one and why.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..geography import AVERAGE_SPEED_KMH, DETOUR_FACTOR, suggest
from ..search import Hit
from . import context, searching
from .searching import BadParameter

bp = Blueprint("api", __name__, url_prefix="/api")

OPENAPI = Path(__file__).with_name("openapi.json")
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
ESTIMATE_NOTE = (
    f"Durée estimée : distance à vol d'oiseau × {DETOUR_FACTOR:.1f} (détours de la route), "
    f"à {AVERAGE_SPEED_KMH:.0f} km/h de moyenne. Ce n'est pas un itinéraire calculé."
).replace(".", ",", 1)


@bp.after_request
def allow_any_origin(response: Response) -> Response:
    """Open data: any web page may call the API."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.errorhandler(BadParameter)
def bad_parameter(error: BadParameter) -> tuple[Response, int]:
    """400 with the reason, as JSON."""
    return jsonify({"erreur": str(error)}), 400


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
        "conditions_acces": entry.tagged("acces"),
        "accessible_pmr": True if entry.tagged("pmr") else None,
        "criteres_remplis": entry.tagged("critere"),
        "statut": entry.status or None,
        "horaires": entry.opening_hours or None,
        "ouvert": entry.open_at(moment) if moment is not None else None,
    }


@bp.get("/lieux")
def places() -> Response:
    """The places nearest to a point, nearest first, as JSON or GeoJSON."""
    centre = searching.centre(request.args, context.gazetteer())
    radius = searching.radius(request.args)
    limit = int(searching.number(request.args, "limite", DEFAULT_LIMIT, 1, MAX_LIMIT))
    filters = searching.filters(request.args)
    output = searching.one(request.args, "format").strip() or (
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
    text = searching.text(request.args, "q")
    if not text:
        raise BadParameter(
            "« q » est obligatoire : le début d'un nom de commune ou d'un code postal."
        )
    limit = int(searching.number(request.args, "limite", 10, 1, 50))
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
