"""The open dumps, checked as a re-user would: each parses back with the counts it claims."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from werkzeug.test import TestResponse

from registry import dumps as dumps_module
from registry.catalog import catalog_graph, dump_url, latest_dumps
from registry.dumps import (
    FILES,
    FLAT_COLUMNS,
    MEDNUM_COLUMNS,
    MEDNUM_VALUES,
    DumpSet,
    international_phone,
    write_dumps,
)
from registry.iris import Minter
from registry.namespaces import DCAT
from registry.publication import publish
from registry.settings import Settings
from registry.store import OxigraphStore, open_store
from registry.web import create_app

from . import conftest
from .conftest import CGET_CSV, ROOT, harvest, parse_rdf, real_settings

SCHEMA_JSON = ROOT.parent / "shared" / "data" / "schema-mediation-numerique" / "schema.json"
STAMP = "20260102T030405000000Z"
RDF_FILES = ["registre.nq.gz", "registre.trig.gz", "lieux.ttl.gz", "lieux.nt.gz", "lieux.jsonld.gz"]
FORMULA_NAME = "=SOMME(A1) Fablab de l'Ain"
KEYS = {"fichier", "titre", "format", "media_type", "octets", "sha256", "triplets", "lignes",
        "graphes", "publie_le", "ecartes"}  # fmt: skip
PLACES = """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
PREFIX schema: <http://schema.org/>
SELECT ?place ?lat WHERE { ?place a tl:TiersLieu . OPTIONAL { ?place schema:latitude ?lat } }"""


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, OxigraphStore, DumpSet]:
    """The fixture registry (one place renamed as a spreadsheet formula), with its dumps."""
    root = tmp_path_factory.mktemp("dumps")
    mirror = conftest.mirror.__wrapped__(root)  # the same files as the `mirror` fixture
    listing = mirror / CGET_CSV
    text = listing.read_text(encoding="utf-8-sig")
    listing.write_text(text.replace("Fablab de l'Ain", FORMULA_NAME), encoding="utf-8")
    settings = Settings(
        data_dir=str(root / "var"), mirror_dir=str(mirror), base_uri="http://registre.test/"
    )
    store = OxigraphStore(None)
    harvest(store, settings, "geographie")
    harvest(store, settings, "cget-2019")
    publish(store, settings)  # in memory: publish writes no dumps, write_dumps does
    return settings, store, write_dumps(store, settings, STAMP)


def metadata(dump_set: DumpSet) -> dict[str, dict[str, Any]]:
    entries = json.loads((dump_set.folder / "dumps.json").read_text(encoding="utf-8"))
    return {entry["fichier"]: entry for entry in entries}


def content(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def place_ids(store: OxigraphStore, located: bool = False) -> set[str]:
    minter = Minter("http://registre.test/")
    return {
        minter.local_id(str(row["place"]), "lieu") or ""
        for row in store.select(PLACES)
        if not located or "lat" in row
    }


def fetch(client: FlaskClient, url: str, **headers: str) -> TestResponse:
    """GET `url`, read the body and close the file it streams from."""
    response = client.get(url, headers=headers)
    response.get_data()
    response.close()
    return response


def mednum_schema() -> dict[str, Any]:
    if not SCHEMA_JSON.is_file():
        print(f"skipped: the national schema is absent ({SCHEMA_JSON})")
        pytest.skip(f"national schema absent: {SCHEMA_JSON}")
    schema: dict[str, Any] = json.loads(SCHEMA_JSON.read_text(encoding="utf-8"))
    return schema


def validate_mednum(path: Path) -> list[str]:
    """frictionless's errors for a CSV against the national schema v1.0.2 (none when valid)."""
    frictionless = pytest.importorskip("frictionless")
    schema = frictionless.Schema.from_descriptor(mednum_schema())
    resource = frictionless.Resource(path=path.name, basepath=str(path.parent), schema=schema)
    report = resource.validate()
    return [f"{e.type}: {e.note}" for task in report.tasks for e in task.errors]


# --- dumps.json


def test_every_file_is_described_with_its_size_and_sha256(published: tuple) -> None:
    settings, store, dump_set = published
    entries = metadata(dump_set)
    assert list(entries) == list(FILES)
    assert sorted(p.name for p in dump_set.folder.iterdir()) == sorted([*FILES, "dumps.json"])
    for name, entry in entries.items():
        assert set(entry) == KEYS
        path = dump_set.folder / name
        assert entry["octets"] == path.stat().st_size > 0
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["publie_le"] == "2026-01-02T03:04:05Z"
        assert entry["titre"] and entry["format"] and "/" in entry["media_type"]
    assert entries["registre.nq.gz"]["graphes"] == [str(g) for g in store.graph_names()]
    assert entries["lieux.ttl.gz"]["graphes"] == ["http://registre.test/graph/registry"]
    assert [n for n, e in entries.items() if e["triplets"] is not None] == RDF_FILES
    assert (settings.data_path / "donnees" / "latest").read_text().strip() == STAMP
    assert latest_dumps(settings) == (list(entries.values()), STAMP)  # what the catalogue reads


# --- RDF


@pytest.mark.parametrize("name", RDF_FILES)
def test_rdf_dumps_parse_back_with_the_count_they_claim(published: tuple, name: str) -> None:
    _, store, dump_set = published
    entry = metadata(dump_set)[name]
    fmt = pyoxigraph.RdfFormat.from_media_type(entry["media_type"])
    parsed = list(pyoxigraph.parse(content(dump_set.folder / name), fmt))
    assert len(parsed) == entry["triplets"] > 0
    if name.startswith("registre."):  # every quad of the store, in its named graph
        assert len(set(parsed)) == store.count() == len(parsed)
        assert {q.graph_name.value for q in parsed} == set(entry["graphes"])
    else:
        assert len(parsed) == store.count(Minter("http://registre.test/").graph("registry"))


def test_nquads_and_trig_hold_the_same_quads(published: tuple) -> None:
    folder = published[2].folder
    nquads = pyoxigraph.parse(content(folder / "registre.nq.gz"), pyoxigraph.RdfFormat.N_QUADS)
    trig = pyoxigraph.parse(content(folder / "registre.trig.gz"), pyoxigraph.RdfFormat.TRIG)
    assert set(nquads) == set(trig)


def test_jsonld_expands_to_the_triples_of_the_ntriples(published: tuple) -> None:
    folder = published[2].folder
    data = content(folder / "lieux.jsonld.gz")
    document = json.loads(data)
    published_context = json.loads((folder / "contexte.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == published_context["@context"]
    assert published_context["@context"]["schema"] == "http://schema.org/"
    assert any("schema:name" in node for node in document["@graph"])  # compact, not expanded
    as_jsonld = parse_rdf(data, "application/ld+json")  # Oxigraph's JSON-LD 1.1 processor
    as_ntriples = Graph().parse(data=content(folder / "lieux.nt.gz"), format="nt")
    assert len(as_jsonld) == len(as_ntriples) > 0
    assert set(as_jsonld) == set(as_ntriples)
    names = {str(o) for o in as_jsonld.objects(None, URIRef("http://schema.org/name"))}
    assert FORMULA_NAME in names


def test_turtle_equals_ntriples(published: tuple) -> None:
    folder = published[2].folder
    turtle = Graph().parse(data=content(folder / "lieux.ttl.gz"), format="turtle")
    ntriples = Graph().parse(data=content(folder / "lieux.nt.gz"), format="nt")
    assert set(turtle) == set(ntriples)
    assert b"@prefix schema: <http://schema.org/>" in content(folder / "lieux.ttl.gz")


def test_catalogue_of_the_written_dumps_conforms_to_dcat_ap_3(published: tuple) -> None:
    """The catalogue built from the `dumps.json` publish wrote: every file a distribution."""
    from .test_catalog import shacl_results

    settings, store, dump_set = published
    entries, stamp = latest_dumps(settings)
    graph = catalog_graph(store, settings, entries, stamp)
    results = shacl_results(graph, "dcat-ap-SHACL.ttl")
    violations = {key: n for key, n in results.items() if key[0] == "Violation"}
    print(f"DCAT-AP 3.0.0 on the written dumps: {len(violations)} violations")
    assert not violations
    for entry in entries:
        url = dump_url(settings.base_uri, stamp, entry["fichier"])
        distribution = graph.value(None, DCAT.downloadURL, url)
        assert distribution is not None, entry["fichier"]
        size = int(graph.value(distribution, DCAT.byteSize))
        assert size == entry["octets"] == (dump_set.folder / entry["fichier"]).stat().st_size


# --- GeoJSON


def test_geojson_lists_exactly_the_located_places(published: tuple) -> None:
    _, store, dump_set = published
    collection = json.loads((dump_set.folder / "lieux.geojson").read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    ids = [f["id"] for f in features]
    assert len(ids) == len(set(ids))
    assert set(ids) == place_ids(store, located=True)
    for feature in features:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        longitude, latitude = feature["geometry"]["coordinates"]
        assert -180 <= longitude <= 180 and -90 <= latitude <= 90
        assert feature["properties"]["id"] == feature["id"]
        assert feature["properties"]["page"] == f"http://registre.test/lieu/{feature['id']}"
    entry = metadata(dump_set)["lieux.geojson"]
    unlocated = len(place_ids(store)) - len(features)
    assert entry["lignes"] == len(features)
    assert entry["ecartes"] == ({"sans position": unlocated} if unlocated else {})
    nantes = next(f for f in features if f["properties"]["code_insee"] == "44109")
    assert nantes["geometry"]["coordinates"] == [-1.505602, 47.245935]
    assert nantes["properties"]["typologies"] == ["coworking"]


# --- the national standard of the lieux de médiation numérique


def test_mednum_csv_is_valid_against_the_national_schema(published: tuple) -> None:
    _, store, dump_set = published
    path = dump_set.folder / "lieux-mediation-numerique.csv"
    assert validate_mednum(path) == []
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert list(rows[0]) == [f["name"] for f in mednum_schema()["fields"]]
    entry = metadata(dump_set)["lieux-mediation-numerique.csv"]
    assert entry["lignes"] == len(rows) > 0
    assert len(rows) + sum(entry["ecartes"].values()) == len(place_ids(store))
    assert {r["source"] for r in rows} == {"Registre ouvert des tiers-lieux"}
    assert {r["date_maj"] for r in rows} == {"2026-01-02"}
    by_name = {r["nom"]: r for r in rows}
    assert by_name["ADE Coworking"]["typologie"] == "TIERS_LIEUX"
    assert by_name["ADE Coworking"]["pivot"] == "00000000000000"  # no SIRET in the CGET base
    # a spreadsheet opening the file shows the formula-like name as text (CSV injection)
    assert by_name["'" + FORMULA_NAME]["typologie"] == "FABLAB"
    assert by_name["'" + FORMULA_NAME]["code_postal"] == "01000"


def test_frictionless_would_catch_a_bad_row(published: tuple, tmp_path: Path) -> None:
    """The validation above is live: a postcode of four digits fails it."""
    source = published[2].folder / "lieux-mediation-numerique.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[1] = re.sub(r",(\d{5}),", lambda m: f",{m.group(1)[1:]},", lines[1], count=1)
    broken = tmp_path / "lieux-mediation-numerique.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = validate_mednum(broken)
    assert len(errors) == 1 and errors[0].startswith("constraint-error")


def test_mednum_columns_and_values_are_the_schema_ones() -> None:
    schema = mednum_schema()
    assert schema["version"] == "v1.0.2"
    assert list(MEDNUM_COLUMNS) == [f["name"] for f in schema["fields"]]
    for name, values in MEDNUM_VALUES.items():
        pattern = next(f for f in schema["fields"] if f["name"] == name)["constraints"]["pattern"]
        listed = pattern.removeprefix(r"(?:(?:^|\|)(").removesuffix("))+$").split("|")
        assert list(values) == [v.replace("\\(", "(").replace("\\)", ")") for v in listed]


@pytest.mark.parametrize(
    ("text", "postcode", "expected"),
    [
        ("01 69 33 11 41", "91430", "+33169331141"),
        ("05.90.12.34.56", "97110", "+590590123456"),
        ("0262 12 34 56 ou 0692 00 00 00", "97418", "+262262123456"),
        ("+33 5 56 00 00 00", "33000", "+33556000000"),
        ("01 23 45 67 89 - 06 12 34 56 78", "75001", "+33123456789"),
        ("27 12 34", "98800", "+687271234"),
        ("12 34", "75001", ""),
    ],
)
def test_phone_numbers_take_the_international_form(text: str, postcode: str, expected: str) -> None:
    assert international_phone(text, postcode) == expected


# --- the flat CSV


def test_flat_csv_has_one_row_per_place_and_neutralises_formulas(published: tuple) -> None:
    _, store, dump_set = published
    raw = (dump_set.folder / "tiers-lieux.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == FLAT_COLUMNS
    assert sorted(r["id"] for r in rows) == sorted(place_ids(store))
    assert metadata(dump_set)["tiers-lieux.csv"]["lignes"] == len(rows)
    by_id = {r["id"]: r for r in rows}
    formula = next(r for r in rows if FORMULA_NAME in r["nom"])
    assert formula["nom"] == "'" + FORMULA_NAME
    nantes = next(r for r in rows if r["code_insee"] == "44109")
    assert nantes["longitude"] == "-1.505602"  # a number, not neutralised
    assert nantes["typologies"] == "Espace de coworking"
    assert nantes["sources"] == "cget-2019" and nantes["uri"].endswith("/" + nantes["id"])
    assert all(
        r["critere_ouverture"] in ("Rempli", "Non rempli", "Inconnu") for r in by_id.values()
    )


# --- privacy


def test_no_dump_holds_personal_data(published: tuple) -> None:
    folder = published[2].folder
    text = "".join(content(path).decode("utf-8") for path in sorted(folder.iterdir()))
    for personal in ("Jeanne Exemple", "jeanne.exemple@example.org", "Personne-Privée"):
        assert personal not in text


# --- versions, publication and HTTP


def test_a_failed_write_leaves_no_version(
    published: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, store, _ = published
    settings = Settings(data_dir=str(tmp_path), base_uri="http://registre.test/")

    def broken(*args: object) -> None:
        raise OSError("disque plein")

    monkeypatch.setattr(dumps_module, "write_geojson", broken)
    with pytest.raises(OSError, match="disque plein"):
        write_dumps(store, settings, STAMP)
    assert list((tmp_path / "donnees").iterdir()) == []
    with pytest.raises(ValueError, match="stamp"):
        write_dumps(store, settings, "../x")


def test_a_version_is_never_rewritten(published: tuple) -> None:
    settings, store, _ = published
    with pytest.raises(FileExistsError):
        write_dumps(store, settings, STAMP)


def test_each_publication_keeps_its_dumps_and_latest_follows(
    settings: Settings, mirror: Path
) -> None:
    store = open_store(settings)  # on disk: publish writes the dumps
    harvest(store, settings, "cget-2019")
    first = publish(store, settings)
    listing = mirror / CGET_CSV
    kept = [line for line in listing.read_text(encoding="utf-8-sig").splitlines()
            if not line.startswith("6,")]  # fmt: skip
    listing.write_text("\n".join(kept) + "\n", encoding="utf-8")
    harvest(store, settings, "cget-2019")
    second = publish(store, settings)
    assert first.dumps is not None and second.dumps is not None
    assert first.dumps.stamp == first.snapshot.name and second.dumps.stamp == second.snapshot.name
    assert "exports : 9 fichiers" in second.summary()
    assert first.dumps.folder.is_dir() and second.dumps.folder.is_dir()

    client = create_app(settings).test_client()
    old, new = first.dumps.stamp, second.dumps.stamp
    rows = lambda url: fetch(client, url).get_data(as_text=True).count("\r\n") - 1  # noqa: E731
    assert rows(f"/donnees/{old}/tiers-lieux.csv") == 5  # the first stays downloadable
    assert rows(f"/donnees/{new}/tiers-lieux.csv") == 4
    latest = fetch(client, "/donnees/latest/tiers-lieux.csv")
    assert latest.status_code == 200 and latest.get_data(as_text=True).count("\r\n") - 1 == 4
    assert latest.headers["Content-Location"] == f"/donnees/{new}/tiers-lieux.csv"
    assert latest.headers["Access-Control-Allow-Origin"] == "*"
    assert latest.headers["Content-Type"] == "text/csv; charset=utf-8"
    versions = fetch(client, "/donnees/versions.json").get_json()
    assert versions["derniere"] == new
    assert [v["version"] for v in versions["versions"]] == [new, old]
    described = fetch(client, "/donnees/latest/dumps.json").get_json()
    assert [e["fichier"] for e in described] == list(FILES)
    assert fetch(client, f"/donnees/{old}/dumps.json").get_json() != described


def test_files_are_served_with_their_type_and_validators(published: tuple) -> None:
    settings, store, dump_set = published
    client = create_app(settings, store=store).test_client()
    gz = fetch(client, "/donnees/latest/registre.nq.gz")
    assert gz.status_code == 200
    assert gz.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in gz.headers
    assert gz.headers["Content-Disposition"] == 'attachment; filename="registre.nq.gz"'
    assert hashlib.sha256(gz.data).hexdigest() == metadata(dump_set)["registre.nq.gz"]["sha256"]
    etag = gz.headers["ETag"]
    again = fetch(client, f"/donnees/{STAMP}/registre.nq.gz", **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "public, max-age=31536000"
    geojson = fetch(client, f"/donnees/{STAMP}/lieux.geojson")
    assert geojson.headers["Content-Type"] == "application/geo+json; charset=utf-8"
    context = fetch(client, "/donnees/contexte.jsonld")
    assert context.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    assert context.get_json()["@context"]["tl"] == "https://w3id.org/tiers-lieux/def/tl#"


@pytest.mark.parametrize(
    "url",
    [
        "/donnees/..%2Fx/dumps.json",
        "/donnees/latest/..%2Flatest",
        "/donnees/latest/..%2F..%2Fcurrent",
        "/donnees/20990101T000000000000Z/dumps.json",
        f"/donnees/{STAMP}/inconnu.csv",
        "/donnees/latest/latest",
        f"/donnees/.{STAMP}.partial/dumps.json",
        "/donnees/x/../../current",
    ],
)
def test_unknown_versions_and_files_are_404(published: tuple, url: str) -> None:
    settings, store, _ = published
    client = create_app(settings, store=store).test_client()
    assert fetch(client, url).status_code == 404


def test_nothing_published_yet_is_404(settings: Settings) -> None:
    client = create_app(settings, store=OxigraphStore(None)).test_client()
    assert fetch(client, "/donnees/latest/lieux.geojson").status_code == 404
    assert fetch(client, "/donnees/contexte.jsonld").status_code == 404
    assert fetch(client, "/donnees/versions.json").get_json() == {"derniere": None, "versions": []}


# --- the real mirror


@pytest.fixture(scope="module")
def real_dumps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, DumpSet]:
    settings = real_settings(tmp_path_factory.mktemp("var"))
    store = OxigraphStore(None)
    for source in ("geographie", "cget-2019", "fabriques-de-territoire", "lieux-documentes",
                   "mednum-hinaura"):  # fmt: skip
        harvest(store, settings, source)
    publish(store, settings)
    return settings, write_dumps(store, settings, STAMP)


@pytest.mark.mirror
def test_real_mednum_csv_is_valid_against_the_national_schema(real_dumps: tuple) -> None:
    _, dump_set = real_dumps
    path = dump_set.folder / "lieux-mediation-numerique.csv"
    assert validate_mednum(path) == []
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    entry = metadata(dump_set)["lieux-mediation-numerique.csv"]
    print(f"{len(rows)} rows; left out: {entry['ecartes']}")
    assert entry["lignes"] == len(rows) > 1000
    typologies = Counter(t for r in rows for t in r["typologie"].split("|") if t)
    assert typologies["TIERS_LIEUX"] > 500 and typologies["FABLAB"] > 100
    assert any(r["services"] for r in rows) and any(r["telephone"] for r in rows)
    reasons = {"fermé", "en projet", "sans nom", "sans adresse", "sans code postal", "sans commune"}
    assert set(entry["ecartes"]) <= reasons


@pytest.mark.mirror
def test_real_dumps_hold_no_contact_or_mail_value(real_dumps: tuple) -> None:
    settings, dump_set = real_dumps
    text = (Path(settings.mirror_dir) / CGET_CSV).read_text(encoding="utf-8")
    personal = set()
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        for column in ("CONTACT", "MAIL"):
            values = {v.strip() for v in row[column].split(",") if len(v.strip()) > 3}
            personal.update(values - {row["NOM_TL"].strip()})  # as tests/test_real_cget.py
    assert len(personal) > 50
    # the places' files only: the full registry's geography names communes such as
    # Saint-Julian (tests/test_real_cget.py checks that file's other graphs)
    for name in ("lieux.nt.gz", "lieux.geojson", "lieux-mediation-numerique.csv"):
        dumped = content(dump_set.folder / name).decode("utf-8")
        assert sorted(v for v in personal if v in dumped) == [], name
