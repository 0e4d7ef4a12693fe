"""HTML pages for citizens: Accueil, Recherche, the fiche of a place, Sources, Données, Intégrer.

The territory pages are in territories.py, the error reports in corrections.py.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from rdflib import URIRef
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import queries
from ..catalog import latest_dumps
from ..geography import Commune, find_centre
from ..identity import GONE
from ..namespaces import DCTERMS, DEF
from ..paths import ROOT
from ..placeview import PlaceView, citation_lines, criteria_views, place_view, weekly_hours
from ..search import PARIS, PlaceEntry, PlaceIndex
from ..store import Store
from ..vocabulary import fold
from ..vocabulary import label as vocabulary_label
from . import context, searching
from .resources import moved_or_withdrawn

bp = Blueprint("pages", __name__)

EXAMPLES = ROOT / "docs" / "queries"
NOWHERE = Commune("", "", "", "", 0)


@bp.get("/")
def home() -> WerkzeugResponse | str:
    """Accueil : one search box, « Autour de moi », the map of France, the headline figures."""
    if request.args.get("q"):  # the search box of earlier versions searched from here
        return redirect(f"{url_for('pages.search')}?{request.query_string.decode()}", code=301)
    return render_template("pages/home.html", headline=context.per_snapshot("headline", headline))


def headline(store: Store) -> dict[str, str]:
    """Places, communes covered, sources and last update of the published registry."""
    rows = store.select(queries.load("headline"))
    figures = {key: str(value) for key, value in rows[0].items()} if rows else {}
    index = context.place_index()
    figures["places"] = str(len(index))
    figures["communes"] = str(len({entry.commune for entry in index.entries if entry.commune}))
    figures["sources"] = str(len(store.select(queries.load("sources"))))
    return figures


def place_url_prefix() -> str:
    """The URL of a place page without the id (place ids are lowercase letters and digits).

    Building one URL per place with url_for took most of a région page's rendering time.
    """
    return url_for("pages.place", place_id="x")[:-1]


def map_points(entries: Iterable[PlaceEntry]) -> list[dict[str, object]]:
    """Located places as points of the map (partials/map.html)."""
    prefix = place_url_prefix()
    return [
        {
            "id": entry.id,
            "nom": entry.name,
            "lat": round(entry.latitude, 5),
            "lon": round(entry.longitude, 5),
            "url": prefix + entry.id,
            "info": " · ".join(filter(None, [entry.locality, ", ".join(entry.typologies)])),
        }
        for entry in entries
        if entry.latitude is not None and entry.longitude is not None
    ]


def _all_points(store: Store) -> tuple[bytes, bytes]:
    index = context.place_index()
    body = json.dumps(
        map_points(e for e in index.entries if e.is_open), ensure_ascii=False, separators=(",", ":")
    ).encode()
    return body, gzip.compress(body, 6)


@bp.get("/carte.json")
def all_points() -> Response:
    """Every open place as a map point, for the map of France (gzipped when the client can)."""
    body, compressed = context.per_snapshot("all-points", _all_points)
    response = Response(mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Accept-Encoding")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(compressed)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.set_data(body)
    return response


@bp.get("/lieu/<place_id>")
def place(place_id: str) -> str:
    """Fiche lieu: everything the registry knows about one place, with its sources."""
    if moved := moved_or_withdrawn(place_id, None):
        return moved  # type: ignore[return-value]
    entry = context.place_status(place_id)
    if entry.get("status") == GONE:
        return render_template("pages/gone.html", place_id=place_id, entry=entry)
    view = context.remembered("place-view", place_id, lambda: _place_data(place_id))
    if view is None:
        abort(404)
    now = datetime.now(PARIS)
    indexed = context.place_index().by_id.get(place_id)
    gazetteer = context.gazetteer()
    commune = gazetteer.communes.get(indexed.commune) if indexed is not None else None
    epci = gazetteer.territories.get(("epci", commune.epci)) if commune and commune.epci else None
    return render_template(
        "pages/place.html",
        place=view,
        place_id=place_id,
        week=weekly_hours(view.opening_hours, now.date()) if view.opening_hours else [],
        open_now=indexed.open_at(now) if indexed is not None else None,
        points=map_points([indexed]) if indexed is not None else [],
        now=now,
        epci=epci,
    )


def _place_data(place_id: str) -> PlaceView | None:
    """What a place page shows from the store (None: no such place), until a publication."""
    iri = context.minter().place(place_id)
    store = context.store()
    graph = store.construct(queries.load("place-description"), {"place": iri})
    if (URIRef(iri), None, None) not in graph:
        return None
    view = place_view(graph, URIRef(iri))
    view.criteria = criteria_views(store.select(queries.load("place-assessments"), {"place": iri}))
    rows = []
    for line in view.sources:
        record = URIRef(line.record)
        if store.select(queries.load("record-reified"), {"record": record}):
            rows += store.select(queries.load("place-citations"), {"record": record})
    view.citations = citation_lines(rows)
    return view


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
    # in French alphabetical order here: engines order mixed literals differently
    rows.sort(key=lambda row: (fold(str(row.get("title", ""))), str(row["source"])))
    return render_template("pages/sources.html", sources=rows)


@bp.get("/recherche")
def search() -> tuple[str, int] | str:
    """Recherche: places near a commune, a postcode, an address or the user, with filters.

    Works without JavaScript (a GET form, results rendered here); the map is an enhancement.
    Takes the parameters of /api/lieux (registry.web.searching), plus `nom` (a place's name).
    """
    index = context.place_index()
    args = request.args
    if args.get("q", "").strip() and args.get("pres"):  # typed over a located search: the text
        args = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "pres"])
    facets = context.per_snapshot("facets", lambda store: facet_options(index))
    page: dict[str, Any] = {
        "facets": facets,
        "chosen": {name: set() for name in FACETS},
        "args": args,
        "hits": [],
        "paris": PARIS,
        "radius": searching.DEFAULT_RADIUS_KM,
        "limit": PAGE,
    }
    try:  # a bad parameter is shown on the page, with the form as it was
        page["chosen"] = {name: set(searching.values(args, name)) for name in FACETS}
        page["limit"] = int(searching.number(args, "limite", PAGE, 1, MAX_RESULTS))
        page["filters"] = searching.filters(args)
        page["radius"] = searching.radius(args)
        name = searching.text(args, "nom")
        if name:
            page["total"], page["named"] = index.search(name, page["limit"])
            page["name"] = name
        elif searching.where_given(args):
            try:
                centre = searching.centre(args, context.gazetteer())
            except searching.BadParameter:
                given = searching.where_given(args)
                if given is None or given[0] != "q":
                    raise
                # Not a commune, postcode or address: maybe the name of a place.
                page["name"] = given[1]
                page["total"], page["named"] = index.search(given[1], page["limit"])
                page["not_a_place"] = True
            else:
                page["centre"] = centre
                page["hits"] = index.near(
                    centre.latitude,
                    centre.longitude,
                    page["limit"],
                    page["radius"],
                    page["filters"],
                )
                page["points"] = map_points(hit.entry for hit in page["hits"])
    except searching.BadParameter as error:
        page["error"] = str(error)
        page["moment"] = None
        return render_template("pages/search.html", **page), 400
    page["moment"] = page["filters"].open_now
    return render_template("pages/search.html", **page)


PAGE, MAX_RESULTS = 20, 100
FACETS = ("typologie", "label", "service", "critere")
SCHEMES = {kind: f"{DEF}{kind}/" for kind in FACETS}


def facet_options(index: PlaceIndex) -> dict[str, list[tuple[str, str, int]]]:
    """For each filter, the codes open places carry: (code, French label, places), most first."""
    counts: Counter[str] = Counter(tag for e in index.located if e.is_open for tag in e.tags)
    options: dict[str, list[tuple[str, str, int]]] = {kind: [] for kind in FACETS}
    for tag, count in counts.items():
        kind, _, code = tag.partition(":")
        if kind in options:
            options[kind].append((code, vocabulary_label(SCHEMES[kind] + code), count))
    for kind in FACETS:
        options[kind].sort(key=lambda option: (-option[2], option[1]))
    return options


@bp.get("/donnees")
def data() -> str:
    """Données: the SPARQL endpoint, the API, the RDF of each resource, for re-users."""
    examples = sorted(p.stem for p in EXAMPLES.glob("*.rq")) if EXAMPLES.is_dir() else []
    dumps, _ = latest_dumps(context.settings())
    return render_template(
        "pages/data.html",
        headline=context.per_snapshot("headline", headline),
        examples=examples,
        dumps={entry.get("fichier") for entry in dumps},
    )


@bp.get("/integrer")
def embed() -> tuple[str, int] | str:
    """Intégrer: the widget's parameters, a snippet to copy for the chosen ones, a preview."""
    facets = context.per_snapshot("facets", lambda store: facet_options(context.place_index()))
    try:
        selection = widget_selection(request.args)
    except searching.BadParameter as error:
        return render_template("pages/embed.html", error=str(error), facets=facets, args={}), 400
    query = urlencode(
        [(k, v) for k, v in request.args.items(multi=True) if k in WIDGET_PARAMETERS and v]
    )
    src = f"{context.settings().base_uri}widget" + (f"?{query}" if query else "")
    return render_template(
        "pages/embed.html",
        facets=facets,
        args=request.args,
        src=src,
        preview=url_for("pages.widget") + (f"?{query}" if query else ""),
        title=f"Tiers-lieux : {selection.title}",
    )


WIDGET_PARAMETERS = (
    "territoire", "typologie", "label", "service", "critere", "gratuit", "pmr", "centre", "zoom",
)  # fmt: skip
TERRITORY_KINDS = {"region": "région", "departement": "département", "epci": "EPCI"}


@dataclass
class WidgetSelection:
    """The places a widget shows, and where its map starts."""

    title: str
    entries: list[PlaceEntry]
    centre: tuple[float, float] | None = None
    zoom: int | None = None


def widget_selection(args: MultiDict[str, str]) -> WidgetSelection:
    """Read the widget's parameters: a territory (`departement:33`), filters, centre and zoom."""
    index, gazetteer = context.place_index(), context.gazetteer()
    filters = searching.filters(args)
    territory = searching.text(args, "territoire")
    title = "France"
    keep: Callable[[PlaceEntry], bool] = lambda entry: True  # noqa: E731
    if territory:
        kind, _, code = territory.partition(":")
        known = gazetteer.territories.get((kind, code))
        if kind not in TERRITORY_KINDS or known is None:
            raise searching.BadParameter(
                f"« territoire » inconnu : « {territory[:40]} » (exemples : region:53, "
                "departement:33, epci:243300316)."
            )
        title = known.name
        if kind == "epci":
            keep = lambda e: gazetteer.communes.get(e.commune, NOWHERE).epci == code  # noqa: E731
        else:
            attribute = "region_code" if kind == "region" else "departement"
            keep = lambda e: getattr(e, attribute) == code  # noqa: E731
    entries = [e for e in index.located if keep(e) and filters.accepts(e)]
    centre = None
    if raw := searching.text(args, "centre"):
        found = find_centre(gazetteer, raw) if "," in raw else None
        if found is None or found.commune is not None:
            raise searching.BadParameter("« centre » s'écrit latitude,longitude (ex. 44.84,-0.58).")
        centre = (found.latitude, found.longitude)
    zoom = int(searching.number(args, "zoom", 0, 3, 18)) or None
    return WidgetSelection(title, entries, centre, zoom)


@bp.get("/widget")
def widget() -> tuple[str, int] | str:
    """The embeddable map and list (any site may frame it; see /integrer)."""
    try:
        selection = widget_selection(request.args)
    except searching.BadParameter as error:
        return render_template("pages/widget.html", error=str(error), selection=None), 400
    return render_template(
        "pages/widget.html",
        selection=selection,
        points=map_points(selection.entries),
        centre=selection.centre or ((46.6, 2.4) if not selection.entries else None),
        zoom=selection.zoom or (5 if not selection.entries else None),
    )
