"""HTML pages for citizens: home with search, a page per place, the sources."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from rdflib import URIRef

from .. import queries
from ..identity import GONE
from ..namespaces import DCTERMS
from ..placeview import citation_lines, criteria_views, place_view
from . import context
from .resources import moved_or_withdrawn

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
    if moved := moved_or_withdrawn(place_id, None):
        return moved  # type: ignore[return-value]
    entry = context.place_status(place_id)
    if entry.get("status") == GONE:
        return render_template("pages/gone.html", place_id=place_id, entry=entry)
    iri = context.minter().place(place_id)
    graph = context.store().construct(queries.load("place-description"), {"place": iri})
    if (URIRef(iri), None, None) not in graph:
        abort(404)
    view = place_view(graph, URIRef(iri))
    store = context.store()
    view.criteria = criteria_views(store.select(queries.load("place-assessments"), {"place": iri}))
    view.citations = citation_lines(store.select(queries.load("place-citations"), {"place": iri}))
    return render_template("pages/place.html", place=view, place_id=place_id)


@bp.get("/sources/<source_id>")
def source_report(source_id: str) -> str:
    """Une source : éditeur, licence, et le rapport de ses moissonnages (rejets, réparations)."""
    store = context.store()
    iri = context.minter().source(source_id)
    description = store.construct(queries.load("describe"), {"resource": iri})
    harvests = store.select(queries.load("source-harvests"), {"source": iri})
    if not harvests and (iri, None, None) not in description:
        abort(404)
    latest = harvests[0]["harvest"] if harvests else None
    rejections = (
        store.select(queries.load("harvest-rejections"), {"harvest": latest}) if latest else []
    )
    reasons: dict[str, int] = {}
    for row in rejections:
        reasons[str(row["reason"])] = reasons.get(str(row["reason"]), 0) + 1
    tallies = store.select(queries.load("harvest-tallies"), {"harvest": latest}) if latest else []
    return render_template(
        "pages/source.html",
        source_id=source_id,
        title=str(description.value(iri, DCTERMS.title) or source_id),
        description=str(description.value(iri, DCTERMS.description) or ""),
        licence=str(description.value(iri, DCTERMS.license) or ""),
        harvests=harvests,
        reasons=sorted(reasons.items(), key=lambda pair: -pair[1]),
        rejections=rejections[:500],
        tallies=tallies,
    )


@bp.get("/sources")
def sources() -> str:
    """Sources: each source, its publisher, licence and last harvest."""
    rows = context.store().select(queries.load("sources"))
    return render_template("pages/sources.html", sources=rows)


@bp.get("/recherche")
def search() -> str:
    """Recherche: places near a commune, a postcode, an address or the user, with filters."""
    return render_template("pages/search.html")


@bp.get("/donnees")
def data() -> str:
    """Données: the dumps, the SPARQL endpoint and the API, for re-users."""
    return render_template("pages/data.html")


@bp.get("/integrer")
def embed() -> str:
    """Intégrer: how to show the registry's map and list on another site."""
    return render_template("pages/embed.html")
