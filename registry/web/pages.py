"""HTML pages for citizens: home with search, a page per place, the sources."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from rdflib import URIRef

from .. import queries
from ..placeview import citation_lines, criteria_views, place_view
from . import context

bp = Blueprint("pages", __name__)

MAX_QUERY_LENGTH = 200


@bp.get("/")
def home() -> str:
    """Accueil : one search box, the headline figures, the results of a search."""
    text = request.args.get("q", "")[:MAX_QUERY_LENGTH].strip()
    index = context.place_index()
    total, results = index.search(text) if text else (0, [])
    rows = context.store().select(queries.load("headline"))
    headline = {k: str(v) for k, v in rows[0].items()} if rows else {}
    return render_template(
        "pages/home.html", q=text, total=total, results=results, headline=headline
    )


@bp.get("/lieu/<place_id>")
def place(place_id: str) -> str:
    """Fiche lieu: everything the registry knows about one place, with its sources."""
    iri = context.minter().place(place_id)
    graph = context.store().construct(queries.load("place-description"), {"place": iri})
    if (URIRef(iri), None, None) not in graph:
        abort(404)
    view = place_view(graph, URIRef(iri))
    store = context.store()
    view.criteria = criteria_views(store.select(queries.load("place-assessments"), {"place": iri}))
    view.citations = citation_lines(store.select(queries.load("place-citations"), {"place": iri}))
    return render_template("pages/place.html", place=view, place_id=place_id)


@bp.get("/sources")
def sources() -> str:
    """Sources: each source, its publisher, licence and last harvest."""
    rows = context.store().select(queries.load("sources"))
    return render_template("pages/sources.html", sources=rows)
