"""Every IRI the registry mints is built here: a re-harvest produces the same IRIs (DESIGN §4)."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

from rdflib import URIRef


class Minter:
    """Mints the IRIs of one deployment from its base URI."""

    def __init__(self, base_uri: str) -> None:
        self.base = base_uri if base_uri.endswith("/") else base_uri + "/"

    def _iri(self, *parts: str) -> URIRef:
        return URIRef(self.base + "/".join(quote(p, safe="") for p in parts))

    def record(self, source_id: str, key: str) -> URIRef:
        """A source record: one row of one source, `{base}id/record/{source}/{key}`."""
        return self._iri("id", "record", source_id, key)

    def place(self, place_id: str) -> URIRef:
        """A canonical place, `{base}id/lieu/{id}`."""
        return self._iri("id", "lieu", place_id)

    def source(self, source_id: str) -> URIRef:
        """A source (a dcat:Dataset), `{base}id/source/{id}`."""
        return self._iri("id", "source", source_id)

    def harvest(self, source_id: str, stamp: str) -> URIRef:
        """One harvest of a source, `{base}id/moissonnage/{source}/{UTC stamp}`."""
        return self._iri("id", "moissonnage", source_id, stamp)

    def file(self, sha256: str) -> URIRef:
        """A fetched file, identified by its content, `{base}id/fichier/{sha256}`."""
        return self._iri("id", "fichier", sha256)

    def document(self, key: str) -> URIRef:
        """A document a curated source cites, `{base}id/document/{key}`."""
        return self._iri("id", "document", key)

    def commune(self, insee: str) -> URIRef:
        """A commune by its INSEE code."""
        return self._iri("id", "commune", insee)

    def epci(self, siren: str) -> URIRef:
        """An EPCI à fiscalité propre by its SIREN number."""
        return self._iri("id", "epci", siren)

    def departement(self, code: str) -> URIRef:
        """A département by its INSEE code."""
        return self._iri("id", "departement", code)

    def region(self, code: str) -> URIRef:
        """A région by its INSEE code."""
        return self._iri("id", "region", code)

    def graph(self, *parts: str) -> URIRef:
        """A named graph: `graph/source/{id}`, `graph/registry`, `graph/catalog`, `graph/geo`…."""
        return self._iri("graph", *parts)

    def source_graph(self, source_id: str) -> URIRef:
        """The named graph holding one source's records."""
        return self.graph("source", source_id)

    def local_id(self, iri: str, kind: str) -> str | None:
        """Return the `{id}` of `{base}id/{kind}/{id}`, or None when `iri` is not of that kind."""
        prefix = f"{self.base}id/{kind}/"
        if not iri.startswith(prefix):
            return None
        rest = iri[len(prefix) :]
        return rest if rest and "/" not in rest and "#" not in rest else None


def place_id_for(record_iri: str, taken: set[str]) -> str:
    """Mint a short opaque place id from the record it is first derived from.

    The id is the first 8 characters of the lowercase base32 SHA-256 of the record IRI, lengthened
    one character at a time on a collision with an id in `taken`: the same record always gives the
    same id, so a rebuilt registry keeps its URIs.
    """
    digest = base64.b32encode(hashlib.sha256(record_iri.encode()).digest()).decode().lower()
    length = 8
    while digest[:length] in taken:
        length += 1
    return digest[:length]
