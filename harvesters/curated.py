"""The curated source: places described in the domain documents, one cited fact per CSV row.

`harvesters/curated/lieux-documentes.csv` has the columns lieu, champ, valeur, document, lignes,
note; `documents.csv` names the documents. Every fact becomes triples of the place's record plus a
tl:Citation (an rdf:Statement with the document and its lines), so any published fact can be
traced to the passage that states it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from registry.errors import SourceQuarantined
from registry.namespaces import ADMS, DCTERMS, DEF, DUREE, ORG, RDF, RDFS, SCHEMA, SKOS, TL, XSD
from registry.vocabulary import match_concept

from . import fields
from .base import Harvester, SkipRecord, SourceRecord
from .fetch import FetchedFile
from .places import CONCEPT_FIELDS

Fact = tuple[int, str, str, str, str, str]  # row, champ, valeur, document, lignes, note

# champ -> (property, concept scheme) for values taken from a SKOS scheme
CONCEPTS: dict[str, tuple[URIRef, str]] = {
    "typologie": CONCEPT_FIELDS["typology"],
    "label": CONCEPT_FIELDS["label"],
    "statut": CONCEPT_FIELDS["status"],
    "acces": CONCEPT_FIELDS["access"],
    "public": CONCEPT_FIELDS["public"],
    "service": CONCEPT_FIELDS["service"],
    "gouvernance": (TL.governance, DEF + "gouvernance/"),
    "implication_usagers": (TL.userInvolvement, DEF + "implication/"),
}
TEXTS = {
    "nom": SCHEMA.name,
    "horaires": TL.openingHoursText,
    "horaires_osm": SCHEMA.openingHours,
    "horaires_accueil_osm": TL.staffedHours,
    "debit": TL.bandwidthText,
    "engagement_minimum": TL.minimumCommitment,
    "transports": TL.transportAccess,
    "frequentation": TL.attendance,
}
BOOLEANS = {
    "itinerant": TL.itinerant,
    "ephemere": TL.ephemeral,
    "accueil": TL.staffed,
    "acces_badge": TL.badgeAccess,
    "adhesion_requise": TL.requiresMembership,
    "pmr": TL.wheelchairAccessible,
    "parking": TL.parking,
}
NUMBERS = {"debit_mbps": TL.bandwidthMbps, "surface_m2": TL.floorArea}
DATES = {"date_statut": TL.statusDate, "date_ouverture": TL.openingDate}
ADDRESS = {
    "adresse": SCHEMA.streetAddress,
    "code_postal": SCHEMA.postalCode,
    "commune": SCHEMA.addressLocality,
}


class CuratedHarvester(Harvester):
    """One record per place of the curated CSV, plus one per cited document."""

    name = "curated"

    def records(self, files: list[FetchedFile]) -> Iterator[SourceRecord]:
        """Yield the documents, then each place with its facts in file order."""
        by_name = {f.name: f for f in files}
        with by_name["documents.csv"].path.open(encoding="utf-8", newline="") as stream:
            for number, row in enumerate(csv.DictReader(stream), start=2):
                yield SourceRecord(key=f"document/{row['document']}", row=number, payload=row)
        places: dict[str, list[Fact]] = {}
        with by_name["lieux-documentes.csv"].path.open(encoding="utf-8", newline="") as stream:
            reader = csv.DictReader(stream)
            expected = ["lieu", "champ", "valeur", "document", "lignes", "note"]
            if reader.fieldnames != expected:
                raise SourceQuarantined(f"lieux-documentes.csv : en-tête attendu {expected}")
            for number, row in enumerate(reader, start=2):
                fact = (
                    number,
                    row["champ"].strip(),
                    fields.clean_text(row["valeur"]),
                    row["document"].strip(),
                    row["lignes"].strip(),
                    fields.clean_text(row["note"]),
                )
                places.setdefault(row["lieu"].strip(), []).append(fact)
        for key, facts in places.items():
            yield SourceRecord(key=key, row=facts[0][0], payload={"facts": facts})

    def map_record(self, record: SourceRecord, graph: Graph) -> URIRef | None:
        """Map a document, or a place with all its cited facts."""
        if record.key.startswith("document/"):
            document = self.minter.document(record.payload["document"])
            graph.add((document, RDF.type, DCTERMS.BibliographicResource))
            graph.add((document, DCTERMS.identifier, Literal(record.payload["document"])))
            graph.add((document, DCTERMS.title, Literal(record.payload["titre"], lang="fr")))
            graph.add(
                (document, DCTERMS.description, Literal(record.payload["description"], lang="fr"))
            )
            return None
        subject = self.minter.record(self.source.dataset, record.key)
        graph.add((subject, RDF.type, TL.SourceRecord))
        graph.add((subject, RDF.type, SCHEMA.Place))
        if not any(fact[1] == "nom" for fact in record.payload["facts"]):
            raise SkipRecord(f"lieu {record.key} sans nom")
        counts = {"offre": 0, "porteur": 0}  # offers and operators are numbered in file order
        for fact in record.payload["facts"]:
            row, champ, value, _document, _lines, _note = fact
            if champ in counts:
                counts[champ] += 1
            try:
                statements = self._map_fact(subject, champ, value, counts, graph)
            except ValueError as why:
                self.warn(record, f"ligne {row}, {champ} « {value} » : {why}", "fait illisible")
                continue
            for number, (predicate, obj) in enumerate(statements, start=1):
                self._cite(graph, subject, predicate, obj, fact, number)
        return subject

    def _map_fact(
        self, subject: URIRef, champ: str, value: str, counts: dict[str, int], graph: Graph
    ) -> list[tuple[URIRef, Node]]:
        """Add the triples of one fact; return the (predicate, object) pairs to cite."""
        if champ in CONCEPTS:
            prop, scheme = CONCEPTS[champ]
            concept = match_concept(scheme, value.removeprefix("autre:"))
            if concept is None:
                raise ValueError("valeur absente du vocabulaire")
            return self._add(graph, subject, prop, concept)
        if champ in TEXTS:
            return self._add(graph, subject, TEXTS[champ], Literal(value))
        if champ == "description":
            return self._add(graph, subject, SCHEMA.description, Literal(value, lang="fr"))
        if champ in BOOLEANS:
            if value not in ("oui", "non"):
                raise ValueError("oui ou non attendu")
            return self._add(graph, subject, BOOLEANS[champ], Literal(value == "oui"))
        if champ in NUMBERS:
            return self._add(graph, subject, NUMBERS[champ], _decimal(value))
        if champ == "postes":
            if not value.isdigit():
                raise ValueError("nombre entier attendu")
            return self._add(graph, subject, TL.workstations, Literal(int(value)))
        if champ in DATES:
            return self._add(graph, subject, DATES[champ], _date(value))
        if champ in ADDRESS:
            return self._address(graph, subject, ADDRESS[champ], value)
        if champ == "commune_insee":
            code, _ = fields.insee_code(value)
            if code is None:
                raise ValueError("code INSEE invalide")
            return self._add(graph, subject, TL.commune, self.minter.commune(code))
        if champ == "departement":
            return self._add(graph, subject, TL.departement, self.minter.departement(value))
        if champ == "site_web":
            url = fields.website(value)
            if url is None:
                raise ValueError("adresse web invalide")
            return self._add(graph, subject, SCHEMA.url, url)
        if champ == "offre":
            return self._offer(graph, subject, value, counts["offre"])
        if champ.startswith("porteur"):
            counts["porteur"] = (
                counts["porteur"] or 1
            )  # facts of an operator the text leaves unnamed
            return self._operator(graph, subject, champ, value, counts["porteur"])
        raise ValueError("champ inconnu")

    @staticmethod
    def _add(graph: Graph, subject: URIRef, prop: URIRef, obj: Node) -> list[tuple[URIRef, Node]]:
        graph.add((subject, prop, obj))
        return [(prop, obj)]

    def _address(
        self, graph: Graph, subject: URIRef, prop: URIRef, value: str
    ) -> list[tuple[URIRef, Node]]:
        address = URIRef(f"{subject}#adresse")
        graph.add((subject, SCHEMA.address, address))
        graph.add((address, RDF.type, SCHEMA.PostalAddress))
        graph.add((address, SCHEMA.addressCountry, Literal("FR")))
        if prop == SCHEMA.postalCode:
            code, _ = fields.postcode(value)
            if code is None:
                raise ValueError("code postal invalide")
            value = code
        graph.add((address, prop, Literal(value)))
        return [(SCHEMA.address, address)]

    def _offer(
        self, graph: Graph, subject: URIRef, value: str, number: int
    ) -> list[tuple[URIRef, Node]]:
        match = re.fullmatch(r"(\S+)\s+(\d+(?:[.,]\d+)?)", value)
        if not match:
            raise ValueError("« durée prix » attendu, ex. « journee 15 »")
        duration = match_concept(str(DUREE), match.group(1))
        if duration is None:
            raise ValueError("durée inconnue")
        offer = URIRef(f"{subject}#offre-{number}")
        graph.add((offer, RDF.type, SCHEMA.Offer))
        graph.add((offer, TL.offerDuration, duration))
        graph.add((offer, SCHEMA.price, _decimal(match.group(2))))
        graph.add((offer, SCHEMA.priceCurrency, Literal("EUR")))
        return self._add(graph, subject, SCHEMA.makesOffer, offer)

    def _operator(
        self, graph: Graph, subject: URIRef, champ: str, value: str, number: int
    ) -> list[tuple[URIRef, Node]]:
        """Facts of the place's `number`-th operator (each « porteur » row starts a new one)."""
        operator = URIRef(f"{subject}#porteur-{number}")
        graph.add((operator, RDF.type, ORG.Organization))
        operation = URIRef(f"{subject}#gestion-{number}")
        cited = self._add(graph, subject, TL.operator, operator)
        cited += self._add(graph, subject, TL.operation, operation)
        graph.add((operation, RDF.type, TL.Operation))
        graph.add((operation, TL.operator, operator))
        setters: dict[str, Callable[[], object]] = {
            "porteur": lambda: graph.add((operator, SKOS.prefLabel, Literal(value))),
            "porteur_forme_juridique": lambda: graph.add(
                (operator, TL.legalForm, _concept(DEF + "forme-juridique/", value))
            ),
            "porteur_siret": lambda: self._siret(graph, operator, value),
            "porteur_depuis": lambda: graph.add((operation, SCHEMA.startDate, _date(value))),
        }
        if champ not in setters:
            raise ValueError("champ inconnu")
        setters[champ]()
        return cited

    @staticmethod
    def _siret(graph: Graph, operator: URIRef, value: str) -> None:
        digits = value.replace(" ", "")
        if not re.fullmatch(r"\d{14}", digits):
            raise ValueError("un SIRET a 14 chiffres")
        identifier = URIRef(f"{operator}-siret")
        graph.add((operator, ADMS.identifier, identifier))
        graph.add((identifier, RDF.type, ADMS.Identifier))
        graph.add((identifier, SKOS.notation, Literal(digits)))
        graph.add((identifier, DCTERMS.creator, Literal("INSEE (SIRENE)")))

    def _cite(
        self, graph: Graph, subject: URIRef, predicate: URIRef, obj: Node, fact: Fact, number: int
    ) -> None:
        """One tl:Citation per statement: `#fait-{row}`, then `#fait-{row}-2`… for one row."""
        row, _champ, _value, document, lines, note = fact
        citation = URIRef(f"{subject}#fait-{row}" + (f"-{number}" if number > 1 else ""))
        graph.add((citation, RDF.type, TL.Citation))
        graph.add((citation, RDF.subject, subject))
        graph.add((citation, RDF.predicate, predicate))
        graph.add((citation, RDF.object, obj))
        graph.add((citation, TL.document, self.minter.document(document)))
        graph.add((citation, TL.lines, Literal(lines)))
        if note:
            graph.add((citation, RDFS.comment, Literal(note, lang="fr")))


def _concept(scheme: str, value: str) -> URIRef:
    concept = match_concept(scheme, value)
    if concept is None:
        raise ValueError("valeur absente du vocabulaire")
    return concept


def _decimal(value: str) -> Literal:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation as error:
        raise ValueError("nombre attendu") from error
    return Literal(format(number.normalize(), "f"), datatype=XSD.decimal)


def _date(value: str) -> Literal:
    for pattern, datatype in (
        (r"\d{4}", XSD.gYear),
        (r"\d{4}-\d{2}", XSD.gYearMonth),
        (r"\d{4}-\d{2}-\d{2}", XSD.date),
    ):
        if re.fullmatch(pattern, value):
            return Literal(value, datatype=datatype)
    raise ValueError("date AAAA, AAAA-MM ou AAAA-MM-JJ attendue")
