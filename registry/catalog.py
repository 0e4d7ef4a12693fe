"""The registry's DCAT-AP 3 catalogue (dumps, sources, SPARQL endpoint) and its VoID description.

Both are small rdflib graphs built from the store and from the metadata `dumps.json` gives of the
newest dumps.

Validation runs without inference, as data.europa.eu's validator does, so the graphs state the
classes the DCAT-AP 3.0.0 shapes expect of linked resources (licences, media types, concepts…).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import VOID
from rdflib.term import Node

from . import queries
from .iris import Minter
from .namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    OWL,
    PREFIXES,
    RDF,
    RDFS,
    SKOS,
    SPDX,
    XSD,
    bind_prefixes,
)
from .settings import Settings
from .store import Store

log = logging.getLogger(__name__)

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
FORMATS_NS = Namespace("http://www.w3.org/ns/formats/")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
ADMS_LICENCE_TYPE = "http://purl.org/adms/licencetype/"
LICENCE_OUVERTE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
ODBL = "https://opendatacommons.org/licenses/odbl/1-0/"
# The registry's data (dumps, SPARQL service, VoID) is a database that includes ODbL sources (La
# Poste's postcode base behind the commune centroids, Hinaura's raw file): share-alike, so ODbL.
# Each source's own dataset keeps its licence; the catalogue's metadata is Licence Ouverte.
REGISTRY_LICENCE = ODBL
FRANCE = URIRef(EU + "country/FRA")
FRENCH = URIRef(EU + "language/FRA")
DATA_THEMES = URIRef(EU + "data-theme")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
CATALOG_TITLE = ("Registre ouvert des tiers-lieux", "Open registry of French third places")
KEYWORDS = ("tiers-lieux", "coworking", "fablab", "médiation numérique", "France services")
# (French label, English label, ADMS licence types) of the licences the sources use
LICENCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    LICENCE_OUVERTE: ("Licence Ouverte 2.0", "Open Licence 2.0", ("Attribution",)),
    ODBL: ("Open Database License (ODbL) 1.0", "Open Database License (ODbL) 1.0",
           ("Attribution", "ViralEffect-ShareAlike")),
}  # fmt: skip
LICENCE_TYPES = {
    "Attribution": ("Paternité", "Attribution"),
    "ViralEffect-ShareAlike": ("Partage dans les mêmes conditions", "Share-alike"),
}
THEMES = {"SOCI": ("Population et société", "Population and society"),
          "REGI": ("Régions et villes", "Regions and cities")}  # fmt: skip


@dataclass(frozen=True)
class FileFormat:
    """A file format: IANA media type, EU file-type code, and a label for people."""

    media_type: str
    file_type: str
    label: str


FORMATS = {
    "nq": FileFormat("application/n-quads", "RDF_N_QUADS", "N-Quads"),
    "trig": FileFormat("application/trig", "RDF_TRIG", "TriG"),
    "ttl": FileFormat("text/turtle", "RDF_TURTLE", "Turtle"),
    "nt": FileFormat("application/n-triples", "RDF_N_TRIPLES", "N-Triples"),
    "jsonld": FileFormat("application/ld+json", "JSON_LD", "JSON-LD"),
    "rdf": FileFormat("application/rdf+xml", "RDF_XML", "RDF/XML"),
    "geojson": FileFormat("application/geo+json", "GEOJSON", "GeoJSON"),
    "json": FileFormat("application/json", "JSON", "JSON"),
    "csv": FileFormat("text/csv", "CSV", "CSV"),
    "xlsx": FileFormat(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX", "XLSX"
    ),
    "ods": FileFormat("application/vnd.oasis.opendocument.spreadsheet", "ODS", "ODS"),
}
SPARQL_FORMAT = FileFormat("application/sparql-query", "SPARQLQ", "SPARQL")


@dataclass(frozen=True)
class DumpFamily:
    """One dcat:Dataset of the registry: the dumps that are one content in several formats."""

    slug: str
    title: str
    title_en: str
    description: str
    files: tuple[str, ...]
    conforms_to: str = ""


FAMILIES = (
    DumpFamily(
        "registre", "Registre complet (RDF, tous les graphes)", "Full registry (RDF, all graphs)",
        "Tout le registre : les lieux canoniques, les fiches de chaque source dans son graphe "
        "nommé, l'évaluation des six critères, la couverture des territoires, le référentiel "
        "géographique, les vocabulaires et l'historique des moissonnages.",
        ("registre.nq.gz", "registre.trig.gz"),
    ),
    DumpFamily(
        "lieux-rdf", "Lieux (RDF)", "Places (RDF)",
        "Les lieux canoniques du registre (graphe du registre) en Turtle, N-Triples et JSON-LD, "
        "avec le contexte JSON-LD.",
        ("lieux.ttl.gz", "lieux.nt.gz", "lieux.jsonld.gz", "contexte.jsonld"),
    ),
    DumpFamily(
        "lieux-geojson", "Lieux (GeoJSON)", "Places (GeoJSON)",
        "Les lieux localisés du registre, un point par lieu, pour une carte ou un SIG.",
        ("lieux.geojson",),
    ),
    DumpFamily(
        "lieux-mediation-numerique", "Lieux au standard des lieux de médiation numérique (CSV)",
        "Places in the French digital inclusion places data standard (CSV)",
        "Les lieux du registre au format du standard national des lieux de médiation "
        "numérique, pour les cartographies qui le lisent.",
        ("lieux-mediation-numerique.csv",),
        "https://github.com/LaMednum/standard-mediation-num",
    ),
    DumpFamily(
        "lieux-csv", "Lieux (CSV à plat)", "Places (flat CSV)",
        "Un lieu par ligne et une colonne par propriété, pour un tableur.",
        ("tiers-lieux.csv",),
    ),
)  # fmt: skip

# Kept here rather than in registry/queries/ while this module is the only reader.
DESCRIBED_DATASETS = """# Every dataset the store describes, with its publisher and distributions.
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
CONSTRUCT { ?dataset ?p ?o . ?o ?q ?v }
WHERE {
  ?dataset a dcat:Dataset ; ?p ?o .
  OPTIONAL { ?dataset dct:publisher|dcat:distribution ?o . ?o ?q ?v }
}"""
HARVEST_PERIODS = """# First start and last end of each source's harvests, quarantines left out.
PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT ?source (MIN(?started) AS ?first) (MAX(?ended) AS ?last)
WHERE {
  ?source a dcat:Dataset .
  ?harvest a tl:Harvest ; prov:used ?source ; prov:startedAtTime ?started ;
           prov:endedAtTime ?ended .
  FILTER NOT EXISTS { ?harvest tl:quarantineReason ?reason }
}
GROUP BY ?source"""
# The next three run with one named graph as the default graph.
CLASS_PARTITIONS = """# Instances of each class.
SELECT ?class (COUNT(DISTINCT ?s) AS ?entities) WHERE { ?s a ?class } GROUP BY ?class"""
PROPERTY_PARTITIONS = """# Triples of each property.
SELECT ?property (COUNT(*) AS ?triples) WHERE { ?s ?property ?o } GROUP BY ?property"""
TYPED_ENTITIES = """# Distinct typed subjects: the entities.
SELECT (COUNT(DISTINCT ?s) AS ?entities) WHERE { ?s a ?class }"""

Period = tuple[Literal, Literal]


@dataclass(frozen=True)
class _Context:
    """What every part of the catalogue refers to."""

    minter: Minter
    stamp: str
    period: Period | None  # first harvest start, last harvest end, over all sources
    sources: tuple[URIRef, ...]

    def iri(self, fragment: str) -> URIRef:
        """A resource the catalogue document defines: `{base}catalog#{fragment}`."""
        return URIRef(f"{self.minter.base}catalog#{quote(fragment, safe='')}")

    @property
    def catalog(self) -> URIRef:
        return URIRef(f"{self.minter.base}catalog")

    @property
    def service(self) -> URIRef:
        return URIRef(f"{self.minter.base}sparql")


def catalog_graph(
    store: Store, settings: Settings, dumps: Sequence[Mapping[str, Any]], stamp: str
) -> Graph:
    """The DCAT-AP 3 catalogue: one dataset per dump family and per source, and the endpoint.

    `dumps` is the list `dumps.json` holds for the publication `stamp` (empty when nothing was
    published with dumps: the catalogue then lists the registry through its endpoint only).
    """
    minter = Minter(settings.base_uri)
    described = store.construct(DESCRIBED_DATASETS)
    periods = _harvest_periods(store)
    sources = tuple(
        sorted(s for s in set(described.subjects(RDF.type, DCAT.Dataset))
               if isinstance(s, URIRef) and minter.local_id(str(s), "source"))
    )  # fmt: skip
    overall = _overall(periods.values())
    ctx = _Context(minter, stamp, overall, sources)
    graph = _new_graph()
    _add_catalog(graph, ctx, _publication_times(settings, dumps), overall)
    for source in sources:
        _add_source(graph, ctx, described, source, periods.get(source))
    _add_dump_datasets(graph, ctx, dumps)
    _add_service(graph, ctx)
    _add_background(graph)
    return graph


def _new_graph() -> Graph:
    graph = bind_prefixes(Graph())
    for prefix, namespace in (("void", VOID), ("vcard", VCARD), ("formats", FORMATS_NS)):
        graph.bind(prefix, namespace)
    return graph


def _harvest_periods(store: Store) -> dict[URIRef, Period]:
    rows = store.select(HARVEST_PERIODS)
    return {
        row["source"]: (row["first"], row["last"])  # type: ignore[misc]
        for row in rows
        if isinstance(row.get("source"), URIRef) and "first" in row and "last" in row
    }


def _overall(periods: Iterable[Period]) -> Period | None:
    spans = list(periods)
    if not spans:
        return None
    return min((s for s, _ in spans), key=_moment), max((e for _, e in spans), key=_moment)


def _moment(value: Node) -> datetime:
    parsed = _parse_time(str(value))
    return parsed or datetime.min.replace(tzinfo=UTC)


def _parse_time(value: str) -> datetime | None:
    """An ISO 8601 date-time or a publication stamp (20261122T065651…Z), as aware UTC."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        match = re.fullmatch(r"(\d{8}T\d{6})\d*Z?", value)
        if not match:
            return None
        moment = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _datetime(moment: datetime) -> Literal:
    return Literal(moment.astimezone(UTC).replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _publication_times(settings: Settings, dumps: Sequence[Mapping[str, Any]]) -> list[datetime]:
    """When the registry was published: its snapshots, its dump folders, these dumps."""
    times = [_parse_time(str(entry.get("publie_le", ""))) for entry in dumps]
    for folder in ("snapshots", "donnees"):
        path = settings.data_path / folder
        if path.is_dir():
            times += [_parse_time(child.name) for child in path.iterdir() if child.is_dir()]
    return [t for t in times if t is not None]


def _add_catalog(
    graph: Graph, ctx: _Context, published: list[datetime], overall: Period | None
) -> None:
    catalog, base = ctx.catalog, ctx.minter.base
    graph.add((catalog, RDF.type, DCAT.Catalog))
    _titles(graph, catalog, *CATALOG_TITLE)
    graph.add((catalog, DCTERMS.description, Literal(
        "Catalogue des données ouvertes du registre des tiers-lieux : les fichiers publiés à "
        "chaque mise à jour, le point d'accès SPARQL et les sources moissonnées (coworkings, "
        "fablabs, espaces publics numériques, lieux de médiation numérique, France services…).",
        lang="fr")))  # fmt: skip
    graph.add((catalog, DCTERMS.description, Literal(
        "Open data catalogue of the French third-places registry: its dumps, its SPARQL "
        "endpoint and the sources it harvests.", lang="en")))  # fmt: skip
    graph.add((catalog, DCTERMS.publisher, _publisher(graph, ctx)))
    _licence(graph, catalog, LICENCE_OUVERTE)
    if published:
        graph.add((catalog, DCTERMS.issued, _datetime(min(published))))
        graph.add((catalog, DCTERMS.modified, _datetime(max(published))))
    elif overall is not None:
        graph.add((catalog, DCTERMS.issued, overall[0]))
        graph.add((catalog, DCTERMS.modified, overall[1]))
    graph.add((catalog, DCTERMS.language, FRENCH))
    graph.add((catalog, DCTERMS.spatial, FRANCE))
    graph.add((catalog, FOAF.homepage, _typed(graph, URIRef(base), FOAF.Document)))
    graph.add((catalog, DCAT.themeTaxonomy, DATA_THEMES))
    graph.add((catalog, DCAT.service, ctx.service))
    graph.add((catalog, RDFS.seeAlso, URIRef(f"{base}void")))


def _titles(graph: Graph, subject: URIRef, french: str, english: str = "") -> None:
    graph.add((subject, DCTERMS.title, Literal(french, lang="fr")))
    if english:
        graph.add((subject, DCTERMS.title, Literal(english, lang="en")))


def _typed(graph: Graph, iri: URIRef, *classes: URIRef) -> URIRef:
    for cls in classes:
        graph.add((iri, RDF.type, cls))
    return iri


def _publisher(graph: Graph, ctx: _Context) -> URIRef:
    agent = _typed(graph, ctx.iri("editeur"), FOAF.Agent)
    graph.add((agent, FOAF.name, Literal(CATALOG_TITLE[0], lang="fr")))
    return agent


def _contact(graph: Graph, ctx: _Context) -> URIRef:
    contact = _typed(graph, ctx.iri("contact"), VCARD.Kind, VCARD.Organization)
    graph.add((contact, VCARD.fn, Literal(CATALOG_TITLE[0], lang="fr")))
    graph.add((contact, VCARD.hasURL, URIRef(ctx.minter.base)))
    return contact


def _licence(graph: Graph, subject: Node, iri: str) -> None:
    licence = _typed(graph, URIRef(iri), DCTERMS.LicenseDocument)
    graph.add((subject, DCTERMS.license, licence))
    french, english, kinds = LICENCES.get(iri, ("", "", ()))
    if french:
        graph.add((licence, RDFS.label, Literal(french, lang="fr")))
        graph.add((licence, RDFS.label, Literal(english, lang="en")))
    for kind in kinds:
        concept = URIRef(ADMS_LICENCE_TYPE + kind)
        graph.add((licence, DCTERMS.type, concept))
        _concept(graph, concept, URIRef(ADMS_LICENCE_TYPE + "1.0"), *LICENCE_TYPES[kind])


def _concept(graph: Graph, iri: URIRef, scheme: URIRef, french: str, english: str) -> None:
    graph.add((iri, RDF.type, SKOS.Concept))
    graph.add((iri, SKOS.prefLabel, Literal(french, lang="fr")))
    graph.add((iri, SKOS.prefLabel, Literal(english, lang="en")))
    graph.add((iri, SKOS.inScheme, scheme))


def _add_period(graph: Graph, subject: URIRef, period: Period) -> None:
    node = BNode()
    graph.add((subject, DCTERMS.temporal, node))
    graph.add((node, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((node, DCAT.startDate, period[0]))
    graph.add((node, DCAT.endDate, period[1]))


def _add_source(
    graph: Graph, ctx: _Context, described: Graph, source: URIRef, period: Period | None
) -> None:
    """A harvested source, as its publisher publishes it (the registry's copy is in `registre`)."""
    source_id = ctx.minter.local_id(str(source), "source") or ""
    graph.add((ctx.catalog, DCAT.dataset, source))
    graph.add((source, RDF.type, DCAT.Dataset))
    title = described.value(source, DCTERMS.title) or Literal(source_id)
    graph.add((source, DCTERMS.title, title))
    description = described.value(source, DCTERMS.description)
    if not str(description or "").strip():
        description = Literal(f"Source moissonnée par le registre : {title}.", lang="fr")
    graph.add((source, DCTERMS.description, description))  # type: ignore[arg-type]
    graph.add((source, DCTERMS.identifier, Literal(source_id)))
    if isinstance(publisher := described.value(source, DCTERMS.publisher), URIRef):
        graph.add((source, DCTERMS.publisher, _typed(graph, publisher, FOAF.Agent)))
        name = described.value(publisher, FOAF.name) or Literal(str(title))
        graph.add((publisher, FOAF.name, name))
    page = _typed(graph, URIRef(f"{ctx.minter.base}sources/{quote(source_id)}"), FOAF.Document)
    graph.add((source, FOAF.page, page))
    landing = described.value(source, DCAT.landingPage)
    if isinstance(landing, URIRef):
        graph.add((source, DCAT.landingPage, _typed(graph, landing, FOAF.Document)))
    graph.add((source, DCTERMS.language, FRENCH))
    graph.add((source, DCAT.theme, URIRef(f"{EU}data-theme/REGI")))  # places in territories
    if period is not None:
        _add_period(graph, source, period)
        graph.add((source, DCTERMS.modified, period[1]))
    licence = described.value(source, DCTERMS.license)
    access = landing if isinstance(landing, URIRef) else page
    files = sorted(described.objects(source, DCAT.distribution), key=str)
    for distribution in files or [URIRef(f"{source}#acces")]:
        _add_source_file(graph, described, source, distribution, access, licence)


def _add_source_file(
    graph: Graph,
    described: Graph,
    source: URIRef,
    distribution: Node,
    access: URIRef,
    licence: Node | None,
) -> None:
    """One upstream file of a source: downloadable when the source gives its URL."""
    graph.add((source, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    name = str(described.value(distribution, DCTERMS.title) or "")
    url = described.value(distribution, DCAT.downloadURL)
    if name:
        graph.add((distribution, DCTERMS.title, Literal(name)))
    text = f"Fichier « {name} » tel que la source le publie." if name else "Accès à la source."
    graph.add((distribution, DCTERMS.description, Literal(text, lang="fr")))
    if isinstance(url, URIRef):
        graph.add((distribution, DCAT.downloadURL, _typed(graph, url, RDFS.Resource)))
    target = url if isinstance(url, URIRef) else access
    graph.add((distribution, DCAT.accessURL, _typed(graph, target, RDFS.Resource)))
    if isinstance(licence, URIRef):
        _licence(graph, distribution, str(licence))
        _licence(graph, source, str(licence))
    found = FORMATS.get(name.removesuffix(".gz").rsplit(".", 1)[-1].lower()) if name else None
    if found is not None:
        _add_format(graph, distribution, found)


def _add_format(graph: Graph, distribution: Node, found: FileFormat) -> None:
    media = _typed(graph, URIRef(IANA + found.media_type), DCTERMS.MediaType)
    graph.add((distribution, DCAT.mediaType, media))
    file_type = _typed(graph, URIRef(EU + "file-type/" + found.file_type),
                       DCTERMS.MediaTypeOrExtent)  # fmt: skip
    graph.add((distribution, DCTERMS.format, file_type))
    _concept(graph, file_type, URIRef(EU + "file-type"), found.label, found.label)


def _add_dump_datasets(graph: Graph, ctx: _Context, dumps: Sequence[Mapping[str, Any]]) -> None:
    """One dataset per family of dumps; `registre` always (its endpoint serves it)."""
    by_name = {str(entry["fichier"]): entry for entry in dumps}
    known = {name for family in FAMILIES for name in family.files}
    others = [
        DumpFamily(re.sub(r"[^a-z0-9]+", "-", name.lower()), str(entry.get("titre") or name),
                   "", f"Fichier {name} du registre.", (name,))
        for name, entry in by_name.items() if name not in known
    ]  # fmt: skip
    for family in (*FAMILIES, *others):
        entries = [by_name[name] for name in family.files if name in by_name]
        if entries or family.slug == "registre":
            _add_family(graph, ctx, family, entries)


def _add_family(
    graph: Graph, ctx: _Context, family: DumpFamily, entries: list[Mapping[str, Any]]
) -> None:
    dataset = ctx.iri(family.slug)
    graph.add((ctx.catalog, DCAT.dataset, dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    _titles(graph, dataset, family.title, family.title_en)
    graph.add((dataset, DCTERMS.description, Literal(family.description, lang="fr")))
    graph.add((dataset, DCTERMS.identifier, Literal(family.slug)))
    graph.add((dataset, DCTERMS.publisher, _publisher(graph, ctx)))
    graph.add((dataset, DCAT.contactPoint, _contact(graph, ctx)))
    _licence(graph, dataset, REGISTRY_LICENCE)
    _add_coverage(graph, ctx, dataset)
    page = _typed(graph, URIRef(f"{ctx.minter.base}donnees"), FOAF.Document)
    graph.add((dataset, DCAT.landingPage, page))
    if family.conforms_to:
        standard = _typed(graph, URIRef(family.conforms_to), DCTERMS.Standard)
        graph.add((dataset, DCTERMS.conformsTo, standard))
    for source in ctx.sources:
        graph.add((dataset, DCTERMS.source, source))
    published = [t for e in entries if (t := _parse_time(str(e.get("publie_le", ""))))]
    if published:
        graph.add((dataset, DCTERMS.modified, _datetime(max(published))))
    for entry in entries:
        _add_dump(graph, ctx, dataset, entry)
    if family.slug == "registre":
        graph.add((dataset, RDFS.seeAlso, URIRef(f"{ctx.minter.base}void")))
        _add_endpoint_access(graph, ctx, dataset)


def _add_coverage(graph: Graph, ctx: _Context, dataset: URIRef) -> None:
    graph.add((dataset, DCTERMS.language, FRENCH))
    graph.add((dataset, DCTERMS.spatial, FRANCE))
    for code in THEMES:
        graph.add((dataset, DCAT.theme, URIRef(f"{EU}data-theme/{code}")))
    for keyword in KEYWORDS:
        graph.add((dataset, DCAT.keyword, Literal(keyword, lang="fr")))
    if ctx.period is not None:
        _add_period(graph, dataset, ctx.period)


def _add_dump(graph: Graph, ctx: _Context, dataset: URIRef, entry: Mapping[str, Any]) -> None:
    name = str(entry["fichier"])
    distribution = ctx.iri(name)
    graph.add((dataset, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCTERMS.title, Literal(str(entry.get("titre") or name), lang="fr")))
    graph.add((distribution, DCTERMS.description, Literal(_dump_text(entry), lang="fr")))
    url = _typed(graph, dump_url(ctx.minter.base, ctx.stamp, name), RDFS.Resource)
    graph.add((distribution, DCAT.downloadURL, url))
    graph.add((distribution, DCAT.accessURL, url))
    size = Literal(int(entry["octets"]), datatype=XSD.nonNegativeInteger)
    graph.add((distribution, DCAT.byteSize, size))
    checksum = BNode()
    graph.add((distribution, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    value = Literal(str(entry["sha256"]).lower(), datatype=XSD.hexBinary)
    graph.add((checksum, SPDX.checksumValue, value))
    if issued := _parse_time(str(entry.get("publie_le", ""))):
        graph.add((distribution, DCTERMS.issued, _datetime(issued)))
    _licence(graph, distribution, REGISTRY_LICENCE)
    found = FORMATS.get(name.removesuffix(".gz").rsplit(".", 1)[-1].lower())
    if found is not None:
        _add_format(graph, distribution, found)
    if name.endswith(".gz"):
        gzip = _typed(graph, URIRef(IANA + "application/gzip"), DCTERMS.MediaType)
        graph.add((distribution, DCAT.compressFormat, gzip))


def dump_url(base: str, stamp: str, name: str) -> URIRef:
    """Where a dump of the publication `stamp` is served."""
    return URIRef(f"{base}donnees/{quote(stamp, safe='')}/{quote(name, safe='')}")


def _dump_text(entry: Mapping[str, Any]) -> str:
    """A French sentence on what a dump holds: triples, rows, graphs, what was left out."""
    parts = [f"Fichier {entry['fichier']}"]
    if isinstance(count := entry.get("triplets"), int):
        parts.append(f"{_number(count)} triplets")
    if isinstance(count := entry.get("lignes"), int):
        parts.append(f"{_number(count)} lignes")
    if isinstance(graphs := entry.get("graphes"), list) and graphs:
        parts.append(f"{len(graphs)} graphes nommés")
    if isinstance(left := entry.get("ecartes"), dict) and left:
        parts.append("écartés : " + ", ".join(f"{key} {value}" for key, value in left.items()))
    return " ; ".join(parts) + "."


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def _add_endpoint_access(graph: Graph, ctx: _Context, dataset: URIRef) -> None:
    """The registry as its SPARQL endpoint serves it, a distribution through a data service."""
    distribution = ctx.iri("sparql")
    graph.add((dataset, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCTERMS.title, Literal("Point d'accès SPARQL", lang="fr")))
    graph.add((distribution, DCTERMS.description, Literal(
        "Le registre interrogeable en SPARQL 1.1 : le graphe par défaut est l'union de tous "
        "les graphes nommés.", lang="fr")))  # fmt: skip
    graph.add((distribution, DCAT.accessURL, _typed(graph, ctx.service, RDFS.Resource)))
    graph.add((distribution, DCAT.accessService, ctx.service))
    _licence(graph, distribution, REGISTRY_LICENCE)
    _add_format(graph, distribution, SPARQL_FORMAT)


def _add_service(graph: Graph, ctx: _Context) -> None:
    service = ctx.service
    graph.add((service, RDF.type, DCAT.DataService))
    _titles(graph, service, "Point d'accès SPARQL du registre", "SPARQL endpoint of the registry")
    graph.add((service, DCTERMS.description, Literal(
        "Requêtes SPARQL 1.1 en lecture sur tout le registre (résultats JSON, XML, CSV, TSV, "
        "Turtle, JSON-LD…) ; la description du service (SPARQL Service Description) est servie "
        "à la même adresse.", lang="fr")))  # fmt: skip
    graph.add((service, DCAT.endpointURL, _typed(graph, service, RDFS.Resource)))
    graph.add((service, DCAT.endpointDescription, service))
    graph.add((service, DCAT.servesDataset, ctx.iri("registre")))
    graph.add((service, DCTERMS.publisher, _publisher(graph, ctx)))
    graph.add((service, DCAT.contactPoint, _contact(graph, ctx)))
    graph.add((service, DCTERMS.conformsTo, _typed(graph, SPARQL_PROTOCOL, DCTERMS.Standard)))
    graph.add((SPARQL_PROTOCOL, DCTERMS.title, Literal("SPARQL 1.1 Protocol", lang="en")))
    _licence(graph, service, REGISTRY_LICENCE)
    for code in THEMES:
        graph.add((service, DCAT.theme, URIRef(f"{EU}data-theme/{code}")))
    graph.add((service, DCAT.keyword, Literal("SPARQL", lang="fr")))
    graph.add((service, DCAT.keyword, Literal("tiers-lieux", lang="fr")))


def _add_background(graph: Graph) -> None:
    """The classes and labels of the EU vocabulary terms used (no inference at validation)."""
    _typed(graph, FRENCH, DCTERMS.LinguisticSystem)
    _concept(graph, FRENCH, URIRef(EU + "language"), "français", "French")
    _typed(graph, FRANCE, DCTERMS.Location)
    _concept(graph, FRANCE, URIRef(EU + "country"), "France", "France")
    _typed(graph, DATA_THEMES, SKOS.ConceptScheme)
    graph.add((DATA_THEMES, DCTERMS.title, Literal("Thèmes des données", lang="fr")))
    graph.add((DATA_THEMES, DCTERMS.title, Literal("Data theme", lang="en")))
    for code, (french, english) in THEMES.items():
        _concept(graph, URIRef(f"{EU}data-theme/{code}"), DATA_THEMES, french, english)
    graph.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))


def void_graph(
    store: Store, settings: Settings, stamp: str, sizes: Mapping[str, int] | None = None
) -> Graph:
    """The VoID description of the store: the registry dataset, one subset per named graph.

    The registry graph's subset carries the class and property partitions, each one GROUP BY
    query. `stamp` names the publication whose dumps are the dataset's data dumps ("" for none).
    `sizes` (graph IRI -> triples) saves counting the graphs again when the caller knows them.
    """
    minter = Minter(settings.base_uri)
    base = minter.base
    graph = _new_graph()
    dataset, document = URIRef(f"{base}catalog#registre"), URIRef(f"{base}void")
    graph.add((document, RDF.type, VOID.DatasetDescription))
    _titles(graph, document, "Description VoID du registre des tiers-lieux",
            "VoID description of the third-places registry")  # fmt: skip
    graph.add((document, FOAF.primaryTopic, dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    _titles(graph, dataset, FAMILIES[0].title, FAMILIES[0].title_en)
    graph.add((dataset, FOAF.homepage, URIRef(base)))
    graph.add((dataset, DCTERMS.license, URIRef(REGISTRY_LICENCE)))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}sparql")))
    graph.add((dataset, VOID.uriSpace, Literal(f"{base}id/")))
    graph.add((dataset, VOID.uriRegexPattern, Literal(f"^{re.escape(base)}id/")))
    graph.add((dataset, RDFS.seeAlso, URIRef(f"{base}catalog")))
    if stamp:
        for name, feature in (("registre.nq.gz", "N-Quads"), ("registre.trig.gz", "TriG")):
            graph.add((dataset, VOID.dataDump, dump_url(base, stamp, name)))
            graph.add((dataset, VOID.feature, FORMATS_NS[feature]))
    if sizes is None:
        rows = store.select(queries.load("graph-sizes"))
        sizes = {str(row["g"]): int(str(row["triples"])) for row in rows}
    graph.add((dataset, VOID.triples, Literal(sum(sizes.values()))))
    for iri, triples in sorted(sizes.items()):
        name = URIRef(iri)
        graph.add((dataset, VOID.subset, name))
        graph.add((name, RDF.type, VOID.Dataset))
        graph.add((name, VOID.triples, Literal(triples)))
    registry = minter.graph("registry")
    if str(registry) in sizes:
        terms = _add_partitions(graph, store, registry)
        for vocabulary in sorted(_vocabularies(terms)):
            graph.add((dataset, VOID.vocabulary, vocabulary))
    return graph


def _add_partitions(graph: Graph, store: Store, subset: URIRef) -> set[URIRef]:
    """Class and property partitions of one named graph; returns the classes and properties."""
    classes = store.select(CLASS_PARTITIONS, default_graphs=[subset])
    properties = store.select(PROPERTY_PARTITIONS, default_graphs=[subset])
    entities = store.select(TYPED_ENTITIES, default_graphs=[subset])
    graph.add((subset, VOID.entities, Literal(int(str(entities[0]["entities"])))))
    graph.add((subset, VOID.classes, Literal(len(classes))))
    graph.add((subset, VOID.properties, Literal(len(properties))))
    terms: set[URIRef] = set()
    for rows, link, key, count, measure in (
        (classes, VOID.classPartition, "class", "entities", VOID.entities),
        (properties, VOID.propertyPartition, "property", "triples", VOID.triples),
    ):
        term_link = VOID["class"] if key == "class" else VOID.property
        for row in sorted(rows, key=lambda row: str(row[key])):
            partition = BNode()
            graph.add((subset, link, partition))
            graph.add((partition, term_link, row[key]))
            graph.add((partition, measure, Literal(int(str(row[count])))))
            if isinstance(row[key], URIRef):
                terms.add(row[key])  # type: ignore[arg-type]
    return terms


def _vocabularies(terms: Iterable[URIRef]) -> set[URIRef]:
    """The namespaces (among those the registry declares) of the classes and properties used."""
    known = {str(RDF), str(RDFS), str(OWL), str(XSD)} | {
        str(ns._NS) if isinstance(ns, type) else str(ns) for ns in PREFIXES.values()
    }
    found = set()
    for term in terms:
        matches = [ns for ns in known if str(term).startswith(ns)]
        if matches:
            found.add(URIRef(max(matches, key=len)))
    return found


def latest_dumps(settings: Settings) -> tuple[list[dict[str, Any]], str]:
    """The dumps of the newest publication (`donnees/latest`) and its stamp; ([], "") if none."""
    folder = settings.data_path / "donnees"
    latest = folder / "latest"
    try:
        stamp = latest.resolve().name if latest.is_dir() else latest.read_text("utf-8").strip()
    except OSError:
        return [], ""
    if not re.fullmatch(r"[\w.-]+", stamp) or stamp.startswith("."):
        return [], ""
    try:
        entries = json.loads((folder / stamp / "dumps.json").read_text("utf-8"))
    except (OSError, ValueError) as error:
        log.warning("no usable dumps.json for %s: %s", stamp, error)
        return [], ""
    if not isinstance(entries, list):
        log.warning("dumps.json of %s is not a list", stamp)
        return [], ""
    required = {"fichier", "octets", "sha256"}
    dumps = [e for e in entries if isinstance(e, dict) and required <= e.keys()]
    if len(dumps) != len(entries):
        log.warning("dumps.json of %s: %d entries lack fichier, octets or sha256", stamp,
                    len(entries) - len(dumps))  # fmt: skip
    return dumps, stamp
