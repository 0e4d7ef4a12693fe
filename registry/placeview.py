"""Turn the RDF description of one place into the plain values its French page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .namespaces import DCTERMS, GEO, PROV, RDF, RDFS, SCHEMA, SKOS, TL
from .vocabulary import label as vocabulary_label

# Predicates the page shows in their own section; any other one goes under "Autres données".
SHOWN = {
    RDF.type,
    SCHEMA.name,
    SCHEMA.address,
    SCHEMA.latitude,
    SCHEMA.longitude,
    SCHEMA.url,
    SCHEMA.sameAs,
    TL.typology,
    TL.commune,
    TL.departement,
    TL.region,
    TL.positionPrecision,
    TL.geocodingScore,
    TL.geocodedAddress,
    GEO.hasGeometry,
    PROV.wasDerivedFrom,
}


@dataclass
class SourceLine:
    """One record a place comes from."""

    record: str
    source: str
    title: str
    key: str
    harvested: str
    licence: str


@dataclass
class PlaceView:
    """The values of a place page."""

    iri: str
    name: str
    street: str = ""
    postcode: str = ""
    locality: str = ""
    latitude: str = ""
    longitude: str = ""
    precision: str = ""
    geocoded: str = ""
    score: str = ""
    website: str = ""
    profiles: list[str] = field(default_factory=list)
    typologies: list[str] = field(default_factory=list)
    commune: tuple[str, str] | None = None  # (IRI, label)
    departement: tuple[str, str] | None = None
    region: tuple[str, str] | None = None
    sources: list[SourceLine] = field(default_factory=list)
    others: list[tuple[str, str]] = field(default_factory=list)

    def schema_org(self) -> dict[str, Any]:
        """schema.org JSON-LD for search engines (embedded in the page)."""
        data: dict[str, Any] = {"@context": "https://schema.org", "@type": "Place", "@id": self.iri}
        data["name"] = self.name
        if self.street or self.locality:
            data["address"] = {
                "@type": "PostalAddress",
                "streetAddress": self.street,
                "postalCode": self.postcode,
                "addressLocality": self.locality,
                "addressCountry": "FR",
            }
        if self.latitude:
            data["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(self.latitude),
                "longitude": float(self.longitude),
            }
        if self.website:
            data["url"] = self.website
        if self.profiles:
            data["sameAs"] = self.profiles
        return data


def _text(graph: Graph, node: Node, prop: URIRef) -> str:
    value = graph.value(node, prop)
    return str(value) if value is not None else ""


def term_label(graph: Graph, node: Node) -> str:
    """A French label for `node`: from the graph, the vocabularies, or the node itself."""
    for prop in (RDFS.label, SKOS.prefLabel):
        labels = list(graph.objects(node, prop))
        french = [v for v in labels if getattr(v, "language", None) == "fr"]
        if french or labels:
            return str((french or labels)[0])
    if isinstance(node, URIRef):
        return vocabulary_label(str(node))
    return str(node)


def _linked(graph: Graph, place: URIRef, prop: URIRef) -> tuple[str, str] | None:
    """(IRI, label) of what `place` links to by `prop`; IRI "" when the registry has no page."""
    node = graph.value(place, prop)
    if node is None:
        return None
    described = any(graph.objects(node, RDFS.label)) or any(graph.objects(node, SKOS.prefLabel))
    return (str(node) if described else ""), term_label(graph, node)


def place_view(graph: Graph, place: URIRef) -> PlaceView:
    """Read a place description (registry/queries/place-description.rq) into a PlaceView."""
    view = PlaceView(iri=str(place), name=_text(graph, place, SCHEMA.name) or "(sans nom)")
    address = graph.value(place, SCHEMA.address)
    if address is not None:
        view.street = _text(graph, address, SCHEMA.streetAddress)
        view.postcode = _text(graph, address, SCHEMA.postalCode)
        view.locality = _text(graph, address, SCHEMA.addressLocality)
    view.latitude = _text(graph, place, SCHEMA.latitude)
    view.longitude = _text(graph, place, SCHEMA.longitude)
    precision = graph.value(place, TL.positionPrecision)
    view.precision = term_label(graph, precision) if precision is not None else ""
    view.geocoded = _text(graph, place, TL.geocodedAddress)
    view.score = _text(graph, place, TL.geocodingScore)
    view.website = _text(graph, place, SCHEMA.url)
    view.profiles = sorted(str(o) for o in graph.objects(place, SCHEMA.sameAs))
    view.typologies = sorted(term_label(graph, t) for t in graph.objects(place, TL.typology))
    view.commune = _linked(graph, place, TL.commune)
    view.departement = _linked(graph, place, TL.departement)
    view.region = _linked(graph, place, TL.region)
    for record in sorted(graph.objects(place, PROV.wasDerivedFrom), key=str):
        source = graph.value(record, DCTERMS.source)
        view.sources.append(
            SourceLine(
                record=str(record),
                source=str(source or ""),
                title=_text(graph, source, DCTERMS.title) if source else "",
                key=_text(graph, record, TL.recordKey),
                harvested=_text(graph, record, PROV.generatedAtTime)[:10],
                licence=_text(graph, source, DCTERMS.license) if source else "",
            )
        )
    for prop, value in sorted(graph.predicate_objects(place)):
        if prop not in SHOWN:
            shown = str(value) if isinstance(value, Literal) else term_label(graph, value)
            view.others.append((vocabulary_label(str(prop)), shown))
    return view
