"""CGET "Mission Coworking" national base of tiers-lieux (2019), CSV.

Columns: ../shared/data/cget-tiers-lieux-2019/README.md. CONTACT and MAIL name persons and are
never read. METRO…POP_ZE describe the commune or its employment zone, not the place: left out
(the geo graph holds communes).
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Graph, Literal, URIRef

from registry.errors import SourceQuarantined
from registry.namespaces import GEO, PREC, RDF, SCHEMA, TL, TYPO
from registry.vocabulary import match_concept

from . import fields
from .base import Harvester, SkipRecord, SourceRecord
from .fetch import FetchedFile
from .parsing import BadRow, TableFormat, read_rows

# Columns this harvester reads; anything else (CONTACT, MAIL above all) is never touched.
COLUMNS = (
    "ID", "NOM_TL", "ADRESSE", "CP", "NOMCOM", "INSEECOM", "INSEEDEP", "INSEEREG",
    "WEB", "TWITTER", "FACEBOOK", "TYPO", "LAT", "LONG", "GEOCOD", "PRECISION",
)  # fmt: skip
HAND_PLACED = "PLACE A LA MAIN"  # GEOCOD value of the points the CGET placed by hand


class CgetHarvester(Harvester):
    """The CGET 2019 base: one record per CSV row, keyed by its ID column."""

    name = "cget"

    def records(self, files: list[FetchedFile]) -> Iterator[SourceRecord]:
        """Read the CSV or the XLSX edition (the same rows), keeping only the mapped columns."""
        # the XLSX edition's first sheet is metadata (naming its compilers): read BDD_TL only
        for number, row in read_rows(files[0].path, TableFormat(sheet="BDD_TL")):
            if isinstance(row, BadRow):
                yield SourceRecord(f"ligne-{number}", number, {"ID": "", "bad": row.reason})
                continue
            missing = [c for c in ("ID", "NOM_TL") if c not in row]
            if missing:
                raise SourceQuarantined(
                    f"{self.source.id} : colonnes absentes ({', '.join(missing)}) ; "
                    "le fichier n'a pas la forme attendue."
                )
            kept = {
                column: ""
                if fields.is_blank(row.get(column))
                else fields.clean_text(row.get(column))
                for column in COLUMNS
            }
            yield SourceRecord(key=kept["ID"] or f"ligne-{number}", row=number, payload=kept)

    def map_record(self, record: SourceRecord, graph: Graph) -> URIRef:
        """Map one row; values that cannot be used are reported and left out."""
        row = record.payload
        if not row["ID"]:
            raise SkipRecord(f"ligne {record.row} : {row.get('bad') or 'identifiant (ID) vide'}")
        subject = self.minter.record(self.source.dataset, record.key)
        graph.add((subject, RDF.type, TL.SourceRecord))
        graph.add((subject, RDF.type, SCHEMA.Place))
        if row["NOM_TL"]:
            graph.add(
                (subject, SCHEMA.name, Literal(fields.shorten(row["NOM_TL"], fields.NAME_LIMIT)))
            )
        self._map_address(record, subject, graph)
        self._map_position(record, subject, graph)
        self._map_territory(record, subject, graph)
        self._map_links(record, subject, graph)
        if row["TYPO"]:
            concept = match_concept(str(TYPO), row["TYPO"])
            if concept is None:
                self.warn(
                    record,
                    f"typologie inconnue « {row['TYPO']} », ignorée",
                    "valeur hors vocabulaire",
                )
            else:
                graph.add((subject, TL.typology, concept))
        return subject

    def _map_address(self, record: SourceRecord, subject: URIRef, graph: Graph) -> None:
        row = record.payload
        code, repaired = fields.postcode(row["CP"])
        if row["CP"] and code is None:
            self.warn(
                record, f"code postal invalide « {row['CP']} », ignoré", "code postal invalide"
            )
        if repaired:
            self.warn(record, f"code postal réparé : {row['CP']} → {code}", "code postal réparé")
        values = [
            (SCHEMA.streetAddress, row["ADRESSE"]),
            (SCHEMA.postalCode, code),
            (SCHEMA.addressLocality, row["NOMCOM"]),
        ]
        if not any(value for _, value in values):
            return
        address = URIRef(f"{subject}#adresse")
        graph.add((subject, SCHEMA.address, address))
        graph.add((address, RDF.type, SCHEMA.PostalAddress))
        graph.add((address, SCHEMA.addressCountry, Literal("FR")))
        for prop, value in values:
            if value:
                graph.add((address, prop, Literal(value)))

    def _map_position(self, record: SourceRecord, subject: URIRef, graph: Graph) -> None:
        row = record.payload
        latitude = fields.decimal(row["LAT"], -90, 90)
        longitude = fields.decimal(row["LONG"], -180, 180)
        if latitude is None or longitude is None:
            if row["LAT"] or row["LONG"]:
                self.warn(
                    record,
                    f"coordonnées invalides « {row['LAT']} ; {row['LONG']} »",
                    "coordonnées écartées",
                )
            return
        graph.add((subject, SCHEMA.latitude, latitude))
        graph.add((subject, SCHEMA.longitude, longitude))
        geometry = URIRef(f"{subject}#position")
        graph.add((subject, GEO.hasGeometry, geometry))
        graph.add((geometry, RDF.type, GEO.Geometry))
        wkt = f"POINT({longitude} {latitude})"
        graph.add((geometry, GEO.asWKT, Literal(wkt, datatype=GEO.wktLiteral)))
        if row["GEOCOD"] == HAND_PLACED:
            graph.add((subject, TL.positionPrecision, PREC.manuelle))
        elif row["GEOCOD"]:
            graph.add((subject, TL.positionPrecision, PREC.adresse))
            graph.add((subject, TL.geocodedAddress, Literal(row["GEOCOD"])))
            score = fields.decimal(row["PRECISION"], 0, 1)
            if score is not None:
                graph.add((subject, TL.geocodingScore, score))

    def _map_territory(self, record: SourceRecord, subject: URIRef, graph: Graph) -> None:
        row = record.payload
        insee, repaired = fields.insee_code(row["INSEECOM"])
        if repaired:
            self.warn(
                record, f"code INSEE réparé : {row['INSEECOM']} → {insee}", "code INSEE réparé"
            )
        if insee:
            graph.add((subject, TL.commune, self.minter.commune(insee)))
        # INSEEDEP is wrong for some overseas rows (973 for Guadeloupe, 2A for La Réunion):
        # trust it only when it agrees with the commune code, else with the postcode.
        departement = row["INSEEDEP"]
        postal, _ = fields.postcode(row["CP"])
        if departement and not fields.departement_matches(departement, insee or postal):
            self.warn(
                record,
                f"département {departement} incohérent avec {insee or postal}, ignoré",
                "département incohérent",
            )
        elif departement:
            graph.add((subject, TL.departement, self.minter.departement(departement)))
        if row["INSEEREG"]:
            graph.add((subject, TL.region, self.minter.region(row["INSEEREG"])))

    def _map_links(self, record: SourceRecord, subject: URIRef, graph: Graph) -> None:
        row = record.payload
        if row["WEB"]:
            url = fields.website(row["WEB"])
            if url is None:
                self.warn(
                    record, "site web non reconnu comme une adresse web, ignoré", "site web ignoré"
                )
            else:
                graph.add((subject, SCHEMA.url, url))
        for column, host in (("TWITTER", "twitter.com"), ("FACEBOOK", "facebook.com")):
            if row[column]:
                profile = fields.social_profile(row[column], host)
                if profile is None:
                    self.warn(
                        record, f"{column} : profil non reconnu, ignoré", "réseau social ignoré"
                    )
                else:
                    graph.add((subject, SCHEMA.sameAs, profile))
