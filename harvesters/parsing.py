"""Read tabular and JSON sources into rows, whatever their dialect, encoding or shape.

CSV (`,` `;` tab `|`; UTF-8, UTF-8 with BOM, CP1252/Latin-1), XLSX, JSON (an array, or an array
nested under a key), GeoJSON (FeatureCollection or array of Features), gzip-compressed or not.
A file that cannot be read at all raises SourceQuarantined with the reason; a row that cannot be
read is returned as a `BadRow` (the harvester rejects it with its row number).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from registry.errors import SourceQuarantined

log = logging.getLogger(__name__)

Row = dict[str, Any]
MAX_BYTES = 200 * 1024 * 1024  # a source file larger than this is refused


@dataclass(frozen=True)
class BadRow:
    """A row the parser could not read (wrong number of cells, not an object…)."""

    number: int
    reason: str


@dataclass(frozen=True)
class TableFormat:
    """How to read a file; every field is detected when empty."""

    type: str = ""  # csv | xlsx | json | geojson
    delimiter: str = ""
    encoding: str = ""
    records: str = ""  # dotted path of the record list inside a JSON document
    sheet: str = ""  # XLSX sheet name (default: the first)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, un-gzipped when needed, refusing empty and gigantic files."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise SourceQuarantined(f"{path.name} : archive gzip illisible ({error}).") from error
    if not data.strip():
        raise SourceQuarantined(f"{path.name} : le fichier est vide.")
    if len(data) > MAX_BYTES:
        raise SourceQuarantined(f"{path.name} : fichier trop gros ({len(data)} octets).")
    return data


def detect_type(path: Path, data: bytes) -> str:
    """csv, xlsx, json or geojson, from the content first, the name second."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        text = data[:5000].decode("utf-8", errors="ignore")
        return "geojson" if '"Feature' in text else "json"
    return "csv"


def decode(data: bytes, encoding: str = "") -> str:
    """Text of a CSV: the given encoding, else UTF-8 (with or without BOM), else detected."""
    if encoding:
        return data.decode(encoding)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # French files that are not UTF-8 are almost always Windows-1252 (Excel's "CSV"): try it
    # strictly first; only bytes it leaves undefined call for detection.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        best = from_bytes(data[:200_000]).best()
        guess = best.encoding if best is not None else "latin-1"
        log.info("decoded as %s", guess)
        return data.decode(guess, errors="replace")


def read_rows(path: Path, fmt: TableFormat | None = None) -> Iterator[tuple[int, Row | BadRow]]:
    """Yield (number, row) for every record of the file.

    The number is the record's line in a CSV or XLSX file (the header is line 1), its position
    (from 1) in a JSON list.
    """
    fmt = fmt or TableFormat()
    data = read_bytes(path)
    if data.lstrip()[:1] == b"<" and b"<html" in data[:2000].lower():
        raise SourceQuarantined(f"{path.name} : le serveur a renvoyé du HTML, pas des données.")
    kind = fmt.type or detect_type(path, data)
    if kind == "csv":
        yield from _csv_rows(decode(data, fmt.encoding), fmt.delimiter, path.name)
    elif kind == "xlsx":
        yield from _xlsx_rows(data, fmt.sheet, path.name)
    elif kind in ("json", "geojson"):
        yield from _json_rows(data, fmt.records, path.name)
    else:
        raise SourceQuarantined(f"{path.name} : format inconnu « {kind} ».")


def _csv_rows(text: str, delimiter: str, name: str) -> Iterator[tuple[int, Row | BadRow]]:
    if not delimiter:
        sample = text[:20000]
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            first = sample.splitlines()[0] if sample else ""
            delimiter = max(",;\t|", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as error:
        raise SourceQuarantined(f"{name} : pas de ligne d'en-tête.") from error
    if len(header) < 2 or len(set(header)) < len(header) // 2:
        raise SourceQuarantined(f"{name} : en-tête illisible ({header[:5]}…).")
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, BadRow(reader.line_num, f"ligne CSV illisible ({error})")
            continue
        number = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            yield number, BadRow(number, f"{len(cells)} cellules pour {len(header)} colonnes")
            continue
        yield number, dict(zip(header, cells, strict=False))


def _xlsx_rows(data: bytes, sheet: str, name: str) -> Iterator[tuple[int, Row | BadRow]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise SourceQuarantined(f"{name} : classeur XLSX illisible ({error}).") from error
    worksheet = book[sheet] if sheet else book.worksheets[0]
    rows = worksheet.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None:
        raise SourceQuarantined(f"{name} : feuille vide.")
    header = [str(h).strip() if h is not None else "" for h in header_row]
    for number, values in enumerate(rows, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        yield number, {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
    book.close()


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else value if isinstance(value, str) else str(value)


def _json_rows(data: bytes, records: str, name: str) -> Iterator[tuple[int, Row | BadRow]]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceQuarantined(f"{name} : JSON illisible ({error}).") from error
    items = document
    for part in [p for p in records.split(".") if p]:
        items = items.get(part) if isinstance(items, dict) else None
    if isinstance(items, dict) and items.get("type") == "FeatureCollection":
        items = items.get("features")
    if isinstance(items, dict) and not records:
        lists = [v for v in items.values() if isinstance(v, list)]
        items = lists[0] if len(lists) == 1 else None
    if not isinstance(items, list):
        raise SourceQuarantined(f"{name} : pas de liste d'enregistrements dans le JSON.")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            yield number, BadRow(number, "l'enregistrement n'est pas un objet JSON")
        elif item.get("type") == "Feature":
            row = dict(item.get("properties") or {})
            row["geometry"] = item.get("geometry")
            yield number, row
        else:
            yield number, item


def get(row: Mapping[str, Any], path: str) -> Any:
    """The value at `path` in a row: a column name, or a dotted path into nested objects."""
    if path in row:
        return row[path]
    value: Any = row
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
