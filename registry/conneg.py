"""Content negotiation tables for linked-data resources (the web layer applies them)."""

from __future__ import annotations

from rdflib import Graph

from .namespaces import PREFIXES, Namespace

# File extension -> (media type, rdflib serializer name)
RDF_EXTENSIONS: dict[str, tuple[str, str]] = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
}
MEDIA_TO_EXTENSION = {media: ext for ext, (media, _) in RDF_EXTENSIONS.items()}
HTML = "text/html"
OFFERED = [HTML, *MEDIA_TO_EXTENSION]  # HTML first: a browser sending */* gets the page


def jsonld_context() -> dict[str, str]:
    """The registry's prefixes as a JSON-LD context."""
    return {
        prefix: str(ns) if isinstance(ns, Namespace) else str(ns._NS)
        for prefix, ns in PREFIXES.items()
    }


def serialize(graph: Graph, extension: str) -> tuple[bytes, str]:
    """Serialise a (small) graph in the format of `extension`; returns (body, content type)."""
    media_type, name = RDF_EXTENSIONS[extension]
    if name == "json-ld":
        body = graph.serialize(format=name, context=jsonld_context(), auto_compact=True)
    else:
        body = graph.serialize(format=name)
    charset = "; charset=utf-8" if media_type != "application/rdf+xml" else ""
    return body.encode("utf-8"), media_type + charset
