"""SPARQL protocol logic without Flask: read-only checks, result formats, the CLI table."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from rdflib.plugins.sparql.parser import parseUpdate

from .errors import QueryRejected
from .store import QueryResult, Store

# Format names (the `format` parameter, the CLI's --format) -> media types.
RESULT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
BINDINGS_TYPES = [RESULT_FORMATS[f] for f in ("json", "xml", "csv", "tsv")]
GRAPH_TYPES = [RESULT_FORMATS[f] for f in ("turtle", "ntriples", "jsonld", "rdfxml")]
# Aliases clients send in `format` (YASGUI, SPARQLWrapper) or Accept.
ALIASES = {
    "application/json": RESULT_FORMATS["json"],
    "application/xml": RESULT_FORMATS["xml"],
    "text/xml": RESULT_FORMATS["xml"],
    "nt": RESULT_FORMATS["ntriples"],
    "ttl": RESULT_FORMATS["turtle"],
    "json-ld": RESULT_FORMATS["jsonld"],
    "rdf": RESULT_FORMATS["rdfxml"],
}


def media_types_for(kind: str) -> list[str]:
    """The media types a result of `kind` can be written in, preferred first."""
    return GRAPH_TYPES if kind == "graph" else BINDINGS_TYPES


def format_parameter(value: str) -> str | None:
    """The media type a `format` parameter names (a short name or a media type), or None."""
    value = value.strip().lower()
    if value in RESULT_FORMATS:
        return RESULT_FORMATS[value]
    if value in ALIASES:
        return ALIASES[value]
    return value if value in BINDINGS_TYPES + GRAPH_TYPES else None


def is_update(text: str) -> bool:
    """Whether `text` parses as a SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP…)."""
    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


# What is not the query's own words: comments, strings and IRIs, removed before looking for a
# keyword. A variable (`?service`) or a prefixed name (`service:wifi`, `tl:service`) is no keyword.
_NOT_KEYWORDS = re.compile(
    r"#[^\n]*"
    r"|'''.*?'''|\"\"\".*?\"\"\""
    r"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
    r"|<[^<>\"{}|^`\\\s]*>",
    re.S,
)
_SERVICE = re.compile(r"(?<![\w?$:])SERVICE(?![\w:])", re.I)


def uses_service(text: str) -> bool:
    """Whether a query calls another endpoint (SPARQL 1.1 Federated Query `SERVICE`)."""
    return bool(_SERVICE.search(_NOT_KEYWORDS.sub(" ", text)))


def run_query(
    store: Store,
    text: str,
    default_graphs: Iterable[str] = (),
    named_graphs: Iterable[str] = (),
) -> QueryResult:
    """Run a read-only query; an update is refused with 403, a malformed query with 400.

    `SERVICE` is refused (403) before anything runs: Oxigraph would call the other endpoint from
    this server, on behalf of anyone.
    """
    if uses_service(text):
        raise QueryRejected(
            "Les requêtes fédérées (SERVICE) sont refusées : ce point d'accès n'interroge pas "
            "d'autres serveurs. Interrogez chaque point d'accès séparément.",
            status=403,
        )
    try:
        return store.query(text, default_graphs, named_graphs)
    except QueryRejected:
        if is_update(text):
            raise QueryRejected(
                "Les mises à jour SPARQL sont refusées : ce point d'accès est en lecture seule.",
                status=403,
            ) from None
        raise


def non_empty(text: str) -> str:
    """Refuse an empty query; return the query text."""
    if not text.strip():
        raise QueryRejected("La requête SPARQL est vide.")
    return text


def format_table(result: QueryResult) -> str:
    """A SELECT result as an aligned text table; ASK as oui/non; graphs as Turtle."""
    if result.kind == "boolean":
        return "oui" if "true" in result.serialize(RESULT_FORMATS["json"]).decode() else "non"
    if result.kind == "graph":
        return result.serialize(RESULT_FORMATS["turtle"]).decode("utf-8")
    text = result.serialize(RESULT_FORMATS["csv"]).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(rows[0]))]
    lines = [
        " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) for row in rows
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    lines.append(f"({len(rows) - 1} lignes)")
    return "\n".join(line.rstrip() for line in lines)
