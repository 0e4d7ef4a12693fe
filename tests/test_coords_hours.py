"""Coordinates, opening hours and the contacts rules of harvested values."""

from __future__ import annotations

import pytest

from harvesters import coords, hours
from harvesters.places import is_mobile, looks_personal


@pytest.mark.parametrize(
    ("value", "expected", "repair"),
    [("48.8530, 2.3499", (48.853, 2.3499), ""),
     ("47.7507,7.341805", (47.7507, 7.3418), ""),
     ('{"type": "Point", "coordinates": [7.3418, 47.7507]}', (47.7507, 7.3418), ""),
     ("48,8530; 2,3499", (48.853, 2.3499), ""),
     ({"lon": 166.468099, "lat": -22.233939}, (-22.2339, 166.4681), ""),
     ({"type": "Point", "coordinates": [5.8256, 46.1057]}, (46.1057, 5.8256), ""),
     ("2.3499, 48.8530", (48.853, 2.3499), "latitude et longitude inversées"),
     ("-21.2231, 55.5582", (-21.2231, 55.5582), "")],
)  # fmt: skip
def test_positions_in_any_shape(value: object, expected: tuple, repair: str) -> None:
    point = coords.parse_any(value)
    assert point is not None
    assert (round(point.latitude, 4), round(point.longitude, 4)) == expected
    assert point.repair == repair


def test_lambert93_metres_are_converted() -> None:
    # Maine-et-Loire's x/y with decimal commas, a place in Allonnes (49002, centroid 47.30, 0.01)
    point = coords.point("6692424,50691385", "475198,121680863")
    assert point is not None
    assert point.repair == "Lambert-93 converti en WGS84"
    assert (round(point.latitude, 2), round(point.longitude, 2)) == (47.29, 0.02)


@pytest.mark.parametrize("value", ["40.4168, -3.7038", "0, 0", "91, 2", "quarante, deux", "48.85"])
def test_positions_outside_france_or_unreadable_are_refused(value: str) -> None:
    with pytest.raises(coords.BadCoordinates):
        coords.parse_any(value)


def test_missing_coordinates_are_none() -> None:
    assert coords.point("", None) is None
    assert coords.parse_any(None) is None


def test_per_day_columns_become_osm_hours() -> None:
    days = {d: "09:00 - 12:00 / 13:30 - 17:00" for d in ("Mo", "Tu", "We", "Th")}
    days |= {"Fr": "9h-12h", "Sa": "-", "Su": ""}
    assert hours.from_days(days) == "Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00"
    assert hours.is_osm("Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00")


@pytest.mark.parametrize(
    "days", [{"Mo": "sur rendez-vous"}, {"Mo": "9h-12h", "Tu": "le matin"}, {"Mo": "18h-9h"}]
)
def test_unreadable_hours_are_never_invented(days: dict) -> None:
    assert hours.from_days(days) is None


@pytest.mark.parametrize(
    ("address", "personal"),
    [("franceservices@ccpb01.fr", False), ("accueil.mairie@ville.fr", False),
     ("jean.dupont@mairie-x.fr", True), ("d.sakton@ccltd.fr", True),
     ("saveria.bensi@hotmail.fr", True), ("cap.franceservices@gmail.com", False),
     ("quelquun@gmail.com", True)],
)  # fmt: skip
def test_nominative_and_webmail_addresses_are_personal(address: str, personal: bool) -> None:
    assert looks_personal(address) is personal


@pytest.mark.parametrize(
    ("number", "mobile"),
    [("06 20 57 00 93", True), ("+33 7 85 78 24 48", True), ("04 50 56 87 49", False),
     ("620570093", True), ("+262 692 12 34 56", True), ("0262 21 00 00", False),
     ("+687 77 12 34", True), ("+687 26 12 34", False), ("+689 87 12 34 56", True)],
)  # fmt: skip
def test_mobile_numbers_are_recognised(number: str, mobile: bool) -> None:
    assert is_mobile(number) is mobile
