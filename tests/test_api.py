"""The near-home JSON API: /api/lieux (JSON, GeoJSON), /api/communes, and its OpenAPI."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from registry.geography import distance_km
from registry.search import Filters, PlaceEntry, PlaceIndex, brute_force_nearest
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import create_app
from registry.web.api import OPENAPI
from registry.web.searching import WHERE


@pytest.fixture
def client(settings: Settings, loaded_store: OxigraphStore) -> FlaskClient:
    return create_app(settings, store=loaded_store).test_client()


NANTES = (47.2184, -1.5536)


def test_places_near_a_point_are_sorted_by_distance_with_an_estimated_time(
    client: FlaskClient,
) -> None:
    response = client.get("/api/lieux", query_string={"pres": "{},{}".format(*NANTES), "rayon": 50})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    names = [place["nom"] for place in body["lieux"]]
    assert names and names[0] == "ADE Coworking"
    distances = [place["distance_km"] for place in body["lieux"]]
    assert distances == sorted(distances)
    first = body["lieux"][0]
    assert first["distance_km"] == pytest.approx(
        distance_km(*NANTES, first["latitude"], first["longitude"]), abs=0.01
    )
    assert first["duree_estimee_min"] == round(first["distance_km"] * 1.3 / 50 * 60)
    assert "estimée" in body["duree_estimee"].lower()
    assert all(place["distance_km"] <= 50 for place in body["lieux"])
    assert first["code_insee"] == "44109" and first["page"].endswith(f"/lieu/{first['id']}")


def test_a_commune_a_postcode_or_an_address_start_the_search_at_the_commune(
    client: FlaskClient,
) -> None:
    centres = []
    for parameters in (
        {"commune": "Libourne"},
        {"commune": "33243"},
        {"cp": "33500"},
        {"adresse": "12 rue Haute, 33500 Libourne"},
        {"q": "LIBOURNE"},
    ):
        response = client.get("/api/lieux", query_string={**parameters, "rayon": 5})
        assert response.status_code == 200, parameters
        body = response.get_json()
        centres.append(body["centre"]["code_insee"])
        assert [place["nom"] for place in body["lieux"]] == ["Espace Partagé"], parameters
    assert set(centres) == {"33243"}


def test_geojson_is_a_feature_collection_of_points(client: FlaskClient) -> None:
    by_parameter = client.get("/api/lieux?cp=44300&format=geojson")
    by_accept = client.get("/api/lieux?cp=44300", headers={"Accept": "application/geo+json"})
    for response in (by_parameter, by_accept):
        assert response.status_code == 200
        assert response.mimetype == "application/geo+json"
        body = json.loads(response.get_data(as_text=True))
        assert body["type"] == "FeatureCollection" and body["features"]
        feature = body["features"][0]
        lon, lat = feature["geometry"]["coordinates"]
        assert (lat, lon) == (feature["properties"]["latitude"], feature["properties"]["longitude"])


def test_filters_keep_only_matching_places(client: FlaskClient) -> None:
    near_libourne = "/api/lieux?pres=44.9,-0.2&rayon=200&limite=100"
    everything = client.get(near_libourne).get_json()
    coworkings = client.get(near_libourne + "&typologie=coworking").get_json()
    assert coworkings["lieux"] and len(coworkings["lieux"]) < len(everything["lieux"])
    assert all("coworking" in place["typologies"] for place in coworkings["lieux"])
    expected = [p["id"] for p in everything["lieux"] if "coworking" in p["typologies"]]
    assert [p["id"] for p in coworkings["lieux"]] == expected
    none = client.get(near_libourne + "&criteres_min=6").get_json()
    assert none["lieux"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Indiquez où chercher"),
        ("pres=abc", "latitude,longitude"),
        ("pres=Nantes", "latitude,longitude"),
        ("q=zzzzzz", "introuvable"),
        ("cp=44300&rayon=1000", "rayon"),
        ("cp=44300&rayon=beaucoup", "nombre"),
        ("cp=44300&limite=0", "limite"),
        ("cp=44300&format=xml", "format"),
        ("cp=44300&ouvert=demain", "maintenant"),
        ("cp=44300&ouvert=maintenant&a=hier", "ISO 8601"),
        ("q=" + "x" * 300, "trop long"),
        ("cp=44300&typologie=" + ",".join(f"t{i}" for i in range(30)), "valeurs au plus"),
        ("cp=44300&ouvert=maintenant&a=0001-01-01T00:00%2B05:00", "entre 1900 et 2200"),
        ("cp=44300&gratuit=peut-etre", "oui ou non"),
    ],
)
def test_bad_parameters_get_a_400_saying_which_and_why(
    client: FlaskClient, query: str, message: str
) -> None:
    response = client.get(f"/api/lieux?{query}")
    assert response.status_code == 400
    assert message in response.get_json()["erreur"]


def test_free_and_step_free_filters_keep_only_the_places_sources_say_so() -> None:
    base = {"name": "", "locality": "", "postcode": "", "region": "", "typologies": (), "keys": ""}
    tags = [{"acces:gratuit"}, {"pmr:oui"}, {"acces:gratuit", "pmr:oui"}, {"acces:payant"}, set()]
    entries = [
        PlaceEntry(id=f"p{i}", latitude=45.0 + i / 1000, longitude=5.0, tags=frozenset(t), **base)
        for i, t in enumerate(tags)
    ]
    index = PlaceIndex(None, entries)
    for filters, expected in (
        (Filters(free=True), ["p0", "p2"]),
        (Filters(step_free=True), ["p1", "p2"]),
        (Filters(free=True, step_free=True), ["p2"]),
        (Filters(), ["p0", "p1", "p2", "p3", "p4"]),
    ):
        assert [h.entry.id for h in index.near(45, 5, filters=filters)] == expected
        assert [e.id for e in entries if filters.accepts(e)] == expected


def test_open_now_uses_the_opening_hours_at_the_given_time() -> None:
    base = {"name": "", "locality": "", "postcode": "", "region": "", "typologies": (), "keys": ""}
    weekdays = PlaceEntry(
        id="a", latitude=45.0, longitude=5.0, opening_hours="Mo-Fr 09:00-18:00", **base
    )
    unknown = PlaceEntry(id="b", latitude=45.001, longitude=5.0, **base)
    index = PlaceIndex(None, [weekdays, unknown])
    from datetime import datetime

    from registry.search import PARIS

    monday = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    sunday = datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)
    assert [h.entry.id for h in index.near(45, 5, filters=Filters(open_now=monday))] == ["a"]
    assert index.near(45, 5, filters=Filters(open_now=sunday)) == []
    assert len(index.near(45, 5)) == 2


def test_communes_autocomplete(client: FlaskClient) -> None:
    found = client.get("/api/communes?q=libou").get_json()
    assert [c["code_insee"] for c in found][:1] == ["33243"]
    assert found[0]["codes_postaux"] == ["33500"]
    assert client.get("/api/communes").status_code == 400


def test_openapi_is_valid_and_documents_every_parameter_the_api_reads(
    client: FlaskClient,
) -> None:
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    document = served.get_json()
    validate(document)
    assert document == json.loads(OPENAPI.read_text(encoding="utf-8"))
    documented = {p["name"] for p in document["paths"]["/api/lieux"]["get"]["parameters"]}
    source = "".join(
        (OPENAPI.parent / name).read_text(encoding="utf-8") for name in ("api.py", "searching.py")
    )
    read = set(re.findall(r'(?:args, |args\.get\()"(\w+)"', source))
    read |= set(WHERE)  # the centre, read in a loop
    assert documented == read


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    points=st.lists(
        st.tuples(st.floats(41.0, 51.0), st.floats(-5.0, 9.5)), min_size=1, max_size=300
    ),
    centre=st.tuples(st.floats(41.0, 51.0), st.floats(-5.0, 9.5)),
    k=st.integers(1, 15),
    radius=st.one_of(st.none(), st.floats(1.0, 500.0)),
    every=st.integers(1, 4),
)
def test_the_spatial_index_gives_the_brute_force_answer(
    points: list[tuple[float, float]],
    centre: tuple[float, float],
    k: int,
    radius: float | None,
    every: int,
) -> None:
    base = {"name": "", "locality": "", "postcode": "", "region": "", "typologies": (), "keys": ""}
    entries = [
        PlaceEntry(
            id=f"p{i}",
            latitude=lat,
            longitude=lon,
            tags=frozenset({"typologie:coworking"} if i % every == 0 else set()),
            **base,
        )
        for i, (lat, lon) in enumerate(points)
    ]
    index = PlaceIndex(None, entries)
    filters = Filters(typologies=("coworking",))
    hits = index.near(*centre, k=k, radius_km=radius, filters=filters)
    mask = np.array([i % every == 0 for i in range(len(points))])
    expected = brute_force_nearest(
        np.array([p[0] for p in points]),
        np.array([p[1] for p in points]),
        *centre,
        k=k,
        radius_km=radius,
        mask=mask,
    )
    assert [h.km for h in hits] == pytest.approx([km for _, km in expected], abs=1e-6)
    ours = [h.entry.id for h in hits]
    theirs = [f"p{i}" for i, _ in expected]
    # equal distances may come in either order; the sets of places at each distance agree
    assert sorted(ours) == sorted(theirs) or len({round(h.km, 6) for h in hits}) < len(hits)
