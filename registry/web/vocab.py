"""`/def/…`: the vocabulary (tl: ontology and SKOS schemes) as French pages or RDF by Accept.

Vocabulary IRIs are https://w3id.org/tiers-lieux/def/… (docs/decisions.md); the w3id redirect
points at this deployment's /def/ pages. /def/tl is the ontology (terms are hash IRIs on it);
/def/{scheme}/ a concept scheme; /def/{scheme}/{concept} one concept.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from rdflib import Graph, URIRef
from rdflib.term import Node

from ..conneg import HTML, MEDIA_TO_EXTENSION, OFFERED, RDF_EXTENSIONS, serialize
from ..namespaces import DEF, OWL, RDF, RDFS, SKOS, bind_prefixes
from ..vocabulary import label as vocabulary_label
from ..vocabulary import vocabulary_graph

bp = Blueprint("vocab", __name__)

ONTOLOGY = URIRef(DEF + "tl")
KINDS = [
    (OWL.Class, "Classes"),
    (OWL.ObjectProperty, "Propriétés d'objet"),
    (OWL.DatatypeProperty, "Propriétés de données"),
]


def _describe(iri: URIRef) -> Graph:
    """The triples of `iri` and, for the ontology or a scheme, of everything defined in it."""
    source = vocabulary_graph()
    graph = bind_prefixes(Graph())
    members: set[URIRef] = {iri}
    if iri == ONTOLOGY:
        members |= {URIRef(str(s)) for s in source.subjects(RDFS.isDefinedBy, iri)}
    else:
        members |= {URIRef(str(s)) for s in source.subjects(SKOS.inScheme, iri)}
    for member in members:
        for triple in source.triples((member, None, None)):
            graph.add(triple)
    return graph


def _answer(iri: URIRef, extension: str | None) -> Response | str:
    graph = _describe(iri)
    if (iri, None, None) not in graph:
        abort(404)
    if extension is None:
        best = request.accept_mimetypes.best_match(OFFERED, default=HTML)
        extension = None if best == HTML else MEDIA_TO_EXTENSION[best]
    if extension is not None:
        if extension not in RDF_EXTENSIONS:
            abort(404)
        body, content_type = serialize(graph, extension)
        response = Response(body, content_type=content_type)
        response.headers["Vary"] = "Accept"
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    page = _ontology_page(graph) if iri == ONTOLOGY else _scheme_or_concept_page(graph, iri)
    response = Response(page, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


def _fr(graph: Graph, node: Node, prop: URIRef) -> str:
    values = [str(v) for v in graph.objects(node, prop)]
    french = [str(v) for v in graph.objects(node, prop) if getattr(v, "language", None) == "fr"]
    return (french or values or [""])[0]


def _en(graph: Graph, node: Node, prop: URIRef) -> str:
    return next(
        (str(v) for v in graph.objects(node, prop) if getattr(v, "language", None) == "en"), ""
    )


def _ontology_page(graph: Graph) -> str:
    sections = []
    for kind, title in KINDS:
        terms = []
        for term in sorted(graph.subjects(RDF.type, kind), key=str):
            terms.append(
                {
                    "id": str(term).rsplit("#", 1)[-1],
                    "iri": str(term),
                    "fr": _fr(graph, term, RDFS.label),
                    "en": _en(graph, term, RDFS.label),
                    "definition": _fr(graph, term, SKOS.definition),
                    "domain": [vocabulary_label(str(d)) for d in graph.objects(term, RDFS.domain)],
                    "range": [vocabulary_label(str(r)) for r in graph.objects(term, RDFS.range)],
                }
            )
        sections.append((title, terms))
    schemes = sorted(
        (
            (str(s).removeprefix(DEF), _fr(vocabulary_graph(), s, SKOS.prefLabel))
            for s in vocabulary_graph().subjects(RDF.type, SKOS.ConceptScheme)
        ),
        key=lambda pair: pair[1],
    )
    return render_template(
        "pages/ontology.html",
        title=_fr(graph, ONTOLOGY, URIRef("http://purl.org/dc/terms/title")),
        iri=str(ONTOLOGY),
        sections=sections,
        schemes=schemes,
    )


def _scheme_or_concept_page(graph: Graph, iri: URIRef) -> str:
    is_scheme = (iri, RDF.type, SKOS.ConceptScheme) in graph
    concepts = sorted(graph.subjects(SKOS.inScheme, iri), key=str) if is_scheme else [iri]
    rows = []
    for concept in concepts:
        matches = [
            (vocabulary_label(str(p)), str(o))
            for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch)
            for o in graph.objects(concept, p)
        ]
        rows.append(
            {
                "iri": str(concept),
                "notation": _fr(graph, concept, SKOS.notation),
                "fr": _fr(graph, concept, SKOS.prefLabel),
                "en": _en(graph, concept, SKOS.prefLabel),
                "definition": _fr(graph, concept, SKOS.definition),
                "note": _fr(graph, concept, SKOS.note),
                "matches": matches,
            }
        )
    scheme = iri if is_scheme else graph.value(iri, SKOS.inScheme)
    return render_template(
        "pages/scheme.html",
        title=_fr(vocabulary_graph(), scheme, SKOS.prefLabel) if scheme else str(iri),
        note=_fr(vocabulary_graph(), scheme, SKOS.editorialNote) if scheme else "",
        iri=str(iri),
        scheme=str(scheme or ""),
        concepts=rows,
        is_scheme=is_scheme,
    )


@bp.get("/def/tl")
@bp.get("/def/tl.<ext>")
def ontology(ext: str | None = None) -> Response | str:
    """The tl: ontology."""
    return _answer(ONTOLOGY, ext)


@bp.get("/def/<scheme>/")
@bp.get("/def/<scheme>/<concept>")
def concept(scheme: str, concept: str = "") -> Response | str:
    """A concept scheme (trailing slash) or one of its concepts (`.ttl`, `.jsonld` accepted)."""
    extension = None
    if "." in concept:
        concept, extension = concept.rsplit(".", 1)
    return _answer(URIRef(f"{DEF}{scheme}/{concept}"), extension)
