"""RDF namespaces. ``TL`` mirrors ontology/tl.ttl term for term (tests/test_vocabulary.py)."""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    OWL,
    PROV,
    RDF,
    RDFS,
    SH,
    SKOS,
    XSD,
    DefinedNamespace,
)

__all__ = [
    "ACCES",
    "ADMS",
    "CRITERE",
    "DCAT",
    "DCTERMS",
    "DUREE",
    "FOAF",
    "GEO",
    "IGEO",
    "ORG",
    "OWL",
    "PREC",
    "PROV",
    "RDF",
    "RDFS",
    "RESOLUTION",
    "RESULTAT",
    "SCHEMA",
    "SH",
    "SKOS",
    "SPDX",
    "STATUT",
    "TL",
    "TYPO",
    "XSD",
    "bind_prefixes",
]


class TL(DefinedNamespace):
    """The registry's own vocabulary (ontology/tl.ttl)."""

    _fail = True
    _NS = Namespace("https://w3id.org/tiers-lieux/def/tl#")

    TiersLieu: URIRef
    SourceRecord: URIRef
    Harvest: URIRef
    Rejection: URIRef
    typology: URIRef
    commune: URIRef
    departement: URIRef
    region: URIRef
    positionPrecision: URIRef
    rejection: URIRef
    geocodingScore: URIRef
    geocodedAddress: URIRef
    recordKey: URIRef
    reason: URIRef
    recordCount: URIRef
    rejectedCount: URIRef
    warningCount: URIRef
    Operation: URIRef
    CriteriaProfile: URIRef
    CriterionAssessment: URIRef
    Evidence: URIRef
    Citation: URIRef
    hasLabel: URIRef
    status: URIRef
    operator: URIRef
    operation: URIRef
    legalForm: URIRef
    offerDuration: URIRef
    accessCondition: URIRef
    service: URIRef
    public: URIRef
    governance: URIRef
    userInvolvement: URIRef
    assessment: URIRef
    criterion: URIRef
    outcome: URIRef
    evidence: URIRef
    evidenceProperty: URIRef
    profile: URIRef
    flexibleDuration: URIRef
    citation: URIRef
    document: URIRef
    prevails: URIRef
    rowNumber: URIRef
    Change: URIRef
    Tally: URIRef
    change: URIRef
    tally: URIRef
    changedProperty: URIRef
    changeKind: URIRef
    count: URIRef
    readCount: URIRef
    addedCount: URIRef
    removedCount: URIRef
    changedCount: URIRef
    unchangedCount: URIRef
    quarantineReason: URIRef
    statusDate: URIRef
    openingDate: URIRef
    closingDate: URIRef
    itinerant: URIRef
    ephemeral: URIRef
    requiresMembership: URIRef
    minimumCommitment: URIRef
    staffed: URIRef
    staffedHours: URIRef
    openingHoursText: URIRef
    badgeAccess: URIRef
    bandwidthText: URIRef
    bandwidthMbps: URIRef
    workstations: URIRef
    floorArea: URIRef
    wheelchairAccessible: URIRef
    transportAccess: URIRef
    parking: URIRef
    attendance: URIRef
    lines: URIRef
    maxHourPrice: URIRef
    maxHalfDayPrice: URIRef
    maxDayPrice: URIRef
    maxWeekPrice: URIRef
    maxMonthPrice: URIRef
    minBandwidthMbps: URIRef
    Epci: URIRef
    CoverageAnalysis: URIRef
    CategoryCount: URIRef
    epci: URIRef
    arrondissement: URIRef
    siren: URIRef
    epciCategory: URIRef
    population: URIRef
    formerCode: URIRef
    communeResolution: URIRef
    nearestPlace: URIRef
    nearestPlaceKm: URIRef
    nearestPlaceMinutes: URIRef
    nearestQualifiedPlace: URIRef
    nearestQualifiedPlaceKm: URIRef
    nearestQualifiedPlaceMinutes: URIRef
    whiteZone: URIRef
    placeCount: URIRef
    openPlaceCount: URIRef
    placesPer100k: URIRef
    populationWithin10km: URIRef
    shareWithin10km: URIRef
    populationWithin20min: URIRef
    shareWithin20min: URIRef
    whiteZoneCount: URIRef
    whiteZoneCommune: URIRef
    breakdown: URIRef
    category: URIRef
    nearestNeighbour: URIRef
    nearestNeighbourKm: URIRef
    whiteZoneMinutes: URIRef
    qualifiedCriteriaMin: URIRef
    detourFactor: URIRef
    averageSpeedKmh: URIRef
    PlaceIdentifier: URIRef
    mintedAt: URIRef
    idStatus: URIRef
    idStatusDate: URIRef
    withdrawalReason: URIRef
    curatorDecision: URIRef
    identifiedRecord: URIRef


# schema.org in its http form, as schema.org's own RDF and most SPARQL datasets use it
# (rdflib's SDO is the https form).
SCHEMA = Namespace("http://schema.org/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
IGEO = Namespace("http://rdf.insee.fr/def/geo#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
ORG = Namespace("http://www.w3.org/ns/org#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DEF = "https://w3id.org/tiers-lieux/def/"
TYPO = Namespace(DEF + "typologie/")
PREC = Namespace(DEF + "precision/")
RESOLUTION = Namespace(DEF + "resolution/")
STATUT = Namespace(DEF + "statut/")
CRITERE = Namespace(DEF + "critere/")
RESULTAT = Namespace(DEF + "resultat/")
DUREE = Namespace(DEF + "duree/")
ACCES = Namespace(DEF + "acces/")

PREFIXES: dict[str, Namespace | type[DefinedNamespace]] = {
    "tl": TL,
    "schema": SCHEMA,
    "geo": GEO,
    "igeo": IGEO,
    "prov": PROV,
    "dcat": DCAT,
    "dct": DCTERMS,
    "skos": SKOS,
    "spdx": SPDX,
    "typo": TYPO,
    "prec": PREC,
    "critere": CRITERE,
    "resultat": RESULTAT,
    "duree": DUREE,
    "org": ORG,
    "adms": ADMS,
    "xsd": XSD,
    "rdfs": RDFS,
    "foaf": FOAF,
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the registry's prefixes on `graph` (for readable Turtle) and return it."""
    for prefix, namespace in PREFIXES.items():
        iri = str(namespace) if isinstance(namespace, Namespace) else str(namespace._NS)
        graph.bind(prefix, iri, override=True, replace=True)
    return graph
