"""Add the facts every place-listing source shares to a record graph, with the shared repairs.

Used by the mapping harvester (and any Python harvester): name, address, commune, position,
links, contacts of the organisation (never of a person), opening hours, concepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from rdflib import Graph, Literal, URIRef

from registry.iris import Minter
from registry.namespaces import ADMS, DEF, GEO, ORG, PREC, RDF, SCHEMA, SKOS, TL
from registry.vocabulary import match_concept

from . import coords, fields, hours

# field of a mapping -> (property, scheme) for values that are concepts
CONCEPT_FIELDS: dict[str, tuple[URIRef, str]] = {
    "typology": (TL.typology, DEF + "typologie/"),
    "label": (TL.hasLabel, DEF + "label/"),
    "service": (TL.service, DEF + "service/"),
    "public": (TL.public, DEF + "public/"),
    "access": (TL.accessCondition, DEF + "acces/"),
    "status": (TL.status, DEF + "statut/"),
}
WEBMAIL = re.compile(
    r"@(gmail|hotmail|yahoo|outlook|live|orange|wanadoo|free|sfr|laposte\.net|icloud|aol)\.",
    re.IGNORECASE,
)
# Words that make an e-mail's local part a service's, not a person's (contact.mairie@, msap.x@)
GENERIC = set(
    [
        "accueil",
        "contact",
        "info",
        "infos",
        "mairie",
        "msap",
        "msp",
        "mds",
        "franceservices",
        "france",
        "services",
        "fs",
        "relais",
        "emploi",
        "cias",
        "ccas",
        "epn",
        "cyberbase",
        "cyber",
        "numerique",
        "mediatheque",
        "bibliotheque",
        "biblio",
        "secretariat",
        "direction",
        "dgs",
        "plateforme",
        "pimms",
        "maison",
        "espace",
        "association",
        "asso",
        "centre",
        "social",
        "csc",
        "mjc",
        "tierslieu",
        "tiers",
        "lieu",
        "fablab",
        "coworking",
        "cowork",
        "bureau",
        "poste",
        "agence",
        "antenne",
        "mediation",
        "conseiller",
        "conseillere",
        "cnfs",
        "pij",
        "bij",
        "mission",
        "locale",
        "cc",
        "ville",
        "commune",
        "communaute",
        "agglo",
        "departement",
        "region",
        "service",
        "pole",
        "point",
        "admin",
        "administration",
        "rdv",
    ]
)
MOBILE = re.compile(r"^(?:\+33|0033|0)\s*[67]")  # metropolitan mobiles, the common case
OVERSEAS = ("262", "269", "590", "594", "596")  # Réunion, Mayotte, Antilles, Guyane


def is_mobile(number: str) -> bool:
    """Whether a phone number is a mobile's (metropolitan, overseas, New Caledonia, Polynesia)."""
    digits = re.sub(r"\D", "", number)
    if digits.startswith("00"):
        digits = digits[2:]
    if number.strip().startswith(("+", "00")) or len(digits) > 10:
        if digits.startswith("687"):  # New Caledonia: 6 digits, mobiles start with 7, 8 or 9
            return digits[3:4] in ("7", "8", "9")
        if digits.startswith("689"):  # French Polynesia: 8 digits, mobiles start with 87-89
            return digits[3:5] in ("87", "88", "89")
        for prefix in ("33", *OVERSEAS):
            if digits.startswith(prefix):
                digits = digits[len(prefix) :]
                break
    digits = digits.removeprefix("0")
    return len(digits) == 9 and digits[0] in "67"


Warn = Callable[[str, str], None]  # (message, kind)


class PlaceBuilder:
    """Builds one record's graph; every dropped or repaired value goes through `warn`."""

    def __init__(self, graph: Graph, subject: URIRef, minter: Minter, warn: Warn) -> None:
        self.graph, self.subject, self.minter, self.warn = graph, subject, minter, warn
        graph.add((subject, RDF.type, TL.SourceRecord))
        graph.add((subject, RDF.type, SCHEMA.Place))

    def add(self, prop: URIRef, value: object) -> None:
        """Add one triple about the record."""
        self.graph.add((self.subject, prop, value))  # type: ignore[arg-type]

    def text(self, prop: URIRef, value: object, lang: str | None = None) -> None:
        """A cleaned text value, skipped when empty or a placeholder; a name is cut at 300.

        A text longer than its limit (fields.NAME_LIMIT for a name, fields.TEXT_LIMIT otherwise)
        is cut, with a warning that says how long it was.
        """
        if fields.is_blank(str(value) if value is not None else ""):
            return
        limit = fields.NAME_LIMIT if prop == SCHEMA.name else fields.TEXT_LIMIT
        whole = fields.clean_text(str(value), limit=len(str(value)) + 1)
        if len(whole) > limit:
            self.warn(f"texte de {len(whole)} caractères coupé à {limit}", "texte trop long coupé")
        self.add(prop, Literal(fields.shorten(whole, limit), lang=lang))

    def address(self, street: str, postcode: str, locality: str, area: str = "") -> None:
        """The postal address, repairing a postcode that lost its leading zero.

        `area` (the commune's INSEE code or the département) vetoes a repair that would put the
        postcode in another département ("4900" is not 04900 in Maine-et-Loire).
        """
        code, repaired = fields.postcode(postcode) if postcode else (None, False)
        if postcode and not fields.is_blank(postcode) and code is None:
            self.warn(f"code postal invalide « {postcode} », ignoré", "code postal invalide")
        if repaired and area and not fields.departement_matches(_departement(area), code):
            self.warn(
                f"code postal « {postcode} » incohérent avec {area}, ignoré", "code postal invalide"
            )
            code = None
        elif repaired:
            self.warn(f"code postal réparé : {postcode} → {code}", "code postal réparé")
        values = [
            (SCHEMA.streetAddress, fields.clean_text(street, fields.NAME_LIMIT)),
            (SCHEMA.postalCode, code or ""),
            (SCHEMA.addressLocality, fields.clean_text(locality, fields.NAME_LIMIT)),
        ]
        values = [(p, v) for p, v in values if v and not fields.is_blank(v)]
        if not values:
            return
        node = URIRef(f"{self.subject}#adresse")
        self.add(SCHEMA.address, node)
        self.graph.add((node, RDF.type, SCHEMA.PostalAddress))
        self.graph.add((node, SCHEMA.addressCountry, Literal("FR")))
        for prop, value in values:
            self.graph.add((node, prop, Literal(value)))

    def commune(self, value: str) -> None:
        """The commune from its INSEE code, repairing a lost leading zero."""
        if fields.is_blank(value):
            return
        code, repaired = fields.insee_code(value)
        if code is None:
            self.warn(f"code INSEE invalide « {value} », ignoré", "code INSEE invalide")
            return
        if repaired:
            self.warn(f"code INSEE réparé : {value} → {code}", "code INSEE réparé")
        self.add(TL.commune, self.minter.commune(code))

    def departement(self, value: str) -> None:
        """The département code (2A/2B and three-digit overseas codes kept as they are)."""
        code = fields.clean_text(value).upper()
        if re.fullmatch(r"\d{1,2}|2[AB]|97\d", code):
            self.add(TL.departement, self.minter.departement(code.zfill(2)))

    def position(self, point: coords.Point | None, precision: URIRef | None = None) -> None:
        """Latitude, longitude, WKT geometry and precision; a repair is reported."""
        if point is None:
            return
        if point.repair:
            self.warn(point.repair, point.repair)
        latitude = Literal(f"{point.latitude:.7f}".rstrip("0").rstrip("."), datatype=XSD_DECIMAL)
        longitude = Literal(f"{point.longitude:.7f}".rstrip("0").rstrip("."), datatype=XSD_DECIMAL)
        self.add(SCHEMA.latitude, latitude)
        self.add(SCHEMA.longitude, longitude)
        geometry = URIRef(f"{self.subject}#position")
        self.add(GEO.hasGeometry, geometry)
        self.graph.add((geometry, RDF.type, GEO.Geometry))
        wkt = Literal(f"POINT({longitude} {latitude})", datatype=GEO.wktLiteral)
        self.graph.add((geometry, GEO.asWKT, wkt))
        self.add(TL.positionPrecision, precision or PREC.adresse)

    def website(self, value: str) -> None:
        """The first web address of a cell."""
        if fields.is_blank(value):
            return
        url = fields.website(value)
        if url is None:
            self.warn("site web non reconnu comme une adresse web, ignoré", "site web ignoré")
        else:
            self.add(SCHEMA.url, url)

    def email(self, value: str) -> None:
        """The organisation's e-mail; a nominative or webmail address is a person's: dropped."""
        for address in re.split(r"[\s,;|]+", fields.clean_text(value)):
            if "@" not in address:
                continue
            if looks_personal(address):
                self.warn(
                    "courriel nominatif ou personnel non publié", "donnée personnelle écartée"
                )
                continue
            self.add(SCHEMA.email, Literal(address.lower()))

    def phone(self, value: str) -> None:
        """The organisation's landline; mobile numbers may be a person's: dropped."""
        text = fields.clean_text(value)
        if fields.is_blank(text):
            return
        if is_mobile(text):
            self.warn("numéro de mobile non publié", "donnée personnelle écartée")
            return
        digits = re.sub(r"[^\d+]", "", text)
        if len(digits) >= 9:
            self.add(SCHEMA.telephone, Literal(text))

    def opening_hours(self, text: str = "", days: Mapping[str, str] | None = None) -> None:
        """OSM opening_hours when sure, else the source text flagged as unparsed."""
        source = fields.clean_text(text)
        if days and all(fields.clean_text(v).lower() in hours.UNKNOWN for v in days.values() if v):
            days = None  # "Horaires non communiqués": unknown, not closed
        if days and any(v and not fields.is_blank(v) for v in days.values()):
            osm = hours.from_days(days)
            shown = "; ".join(f"{d} {v}" for d, v in days.items() if v and not fields.is_blank(v))
            self.add(TL.openingHoursText, Literal(shown))
            if osm:
                self.add(SCHEMA.openingHours, Literal(osm))
            else:
                self.warn(
                    "horaires par jour non reconnus, gardés en texte", "horaires non reconnus"
                )
            return
        if fields.is_blank(source):
            return
        self.add(TL.openingHoursText, Literal(source))
        if hours.is_osm(source):
            self.add(SCHEMA.openingHours, Literal(source))
        else:
            self.warn("horaires non reconnus, gardés en texte", "horaires non reconnus")

    def concept(self, field: str, value: str, report_unknown: bool = True) -> bool:
        """Add a concept of the field's scheme matched from `value` (notation or label)."""
        prop, scheme = CONCEPT_FIELDS[field]
        concept = match_concept(scheme, value)
        if concept is None:
            if report_unknown:
                self.warn(f"{field} inconnu « {value} », ignoré", "valeur hors vocabulaire")
            return False
        self.add(prop, concept)
        return True

    def operator(self, name: str) -> None:
        """The name of the organisation carrying the place (never a person's column)."""
        if fields.is_blank(name):
            return
        operator = URIRef(f"{self.subject}#porteur-1")
        operation = URIRef(f"{self.subject}#gestion-1")
        self.add(TL.operator, operator)
        self.add(TL.operation, operation)
        self.graph.add((operator, RDF.type, ORG.Organization))
        self.graph.add((operator, SKOS.prefLabel, Literal(fields.clean_text(name))))
        self.graph.add((operation, RDF.type, TL.Operation))
        self.graph.add((operation, TL.operator, operator))

    def siret(self, value: str) -> None:
        """The SIRET (or SIREN) of the organisation running the place."""
        digits = re.sub(r"\s", "", str(value))
        if fields.is_blank(digits):
            return
        if not re.fullmatch(r"\d{9}|\d{14}", digits):
            if not fields.is_blank(str(value)):
                self.warn(f"SIRET invalide « {value} », ignoré", "SIRET invalide")
            return
        operator = URIRef(f"{self.subject}#porteur-1")
        identifier = URIRef(f"{operator}-siret")
        self.add(TL.operator, operator)
        self.graph.add((operator, RDF.type, ORG.Organization))
        self.graph.add((operator, ADMS.identifier, identifier))
        self.graph.add((identifier, RDF.type, ADMS.Identifier))
        self.graph.add((identifier, SKOS.notation, Literal(digits)))


XSD_DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")


def _departement(area: str) -> str:
    """The département of an INSEE commune code or of a département code."""
    code = fields.clean_text(area).upper()
    if len(code) >= 4:
        code = code.zfill(5)
        return code[:3] if code.startswith("97") else code[:2]
    return code.zfill(2)


def looks_personal(address: str) -> bool:
    """Whether an e-mail address probably names a person (prenom.nom@, p.nom@, a webmail).

    An address whose local part holds a service word (accueil, mairie, msap…) is kept; a
    two-part local part without one (jean.dupont, j.dupont) or a webmail address without one is
    dropped. Privacy wins over completeness: some services' addresses are dropped too.
    """
    local = address.split("@", 1)[0].lower()
    tokens = [t for t in re.split(r"[._\-+\d]+", local) if t]
    if any(t in GENERIC for t in tokens):
        return False
    if WEBMAIL.search(address):
        return True
    return len(tokens) == 2 and all(t.isalpha() for t in tokens)
