"""The ontology and vocabularies: Turtle is the source of truth; Python mirrors it exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from registry.namespaces import TL, TYPO
from registry.paths import ONTOLOGY, ROOT
from registry.vocabulary import match_concept

TL_FILE = ONTOLOGY / "tl.ttl"
ONTOLOGY_IRI = URIRef("https://w3id.org/tiers-lieux/def/tl")


def test_every_turtle_file_parses() -> None:
    files = sorted(
        p for p in ROOT.glob("*/**/*.ttl") if ".venv" not in p.parts and "var" not in p.parts
    )
    assert len(files) >= 5
    for path in files:
        Graph().parse(path, format="turtle")


def tl_terms() -> set[str]:
    graph = Graph().parse(TL_FILE)
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {
        str(s)
        for kind in kinds
        for s in graph.subjects(RDF.type, kind)
        if str(s).startswith(str(TL._NS))
    }


def test_tl_namespace_object_equals_tl_ttl() -> None:
    python_terms = {str(TL._NS[name]) for name in TL.__annotations__}
    assert python_terms == tl_terms()


@pytest.mark.parametrize("term", sorted(tl_terms()))
def test_each_term_has_labels_definition_and_is_defined_by(term: str) -> None:
    graph = Graph().parse(TL_FILE)
    node = URIRef(term)
    languages = {label.language for label in graph.objects(node, RDFS.label)}
    assert {"fr", "en"} <= languages
    assert any(d.language == "fr" for d in graph.objects(node, SKOS.definition))
    assert graph.value(node, RDFS.isDefinedBy) == ONTOLOGY_IRI


@pytest.mark.parametrize("path", sorted((ONTOLOGY / "vocabularies").glob("*.ttl")), ids=str)
def test_each_concept_has_french_and_english_labels(path: Path) -> None:
    graph = Graph().parse(path)
    concepts = list(graph.subjects(RDF.type, SKOS.Concept))
    assert concepts
    for concept in concepts:
        languages = {label.language for label in graph.objects(concept, SKOS.prefLabel)}
        assert {"fr", "en"} <= languages, concept
        assert graph.value(concept, SKOS.inScheme) is not None


def test_source_values_match_concepts_whatever_the_case_and_accents() -> None:
    assert match_concept(str(TYPO), "Tiers lieux à dominante coworking") == TYPO.coworking
    assert match_concept(str(TYPO), "TIERS LIEUX A DOMINANTE FABLAB") == TYPO.fablab
    assert match_concept(str(TYPO), "Tiers lieux à dominante brasserie") is None
