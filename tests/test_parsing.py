"""Parsers: every dialect, encoding and shape the sources use; bad files are quarantined."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from harvesters.parsing import BadRow, TableFormat, read_rows
from registry.errors import SourceQuarantined

ROWS = [("1", "Médiathèque d'Été", "Besançon"), ("2", "Fablab ŒUVRE", "Saint-Étienne")]


def rows_of(path: Path, fmt: TableFormat | None = None) -> list:
    return list(read_rows(path, fmt))


def write_csv(path: Path, delimiter: str, encoding: str) -> Path:
    lines = [delimiter.join(("id", "nom", "commune"))] + [delimiter.join(r) for r in ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_dialects_and_encodings(tmp_path: Path, delimiter: str, encoding: str) -> None:
    path = write_csv(tmp_path / "lieux.csv", delimiter, encoding)
    found = rows_of(path)
    assert [(n, r["nom"], r["commune"]) for n, r in found] == [
        (2, "Médiathèque d'Été", "Besançon"),
        (3, "Fablab ŒUVRE", "Saint-Étienne"),
    ]


def test_a_bad_row_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "lieux.csv"
    path.write_text("id;nom;commune\n1;A;Lyon\n2;B;Paris;en trop\n3;C;Nice\n", encoding="utf-8")
    found = rows_of(path)
    assert found[1] == (3, BadRow(3, "4 cellules pour 3 colonnes"))
    assert [n for n, r in found if isinstance(r, dict)] == [2, 4]


def test_quoted_delimiter_and_gzip(tmp_path: Path) -> None:
    path = tmp_path / "lieux.csv.gz"
    path.write_bytes(gzip.compress('id;nom\n1;"Tiers-lieu ; café"\n'.encode()))
    assert rows_of(path) == [(2, {"id": "1", "nom": "Tiers-lieu ; café"})]


def test_xlsx_with_numbers_and_blank_rows(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Lauréats"
    sheet.append(["Identifiant", "Code postal", "Montant"])
    sheet.append(["A-1", 24200, 56000.0])
    sheet.append([None, None, None])
    sheet.append(["A-2", "33000", 12.5])
    book.save(tmp_path / "l.xlsx")
    found = rows_of(tmp_path / "l.xlsx", TableFormat(sheet="Lauréats"))
    assert found == [
        (2, {"Identifiant": "A-1", "Code postal": "24200", "Montant": "56000"}),
        (4, {"Identifiant": "A-2", "Code postal": "33000", "Montant": "12.5"}),
    ]


@pytest.mark.parametrize(
    ("document", "records"),
    [([{"nom": "A"}, {"nom": "B"}], ""),
     ({"data": {"items": [{"nom": "A"}, {"nom": "B"}]}}, "data.items"),
     ({"elements": [{"nom": "A"}, {"nom": "B"}]}, "")],
)  # fmt: skip
def test_json_arrays_and_nested_lists(tmp_path: Path, document: object, records: str) -> None:
    path = tmp_path / "l.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert [r["nom"] for _, r in rows_of(path, TableFormat(records=records))] == ["A", "B"]


@pytest.mark.parametrize("wrap", [True, False])
def test_geojson_collection_or_array_of_features(tmp_path: Path, wrap: bool) -> None:
    features = [
        {"type": "Feature", "properties": {"nom": "A"},
         "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}},
    ]  # fmt: skip
    document = {"type": "FeatureCollection", "features": features} if wrap else features
    path = tmp_path / "l.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    (_line, row), *_ = rows_of(path)
    assert row["nom"] == "A"
    assert row["geometry"]["coordinates"] == [2.35, 48.85]


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "vide"), (b"   \n", "vide"), (b"<!DOCTYPE html><html>Erreur 500</html>", "HTML"),
     (b'[{"nom": "A"}, {"nom": ', "JSON illisible"), (b"\x1f\x8b\x08\x00tronque", "gzip"),
     (b"PK\x03\x04pas un classeur", "XLSX illisible"), (b'{"a": 1}', "pas de liste")],
)  # fmt: skip
def test_unusable_files_are_quarantined_with_a_reason(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "source.dat"
    path.write_bytes(content)
    with pytest.raises(SourceQuarantined, match=reason):
        rows_of(path)
