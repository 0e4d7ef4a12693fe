"""The declarative mapping harvester: a new tabular source needs a mapping file, no Python.

A mapping (harvesters/mappings/{name}.toml, format in the README) says how to read the file,
which column gives the stable key, which columns give which fields (joins of several columns,
dotted paths into nested JSON), which values become which concepts, and which columns hold
personal data and must never be read.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rdflib import Graph, Literal, URIRef

from registry.errors import SourceQuarantined
from registry.namespaces import PREC, SCHEMA, TL
from registry.paths import ROOT
from registry.vocabulary import fold

from . import coords, fields, privacy
from .base import Harvester, SkipRecord, SourceRecord
from .config import SourceConfig
from .fetch import FetchedFile
from .parsing import BadRow, TableFormat, get, read_rows
from .places import CONCEPT_FIELDS, PlaceBuilder

MAPPINGS = ROOT / "harvesters" / "mappings"
KNOWN_FIELDS = {
    "name", "street", "postcode", "locality", "insee", "departement", "latitude", "longitude",
    "position", "website", "email", "phone", "hours", "hours_days", "siret", "itinerant",
    "description", "operator",
}  # fmt: skip


@dataclass(frozen=True)
class ConceptRule:
    """Values of `columns` become concepts of `field`'s scheme."""

    field: str
    columns: tuple[str, ...]
    concept: str = ""  # notation given when a term matches (or when `terms` is ["*"])
    terms: tuple[str, ...] = ()  # matched as folded substrings of the values
    split: tuple[str, ...] = ()  # multi-value separators: each value is matched in the scheme
    report_unknown: bool = True


@dataclass(frozen=True)
class MappingSpec:
    """A parsed mapping file."""

    name: str
    format: TableFormat
    key: tuple[str, ...]
    fields: Mapping[str, Any]
    constants: Mapping[str, Any]
    concepts: tuple[ConceptRule, ...]
    personal: tuple[str, ...] = field(default_factory=tuple)


@cache
def load_mapping(name: str) -> MappingSpec:
    """Read harvesters/mappings/{name}.toml and check it names only known fields."""
    path = MAPPINGS / f"{name}.toml"
    with path.open("rb") as stream:
        raw = tomllib.load(stream)
    unknown = set(raw.get("fields", {})) - KNOWN_FIELDS
    if unknown:
        raise ValueError(f"{path.name}: unknown fields {sorted(unknown)}")
    rules = []
    for rule in raw.get("concepts", []):
        if rule["field"] not in CONCEPT_FIELDS:
            raise ValueError(f"{path.name}: unknown concept field {rule['field']}")
        rules.append(
            ConceptRule(
                field=rule["field"],
                columns=tuple(rule["columns"]),
                concept=rule.get("concept", ""),
                terms=tuple(rule.get("terms", ())),
                split=tuple(
                    [rule["split"]] if isinstance(rule.get("split"), str) else rule.get("split", ())
                ),
                report_unknown=rule.get("report_unknown", True),
            )
        )
    key = raw.get("key", {}).get("columns", [])
    return MappingSpec(
        name=name,
        format=TableFormat(**raw.get("format", {})),
        key=tuple([key] if isinstance(key, str) else key),
        fields=raw.get("fields", {}),
        constants=raw.get("constants", {}),
        concepts=tuple(rules),
        personal=tuple(raw.get("personal", {}).get("columns", ())),
    )


def personal_first(sources: list[SourceConfig]) -> list[SourceConfig]:
    """The sources in harvest order: those whose mapping declares personal columns first.

    So the persons they name are known before any other source is read (privacy.py).
    """

    def names_persons(source: SourceConfig) -> bool:
        return source.harvester == "mapping" and bool(
            load_mapping(source.mapping or source.id).personal
        )

    return sorted(sources, key=lambda s: not names_persons(s))


class MappingHarvester(Harvester):
    """Any tabular or JSON listing described by a mapping file (sources.toml `mapping`)."""

    name = "mapping"

    @property
    def mapping(self) -> MappingSpec:
        """This source's mapping."""
        return load_mapping(self.source.mapping or self.source.id)

    def records(self, files: list[FetchedFile]) -> Iterator[SourceRecord]:
        """Every row of every file, keyed by the mapping's key columns (row number otherwise)."""
        mapping = self.mapping
        for fetched in files:
            for number, row in read_rows(fetched.path, mapping.format):
                if isinstance(row, BadRow):
                    yield SourceRecord(f"ligne-{number}", number, {"__bad__": row.reason})
                    continue
                self.personal_values |= privacy.collect(row, mapping.personal)
                if privacy.scrub(row, self.personal_values):
                    row["__scrubbed__"] = True
                parts = [fields.clean_text(str(get(row, c) or "")) for c in mapping.key]
                key = "-".join(p for p in parts if p) if mapping.key else ""
                yield SourceRecord(key or f"ligne-{number}", number, row)

    def map_record(self, record: SourceRecord, graph: Graph) -> URIRef | None:
        """Map one row through the mapping."""
        row = record.payload
        if "__bad__" in row:
            raise SkipRecord(f"ligne {record.row} : {row['__bad__']}")
        mapping = self.mapping
        if mapping.key and record.key.startswith("ligne-"):
            raise SkipRecord(f"ligne {record.row} : identifiant vide ({', '.join(mapping.key)})")
        if row.get("__scrubbed__"):
            self.warn(
                record, "nom de personne retiré d'un autre champ", "donnée personnelle écartée"
            )
        value = _Reader(row, mapping.fields)
        subject = self.minter.record(self.source.dataset, record.key)
        place = PlaceBuilder(graph, subject, self.minter, lambda m, k: self.warn(record, m, k))
        place.text(SCHEMA.name, value("name"))
        place.text(SCHEMA.description, value("description"), lang="fr")
        place.address(
            value("street"),
            value("postcode"),
            value("locality"),
            value("insee") or value("departement"),
        )
        place.commune(value("insee"))
        place.departement(value("departement"))
        precision = mapping.constants.get("position_precision")
        point = None
        readers = (
            lambda: coords.parse_any(value.raw("position")),
            lambda: coords.point(value.raw("latitude"), value.raw("longitude")),
        )  # the position field first, the latitude/longitude fields as a fallback
        for read in readers:
            try:
                point = point or read()
            except coords.BadCoordinates as why:
                self.warn(record, f"coordonnées écartées : {why}", "coordonnées écartées")
        place.position(point, PREC[precision] if precision else None)
        place.website(value("website"))
        place.email(value("email"))
        place.phone(value("phone"))
        days = mapping.fields.get("hours_days")
        place.opening_hours(
            value("hours"), {d: value.column(c) for d, c in days.items()} if days else None
        )
        if "siret" in mapping.fields:
            place.siret(value("siret"))
        if "operator" in mapping.fields:
            place.operator(value("operator"))
        if "itinerant" in mapping.fields:
            spec = mapping.fields["itinerant"]
            truth = {fold(t) for t in spec.get("true", ["oui"])}
            place.add(TL.itinerant, Literal(fold(value.column(spec["column"])) in truth))
        for concept_field, notations in mapping.constants.items():
            if concept_field in CONCEPT_FIELDS:
                for notation in [notations] if isinstance(notations, str) else notations:
                    if not place.concept(concept_field, notation):
                        raise SourceQuarantined(f"mapping {mapping.name}: {notation} inconnu")
        for rule in mapping.concepts:
            _apply(rule, row, place)
        return subject


class _Reader:
    """Reads a mapping field's value from a row (a column, a dotted path, or a join)."""

    def __init__(self, row: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
        self.row, self.spec = row, spec

    def column(self, path: str) -> str:
        value = get(self.row, path)
        return "" if value is None else str(value)

    def raw(self, name: str) -> Any:
        spec = self.spec.get(name)
        return get(self.row, spec) if isinstance(spec, str) else None

    def __call__(self, name: str) -> str:
        spec = self.spec.get(name)
        if spec is None:
            return ""
        if isinstance(spec, str):
            return self.column(spec)
        if "join" in spec:
            parts = [fields.clean_text(self.column(c)) for c in spec["join"]]
            return spec.get("separator", " ").join(p for p in parts if p and not fields.is_blank(p))
        return ""


def _apply(rule: ConceptRule, row: Mapping[str, Any], place: PlaceBuilder) -> None:
    for column in rule.columns:
        value = get(row, column)
        if value is None or fields.is_blank(str(value)):
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            text = str(item)
            if rule.split:
                pattern = "|".join(re.escape(s) for s in rule.split)
                for part in [p.strip() for p in re.split(pattern, text) if p.strip()]:
                    place.concept(rule.field, part, rule.report_unknown)
            elif rule.terms == ("*",) or any(fold(t) in fold(text) for t in rule.terms):
                place.concept(rule.field, rule.concept)
            elif not rule.terms:
                place.concept(rule.field, text, rule.report_unknown)
