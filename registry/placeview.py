"""Turn the RDF description of one place into the plain French values its page shows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .namespaces import ACCES, DCTERMS, GEO, PROV, RDF, RDFS, SCHEMA, SKOS, TL, XSD
from .store import Row
from .vocabulary import label as vocabulary_label

MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"


def french_date(value: Node) -> str:
    """An xsd:date, gYearMonth or gYear as French text (« 3 mai 2015 », « mai 2015 », « 2015 »)."""
    text = str(value)
    months = MONTHS.split()
    if isinstance(value, Literal) and value.datatype == XSD.gYearMonth:
        year, month = text.split("-")[:2]
        return f"{months[int(month) - 1]} {year}"
    if isinstance(value, Literal) and value.datatype == XSD.date:
        year, month, day = text[:10].split("-")
        return f"{int(day)} {months[int(month) - 1]} {year}"
    return text


def yes_no(value: Node) -> str:
    """« oui » or « non » for an xsd:boolean."""
    return "oui" if str(value).lower() in ("true", "1") else "non"


# Sections of the page: (title, [(property, label, how to show a value)]). A property not listed
# here, nor in SPECIAL, goes under "Autres données" with its vocabulary label.
Show = Callable[[Graph, Node], str]
SECTIONS: list[tuple[str, list[tuple[URIRef, str, str]]]] = [
    ("Le lieu", [
        (SCHEMA.description, "Présentation", "text"),
        (TL.typology, "Typologie", "concept"),
        (TL.hasLabel, "Labels, programmes et réseaux", "concept"),
        (TL.status, "Statut", "concept"),
        (TL.statusDate, "Depuis", "date"),
        (TL.openingDate, "Ouverture", "date"),
        (TL.closingDate, "Fermeture", "date"),
        (TL.itinerant, "Itinérant", "boolean"),
        (TL.ephemeral, "Éphémère", "boolean"),
        (TL.attendance, "Fréquentation", "text"),
    ]),
    ("Accès et accueil", [
        (TL.accessCondition, "Conditions d'accès", "concept"),
        (TL.public, "Publics accueillis", "concept"),
        (SCHEMA.openingHours, "Horaires (format OpenStreetMap)", "text"),
        (TL.openingHoursText, "Horaires (selon la source)", "text"),
        (TL.staffed, "Accueil par une personne", "boolean"),
        (TL.staffedHours, "Horaires d'accueil", "text"),
        (TL.badgeAccess, "Accès autonome (badge, clé)", "boolean"),
        (TL.requiresMembership, "Adhésion requise", "boolean"),
        (TL.minimumCommitment, "Engagement minimum", "text"),
        (TL.wheelchairAccessible, "Accessible aux personnes à mobilité réduite", "boolean"),
        (TL.transportAccess, "Transports", "text"),
        (TL.parking, "Stationnement", "boolean"),
    ]),
    ("Contact", [
        (SCHEMA.telephone, "Téléphone", "text"),
        (SCHEMA.email, "Courriel", "text"),
    ]),
    ("Services et équipements", [
        (TL.service, "Services", "concept"),
        (TL.bandwidthText, "Connexion (selon la source)", "text"),
        (TL.bandwidthMbps, "Débit (Mbit/s)", "text"),
        (TL.workstations, "Postes de travail", "text"),
        (TL.floorArea, "Surface (m²)", "text"),
    ]),
    ("Gouvernance", [
        (TL.governance, "Gouvernance", "concept"),
        (TL.userInvolvement, "Implication des usagers", "concept"),
    ]),
]  # fmt: skip
SPECIAL = {
    RDF.type, SCHEMA.name, SCHEMA.address, SCHEMA.latitude, SCHEMA.longitude, SCHEMA.url,
    SCHEMA.sameAs, SCHEMA.makesOffer, TL.commune, TL.departement, TL.region, TL.positionPrecision,
    TL.geocodingScore, TL.geocodedAddress, GEO.hasGeometry, PROV.wasDerivedFrom, TL.operator,
    TL.operation, TL.assessment,
}  # fmt: skip
DATE_TYPES = {XSD.date, XSD.gYearMonth, XSD.gYear}
OUTCOME_CLASSES = {"rempli": "ok", "non-rempli": "ko", "inconnu": "unknown"}


@dataclass
class SourceLine:
    """One record a place comes from."""

    record: str
    source: str
    title: str
    key: str
    harvested: str
    licence: str


@dataclass
class Offer:
    """One rate."""

    duration: str
    price: str


@dataclass
class CriterionView:
    """One of the six criteria for this place: outcome and evidence with its sources."""

    criterion: str
    outcome: str  # rempli / non-rempli / inconnu
    outcome_label: str
    evidence: list[str] = field(default_factory=list)

    @property
    def css(self) -> str:
        """The badge's CSS class."""
        return OUTCOME_CLASSES.get(self.outcome, "unknown")


@dataclass
class PlaceView:
    """The values of a place page."""

    iri: str
    name: str
    street: str = ""
    postcode: str = ""
    locality: str = ""
    latitude: str = ""
    longitude: str = ""
    precision: str = ""
    geocoded: str = ""
    score: str = ""
    website: str = ""
    profiles: list[str] = field(default_factory=list)
    typologies: list[str] = field(default_factory=list)
    commune: tuple[str, str] | None = None  # (IRI or "", label)
    departement: tuple[str, str] | None = None
    region: tuple[str, str] | None = None
    # (title, [(property label, values, where they come from: "source, date ; …")])
    sections: list[tuple[str, list[tuple[str, str, str]]]] = field(default_factory=list)
    opening_hours: str = ""  # OSM opening_hours syntax
    free: bool = False  # a source says it is free of charge
    offers: list[Offer] = field(default_factory=list)
    operators: list[tuple[str, str, str]] = field(default_factory=list)  # name, legal form, since
    criteria: list[CriterionView] = field(default_factory=list)
    citations: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # fact, doc, lines, note
    sources: list[SourceLine] = field(default_factory=list)
    others: list[tuple[str, str]] = field(default_factory=list)

    def schema_org(self) -> dict[str, Any]:
        """schema.org JSON-LD for search engines (embedded in the page)."""
        data: dict[str, Any] = {"@context": "https://schema.org", "@type": "Place", "@id": self.iri}
        data["name"] = self.name
        if self.street or self.locality:
            address = {
                "@type": "PostalAddress",
                "streetAddress": self.street,
                "postalCode": self.postcode,
                "addressLocality": self.locality,
                "addressCountry": "FR",
            }
            data["address"] = {k: v for k, v in address.items() if v}
        if self.latitude:
            data["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(self.latitude),
                "longitude": float(self.longitude),
            }
        if self.website:
            data["url"] = self.website
        if self.profiles:
            data["sameAs"] = self.profiles
        if self.free:
            data["isAccessibleForFree"] = True
        return data


def _text(graph: Graph, node: Node | None, prop: URIRef) -> str:
    if node is None:
        return ""
    value = graph.value(node, prop)
    return str(value) if value is not None else ""


def term_label(graph: Graph, node: Node) -> str:
    """A French label for `node`: from the graph, the vocabularies, or the node itself."""
    for prop in (RDFS.label, SKOS.prefLabel):
        labels = list(graph.objects(node, prop))
        french = [v for v in labels if getattr(v, "language", None) == "fr"]
        if french or labels:
            return str((french or labels)[0])
    if isinstance(node, URIRef):
        return vocabulary_label(str(node))
    return str(node)


SHOW: dict[str, Show] = {
    "text": lambda graph, value: str(value),
    "concept": term_label,
    "boolean": lambda graph, value: yes_no(value),
    "date": lambda graph, value: french_date(value),
}


def _linked(graph: Graph, place: URIRef, prop: URIRef) -> tuple[str, str] | None:
    """(IRI, label) of what `place` links to by `prop`; IRI "" when the registry has no page."""
    node = graph.value(place, prop)
    if node is None:
        return None
    described = any(graph.objects(node, RDFS.label)) or any(graph.objects(node, SKOS.prefLabel))
    return (str(node) if described else ""), term_label(graph, node)


def place_view(graph: Graph, place: URIRef) -> PlaceView:
    """Read a place description (registry/queries/place-description.rq) into a PlaceView."""
    view = PlaceView(iri=str(place), name=_text(graph, place, SCHEMA.name) or "(sans nom)")
    address = graph.value(place, SCHEMA.address)
    view.street = _text(graph, address, SCHEMA.streetAddress)
    view.postcode = _text(graph, address, SCHEMA.postalCode)
    view.locality = _text(graph, address, SCHEMA.addressLocality)
    view.latitude = _text(graph, place, SCHEMA.latitude)
    view.longitude = _text(graph, place, SCHEMA.longitude)
    precision = graph.value(place, TL.positionPrecision)
    view.precision = term_label(graph, precision) if precision is not None else ""
    view.geocoded = _text(graph, place, TL.geocodedAddress)
    view.score = _text(graph, place, TL.geocodingScore)
    view.website = _text(graph, place, SCHEMA.url)
    view.profiles = sorted(str(o) for o in graph.objects(place, SCHEMA.sameAs))
    view.typologies = sorted(term_label(graph, t) for t in graph.objects(place, TL.typology))
    view.commune = _linked(graph, place, TL.commune)
    view.departement = _linked(graph, place, TL.departement)
    view.region = _linked(graph, place, TL.region)
    view.opening_hours = _text(graph, place, SCHEMA.openingHours)
    view.free = (place, TL.accessCondition, ACCES.gratuit) in graph
    sources_of = fact_sources(graph, place)
    shown = set(SPECIAL)
    for title, props in SECTIONS:
        rows = []
        for prop, name, how in props:
            shown.add(prop)
            objects = list(graph.objects(place, prop))
            values = sorted(SHOW[how](graph, v) for v in objects)
            if values:
                cited = sorted({source for v in objects for source in sources_of(prop, v)})
                rows.append((name, ", ".join(values), " ; ".join(cited)))
        if rows:
            view.sections.append((title, rows))
    for offer in graph.objects(place, SCHEMA.makesOffer):
        duration = graph.value(offer, TL.offerDuration)
        price = _text(graph, offer, SCHEMA.price)
        shown_price = "gratuit" if price in ("0", "0.0") else f"{price} €"
        view.offers.append(Offer(term_label(graph, duration) if duration else "", shown_price))
    view.offers.sort(key=lambda o: (o.duration, o.price))
    for operation in graph.objects(place, TL.operation):
        operator = graph.value(operation, TL.operator)
        form = graph.value(operator, TL.legalForm)
        since = graph.value(operation, SCHEMA.startDate)
        view.operators.append(
            (
                _text(graph, operator, SKOS.prefLabel) or "porteur non nommé",
                term_label(graph, form) if form is not None else "",
                french_date(since) if since is not None else "",
            )
        )
    view.operators.sort()
    for record in sorted(graph.objects(place, PROV.wasDerivedFrom), key=str):
        source = graph.value(record, DCTERMS.source)
        view.sources.append(
            SourceLine(
                record=str(record),
                source=str(source or ""),
                title=_text(graph, source, DCTERMS.title),
                key=_text(graph, record, TL.recordKey),
                harvested=_text(graph, record, PROV.generatedAtTime)[:10],
                licence=_text(graph, source, DCTERMS.license),
            )
        )
    for other, value in sorted(graph.predicate_objects(place)):
        if other not in shown:
            shown_value = str(value) if isinstance(value, Literal) else term_label(graph, value)
            view.others.append((vocabulary_label(str(other)), shown_value))
    return view


def fact_sources(graph: Graph, place: URIRef) -> Callable[[Node, Node], list[str]]:
    """Where each value of `place` comes from: « source, date de moissonnage ».

    A place merged from several records says, value by value, which record gave it
    (rdf:Statement, registry/reconcile.py); a place from one record got every value from it.
    """
    cited: dict[Node, str] = {}
    for record in graph.objects(place, PROV.wasDerivedFrom):
        source = graph.value(record, DCTERMS.source)
        title = _text(graph, source, DCTERMS.title) or str(source or record)
        harvested = _text(graph, record, PROV.generatedAtTime)[:10]
        if harvested:
            title = f"{title}, moissonné le {french_date(Literal(harvested, datatype=XSD.date))}"
        cited[record] = title
    by_value: dict[tuple[Node, Node], set[str]] = defaultdict(set)
    for statement in graph.subjects(RDF.subject, place):
        predicate = graph.value(statement, RDF.predicate)
        value = graph.value(statement, RDF.object)
        origin = graph.value(statement, PROV.wasDerivedFrom)
        if predicate is not None and value is not None and origin in cited:
            by_value[predicate, value].add(cited[origin])
    everyone = sorted(cited.values()) if len(cited) == 1 else []

    def sources(predicate: Node, value: Node) -> list[str]:
        return sorted(by_value.get((predicate, value), ())) or everyone

    return sources


WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def weekly_hours(hours: str, today: date) -> list[tuple[str, str, bool]]:
    """The week of `today` from OSM opening hours: (day, « 9 h 00 – 12 h 30, … », is today).

    Empty when the hours cannot be read (the page then shows them as the source gave them).
    """
    from opening_hours import OpeningHours, State

    try:
        parsed = OpeningHours(hours)
    except (SyntaxError, ValueError):
        return []
    monday = datetime.combine(today - timedelta(days=today.weekday()), time())
    week = []
    for offset, day in enumerate(WEEKDAYS):
        start = monday + timedelta(days=offset)
        spans = []
        unknown = False
        try:
            intervals = list(parsed.intervals(start, start + timedelta(days=1)))
        except (SyntaxError, ValueError):
            return []
        for begin, end, state, _comment in intervals:
            if state == State.OPEN:
                spans.append(f"{_clock(begin)} – {_clock(end, start)}")
            elif state == State.UNKNOWN:
                unknown = True
        text = ", ".join(spans) or ("horaires non précisés" if unknown else "fermé")
        week.append((day, text, start.date() == today))
    return week


def _clock(moment: datetime | None, day: datetime | None = None) -> str:
    if moment is None or (day is not None and moment >= day + timedelta(days=1)):
        return "24 h 00"
    return f"{moment.hour} h {moment.minute:02d}"


def criteria_views(rows: list[Row]) -> list[CriterionView]:
    """The six criteria of a place from registry/queries/place-assessments.rq rows."""
    by_criterion: dict[str, CriterionView] = {}
    for row in rows:
        criterion = str(row["criterion"])
        outcome = str(row["outcome"]).rstrip("/").rsplit("/", 1)[-1]
        view = by_criterion.setdefault(
            criterion,
            CriterionView(
                vocabulary_label(criterion), outcome, vocabulary_label(str(row["outcome"]))
            ),
        )
        if "comment" in row:
            where = ""
            if "lines" in row:
                where = f" — {row.get('title', row.get('document', ''))}, lignes {row['lines']}"
            text = f"{row['comment']}{where}"
            if text not in view.evidence:
                view.evidence.append(text)
    order = [vocabulary_label(c) for c in CRITERIA_IRIS]
    return sorted(
        by_criterion.values(),
        key=lambda v: order.index(v.criterion) if v.criterion in order else 99,
    )


CRITERIA_IRIS = [
    f"https://w3id.org/tiers-lieux/def/critere/{slug}"
    for slug in ("ouverture", "flexibilite", "accessibilite", "accueil", "numerique", "gouvernance")
]


def citation_lines(rows: list[Row]) -> list[tuple[str, str, str, str]]:
    """(fact, document title, lines, note) from registry/queries/place-citations.rq rows."""
    found = []
    for row in rows:
        prop = vocabulary_label(str(row["predicate"]))
        value = row["object"]
        if isinstance(value, Literal) and value.datatype == XSD.boolean:
            shown = yes_no(value)
        elif isinstance(value, Literal):
            shown = french_date(value) if value.datatype in DATE_TYPES else str(value)
        else:
            shown = vocabulary_label(str(value))
        if isinstance(value, URIRef) and "#" in str(value):
            shown = ""  # an address, offer or operator node: the property says enough
        fact = f"{prop} : {shown}" if shown else prop
        found.append((fact, str(row.get("title", "")), str(row["lines"]), str(row.get("note", ""))))
    return sorted(set(found))
