"""Dereferenceable URIs: `/id/…` answers 303 to the HTML page or to an RDF document by Accept."""

from __future__ import annotations

import pyoxigraph
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from rdflib import URIRef
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import queries
from ..conneg import HTML, MEDIA_TO_EXTENSION, OFFERED, RDF_EXTENSIONS, serialize
from ..identity import GONE, MERGED, WITHDRAWN
from ..namespaces import RDFS
from ..placeview import term_label
from ..store import Store
from . import context

bp = Blueprint("resources", __name__)

KINDS = {
    "lieu", "record", "source", "commune", "epci", "departement", "region", "moissonnage",
    "document",
}  # fmt: skip
TERRITORIES = {"region", "departement", "epci"}  # their HTML page is the territory's


def _preferred_extension() -> str | None:
    """The RDF extension the client prefers, or None when it prefers HTML."""
    best = request.accept_mimetypes.best_match(OFFERED, default=HTML)
    return None if best == HTML else MEDIA_TO_EXTENSION[best]


def _see_other(location: str) -> WerkzeugResponse:
    response = redirect(location, code=303)
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/id/<kind>/<path:key>")
def identifier(kind: str, key: str) -> WerkzeugResponse:
    """The non-information resource: 303 See Other to its page or its data."""
    if kind not in KINDS:
        abort(404)
    extension = _preferred_extension()
    if kind == "source" and not extension:
        return _see_other(url_for("pages.source_report", source_id=key))
    if kind == "lieu":
        if moved := moved_or_withdrawn(key, extension):
            return moved
        if extension:
            return _see_other(url_for("resources.place_data", place_id=key, ext=extension))
        return _see_other(url_for("pages.place", place_id=key))
    if extension:
        return _see_other(url_for("resources.resource_data", kind=kind, key=key, ext=extension))
    if kind in TERRITORIES:
        return _see_other(url_for("territories.territory", kind=kind, code=key))
    return _see_other(url_for("resources.resource_page", kind=kind, key=key))


@bp.get("/graph/<path:name>")
def named_graph(name: str) -> WerkzeugResponse | str:
    """A named graph's IRI: its triples by the Graph Store Protocol, or a page about it."""
    iri = URIRef(f"{context.minter().base}graph/{name}")
    triples = graph_sizes().get(str(iri), 0)
    if not triples:
        abort(404)
    if _preferred_extension():
        return _see_other(url_for("sparql.graph_store", graph=str(iri)))
    return render_template("pages/graph.html", iri=str(iri), name=name, triples=triples)


def graph_sizes() -> dict[str, int]:
    """Every named graph of the published store and its number of triples (once per snapshot)."""

    def count(store: Store) -> dict[str, int]:
        rows = store.select(queries.load("graph-sizes"))
        return {str(row["g"]): int(str(row["triples"])) for row in rows}

    return context.per_snapshot("graph-sizes", count)


def _rdf_response(iri: URIRef, query: str, variable: str, ext: str) -> Response:
    if ext not in RDF_EXTENSIONS:
        abort(404)
    graph = context.store().construct(queries.load(query), {variable: iri})
    if (iri, None, None) not in graph:
        abort(404)
    body, content_type = serialize(graph, ext)
    response = Response(body, content_type=content_type)
    alternates = ", ".join(
        f"<{url_for(request.endpoint or '', **{**(request.view_args or {}), 'ext': other})}>; "
        f'rel="alternate"; type="{media}"'
        for other, (media, _) in RDF_EXTENSIONS.items()
        if other != ext
    )
    response.headers["Link"] = f'<{iri}>; rel="describes", {alternates}'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def moved_or_withdrawn(place_id: str, extension: str | None) -> WerkzeugResponse | None:
    """301 to the place a merged id became; 410 for a place withdrawn on purpose."""
    entry = context.place_status(place_id)
    if entry.get("status") == WITHDRAWN:
        abort(410)
    if entry.get("status") == MERGED and entry.get("replacedBy"):
        target = entry["replacedBy"]
        location = (
            url_for("resources.place_data", place_id=target, ext=extension)
            if extension
            else url_for("pages.place", place_id=target)
        )
        response = redirect(location, code=301)
        response.headers["Vary"] = "Accept"
        response.headers["Link"] = f'<{context.minter().place(target)}>; rel="successor-version"'
        return response
    return None


@bp.get("/lieu/<place_id>.<ext>")
def place_data(place_id: str, ext: str) -> WerkzeugResponse:
    """A place as Turtle, JSON-LD, N-Triples or RDF/XML.

    A place no source lists any more is described by its ledger entry, which says so.
    """
    if moved := moved_or_withdrawn(place_id, ext):
        return moved
    iri = context.minter().place(place_id)
    if context.place_status(place_id).get("status") == GONE:
        return _rdf_response(iri, "describe", "resource", ext)
    return _rdf_response(iri, "place-description", "place", ext)


def _resource_iri(kind: str, key: str) -> URIRef:
    """The IRI of a minted resource; 404 when `kind/key` cannot be part of an IRI."""
    iri = f"{context.minter().base}id/{kind}/{key}"
    try:
        pyoxigraph.NamedNode(iri)
    except ValueError:
        abort(404)
    return URIRef(iri)


@bp.get("/ressource/<kind>/<path:key>.<ext>")
def resource_data(kind: str, key: str, ext: str) -> Response:
    """Any other minted resource as RDF: its own triples and the labels of what it links to."""
    iri = _resource_iri(kind, key)
    return _rdf_response(iri, "describe", "resource", ext)


@bp.get("/ressource/<kind>/<path:key>")
def resource_page(kind: str, key: str) -> str:
    """A plain French page listing what the registry says about a resource."""
    iri = _resource_iri(kind, key)
    graph = context.store().construct(queries.load("describe"), {"resource": iri})
    if (iri, None, None) not in graph:
        abort(404)
    rows = sorted(
        (term_label(graph, p), term_label(graph, o), str(o) if isinstance(o, URIRef) else "")
        for p, o in graph.predicate_objects(iri)
    )
    title = str(graph.value(iri, RDFS.label) or f"{kind} {key}")
    return render_template(
        "pages/resource.html", iri=str(iri), kind=kind, key=key, rows=rows, title=title
    )
