"""Territoires: a page per région, département and EPCI (counts, coverage, white zones, map, CSV).

Figures come from the coverage graph computed at each publication (registry/coverage.py); the
places of a territory from the search index, each place counted in the territories of its
commune, as the coverage analysis counts it. Everything a page shows is computed once per
published snapshot and worker (`context.per_snapshot`), so that a page is rendered from memory.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup
from rdflib import URIRef
from rdflib.term import Node

from .. import queries
from ..charts import bar_chart, bars
from ..dumps import neutralise
from ..geography import Commune, Gazetteer, Territory
from ..iris import Minter
from ..namespaces import DEF, IGEO, STATUT, TL
from ..search import PlaceEntry, PlaceIndex
from ..store import Store
from ..vocabulary import fold, label
from . import context
from .pages import map_points, place_url_prefix

bp = Blueprint("territories", __name__)

KINDS = ("region", "departement", "epci")
KIND_LABELS = {"region": "Région", "departement": "Département", "epci": "Intercommunalité"}
CLASSES = {"region": IGEO.Region, "departement": IGEO.Departement, "epci": TL.Epci}
SCHEMES = {"typologie": DEF + "typologie/", "label": DEF + "label/"}
WHITE_ZONES_SHOWN = 100  # the most populated white-zone communes listed on a page
SEARCH_RESULTS = 30
SEARCH_COMMUNES = 10
PLACES = ("lieu", "lieux")


@dataclass(frozen=True)
class Figures:
    """The coverage figures of one territory (None: not in the published coverage graph)."""

    population: int | None = None
    places: int | None = None
    open_places: int | None = None
    per_100k: float | None = None
    within_10km: int | None = None
    within_20min: int | None = None
    share_10km: float | None = None
    share_20min: float | None = None
    white_zones: int | None = None


@dataclass(frozen=True)
class WhiteZone:
    """A commune (an arrondissement in Paris, Lyon, Marseille) with no open place near enough."""

    code: str
    name: str
    population: int
    km: float | None
    minutes: int | None
    nearest: PlaceEntry | None


@dataclass(frozen=True)
class Layout:
    """How territories and places nest, from the gazetteer and the place index."""

    places: dict[tuple[str, str], list[PlaceEntry]]  # sorted by name
    children: dict[tuple[str, str], list[Territory]]  # région → départements, dépt → EPCI
    parents: dict[tuple[str, str], list[Territory]]  # dépt → région, EPCI → départements
    by_id: dict[str, PlaceEntry]


@dataclass
class TerritoryView:
    """Everything one territory's page shows."""

    territory: Territory
    figures: Figures
    breakdown: dict[str, list[tuple[str, int]]]  # "typologie"/"label" → (French label, places)
    white_zones: list[WhiteZone]
    places: list[PlaceEntry]
    parents: list[Territory]
    children: list[tuple[Territory, Figures]]
    trail: list[Territory] = field(default_factory=list)  # breadcrumb: région, département
    charts: dict[str, Markup] = field(default_factory=dict)
    points: list[dict[str, object]] = field(default_factory=list)  # the map's


def _int(row: Mapping[str, Node], key: str) -> int | None:
    return int(str(row[key])) if key in row else None


def _float(row: Mapping[str, Node], key: str) -> float | None:
    return float(str(row[key])) if key in row else None


def _figures(row: Mapping[str, Node]) -> Figures:
    return Figures(
        population=_int(row, "population"),
        places=_int(row, "places"),
        open_places=_int(row, "openPlaces"),
        per_100k=_float(row, "per100k"),
        within_10km=_int(row, "within10km"),
        within_20min=_int(row, "within20min"),
        share_10km=_float(row, "share10km"),
        share_20min=_float(row, "share20min"),
        white_zones=_int(row, "whiteZones"),
    )


def _iri(minter: Minter, kind: str, code: str) -> URIRef:
    return {"region": minter.region, "departement": minter.departement, "epci": minter.epci}[kind](
        code
    )


def figures_of(store: Store, minter: Minter, kind: str, code: str) -> Figures:
    """The published figures of one territory."""
    rows = store.select(queries.load("territory-figures"), {"territory": _iri(minter, kind, code)})
    return _figures(rows[0]) if rows else Figures()


def figures_by_code(store: Store, minter: Minter, kind: str) -> dict[str, Figures]:
    """The published figures of every territory of one kind, by code."""
    rows = store.select(queries.load("territory-figures"), {"class": CLASSES[kind]})
    return {minter.local_id(str(row["territory"]), kind) or "": _figures(row) for row in rows}


def place_layout(gazetteer: Gazetteer, index: PlaceIndex) -> Layout:
    """Places by territory (through their commune) and the nesting of territories."""
    places: dict[tuple[str, str], list[PlaceEntry]] = defaultdict(list)
    for entry in index.entries:
        commune = gazetteer.communes.get(entry.commune)
        if commune is None:
            continue  # no commune: in no territory, as in the coverage analysis
        places["region", commune.region].append(entry)
        places["departement", commune.departement].append(entry)
        if commune.epci:
            places["epci", commune.epci].append(entry)
    for found in places.values():
        found.sort(key=lambda e: (fold(e.name), e.id))
    epci_departements: dict[str, set[str]] = defaultdict(set)
    for commune in gazetteer.communes.values():
        if commune.epci and not commune.is_arrondissement:
            epci_departements[commune.epci].add(commune.departement)
    children: dict[tuple[str, str], list[Territory]] = defaultdict(list)
    parents: dict[tuple[str, str], list[Territory]] = defaultdict(list)

    def link(child: Territory, parent: Territory | None) -> None:
        if parent is not None:
            children[parent.kind, parent.code].append(child)
            parents[child.kind, child.code].append(parent)

    for (kind, code), territory in sorted(gazetteer.territories.items()):
        if kind == "departement":
            link(territory, gazetteer.territory("region", territory.parent))
        elif kind == "epci":
            for departement in sorted(epci_departements[code]):
                link(territory, gazetteer.territory("departement", departement))
    for found_children in children.values():
        found_children.sort(key=lambda t: (fold(t.name), t.code))
    return Layout(dict(places), dict(children), dict(parents), {e.id: e for e in index.entries})


def _layout(store: Store) -> Layout:
    return place_layout(context.gazetteer(), context.place_index())


def _breakdown(store: Store, iri: URIRef) -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {scheme: [] for scheme in SCHEMES}
    for row in store.select(queries.load("territory-breakdown"), {"territory": iri}):
        category = str(row["category"])
        for scheme, prefix in SCHEMES.items():
            if category.startswith(prefix):
                found[scheme].append((label(category), int(str(row["places"]))))
    for counts in found.values():
        counts.sort(key=lambda pair: (-pair[1], fold(pair[0])))
    return found


def _white_zones(store: Store, minter: Minter, iri: URIRef, layout: Layout) -> list[WhiteZone]:
    zones = []
    for row in store.select(queries.load("territory-white-zones"), {"territory": iri}):
        nearest = minter.local_id(str(row["nearest"]), "lieu") if "nearest" in row else None
        zones.append(
            WhiteZone(
                code=str(row["code"]),
                name=str(row["name"]),
                population=int(str(row["population"])),
                km=float(str(row["km"])) if "km" in row else None,
                minutes=int(str(row["minutes"])) if "minutes" in row else None,
                nearest=layout.by_id.get(nearest or ""),
            )
        )
    zones.sort(key=lambda zone: (-zone.population, zone.code))
    return zones


def territory_view(store: Store, territory: Territory) -> TerritoryView:
    """What the page of `territory` shows, read from the store and the index."""
    minter, key = context.minter(), (territory.kind, territory.code)
    layout = context.per_snapshot("territoires-structure", _layout)
    iri = _iri(minter, *key)
    children = layout.children.get(key, [])
    if territory.kind == "region":
        departements = context.per_snapshot("territoires-departements", _departement_figures)
        child_figures = [(child, departements.get(child.code, Figures())) for child in children]
    else:
        child_figures = [(c, figures_of(store, minter, c.kind, c.code)) for c in children]
    view = TerritoryView(
        territory=territory,
        figures=figures_of(store, minter, *key),
        breakdown=_breakdown(store, iri),
        white_zones=_white_zones(store, minter, iri, layout),
        places=layout.places.get(key, []),
        parents=layout.parents.get(key, []),
        children=child_figures,
    )
    parent = view.parents[0] if view.parents else None
    while parent is not None:  # an EPCI over several départements: through the first one
        view.trail.insert(0, parent)
        parent = next(iter(layout.parents.get((parent.kind, parent.code), [])), None)
    view.charts = _charts(view)
    view.points = map_points(view.places)
    return view


def _charts(view: TerritoryView) -> dict[str, Markup]:
    name = view.territory.name
    charts = {
        scheme: bar_chart(bars(counts, number), f"Lieux par {title} — {name}", PLACES)
        for (scheme, counts), title in zip(
            view.breakdown.items(), ("typologie", "label, programme ou réseau"), strict=True
        )
        if counts
    }
    ranked = [(c.name, f.per_100k) for c, f in view.children if f.per_100k is not None]
    if ranked:
        ranked.sort(key=lambda pair: (-pair[1], fold(pair[0])))
        title = f"Lieux ouverts pour 100 000 habitants — {name}"
        charts["children"] = bar_chart(bars(ranked, decimal), title)
    return charts


def _region_figures(store: Store) -> dict[str, Figures]:
    return figures_by_code(store, context.minter(), "region")


def _departement_figures(store: Store) -> dict[str, Figures]:
    return figures_by_code(store, context.minter(), "departement")


# --- French number formats (narrow no-break space between thousands, decimal comma)


@bp.app_template_filter("fr_nombre")
def number(value: float | None, digits: int = 0) -> str:
    """12345 → "12 345"; 14.891 with digits=2 → "14,89"; None → "—"."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


@bp.app_template_filter("fr_decimal")
def decimal(value: float | None) -> str:
    """A figure with one decimal: 14.89 → "14,9"."""
    return number(value, 1)


@bp.app_template_filter("fr_pourcent")
def percent(share: float | None) -> str:
    """A share from 0 to 1 as a percentage with one decimal: 0.9733 → "97,3 %"."""
    return "—" if share is None else number(share * 100, 1) + "\u00a0%"


# --- Routes


@bp.get("/territoires")
def index() -> str:
    """The régions with their figures, the départements under their région, a name search."""
    gazetteer = context.gazetteer()
    regions = context.per_snapshot("territoires-regions", _region_figures)
    departements = context.per_snapshot("territoires-departements", _departement_figures)
    layout = context.per_snapshot("territoires-structure", _layout)
    rows = sorted(
        (
            (t, regions.get(t.code, Figures()))
            for (k, _), t in gazetteer.territories.items()
            if k == "region"
        ),
        key=lambda pair: fold(pair[0].name),
    )
    ranked = sorted(
        ((t.name, f.per_100k) for t, f in rows if f.per_100k is not None),
        key=lambda pair: (-pair[1], fold(pair[0])),
    )
    chart = bar_chart(bars(ranked, decimal), "Lieux ouverts pour 100 000 habitants, par région")
    query = request.args.get("q", "").strip()[:100]
    return render_template(
        "pages/territories.html",
        regions=rows,
        departements=departements,
        children=layout.children,
        chart=chart if ranked else None,
        query=query,
        found=search(gazetteer, query) if query else [],
        communes=search_communes(gazetteer, query) if query else [],
    )


def search(gazetteer: Gazetteer, text: str) -> list[Territory]:
    """Territories whose name contains `text` (accents and case ignored) or whose code is it."""
    wanted = fold(text)
    found = [
        t
        for t in gazetteer.territories.values()
        if t.code == text.strip() or (wanted and wanted in fold(t.name))
    ]
    found.sort(key=lambda t: (KINDS.index(t.kind), not fold(t.name).startswith(wanted), t.name))
    return found[:SEARCH_RESULTS]


def search_communes(gazetteer: Gazetteer, text: str) -> list[tuple[Commune, list[Territory]]]:
    """Communes named `text` or whose name starts with it, with their EPCI and département."""
    wanted = fold(text)
    if len(wanted) < 2:
        return []
    names = context.per_snapshot("territoires-communes", lambda store: _folded_communes(gazetteer))
    found = [c for name, c in names if name.startswith(wanted)]
    found.sort(key=lambda c: (fold(c.name) != wanted, -c.population, c.code))
    return [
        (c, [t for t in (gazetteer.territory("epci", c.epci),
                         gazetteer.territory("departement", c.departement)) if t])
        for c in found[:SEARCH_COMMUNES]
    ]  # fmt: skip


def _folded_communes(gazetteer: Gazetteer) -> list[tuple[str, Commune]]:
    return [(fold(c.name), c) for c in gazetteer.communes.values() if not c.is_arrondissement]


def _territory_or_404(kind: str, code: str) -> Territory:
    territory = context.gazetteer().territory(kind, code)
    if territory is None:
        abort(404)
    return territory


def _view(kind: str, code: str) -> TerritoryView:
    territory = _territory_or_404(kind, code)
    return context.per_snapshot(
        f"territoire/{kind}/{code}", lambda store: territory_view(store, territory)
    )


@bp.get("/territoires/<any(region, departement, epci):kind>/<code>")
def territory(kind: str, code: str) -> str:
    """Page of a région, a département or an EPCI."""
    view = _view(kind, code)
    return render_template(
        "pages/territory.html",
        view=view,
        kind_label=KIND_LABELS[kind],
        place_url=place_url_prefix(),
        communes=context.gazetteer().communes,
        white_zones_shown=WHITE_ZONES_SHOWN,
    )


# --- CSV

CSV_COLUMNS = (
    "id", "nom", "commune", "code_insee", "code_postal", "departement", "region", "typologies",
    "labels", "criteres_remplis", "latitude", "longitude", "statut", "url",
)  # fmt: skip


def csv_rows(places: Iterable[PlaceEntry], gazetteer: Gazetteer, base_uri: str) -> list[list[str]]:
    """One row per place, the columns of CSV_COLUMNS.

    Text from the sources is neutralised; the numbers are written here (a longitude of
    "-1.5" is a number, not a formula, and stays one).
    """
    rows = []
    for entry in places:
        commune = gazetteer.communes.get(entry.commune)
        departement = gazetteer.territory("departement", commune.departement) if commune else None
        region = gazetteer.territory("region", commune.region) if commune else None
        texts = [
            entry.id,
            entry.name,
            commune.name if commune else entry.locality,
            entry.commune,
            entry.postcode,
            departement.name if departement else "",
            region.name if region else entry.region,
            "; ".join(entry.typologies),
            "; ".join(label(SCHEMES["label"] + code) for code in entry.tagged("label")),
        ]
        numbers = [
            str(entry.criteria_met),
            "" if entry.latitude is None else str(entry.latitude),
            "" if entry.longitude is None else str(entry.longitude),
        ]
        status = label(str(STATUT[entry.status])) if entry.status else ""
        rows.append(
            [neutralise(t) for t in texts] + numbers + [status, base_uri + "lieu/" + entry.id]
        )
    return rows


@bp.get("/territoires/<any(region, departement, epci):kind>/<code>/lieux.csv")
def places_csv(kind: str, code: str) -> Response:
    """The places a territory's page lists, as CSV.

    UTF-8 with a byte order mark: Excel, which many local authorities open CSV files with,
    reads a file without it as Windows-1252 and garbles every accent; csv readers that know
    UTF-8 ("utf-8-sig" in Python, LibreOffice, R) skip the mark. Comma-separated, quoted when
    needed (RFC 4180).
    """
    view = _view(kind, code)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(view.places, context.gazetteer(), context.settings().base_uri))
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    filename = f"lieux-{kind}-{code}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
