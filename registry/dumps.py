"""The open dumps of a publication: RDF, JSON-LD, GeoJSON and CSV files, versioned by date.

`write_dumps` reads the store once (N-Quads), writes every file into a hidden folder, renames it
to `{data_dir}/donnees/{stamp}` and then points `donnees/latest` at it; `dumps.json` describes
each file (size, sha256, triples or rows, graphs, date). A published version is never rewritten.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import itertools
import json
import logging
import re
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import IO, Any, BinaryIO, cast
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import URIRef

from .conneg import jsonld_context
from .iris import Minter
from .namespaces import ADMS, PROV, RDF, RDFS, SCHEMA, SKOS, TL
from .placeview import CRITERIA_IRIS
from .settings import Settings
from .store import Store
from .vocabulary import fold, label, vocabulary_graph

log = logging.getLogger(__name__)

FOLDER = "donnees"  # under the data directory, and the URL path that serves it
STAMP = re.compile(r"\d{8}T\d{6,12}Z")  # a publication's stamp (registry.publication.STAMP)
REGISTRY_NAME = "Registre ouvert des tiers-lieux"
# name -> (title, format, media type of the content; .gz files are gzip-compressed)
FILES: dict[str, tuple[str, str, str]] = {
    "registre.nq.gz": ("Registre complet, tous les graphes (N-Quads)", "N-Quads",
                       "application/n-quads"),
    "registre.trig.gz": ("Registre complet, tous les graphes (TriG)", "TriG", "application/trig"),
    "lieux.ttl.gz": ("Lieux du registre (Turtle)", "Turtle", "text/turtle"),
    "lieux.nt.gz": ("Lieux du registre (N-Triples)", "N-Triples", "application/n-triples"),
    "lieux.jsonld.gz": ("Lieux du registre (JSON-LD)", "JSON-LD", "application/ld+json"),
    "contexte.jsonld": ("Contexte JSON-LD des lieux", "JSON-LD", "application/ld+json"),
    "lieux.geojson": ("Lieux localisés (GeoJSON)", "GeoJSON", "application/geo+json"),
    "lieux-mediation-numerique.csv": (
        "Lieux au standard national des lieux de médiation numérique (CSV)", "CSV", "text/csv"),
    "tiers-lieux.csv": ("Lieux, tous les champs (CSV pour tableur)", "CSV", "text/csv"),
}  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP « CSV injection »


@dataclass(frozen=True)
class Dump:
    """One file of a publication, as `dumps.json` describes it."""

    name: str
    size: int
    sha256: str
    published: str  # ISO 8601, UTC
    triples: int | None = None
    rows: int | None = None
    graphs: tuple[str, ...] | None = None
    left_out: Mapping[str, int] | None = None  # places left out of the file, by reason

    def metadata(self) -> dict[str, Any]:
        """The entry of `dumps.json` (French keys: a public contract, read by the catalogue)."""
        title, fmt, media_type = FILES[self.name]
        return {
            "fichier": self.name, "titre": title, "format": fmt, "media_type": media_type,
            "octets": self.size, "sha256": self.sha256, "triplets": self.triples,
            "lignes": self.rows, "graphes": list(self.graphs) if self.graphs is not None else None,
            "publie_le": self.published,
            "ecartes": dict(self.left_out) if self.left_out is not None else None,
        }  # fmt: skip


@dataclass(frozen=True)
class DumpSet:
    """The files one publication wrote."""

    stamp: str
    folder: Path
    dumps: tuple[Dump, ...]
    seconds: float

    def summary(self) -> str:
        """One line for the CLI."""
        size = sum(d.size for d in self.dumps) / 1e6
        return (
            f"exports : {len(self.dumps)} fichiers ({size:.1f} Mo) → {self.folder} "
            f"(/{FOLDER}/latest/), {self.seconds:.1f} s"
        )


def write_dumps(store: Store, settings: Settings, stamp: str) -> DumpSet:
    """Write every dump of `store` under `donnees/{stamp}/`, then point `donnees/latest` at it."""
    if not STAMP.fullmatch(stamp):
        raise ValueError(f"not a publication stamp: {stamp!r}")
    clock = time.perf_counter()
    root = settings.data_path / FOLDER
    target = root / stamp
    if target.exists():
        raise FileExistsError(f"{target} exists: a published version is never rewritten")
    work = root / f".{stamp}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        dumps = _write_all(store, settings, stamp, work)
        (work / "dumps.json").write_text(
            json.dumps([d.metadata() for d in dumps], ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    work.rename(target)
    partial = root / "latest.partial"
    partial.write_text(stamp + "\n", encoding="utf-8")
    partial.replace(root / "latest")  # atomic: readers see the old version or the new one
    log.info("dumps of %s written in %s", stamp, target)
    return DumpSet(stamp, target, tuple(dumps), time.perf_counter() - clock)


def _write_all(store: Store, settings: Settings, stamp: str, work: Path) -> list[Dump]:
    minter = Minter(settings.base_uri)
    reader = _write_rdf(store, minter, work)
    places = reader.places()
    published = published_at(stamp)
    located, unlocated = write_geojson(places, work / "lieux.geojson", minter)
    mednum, left_out = write_mednum_csv(
        places, work / "lieux-mediation-numerique.csv", published[:10], minter
    )
    flat = write_flat_csv(places, work / "tiers-lieux.csv", minter)
    everything = tuple(sorted(reader.sizes))
    quads = sum(reader.sizes.values())
    registry = str(minter.graph("registry"))
    places_rdf = {"triples": reader.sizes.get(registry, 0), "graphs": (registry,)}
    counts: dict[str, dict[str, Any]] = {
        "registre.nq.gz": {"triples": quads, "graphs": everything},
        "registre.trig.gz": {"triples": quads, "graphs": everything},
        "lieux.ttl.gz": places_rdf,
        "lieux.nt.gz": places_rdf,
        "lieux.jsonld.gz": places_rdf,
        "contexte.jsonld": {},
        "lieux.geojson": {"rows": located, "left_out": unlocated},
        "lieux-mediation-numerique.csv": {"rows": mednum, "left_out": left_out},
        "tiers-lieux.csv": {"rows": flat},
    }
    return [_described(work / name, published, **counts[name]) for name in FILES]


def _write_rdf(store: Store, minter: Minter, work: Path) -> _Reader:
    """The RDF files, from one dump of the store; what the other files need, read.

    The store is read once (reading it is the slow part: 2.4 million quads took 26 to 50 s from
    RocksDB, 4 s from memory), into an N-Quads file that every other RDF file is made from.
    """
    registry = f"<{minter.graph('registry')}>".encode()
    raw = work / ".registre.nq"
    try:
        with raw.open("wb") as out:
            store.dump(out, "application/n-quads")
        sizes: Counter[bytes] = Counter()
        with raw.open("rb") as quads, _gzip_writer(work / "lieux.nt.gz") as places:
            kept = []
            for line in quads:  # `s p o g .`: the graph is the last term (an IRI, no space)
                head, graph, _ = line.rsplit(b" ", 2)
                sizes[graph] += 1
                if graph == registry:
                    kept.append(head + b" .\n")
                    if len(kept) >= 10_000:
                        places.writelines(kept)
                        kept.clear()
            places.writelines(kept)
        with raw.open("rb") as source, _gzip_writer(work / "registre.nq.gz") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        with _gzip_writer(work / "registre.trig.gz") as out:
            quads_ = ox.parse(path=str(raw), format=ox.RdfFormat.N_QUADS)
            ox.serialize(quads_, out, ox.RdfFormat.TRIG, prefixes=_prefixes())
    finally:
        raw.unlink(missing_ok=True)
    with _gzip_reader(work / "lieux.nt.gz") as source, _gzip_writer(work / "lieux.ttl.gz") as out:
        triples = ox.parse(source, ox.RdfFormat.N_TRIPLES)
        ox.serialize(triples, out, ox.RdfFormat.TURTLE, prefixes=_prefixes())
    reader = _Reader(minter)
    reader.sizes = {graph.decode()[1:-1]: n for graph, n in sizes.items() if graph != b"."}
    reader.read(store)
    with _gzip_reader(work / "lieux.nt.gz") as source:
        reader.read_registry(ox.parse(source, ox.RdfFormat.N_TRIPLES))
    context = published_context()
    (work / "contexte.jsonld").write_text(
        json.dumps({"@context": context}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    with (
        _gzip_reader(work / "lieux.nt.gz") as source,
        _gzip_writer(work / "lieux.jsonld.gz") as out,
    ):
        write_jsonld(ox.parse(source, ox.RdfFormat.N_TRIPLES), context, out)
    return reader


def published_at(stamp: str) -> str:
    """When the version `stamp` was published (ISO 8601, UTC, to the second)."""
    moment = datetime.strptime(stamp[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _described(path: Path, published: str, **counts: Any) -> Dump:
    with path.open("rb") as data:
        digest = hashlib.file_digest(data, "sha256").hexdigest()
    return Dump(path.name, path.stat().st_size, digest, published, **counts)


def _gzip_reader(path: Path) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb"))


@contextmanager
def _gzip_writer(path: Path) -> Iterator[BinaryIO]:
    """A gzip file with no name nor date in its header: the same content gives the same bytes."""
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=raw, mtime=0) as out,
    ):
        yield cast(BinaryIO, out)


# --- RDF and JSON-LD


def _prefixes() -> dict[str, str]:
    return {**jsonld_context(), "rdf": str(RDF)}


def published_context() -> dict[str, str]:
    """The JSON-LD context of `lieux.jsonld.gz` (served as `contexte.jsonld`): the prefixes."""
    # JSON-LD 1.1 only uses a term as a prefix when its IRI ends with a gen-delim character
    return {k: v for k, v in sorted(_prefixes().items()) if v.endswith(("/", "#"))}


def write_jsonld(triples: Iterable[ox.Triple], context: Mapping[str, str], out: IO[bytes]) -> None:
    """Compact JSON-LD, one node object per subject, streamed (triples grouped by subject)."""
    by_length = sorted(context.items(), key=lambda item: -len(item[1]))
    compacted: dict[str, str] = {}

    def compact(iri: str) -> str:
        if iri not in compacted:
            compacted[iri] = iri
            for prefix, namespace in by_length:
                rest = iri[len(namespace) :]
                if iri.startswith(namespace) and rest and not rest.startswith("//"):
                    compacted[iri] = f"{prefix}:{rest}"
                    break
        return compacted[iri]

    def value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Any:
        if isinstance(term, ox.NamedNode):
            return {"@id": compact(term.value)}
        if isinstance(term, ox.BlankNode):
            return {"@id": f"_:{term.value}"}
        if isinstance(term, ox.Literal):
            if term.language:
                return {"@value": term.value, "@language": term.language}
            if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
                return term.value
            return {"@value": term.value, "@type": compact(term.datatype.value)}
        raise TypeError(f"RDF-star triples are not supported here: {term}")

    header = json.dumps({"@context": dict(context)}, ensure_ascii=False)[:-1]
    out.write(f'{header}, "@graph": [\n'.encode())
    for number, (subject, group) in enumerate(itertools.groupby(triples, lambda t: t.subject)):
        node: dict[str, Any] = {"@id": value(subject)["@id"]}
        for triple in group:
            if triple.predicate == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
                node.setdefault("@type", []).append(compact(triple.object.value))
            else:
                node.setdefault(compact(triple.predicate.value), []).append(value(triple.object))
        text = json.dumps(node, ensure_ascii=False)
        out.write(((",\n" if number else "") + text).encode("utf-8"))
    out.write(b"\n]}\n")


RDF_TYPE = ox.NamedNode(str(RDF.type))


# --- one pass over the store, keeping what the places' files need

PLACE_FACTS = {
    RDF.type, SCHEMA.name, SCHEMA.address, SCHEMA.latitude, SCHEMA.longitude, SCHEMA.openingHours,
    SCHEMA.url, SCHEMA.sameAs, SCHEMA.email, SCHEMA.telephone, SCHEMA.description, TL.commune,
    TL.departement, TL.region, TL.positionPrecision, TL.typology, TL.hasLabel, TL.service,
    TL.accessCondition, TL.public, TL.openingHoursText, TL.status, TL.itinerant, TL.operator,
    PROV.wasDerivedFrom,
}  # fmt: skip
FRAGMENT_FACTS = {SCHEMA.streetAddress, SCHEMA.postalCode, SCHEMA.addressLocality, SKOS.prefLabel}
ASSESSED = (str(TL.criterion), str(TL.outcome))


def _text(term: object) -> str:
    """The IRI, blank node id or lexical form of a term."""
    return str(getattr(term, "value", term))


@dataclass
class Place:
    """What the GeoJSON and CSV files say of a place (IRIs for concepts, text as given)."""

    id: str
    iri: str
    name: str
    facts: dict[str, list[str]]  # predicate IRI -> values (IRIs or lexical forms)
    street: str = ""
    postcode: str = ""
    locality: str = ""
    commune_name: str = ""
    departement_name: str = ""
    region_name: str = ""
    operators: list[str] = field(default_factory=list)  # names
    sirets: list[str] = field(default_factory=list)
    criteria: dict[str, str] = field(default_factory=dict)  # criterion IRI -> outcome IRI

    def all(self, predicate: str) -> list[str]:
        """Every value of `predicate`, sorted."""
        return sorted(set(self.facts.get(str(predicate), ())))

    def one(self, predicate: str) -> str:
        """The first value of `predicate`, or ""."""
        values = self.all(predicate)
        return values[0] if values else ""

    def code(self, predicate: str, kind: str, minter: Minter) -> str:
        """The code of the territory `predicate` links to (`{base}id/{kind}/{code}`), or ""."""
        return minter.local_id(self.one(predicate), kind) or ""


# GRAPH_IRI stands for the graph a query reads (the registry's own IRIs, not user input)
ASSESSMENTS = (
    "SELECT ?node ?p ?o WHERE { GRAPH <GRAPH_IRI> { ?node ?p ?o } "
    f"VALUES ?p {{ <{TL.criterion}> <{TL.outcome}> }} }}"
)
TERRITORY_LABELS = f"SELECT ?s ?o WHERE {{ GRAPH <GRAPH_IRI> {{ ?s <{RDFS.label}> ?o }} }}"
OPERATOR_IDENTIFIERS = (
    f"SELECT DISTINCT ?id ?n WHERE {{ GRAPH ?g {{ ?r <{ADMS.identifier}> ?id . "
    f'?id <{SKOS.notation}> ?n }} FILTER(STRSTARTS(STR(?g), "GRAPH_IRI/")) }}'
)


class _Reader:
    """What the places' files need: the registry's facts, assessments, names, identifiers."""

    def __init__(self, minter: Minter) -> None:
        self.minter = minter
        self.sizes: dict[str, int] = {}  # graph IRI -> triples
        self.facts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.labels: dict[str, str] = {}  # territories (geo graph)
        self.assessments: dict[str, dict[str, str]] = defaultdict(dict)  # node -> pred -> value
        self.notations: dict[str, str] = {}  # operators' identifiers (source graphs) -> codes
        self._place = {ox.NamedNode(str(p)) for p in PLACE_FACTS}
        self._fragment = {ox.NamedNode(str(p)) for p in FRAGMENT_FACTS}

    def read(self, store: Store) -> None:
        """Assessments, territory names and operators' identifiers, by a few queries."""
        minter = self.minter
        for row in store.select(ASSESSMENTS.replace("GRAPH_IRI", minter.graph("quality"))):
            self.assessments[str(row["node"])][str(row["p"])] = str(row["o"])
        for row in store.select(TERRITORY_LABELS.replace("GRAPH_IRI", minter.graph("geo"))):
            label_ = row["o"]
            language = getattr(label_, "language", None)
            if language in (None, "fr") or str(row["s"]) not in self.labels:
                self.labels[str(row["s"])] = str(label_)
        for row in store.select(OPERATOR_IDENTIFIERS.replace("GRAPH_IRI", minter.graph("source"))):
            self.notations[str(row["id"])] = str(row["n"])

    def read_registry(self, triples: Iterable[ox.Triple]) -> None:
        """Keep the registry graph's facts the places' files show."""
        for triple in triples:
            subject = _text(triple.subject)
            wanted = self._fragment if "#" in subject else self._place
            if triple.predicate in wanted:
                self.facts[subject][triple.predicate.value].append(_text(triple.object))

    def places(self) -> list[Place]:
        """The canonical places, by id."""
        minter = self.minter
        sirets: dict[str, set[str]] = defaultdict(set)  # record -> SIRETs of its operators
        for identifier, notation in self.notations.items():
            if re.fullmatch(r"\d{9}|\d{14}", notation):
                sirets[identifier.split("#")[0]].add(notation)
        outcomes: dict[str, dict[str, str]] = defaultdict(dict)
        for node, values in self.assessments.items():
            if str(TL.criterion) in values and str(TL.outcome) in values:
                outcomes[node.split("#")[0]][values[str(TL.criterion)]] = values[str(TL.outcome)]
        found = []
        for iri, facts in self.facts.items():
            place_id = minter.local_id(iri, "lieu")
            if place_id is None or str(TL.TiersLieu) not in facts.get(str(RDF.type), ()):
                continue
            place = Place(place_id, iri, min(facts.get(str(SCHEMA.name), [""])), facts)
            address = self.facts.get(place.one(SCHEMA.address), {})
            place.street, place.postcode, place.locality = (
                min(address.get(str(p), [""]))
                for p in (SCHEMA.streetAddress, SCHEMA.postalCode, SCHEMA.addressLocality)
            )
            place.commune_name, place.departement_name, place.region_name = (
                self.labels.get(place.one(p), "") for p in (TL.commune, TL.departement, TL.region)
            )
            names = (
                self.facts.get(op, {}).get(str(SKOS.prefLabel), ()) for op in place.all(TL.operator)
            )
            place.operators = sorted({name for group in names for name in group})
            place.sirets = sorted({s for r in place.all(PROV.wasDerivedFrom) for s in sirets[r]})
            place.criteria = outcomes.get(iri, {})
            found.append(place)
        return sorted(found, key=lambda p: p.id)


# --- GeoJSON


def write_geojson(places: list[Place], path: Path, minter: Minter) -> tuple[int, dict[str, int]]:
    """The located places as Points; returns (features, places left out by reason)."""
    features = []
    for place in places:
        try:
            latitude, longitude = (
                float(place.one(SCHEMA.latitude)),
                float(place.one(SCHEMA.longitude)),
            )
        except ValueError:
            continue
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            continue
        properties = {
            "id": place.id, "uri": place.iri, "page": f"{minter.base}lieu/{place.id}",
            "nom": place.name,
            "adresse": place.street or None, "code_postal": place.postcode or None,
            "commune": place.commune_name or place.locality or None,
            "code_insee": place.code(TL.commune, "commune", minter) or None,
            "departement": place.code(TL.departement, "departement", minter) or None,
            "region": place.code(TL.region, "region", minter) or None,
            "precision_position": _local(place.one(TL.positionPrecision)) or None,
            "typologies": _codes(place, TL.typology), "labels": _codes(place, TL.hasLabel),
            "services": _codes(place, TL.service),
            "conditions_acces": _codes(place, TL.accessCondition),
            "statut": _local(place.one(TL.status)) or None,
            "horaires": place.one(SCHEMA.openingHours) or None,
            "site_web": place.one(SCHEMA.url) or None,
        }  # fmt: skip
        geometry = {"type": "Point", "coordinates": [longitude, latitude]}
        features.append(
            {"type": "Feature", "id": place.id, "geometry": geometry, "properties": properties}
        )
    collection = {"type": "FeatureCollection", "features": features}
    with path.open("w", encoding="utf-8") as out:
        json.dump(collection, out, ensure_ascii=False, separators=(",", ":"))
    left_out = len(places) - len(features)
    return len(features), ({"sans position": left_out} if left_out else {})


def _local(iri: str) -> str:
    return unquote(iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]) if iri else ""


def _codes(place: Place, predicate: str) -> list[str]:
    return [_local(iri) for iri in place.all(predicate)]


# --- CSV: the national standard of the lieux de médiation numérique (schema v1.0.2)

MEDNUM_COLUMNS = (
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
    "latitude", "longitude", "typologie", "telephone", "courriels", "site_web", "horaires",
    "presentation_resume", "presentation_detail", "source", "itinerance", "structure_parente",
    "date_maj", "services", "publics_specifiquement_adresses", "prise_en_charge_specifique",
    "frais_a_charge", "dispositif_programmes_nationaux", "formations_labels",
    "autres_formations_labels", "modalites_acces", "modalites_accompagnement",
    "fiche_acces_libre", "prise_rdv",
)  # fmt: skip
# The enumerations of the schema's fields that our vocabularies can fill (its JSON's patterns).
MEDNUM_VALUES = {
    "services": (
        "Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien",
        "Insertion professionnelle via le numérique", "Utilisation sécurisée du numérique",
        "Parentalité et éducation avec le numérique", "Loisirs et créations numériques",
        "Compréhension du monde numérique", "Accès internet et matériel informatique",
        "Acquisition de matériel informatique à prix solidaire",
    ),
    "frais_a_charge": ("Gratuit", "Gratuit sous condition", "Payant"),
    "dispositif_programmes_nationaux": (
        "Aidants Connect", "Bibliothèques numérique de référence", "Certification PIX",
        "Conseillers numériques", "Emmaüs Connect", "France Services",
        "Grande école du numérique", "La Croix Rouge", "Point d'accès numérique CAF",
        "Promeneurs du net", "Relais numérique (Emmaüs Connect)",
    ),
    "formations_labels": (
        "Formé à « Mon Espace Santé »", "Formé à « DUPLEX » (illettrisme)",
        "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
        "Collectif ressources et acteurs réemploi (Normandie)", "Étapes numériques(La Poste)",
        "Fabriques de Territoire", "Les Éclaireurs du numérique (Drôme)",
        "Mes Papiers (Métropole de Lyon)", "ORDI 3.0", "SUD LABS (PACA)",
    ),
}  # fmt: skip
# the concept scheme that fills each of them, and the property that links a place to it
MEDNUM_SCHEMES = {
    "services": ("service", TL.service),
    "frais_a_charge": ("acces", TL.accessCondition),
    "dispositif_programmes_nationaux": ("label", TL.hasLabel),
    "formations_labels": ("label", TL.hasLabel),
}
DEFAULT_PIVOT = "00000000000000"  # what the national cartography writes when no SIRET is known
PHONE = re.compile(r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$")
# Overseas numbers in the French numbering plan: 0590… is +590 590… (ARCEP numbering plan)
OVERSEAS = {"590": "+590", "690": "+590", "691": "+590", "594": "+594", "694": "+594",
            "596": "+596", "696": "+596", "697": "+596", "262": "+262", "263": "+262",
            "692": "+262", "693": "+262", "269": "+262", "639": "+262"}  # fmt: skip
NOT_OPEN = {"ferme": "fermé", "projet": "en projet", "en-creation": "en projet"}


NAMES = (SKOS.notation, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)


@cache
def mednum_mapping(column: str) -> dict[str, str]:
    """Our concept IRI -> the schema's value, where exactly one value names the concept.

    Read from the concepts' labels (notation, pref-, alt- and hidden labels) in our vocabularies.
    """
    key = lambda text: fold(text).replace(" ", "")  # noqa: E731
    values = {key(v): v for v in MEDNUM_VALUES[column]}
    graph = vocabulary_graph()
    scheme = f"https://w3id.org/tiers-lieux/def/{MEDNUM_SCHEMES[column][0]}/"
    found = {}
    for concept in graph.subjects(SKOS.inScheme, URIRef(scheme)):
        names = {key(str(n)) for p in NAMES for n in graph.objects(concept, p)}
        matched = {values[n] for n in names if n in values}
        if len(matched) == 1:
            found[str(concept)] = matched.pop()
    return found


@cache
def typology_codes() -> dict[str, str]:
    """Our typology IRI -> the ANCT code it is, or belongs to (exact or broad match)."""
    graph = vocabulary_graph()
    anct = "https://w3id.org/tiers-lieux/def/typologie-anct/"
    found = {}
    for prop in (SKOS.broadMatch, SKOS.exactMatch):  # an exact match wins
        for concept, target in graph.subject_objects(prop):
            if str(target).startswith(anct):
                found[str(concept)] = str(target)[len(anct) :]
    return found


def international_phone(text: str, postcode: str) -> str:
    """The first number of `text` in the schema's international form, or "" if none fits."""
    for candidate in re.findall(r"\+?\d(?:[ .\-]?\d){5,}", text):  # one separator at most
        digits = re.sub(r"[ .\-]", "", candidate)
        if digits.startswith("0") and len(digits) == 10:
            digits = OVERSEAS.get(digits[1:4], "+33") + digits[1:]
        elif len(digits) == 6 and postcode[:3] in ("988", "987"):  # New Caledonia, Polynesia
            digits = ("+687" if postcode.startswith("988") else "+689") + digits
        if PHONE.match(digits):
            return digits
    return ""


def left_out_because(place: Place) -> str:
    """Why the place cannot be a row of the national schema ("" when it can).

    The schema requires a name, a street address, a postcode and a commune; a closed place or a
    project is not a place where one can be welcomed today.
    """
    status = _local(place.one(TL.status))
    if status in NOT_OPEN:
        return NOT_OPEN[status]
    for reason, missing in (
        ("sans nom", not place.name),
        ("sans adresse", not place.street),
        ("sans code postal", not re.fullmatch(r"\d{5}", place.postcode)),
        ("sans commune", not (place.commune_name or place.locality)),
    ):
        if missing:
            return reason
    return ""


def mednum_row(place: Place, updated: str, minter: Minter) -> list[str] | str:
    """The place as a row of the national schema, or why it cannot be one."""
    if reason := left_out_because(place):
        return reason
    commune = place.commune_name or place.locality
    insee = place.code(TL.commune, "commune", minter)
    description = place.one(SCHEMA.description)
    itinerant = place.one(TL.itinerant)
    mapped = {}
    for column, (_, predicate) in MEDNUM_SCHEMES.items():
        mapping = mednum_mapping(column)
        mapped[column] = "|".join(
            sorted({mapping[i] for i in place.all(predicate) if i in mapping})
        )
    labels = set(mednum_mapping("dispositif_programmes_nationaux")) | set(
        mednum_mapping("formations_labels")
    )
    row = {
        "id": place.id,
        "pivot": place.sirets[0] if len(place.sirets) == 1 else DEFAULT_PIVOT,
        "nom": place.name, "commune": commune, "code_postal": place.postcode,
        "code_insee": insee if re.fullmatch(r"([013-9]\d|2[AB1-9])\d{3}", insee) else "",
        "adresse": place.street,
        "latitude": place.one(SCHEMA.latitude), "longitude": place.one(SCHEMA.longitude),
        "typologie": "|".join(sorted({typology_codes()[t] for t in place.all(TL.typology)
                                      if t in typology_codes()})),
        "telephone": international_phone(place.one(SCHEMA.telephone), place.postcode),
        "courriels": "|".join(place.all(SCHEMA.email)),
        "site_web": "|".join(place.all(SCHEMA.url) + place.all(SCHEMA.sameAs)),
        "horaires": place.one(SCHEMA.openingHours),
        "presentation_resume": description if len(description) <= 280 else "",
        "presentation_detail": description if len(description) > 280 else "",
        "source": REGISTRY_NAME,
        "itinerance": {"true": "Itinérant", "false": "Fixe"}.get(itinerant.lower(), ""),
        "structure_parente": place.operators[0] if len(place.operators) == 1 else "",
        "date_maj": updated,
        "autres_formations_labels": "|".join(
            sorted(label(iri) for iri in place.all(TL.hasLabel) if iri not in labels)
        ),
        **mapped,
    }  # fmt: skip
    for column in MEDNUM_FREE_TEXT:  # the other columns are codes, numbers or checked values
        row[column] = neutralise(row[column])
    return [row.get(column, "") for column in MEDNUM_COLUMNS]


# Columns of the national schema that carry a source's free text, neutralised against formulas.
# The telephone is written here from checked digits ("+33…", which the schema requires).
MEDNUM_FREE_TEXT = (
    "nom", "commune", "adresse", "presentation_resume", "presentation_detail",
    "structure_parente", "autres_formations_labels",
)  # fmt: skip


def write_mednum_csv(
    places: list[Place], path: Path, updated: str, minter: Minter
) -> tuple[int, dict[str, int]]:
    """The places in the national schema; returns (rows, places left out by reason)."""
    rows, left_out = [], Counter[str]()
    for place in places:
        row = mednum_row(place, updated, minter)
        if isinstance(row, str):
            left_out[row] += 1
        else:
            rows.append(row)
    _write_csv(path, MEDNUM_COLUMNS, rows, bom=False)
    return len(rows), dict(sorted(left_out.items()))


# --- CSV: every field, for a spreadsheet

FLAT_COLUMNS = (
    "id", "uri", "page", "nom", "adresse", "code_postal", "commune", "code_insee", "departement",
    "code_departement", "region", "code_region", "latitude", "longitude", "precision_position",
    "typologies", "labels", "services", "conditions_acces", "publics", "horaires",
    "horaires_source", "statut", "site_web", "reseaux_sociaux", "telephone", "courriel",
    "presentation", "itinerant", "porteurs", "siret",
    *(f"critere_{iri.rsplit('/', 1)[-1]}" for iri in CRITERIA_IRIS),
    "criteres_remplis", "sources", "fiches",
)  # fmt: skip
RECORD_SOURCE = re.compile(r".*/id/record/([^/]+)/[^/]+$")


def neutralise(cell: str) -> str:
    """A text cell that a spreadsheet would not run as a formula (OWASP « CSV injection »)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def flat_row(place: Place, minter: Minter) -> list[str]:
    """The place as a row of FLAT_COLUMNS: text neutralised, several values joined by "|"."""
    labels = lambda predicate: "|".join(sorted(label(i) for i in place.all(predicate)))  # noqa: E731
    outcomes = [place.criteria.get(iri, "") for iri in CRITERIA_IRIS]
    sources = sorted({unquote(m.group(1)) for r in place.all(PROV.wasDerivedFrom)
                      if (m := RECORD_SOURCE.match(r))})  # fmt: skip
    itinerant = {"true": "oui", "false": "non"}.get(place.one(TL.itinerant).lower(), "")
    texts = [
        place.id, place.iri, f"{minter.base}lieu/{place.id}", place.name, place.street,
        place.postcode, place.commune_name or place.locality,
        place.code(TL.commune, "commune", minter), place.departement_name,
        place.code(TL.departement, "departement", minter), place.region_name,
        place.code(TL.region, "region", minter),
    ]  # fmt: skip
    numbers = [place.one(SCHEMA.latitude), place.one(SCHEMA.longitude)]
    more = [
        labels(TL.positionPrecision), labels(TL.typology), labels(TL.hasLabel),
        labels(TL.service), labels(TL.accessCondition), labels(TL.public),
        place.one(SCHEMA.openingHours), place.one(TL.openingHoursText), labels(TL.status),
        "|".join(place.all(SCHEMA.url)), "|".join(place.all(SCHEMA.sameAs)),
        "|".join(place.all(SCHEMA.telephone)), "|".join(place.all(SCHEMA.email)),
        place.one(SCHEMA.description), itinerant, "|".join(place.operators),
        "|".join(place.sirets), *(label(o) if o else "" for o in outcomes),
    ]  # fmt: skip
    met = str(sum(1 for o in outcomes if o.endswith("/rempli")))
    tail = ["|".join(sources), str(len(place.all(PROV.wasDerivedFrom)))]
    return [neutralise(t) for t in texts] + numbers + [neutralise(t) for t in more] + [met, *tail]


def write_flat_csv(places: list[Place], path: Path, minter: Minter) -> int:
    """One row per place with all our fields; UTF-8 with a byte order mark (Excel)."""
    _write_csv(path, FLAT_COLUMNS, [flat_row(place, minter) for place in places], bom=True)
    return len(places)


def _write_csv(path: Path, columns: Iterable[str], rows: list[list[str]], bom: bool) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), encoding="utf-8")


# --- the published versions, for the web


def dumps_root(settings: Settings) -> Path:
    """The folder holding one sub-folder per published version, and `latest`."""
    return settings.data_path / FOLDER


def latest_stamp(settings: Settings) -> str | None:
    """The stamp of the newest published version, or None before the first."""
    try:
        stamp = (dumps_root(settings) / "latest").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return stamp if STAMP.fullmatch(stamp) else None


def published_stamps(settings: Settings) -> list[str]:
    """Every published version (a folder with its `dumps.json`), newest first."""
    root = dumps_root(settings)
    if not root.is_dir():
        return []
    return sorted(
        (
            p.name
            for p in root.iterdir()
            if STAMP.fullmatch(p.name) and (p / "dumps.json").is_file()
        ),
        reverse=True,
    )


def read_metadata(settings: Settings, stamp: str) -> list[dict[str, Any]] | None:
    """The `dumps.json` of one published version, or None when there is none."""
    if not STAMP.fullmatch(stamp):
        return None
    try:
        entries = json.loads((dumps_root(settings) / stamp / "dumps.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return entries if isinstance(entries, list) else None
