"""Read the SKOS concept schemes of ontology/vocabularies: labels and source-value matching."""

from __future__ import annotations

import unicodedata
from functools import cache

from rdflib import Graph, URIRef

from .namespaces import SKOS
from .paths import ONTOLOGY, VOCABULARIES


@cache
def vocabulary_graph() -> Graph:
    """The ontology and every concept scheme, parsed once per process."""
    graph = Graph()
    graph.parse(ONTOLOGY / "tl.ttl", format="turtle")
    for path in sorted(VOCABULARIES.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def fold(text: str) -> str:
    """Case-, accent- and space-insensitive form of a label, for matching source values."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.replace("-", " ").replace("'", " ").split())


@cache
def concept_matcher(scheme: str) -> dict[str, URIRef]:
    """Folded notations and pref/alt/hidden labels of the concepts of `scheme` → concept IRI."""
    graph = vocabulary_graph()
    table: dict[str, URIRef] = {}
    for concept in graph.subjects(SKOS.inScheme, URIRef(scheme)):
        for prop in (SKOS.notation, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
            for label in graph.objects(concept, prop):
                table[fold(str(label))] = URIRef(str(concept))
    return table


def match_concept(scheme: str, value: str) -> URIRef | None:
    """The concept of `scheme` a source value names, or None."""
    return concept_matcher(scheme).get(fold(value))


@cache
def label(iri: str, lang: str = "fr") -> str:
    """The preferred label of a vocabulary term in `lang`, or its local name."""
    graph = vocabulary_graph()
    node = URIRef(iri)
    for prop in (SKOS.prefLabel, URIRef("http://www.w3.org/2000/01/rdf-schema#label")):
        for value in graph.objects(node, prop):
            if getattr(value, "language", None) == lang:
                return str(value)
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
