"""Property-based tests: random bytes and random CSV never crash the parsers."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvesters import coords, hours
from harvesters.parsing import BadRow, read_rows
from registry.errors import SourceQuarantined

VALUES = st.one_of(st.text(max_size=30), st.floats(allow_nan=True), st.integers(), st.none())
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(data: bytes, suffix: str = ".dat") -> tuple[list, str]:
    """The rows of a random file, or the reason it was quarantined."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"source{suffix}"
        path.write_bytes(data)
        try:
            return list(read_rows(path)), ""
        except SourceQuarantined as why:
            return [], str(why)


def well_formed(rows: list) -> bool:
    return all(isinstance(n, int) and isinstance(r, dict | BadRow) for n, r in rows)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_are_rows_or_a_quarantine(data: bytes) -> None:
    rows, reason = parse(data)
    assert well_formed(rows)
    assert not (rows and reason)  # either rows, or the reason the file was refused


@FUZZ
@given(st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b))
def test_random_zip_like_bytes(data: bytes) -> None:
    rows, reason = parse(data, ".xlsx")
    assert rows == []  # never a workbook
    assert "XLSX illisible" in reason


@FUZZ
@given(
    st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=6), min_size=1, max_size=12),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]),
)
def test_random_csv_never_crashes(rows: list, delimiter: str, encoding: str) -> None:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    found, reason = parse(text.getvalue().encode(encoding, errors="replace"), ".csv")
    assert well_formed(found)
    assert not (found and reason)  # either rows, or the reason the file was refused


@FUZZ
@given(VALUES, VALUES)
def test_random_coordinates(latitude: object, longitude: object) -> None:
    try:
        point = coords.point(latitude, longitude)
    except coords.BadCoordinates:
        return
    assert point is None or coords.territory(point.latitude, point.longitude)


@FUZZ
@given(st.dictionaries(st.sampled_from(hours.DAYS), st.text(max_size=40)))
def test_random_hours_are_osm_or_nothing(days: dict) -> None:
    result = hours.from_days(days)
    assert result is None or hours.is_osm(result)
