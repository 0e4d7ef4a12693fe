"""`/catalog`: the DCAT-AP 3 catalogue of the registry's datasets, and its VoID description."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node
from werkzeug.wrappers import Response as WerkzeugResponse

from ..catalog import catalog_graph, latest_dumps, void_graph
from ..conneg import HTML, MEDIA_TO_EXTENSION, OFFERED, RDF_EXTENSIONS, serialize
from ..namespaces import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, SPDX
from ..store import Store
from . import context
from .resources import graph_sizes

bp = Blueprint("catalog", __name__)
FORMAT_NAMES = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML"}


def _built(kind: str) -> Graph:
    """The catalogue or VoID graph of the served snapshot and the newest dumps, built once."""
    settings = context.settings()
    dumps, stamp = latest_dumps(settings)
    built = context.per_snapshot("catalog-graphs", _new_cache)
    key = (kind, stamp)
    if key not in built:
        store = context.store()
        built[key] = (
            catalog_graph(store, settings, dumps, stamp)
            if kind == "catalog"
            else void_graph(store, settings, stamp, sizes=graph_sizes())
        )
    return built[key]


def _new_cache(_: Store) -> dict[tuple[str, str], Graph]:
    return {}


def _preferred_extension() -> str | None:
    """The RDF extension the client prefers, or None when it prefers HTML."""
    best = request.accept_mimetypes.best_match(OFFERED, default=HTML)
    return None if best == HTML else MEDIA_TO_EXTENSION[best]


def _rdf(kind: str, ext: str, negotiated: bool) -> WerkzeugResponse:
    if ext not in RDF_EXTENSIONS:
        abort(404)
    body, content_type = serialize(_built(kind), ext)
    response = Response(body, content_type=content_type)
    alternates = [
        f'<{url_for(f"catalog.{kind}_as", ext=other)}>; rel="alternate"; type="{media}"'
        for other, (media, _) in RDF_EXTENSIONS.items()
        if other != ext
    ]
    response.headers["Link"] = ", ".join(alternates)
    return _shared(response, negotiated)


def _shared(response: WerkzeugResponse, negotiated: bool) -> WerkzeugResponse:
    response.headers["Access-Control-Allow-Origin"] = "*"
    if negotiated:
        response.headers["Vary"] = "Accept"
    return response


@bp.get("/catalog")
def catalog() -> WerkzeugResponse:
    """The catalogue: a French page, or DCAT-AP 3 in the RDF format the client asks for."""
    ext = _preferred_extension()
    if ext is not None:
        return _rdf("catalog", ext, negotiated=True)
    graph = _built("catalog")
    registry, sources = _entries(graph)
    page = render_template(
        "pages/catalog.html",
        registry=registry,
        sources=sources,
        published=any(entry["dumps"] for entry in registry),
        formats=[(ext, media, FORMAT_NAMES[ext]) for ext, (media, _) in RDF_EXTENSIONS.items()],
    )
    return _shared(Response(page, content_type="text/html; charset=utf-8"), negotiated=True)


@bp.get("/catalog.<ext>")
def catalog_as(ext: str) -> WerkzeugResponse:
    """The catalogue in one RDF format: ttl, jsonld, nt or rdf."""
    return _rdf("catalog", ext, negotiated=False)


@bp.get("/void")
def void() -> WerkzeugResponse:
    """The VoID description in RDF; browsers are sent to the catalogue page's VoID section."""
    ext = _preferred_extension()
    if ext is None:
        return _shared(redirect(url_for("catalog.catalog") + "#void", code=303), True)
    return _rdf("void", ext, negotiated=True)


@bp.get("/void.<ext>")
def void_as(ext: str) -> WerkzeugResponse:
    """The VoID description in one RDF format."""
    return _rdf("void", ext, negotiated=False)


@bp.get("/.well-known/void")
def well_known_void() -> WerkzeugResponse:
    """The well-known address of the VoID description (VoID §7.2)."""
    return _shared(redirect(url_for("catalog.void"), code=303), negotiated=False)


def _entries(graph: Graph) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The catalogue's datasets for the page: the registry's (catalogue order), the sources'."""
    catalog = next(graph.subjects(RDF.type, DCAT.Catalog))
    registry: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    for dataset in graph.objects(catalog, DCAT.dataset):
        entry: dict[str, Any] = {
            "iri": str(dataset),
            "title": _text(graph, dataset, DCTERMS.title),
            "description": _text(graph, dataset, DCTERMS.description),
            "publisher": _text(graph, graph.value(dataset, DCTERMS.publisher), FOAF.name),
            "licences": _licences(graph, dataset),
            "modified": str(graph.value(dataset, DCTERMS.modified) or "")[:16].replace("T", " "),
            "files": [_file(graph, d) for d in graph.objects(dataset, DCAT.distribution)],
        }
        entry["dumps"] = [f for f in entry["files"] if f["sha256"]]
        entry["files"].sort(key=lambda f: (not f["sha256"], f["title"]))
        (sources if "/id/source/" in str(dataset) else registry).append(entry)
    order = [str(d) for d in graph.objects(catalog, DCAT.dataset)]
    registry.sort(key=lambda e: (e["iri"].rsplit("#", 1)[-1] != "registre", order.index(e["iri"])))
    sources.sort(key=lambda e: e["title"].lower())
    return registry, sources


def _text(graph: Graph, subject: Node | None, predicate: URIRef) -> str:
    """The French value of a property, else any value."""
    if subject is None:
        return ""
    values = list(graph.objects(subject, predicate))
    french = [v for v in values if isinstance(v, Literal) and v.language == "fr"]
    return str((french or values or [""])[0])


def _licences(graph: Graph, subject: Node) -> list[tuple[str, str]]:
    return sorted(
        (str(licence), _text(graph, licence, RDFS.label) or str(licence))
        for licence in graph.objects(subject, DCTERMS.license)
    )


def _file(graph: Graph, distribution: Node) -> dict[str, Any]:
    url = graph.value(distribution, DCAT.downloadURL) or graph.value(distribution, DCAT.accessURL)
    size = graph.value(distribution, DCAT.byteSize)
    checksum = graph.value(distribution, SPDX.checksum)
    file_type = graph.value(distribution, DCTERMS.format)
    return {
        "title": _text(graph, distribution, DCTERMS.title) or str(url or ""),
        "url": str(url or ""),
        "download": graph.value(distribution, DCAT.downloadURL) is not None,
        "size": _human_size(int(str(size))) if size is not None else "",
        "sha256": str(graph.value(checksum, SPDX.checksumValue) or "") if checksum else "",
        "format": _text(graph, file_type, SKOS.prefLabel) if file_type else "",
    }


def _human_size(octets: int) -> str:
    """A size in French: 532 octets, 12,4 ko, 3,1 Mo."""
    units = ("octets", "ko", "Mo", "Go")
    value, index = float(octets), 0
    while value >= 1000 and index < len(units) - 1:
        value, index = value / 1000, index + 1
    return f"{octets} octets" if index == 0 else f"{value:.1f} {units[index]}".replace(".", ",")
