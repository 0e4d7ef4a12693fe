"""The DCAT-AP 3 catalogue and the VoID description: shapes, figures, and the /catalog routes."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SH, VOID

from registry import queries
from registry.catalog import REGISTRY_LICENCE, catalog_graph, dump_url, latest_dumps, void_graph
from registry.iris import Minter
from registry.namespaces import DCAT, DCTERMS, FOAF, RDF, SPDX, TL, XSD
from registry.publication import publish
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import create_app

from . import conftest
from .conftest import harvest, parse_rdf

SHAPES = Path(__file__).resolve().parents[2] / "shared" / "standards" / "dcat-ap-3.0.0"
STAMP = "20260102T030405000000Z"
FILES = [
    ("registre.nq.gz", "Registre complet (N-Quads)", "N-Quads", "application/n-quads"),
    ("registre.trig.gz", "Registre complet (TriG)", "TriG", "application/trig"),
    ("lieux.ttl.gz", "Lieux (Turtle)", "Turtle", "text/turtle"),
    ("lieux.nt.gz", "Lieux (N-Triples)", "N-Triples", "application/n-triples"),
    ("lieux.jsonld.gz", "Lieux (JSON-LD)", "JSON-LD", "application/ld+json"),
    ("contexte.jsonld", "Contexte JSON-LD", "JSON-LD", "application/ld+json"),
    ("lieux.geojson", "Lieux (GeoJSON)", "GeoJSON", "application/geo+json"),
    ("lieux-mediation-numerique.csv", "Lieux (médiation numérique)", "CSV", "text/csv"),
    ("tiers-lieux.csv", "Lieux (CSV)", "CSV", "text/csv"),
]
IANA = "http://www.iana.org/assignments/media-types/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


def dumps_list() -> list[dict]:
    """A dumps.json as registry/dumps.py writes it (the contract of issue 8)."""
    entries = []
    for number, (name, title, fmt, media) in enumerate(FILES, start=1):
        content = f"{name} {number}".encode()
        rdf = name.startswith("registre") or name.startswith("lieux.")
        entries.append(
            {
                "fichier": name,
                "titre": title,
                "format": fmt,
                "media_type": media,
                "octets": 1000 * number + 7,
                "sha256": hashlib.sha256(content).hexdigest(),
                "triplets": 500 * number if rdf else None,
                "lignes": 5 if name.endswith(".csv") else None,
                "graphes": ["http://registre.test/graph/registry"] if "registre" in name else None,
                "publie_le": "2026-01-02T03:04:05Z",
                "ecartes": {"sans position": 2} if name == "lieux.geojson" else None,
            }
        )
    return entries


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, OxigraphStore]:
    """The fixture registry (as conftest's `loaded_store`), once for the module, with dumps.json."""
    root = tmp_path_factory.mktemp("catalogue")
    mirror = conftest.mirror.__wrapped__(root)  # the same fixture mirror as the `mirror` fixture
    settings = Settings(
        data_dir=str(root / "var"), mirror_dir=str(mirror), base_uri="http://registre.test/"
    )
    store = OxigraphStore(None)
    harvest(store, settings, "geographie")
    harvest(store, settings, "cget-2019")
    publish(store, settings)
    folder = settings.data_path / "donnees" / STAMP
    folder.mkdir(parents=True)
    (folder / "dumps.json").write_text(json.dumps(dumps_list()), encoding="utf-8")
    (settings.data_path / "donnees" / "latest").write_text(STAMP + "\n", encoding="utf-8")
    return settings, store


@pytest.fixture(scope="module")
def catalog(published: tuple[Settings, OxigraphStore]) -> Graph:
    settings, store = published
    return catalog_graph(store, settings, dumps_list(), STAMP)


@pytest.fixture(scope="module")
def bare_catalog(published: tuple[Settings, OxigraphStore]) -> Graph:
    """The catalogue before any publication with dumps."""
    settings, store = published
    return catalog_graph(store, settings, [], "")


@pytest.fixture(scope="module")
def void(published: tuple[Settings, OxigraphStore]) -> Graph:
    settings, store = published
    return void_graph(store, settings, STAMP)


def shacl_results(data: Graph, shapes_file: str) -> Counter[tuple[str, str, str]]:
    """Validate `data` without inference, as data.europa.eu does; results by severity and path."""
    pyshacl = pytest.importorskip("pyshacl")
    path = SHAPES / shapes_file
    if not path.is_file():
        print(f"skipped: the DCAT-AP 3.0.0 shapes are absent ({path})")
        pytest.skip(f"DCAT-AP 3.0.0 shapes absent: {path}")
    _, report, _ = pyshacl.validate(data, shacl_graph=Graph().parse(path), inference="none")
    results: Counter[tuple[str, str, str]] = Counter()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        path_ = str(report.value(result, SH.resultPath))
        results[(severity, path_, str(report.value(result, SH.focusNode)))] += 1
    return results


@pytest.fixture(scope="module")
def dcat_ap_results(catalog: Graph, bare_catalog: Graph) -> list[Counter[tuple[str, str, str]]]:
    """One pyshacl run per catalogue with the single-file DCAT-AP 3.0.0 shapes."""
    return [shacl_results(graph, "dcat-ap-SHACL.ttl") for graph in (catalog, bare_catalog)]


def test_catalogue_conforms_to_dcat_ap_3(dcat_ap_results: list[Counter]) -> None:
    for results in dcat_ap_results:
        violations = {key: n for key, n in results.items() if key[0] == "Violation"}
        warnings = sum(n for key, n in results.items() if key[0] == "Warning")
        print(f"DCAT-AP 3.0.0: {len(violations)} violations, {warnings} warnings")
        assert not violations


def test_recommended_shapes_leave_only_known_warnings(catalog: Graph) -> None:
    results = shacl_results(catalog, "shapes_recommended.ttl")
    name = lambda path: path.rsplit("/", 1)[-1].rsplit("#", 1)[-1]  # noqa: E731
    by_path = Counter(name(path) for _, path, _ in results)
    print("DCAT-AP 3.0.0 recommended:", sum(results.values()), dict(sorted(by_path.items())))
    assert {severity for severity, _, _ in results} <= {"Warning"}
    # what the sources do not say (contact, keywords, coverage, publisher type), the availability
    # of distributions, the bounding box of France
    assert set(by_path) <= {"contactPoint", "keyword", "spatial", "type", "availability",
                            "bbox", "centroid"}  # fmt: skip
    ours = {name(path) for _, path, focus in results if "/catalog" in focus}
    assert ours <= {"availability", "type"}  # distributions' availability, publisher's type


def test_each_dump_is_a_distribution_with_size_and_checksum(catalog: Graph) -> None:
    for entry in dumps_list():
        url = dump_url("http://registre.test/", STAMP, entry["fichier"])
        assert str(url) == f"http://registre.test/donnees/{STAMP}/{entry['fichier']}"
        (distribution,) = set(catalog.subjects(DCAT.downloadURL, url))
        assert catalog.value(distribution, DCAT.accessURL) == url
        size = catalog.value(distribution, DCAT.byteSize)
        assert size == Literal(entry["octets"], datatype=XSD.nonNegativeInteger)
        checksum = catalog.value(distribution, SPDX.checksum)
        assert catalog.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        value = catalog.value(checksum, SPDX.checksumValue)
        assert value == Literal(entry["sha256"], datatype=XSD.hexBinary)
        assert catalog.value(distribution, DCTERMS.license) == URIRef(REGISTRY_LICENCE)
        issued = catalog.value(distribution, DCTERMS.issued)
        assert issued == Literal("2026-01-02T03:04:05+00:00", datatype=XSD.dateTime)
        media = str(catalog.value(distribution, DCAT.mediaType))
        assert media == IANA + entry["media_type"]
        assert str(catalog.value(distribution, DCTERMS.format)).startswith(FILE_TYPE)
        compressed = catalog.value(distribution, DCAT.compressFormat)
        assert (compressed == URIRef(IANA + "application/gzip")) == entry["fichier"].endswith(".gz")


def test_one_dataset_per_dump_family(catalog: Graph) -> None:
    def files_of(slug: str) -> set[str]:
        dataset = URIRef(f"http://registre.test/catalog#{slug}")
        urls = (
            catalog.value(d, DCAT.downloadURL) for d in catalog.objects(dataset, DCAT.distribution)
        )
        return {str(url).rsplit("/", 1)[-1] for url in urls if url is not None}

    assert files_of("registre") == {"registre.nq.gz", "registre.trig.gz"}
    assert files_of("lieux-rdf") == {"lieux.ttl.gz", "lieux.nt.gz", "lieux.jsonld.gz",
                                     "contexte.jsonld"}  # fmt: skip
    assert files_of("lieux-geojson") == {"lieux.geojson"}
    assert files_of("lieux-mediation-numerique") == {"lieux-mediation-numerique.csv"}
    assert files_of("lieux-csv") == {"tiers-lieux.csv"}
    registre = URIRef("http://registre.test/catalog#registre")
    titles = {t.language: str(t) for t in catalog.objects(registre, DCTERMS.title)}
    assert titles == {"fr": "Registre complet (RDF, tous les graphes)",
                      "en": "Full registry (RDF, all graphs)"}  # fmt: skip
    # the endpoint serves the registry, as a data service and as a distribution's access service
    service = URIRef("http://registre.test/sparql")
    assert (service, DCAT.servesDataset, registre) in catalog
    assert (service, DCAT.endpointURL, service) in catalog
    assert set(catalog.subjects(DCAT.accessService, service)) == {
        URIRef("http://registre.test/catalog#sparql")
    }


def test_one_dataset_per_source_with_its_harvest_period(
    catalog: Graph, published: tuple[Settings, OxigraphStore]
) -> None:
    settings, store = published
    minter = Minter(settings.base_uri)
    rows = store.select(queries.load("sources"))
    in_store = {row["source"] for row in rows}
    listed = {d for d in catalog.objects(None, DCAT.dataset) if minter.local_id(str(d), "source")}
    assert in_store == listed == {minter.source("cget-2019"), minter.source("geographie")}
    for row in rows:
        source = row["source"]
        assert catalog.value(source, DCTERMS.title) == row["title"]
        assert catalog.value(source, DCTERMS.license) == row["licence"]
        assert (
            catalog.value(catalog.value(source, DCTERMS.publisher), FOAF.name) == row["publisher"]
        )
        assert catalog.value(source, DCTERMS.modified) == row["harvested"]
        period = catalog.value(source, DCTERMS.temporal)
        start, end = catalog.value(period, DCAT.startDate), catalog.value(period, DCAT.endDate)
        assert start.datatype == XSD.dateTime and start.toPython() <= end.toPython()
        assert end == row["harvested"]
        accesses = [
            catalog.value(d, DCAT.accessURL) for d in catalog.objects(source, DCAT.distribution)
        ]
        assert accesses and all(isinstance(url, URIRef) for url in accesses)
    cget = minter.source("cget-2019")
    downloads = {
        str(catalog.value(d, DCAT.downloadURL)) for d in catalog.objects(cget, DCAT.distribution)
    }
    assert any(url.endswith("CGET_TiersLieux_2019.csv") for url in downloads)


def test_catalogue_without_dumps_lists_the_endpoint_and_the_sources(bare_catalog: Graph) -> None:
    datasets = set(bare_catalog.objects(None, DCAT.dataset))
    assert URIRef("http://registre.test/catalog#registre") in datasets
    assert not any("#lieux" in str(d) for d in datasets)
    assert not list(bare_catalog.subjects(DCAT.byteSize, None))
    assert len(datasets) == 3  # the registry through its endpoint, and the two sources


def partition_counts(void: Graph, link: URIRef, key: URIRef, measure: URIRef) -> dict[str, int]:
    subset = URIRef("http://registre.test/graph/registry")
    return {
        str(void.value(p, key)): int(void.value(p, measure)) for p in void.objects(subset, link)
    }


def test_void_partitions_equal_direct_counts(
    void: Graph, published: tuple[Settings, OxigraphStore]
) -> None:
    _, store = published
    registry = "http://registre.test/graph/registry"
    places = store.select(
        f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a <{TL.TiersLieu}> }}",
        default_graphs=[URIRef(registry)],
    )
    classes = partition_counts(void, VOID.classPartition, VOID["class"], VOID.entities)
    assert classes[str(TL.TiersLieu)] == int(places[0]["n"]) == 5
    properties = partition_counts(void, VOID.propertyPartition, VOID.property, VOID.triples)
    direct = store.select(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH <{registry}> {{ ?s ?p ?o }} }} GROUP BY ?p"
    )
    assert properties == {str(row["p"]): int(row["n"]) for row in direct}
    subset = URIRef(registry)
    assert int(void.value(subset, VOID.triples)) == sum(properties.values())
    assert int(void.value(subset, VOID.classes)) == len(classes)
    assert int(void.value(subset, VOID.properties)) == len(properties)
    sizes = {str(r["g"]): int(r["triples"]) for r in store.select(queries.load("graph-sizes"))}
    dataset = URIRef("http://registre.test/catalog#registre")
    assert {
        str(s): int(void.value(s, VOID.triples)) for s in void.objects(dataset, VOID.subset)
    } == sizes
    assert int(void.value(dataset, VOID.triples)) == sum(sizes.values())
    assert set(void.objects(dataset, VOID.dataDump)) == {
        dump_url("http://registre.test/", STAMP, name)
        for name in ("registre.nq.gz", "registre.trig.gz")
    }
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef("http://registre.test/sparql")
    assert str(void.value(dataset, VOID.uriSpace)) == "http://registre.test/id/"
    vocabularies = {str(v) for v in void.objects(dataset, VOID.vocabulary)}
    assert {"http://schema.org/", str(TL._NS)} <= vocabularies


def test_latest_dumps_reads_the_newest_publication(
    published: tuple[Settings, OxigraphStore], tmp_path: Path
) -> None:
    settings, _ = published
    dumps, stamp = latest_dumps(settings)
    assert stamp == STAMP and dumps == dumps_list()
    empty = replace(settings, data_dir=str(tmp_path))
    assert latest_dumps(empty) == ([], "")
    (tmp_path / "donnees" / "bad").mkdir(parents=True)
    (tmp_path / "donnees" / "latest").write_text("bad", encoding="utf-8")
    (tmp_path / "donnees" / "bad" / "dumps.json").write_text("{not json", encoding="utf-8")
    assert latest_dumps(empty) == ([], "")


@pytest.fixture
def client(published: tuple[Settings, OxigraphStore]) -> FlaskClient:
    settings, store = published
    return create_app(settings, store=store).test_client()


@pytest.mark.parametrize(
    ("path", "accept", "media_type"),
    [
        ("/catalog", "text/turtle", "text/turtle"),
        ("/catalog", "application/ld+json", "application/ld+json"),
        ("/catalog", "application/n-triples", "application/n-triples"),
        ("/catalog", "application/rdf+xml", "application/rdf+xml"),
        ("/catalog.ttl", "text/html", "text/turtle"),
        ("/catalog.jsonld", "*/*", "application/ld+json"),
        ("/catalog.nt", "*/*", "application/n-triples"),
        ("/catalog.rdf", "*/*", "application/rdf+xml"),
    ],
)
def test_catalog_route_serves_the_same_graph_in_each_format(
    client: FlaskClient, catalog: Graph, path: str, accept: str, media_type: str
) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert ("Accept" in response.headers.get("Vary", "")) == (path == "/catalog")
    assert isomorphic(parse_rdf(response.data, media_type), catalog)


def test_catalog_page_lists_each_download_with_size_and_checksum(client: FlaskClient) -> None:
    response = client.get("/catalog", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    page = response.get_data(as_text=True)
    assert "<h1>Catalogue des données</h1>" in page
    for entry in dumps_list():
        assert f'href="{dump_url("http://registre.test/", STAMP, entry["fichier"])}"' in page
        assert f"<code>{entry['sha256']}</code>" in page
    assert "1,0 ko" in page and "9,0 ko" in page  # 1 007 and 9 007 octets
    assert "Base nationale des tiers-lieux 2019" in page
    assert 'href="/catalog.ttl"' in page and 'id="void"' in page


def test_void_routes(client: FlaskClient, void: Graph) -> None:
    response = client.get("/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert "Accept" in response.headers["Vary"]
    assert isomorphic(parse_rdf(response.data, "text/turtle"), void)
    as_json = client.get("/void.jsonld")
    assert isomorphic(parse_rdf(as_json.data, "application/ld+json"), void)
    page = client.get("/void", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["Location"].endswith("/catalog#void")
    well_known = client.get("/.well-known/void")
    assert well_known.status_code == 303 and well_known.headers["Location"].endswith("/void")
    assert client.get("/void.txt").status_code == 404


def test_catalog_route_without_dumps(
    published: tuple[Settings, OxigraphStore], tmp_path: Path
) -> None:
    settings, store = published
    bare = create_app(replace(settings, data_dir=str(tmp_path)), store=store).test_client()
    graph = parse_rdf(bare.get("/catalog.ttl").data, "text/turtle")
    assert not list(graph.subjects(DCAT.byteSize, None))
    assert len(set(graph.objects(None, DCAT.dataset))) == 3
    page = bare.get("/catalog").get_data(as_text=True)
    assert "Aucun fichier n'a encore été publié" in page
    void_ttl = parse_rdf(bare.get("/void.ttl").data, "text/turtle")
    assert not list(void_ttl.objects(None, VOID.dataDump))


def test_validation_catches_a_distribution_without_access_url(catalog: Graph) -> None:
    broken = Graph()
    for triple in catalog:
        broken.add(triple)
    distribution = URIRef("http://registre.test/catalog#lieux.geojson")
    broken.remove((distribution, DCAT.accessURL, None))
    results = shacl_results(broken, "dcat-ap-SHACL.ttl")
    assert [key for key in results if key[0] == "Violation"] == [
        ("Violation", str(DCAT.accessURL), str(distribution))
    ]
