"""Read tabular and JSON sources into rows, whatever their dialect, encoding or shape.

CSV (`,` `;` tab `|`; UTF-8, UTF-8 with BOM, UTF-16 with BOM, CP1252/Latin-1), XLSX, JSON (an
array, or an array nested under a key), GeoJSON (FeatureCollection or array of Features),
gzip-compressed or not. A file that cannot be read at all raises SourceQuarantined with the
reason (empty, larger than MAX_BYTES, binary, mixed encodings, truncated…); a row that cannot be
read is returned as a `BadRow` (the harvester rejects it with its row number).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from registry.errors import SourceQuarantined

log = logging.getLogger(__name__)

Row = dict[str, Any]
# A source file larger than this (on disk, downloaded or once un-gzipped) is refused before it is
# read: the largest real source is 8.6 MB un-gzipped (communes.json), so the limit only stops what
# cannot be a listing (tests/faults/test_bad_sources.py checks the margin, and lowers the limit).
MAX_BYTES = 200 * 1024 * 1024
# Well-formed UTF-8 for accented Latin letters (Ã + continuation byte) and for – — ‘ ’ “ ” … : in
# a file that is not UTF-8 they only appear when UTF-8 text was mixed into a Windows-1252 one
# (decoded as CP1252 they read "Ã©", "â€™", which no French text contains).
_UTF8_SEQUENCE = re.compile(rb"\xc3[\x80-\xbf]|\xe2\x80[\x93\x94\x98\x99\x9c\x9d\xa6]")


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


def size_fr(size: int) -> str:
    """A size in bytes for a French message: `2 Go`, `200 Mo`, `1,5 ko`, `12 octets`."""
    for unit, factor in (("Go", 1 << 30), ("Mo", 1 << 20), ("ko", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f}".replace(".", ",").removesuffix(",0") + f" {unit}"
    return f"{size} octets"


def _too_big(name: str, size: str, how: str = "") -> SourceQuarantined:
    return SourceQuarantined(
        f"{name} : fichier trop gros{how} ({size}, la limite est de {size_fr(MAX_BYTES)})."
    )


def read_bytes(path: Path) -> bytes:
    """The file's bytes, un-gzipped when needed, refusing empty and gigantic files."""
    size = path.stat().st_size
    if size > MAX_BYTES:  # refused before it is read into memory
        raise _too_big(path.name, size_fr(size))
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, path.name)
    if not data.strip():
        raise SourceQuarantined(f"{path.name} : le fichier est vide.")
    return data


def _gunzip(data: bytes, name: str) -> bytes:
    """Un-gzip every member of `data`, stopping at MAX_BYTES of output (a gzip bomb)."""
    parts: list[bytes] = []
    total = 0
    while data.strip(b"\0"):  # members follow each other; zeros may pad the end
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            part = inflater.decompress(data, MAX_BYTES + 1 - total)
        except zlib.error as error:
            raise SourceQuarantined(f"{name} : archive gzip illisible ({error}).") from error
        total += len(part)
        if total > MAX_BYTES:
            raise _too_big(name, f"plus de {size_fr(MAX_BYTES)}", " une fois décompressé")
        if not inflater.eof:
            raise SourceQuarantined(
                f"{name} : archive gzip illisible (tronquée : la fin du fichier manque)."
            )
        parts.append(part)
        data = inflater.unused_data
    return b"".join(parts)


def detect_type(path: Path, data: bytes) -> str:
    """csv, xlsx, json or geojson, from the content first, the name second."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        text = data[:5000].decode("utf-8", errors="ignore")
        return "geojson" if '"Feature' in text else "json"
    return "csv"


def decode(data: bytes, encoding: str = "", name: str = "fichier") -> str:
    """Text of a CSV: the given encoding, else UTF-8 or UTF-16 by their BOM, else detected.

    Text that would come out garbled is refused (SourceQuarantined): bytes not in the declared
    encoding, UTF-8 mixed with Windows-1252, NUL characters (binary data, UTF-16 without BOM).
    """
    if encoding:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            raise SourceQuarantined(
                f"{name} : le fichier n'est pas encodé en {encoding} comme annoncé "
                f"(octet illisible ligne {line})."
            ) from error
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_utf16(data, name)
    else:
        text = _decode_detected(data, name)
    if "\0" in text:
        raise _not_text(name)
    return text


def _not_text(name: str) -> SourceQuarantined:
    return SourceQuarantined(
        f"{name} : le fichier contient des caractères nuls : ce n'est pas du texte (fichier "
        "binaire ou corrompu, ou encodé en UTF-16 sans BOM)."
    )


def _decode_utf16(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as error:
        raise SourceQuarantined(
            f"{name} : le fichier commence comme de l'UTF-16 mais ne se décode pas ainsi "
            "(fichier tronqué ou corrompu)."
        ) from error


def _decode_detected(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\0" in data:  # binary data: not worth guessing an encoding for
        raise _not_text(name)
    if mixed := _UTF8_SEQUENCE.search(data):
        line = data.count(b"\n", 0, mixed.start()) + 1
        raise SourceQuarantined(
            f"{name} : encodage mixte, de l'UTF-8 mêlé à du Windows-1252 (Latin-1) dès la ligne "
            f"{line} ; le texte serait illisible. Réenregistrez le fichier dans un seul encodage."
        )
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
        yield from _csv_rows(decode(data, fmt.encoding, path.name), fmt.delimiter, path.name)
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
    cells: list[str] = header
    while True:
        last = cells
        try:
            cells = next(reader)
        except StopIteration:
            _check_complete(text, last, len(header), reader.line_num, name)
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


def _check_complete(text: str, last: list[str], columns: int, line: int, name: str) -> None:
    """Refuse a CSV cut in the middle of its last row (an interrupted download or copy).

    Its last row lacks cells and the text stops mid-line, or inside a quoted value.
    """
    cut = not text.endswith(("\n", "\r")) or text.count('"') % 2 == 1
    if cut and len(last) < columns:
        raise SourceQuarantined(
            f"{name} : fichier tronqué, la dernière ligne ({line}) s'arrête au milieu "
            f"({len(last)} cellules sur {columns}) ; le fichier est incomplet."
        )


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
