"""The « Territoires » pages, their CSV and the SVG bar charts, on a fixture registry.

The fixture mirror gets six more CGET rows in the Libourne area, among them places named like
a spreadsheet formula or an HTML script, and one in the Dordogne commune of an EPCI that spans
Gironde and Dordogne. Every figure a page shows is checked against the coverage graph read with
SPARQL written here, and every list of places against the registry graph.
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from markupsafe import Markup

from registry.charts import Bar, bar_chart, bar_percent
from registry.publication import publish
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import create_app, territories

from .conftest import CGET_CSV, DATA, harvest, real_mirror

BASE = "http://registre.test/"
TL = "https://w3id.org/tiers-lieux/def/tl#"
PREFIXES = f"""
PREFIX tl: <{TL}>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
NOT_OPEN = {
    f"https://w3id.org/tiers-lieux/def/statut/{s}" for s in ("projet", "en-creation", "ferme")
}
FORMULA = '=HYPERLINK("http://exemple.invalid/","cliquez")'
SCRIPT = '<script>alert("lieu")</script> Fablab'
CASTILLON_PUJOLS = "243301454"  # CC Castillon/Pujols: communes in Gironde and in Dordogne
LIBOURNAIS = "200070092"  # CA du Libournais
# ID | NOM_TL | CP | INSEECOM | NOMCOM | TYPO (dominante) | LAT | LONG | INSEEDEP
EXTRA_ROWS = f"""\
901|{FORMULA}|33230|33138|Coutras|coworking|45.039|-0.105|33
902|{SCRIPT}|33450|33207|Izon|fablab|44.922|-0.356|33
903|@Tiers-lieu de Vayres|33870|33539|Vayres|coworking|44.891|-0.326|33
904|-Atelier du Moulin|33870|33539|Vayres|fablab|44.892|-0.327|33
905|Coworking de Castillon|33350|33108|Castillon-la-Bataille|coworking|44.862|-0.029|33
906|La Grange de Montaigne|24230|24466|Saint-Michel-de-Montaigne||44.879|0.025|24
"""


def build_mirror(root: Path) -> Path:
    """The fixture mirror of tests/conftest.py, with EXTRA_ROWS appended to the CGET listing."""
    (root / "cget-tiers-lieux-2019").mkdir(parents=True)
    listing = (DATA / "harvesters/cget/listing.csv").read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(listing)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for line in EXTRA_ROWS.splitlines():
        key, name, postcode, insee, commune, typo, lat, lon, dep = line.split("|")
        row = dict.fromkeys(header, "")
        typology = f"Tiers lieux à dominante {typo}" if typo else ""
        row.update(ID=key, NOM_TL=name, CP=postcode, COMINIT=commune, INSEECOM=insee)
        row.update(NOMCOM=commune, TYPO=typology, LAT=lat, LONG=lon, INSEEDEP=dep)
        writer.writerow(row.values())
    text = "\ufeff" + listing.rstrip("\n") + "\n" + out.getvalue()
    (root / CGET_CSV).write_text(text, encoding="utf-8")
    geo, cog = DATA / "harvesters/geographie", root / "geo-decoupage-administratif"
    cog.mkdir()
    for name in ("regions.json", "departements.json"):
        shutil.copy(geo / name, cog / name)
    for name in ("communes.json", "epci.json"):
        (cog / f"{name}.gz").write_bytes(gzip.compress((geo / name).read_bytes()))
    (root / "geo-laposte-hexasmal-2022").mkdir()
    shutil.copy(geo / "laposte_hexasmal.csv", root / "geo-laposte-hexasmal-2022")
    return root


@pytest.fixture(scope="module")
def store_and_settings(tmp_path_factory: pytest.TempPathFactory) -> tuple[OxigraphStore, Settings]:
    root = tmp_path_factory.mktemp("territoires")
    settings = Settings(
        data_dir=str(root / "var"), mirror_dir=str(build_mirror(root / "mirror")), base_uri=BASE
    )
    store = OxigraphStore(None)
    harvest(store, settings, "geographie")
    harvest(store, settings, "cget-2019")
    publish(store, settings)
    return store, settings


@pytest.fixture(scope="module")
def store(store_and_settings: tuple[OxigraphStore, Settings]) -> OxigraphStore:
    return store_and_settings[0]


@pytest.fixture(scope="module")
def client(store_and_settings: tuple[OxigraphStore, Settings]) -> FlaskClient:
    store, settings = store_and_settings
    return create_app(settings, store=store).test_client()


# --- Reading what the store says (SPARQL written here) and what a page shows


def select(store: OxigraphStore, query: str) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in row.items()} for row in store.select(PREFIXES + query)]


def territory_iri(kind: str, code: str) -> str:
    return f"{BASE}id/{kind}/{code}"


def coverage_figures(store: OxigraphStore, kind: str, code: str) -> dict[str, str]:
    rows = select(
        store,
        f"""SELECT ?p ?o WHERE {{ GRAPH <{BASE}graph/coverage> {{
              <{territory_iri(kind, code)}> ?p ?o }} }}""",
    )
    return {row["p"].removeprefix(TL): row["o"] for row in rows}


def geo_population(store: OxigraphStore, kind: str, code: str) -> int:
    rows = select(
        store,
        f"""SELECT ?n WHERE {{ GRAPH <{BASE}graph/geo> {{
              <{territory_iri(kind, code)}> tl:population ?n }} }}""",
    )
    return int(rows[0]["n"])


def registry_places(store: OxigraphStore, kind: str, code: str) -> dict[str, set[str]]:
    """Place id → its statuses, for the places of a territory, from the registry graph."""
    path = {"region": "tl:commune/tl:region", "departement": "tl:commune/tl:departement"}
    rows = select(
        store,
        f"""SELECT ?place ?status WHERE {{
              ?place a tl:TiersLieu ; {path.get(kind, "tl:commune/tl:epci")}
                     <{territory_iri(kind, code)}> .
              OPTIONAL {{ ?place tl:status ?status }} }}""",
    )
    places: dict[str, set[str]] = {}
    for row in rows:
        statuses = places.setdefault(row["place"].rsplit("/", 1)[-1], set())
        if "status" in row:
            statuses.add(row["status"])
    return places


def registry_typologies(store: OxigraphStore, kind: str, code: str) -> Counter[str]:
    """French label → places of the territory with that typology, from the registry graph."""
    places = registry_places(store, kind, code)
    rows = select(
        store,
        """SELECT ?place ?label WHERE {
             ?place a tl:TiersLieu ; tl:typology ?t .
             ?t skos:prefLabel ?label . FILTER(lang(?label) = "fr") }""",
    )
    return Counter(r["label"] for r in rows if r["place"].rsplit("/", 1)[-1] in places)


def text(fragment: str) -> str:
    """Visible text of an HTML fragment, French number spaces removed."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", fragment))
    return " ".join(plain.replace("\u202f", "").replace("\u00a0", " ").split())


def figure(value: str) -> float:
    """A figure as the page writes it ("1 234", "29,0", "98,9 %") as a number."""
    return float(value.replace(" ", "").replace("%", "").replace(",", "."))


def headline(page: str) -> dict[str, str]:
    section = page.split('id="chiffres"', 1)[1].split("</dl>", 1)[0]
    return {
        text(dt): text(dd)
        for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", section, re.DOTALL)
    }


def element(page: str, tag: str, ident: str) -> str:
    match = re.search(rf'<{tag}[^>]*id="{ident}".*?</{tag}>', page, re.DOTALL)
    assert match, f"no <{tag} id={ident}>"
    return match.group(0)


def table_rows(page: str, ident: str) -> list[list[str]]:
    body = element(page, "table", ident).split("<tbody>", 1)[1]
    return [
        [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]


def chart_bars(svg: str) -> list[tuple[str, str, float]]:
    """(label, value text, bar width %) of each bar of a chart."""
    return [
        (html.unescape(label), html.unescape(value), float(width))
        for label, width, value in re.findall(
            r'<text class="chart-label"[^>]*>(.*?)</text><rect [^>]*width="([\d.]+)%"[^>]*>'
            r'</rect><text class="chart-value"[^>]*>(.*?)</text>',
            svg,
        )
    ]


def listed_place_ids(page: str) -> list[str]:
    return re.findall(r'href="/lieu/([a-z0-9]+)"', element(page, "table", "liste-lieux"))


def get_csv(client: FlaskClient, kind: str, code: str) -> tuple[list[str], list[dict[str, str]]]:
    response = client.get(f"/territoires/{kind}/{code}/lieux.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="lieux-{kind}-{code}.csv"'
    )
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return list(reader.fieldnames or []), list(reader)


# --- Pages


def test_fixture_has_the_extra_places(store: OxigraphStore) -> None:
    # what the other tests rely on: the hostile names reach the registry unchanged
    names = {
        r["name"]
        for r in select(store, "SELECT ?name WHERE { ?p a tl:TiersLieu ; schema:name ?name }")
    }
    assert {FORMULA, SCRIPT, "@Tiers-lieu de Vayres", "-Atelier du Moulin"} <= names
    assert len(registry_places(store, "epci", CASTILLON_PUJOLS)) == 2


@pytest.mark.parametrize(
    ("kind", "code"),
    [("departement", "33"), ("departement", "24"), ("departement", "29"), ("region", "75"),
     ("epci", LIBOURNAIS), ("epci", CASTILLON_PUJOLS)],
)  # fmt: skip
def test_headline_figures_equal_the_coverage_graph(
    client: FlaskClient, store: OxigraphStore, kind: str, code: str
) -> None:
    page = client.get(f"/territoires/{kind}/{code}").get_data(as_text=True)
    shown = headline(page)
    published = coverage_figures(store, kind, code)
    places = registry_places(store, kind, code)
    # counted again from the registry graph
    assert figure(shown["Lieux recensés"]) == len(places) == int(published["placeCount"])
    open_places = sum(not statuses & NOT_OPEN for statuses in places.values())
    assert figure(shown["Lieux ouverts"]) == open_places == int(published["openPlaceCount"])
    assert figure(shown["Lieux ouverts pour 100 000 habitants"]) == round(
        float(published["placesPer100k"]), 1
    )
    for label, key in (("10 km", "shareWithin10km"), ("20 minutes", "shareWithin20min")):
        value = figure(shown[f"Population à moins de {label} d'un lieu ouvert"])
        assert value == round(float(published[key]) * 100, 1)
    assert figure(shown["Communes en zone blanche"]) == int(published["whiteZoneCount"])
    population = geo_population(store, kind, code)
    assert f"· {population:,} habitants".replace(",", "") in text(page)


def test_departement_lists_exactly_its_places_and_the_csv_has_the_same(
    client: FlaskClient, store: OxigraphStore
) -> None:
    page = client.get("/territoires/departement/33").get_data(as_text=True)
    ids = listed_place_ids(page)
    assert len(ids) == len(set(ids)) == 6  # Libourne and the five added in Gironde
    assert set(ids) == set(registry_places(store, "departement", "33"))
    names = [row[0] for row in table_rows(page, "liste-lieux")]
    # by name, case and accents aside: punctuation first, a leading hyphen ignored
    assert names == [
        SCRIPT, FORMULA, "@Tiers-lieu de Vayres", "-Atelier du Moulin", "Coworking de Castillon",
        "Espace Partagé",
    ]  # fmt: skip
    columns, rows = get_csv(client, "departement", "33")
    assert columns == [
        "id", "nom", "commune", "code_insee", "code_postal", "departement", "region",
        "typologies", "labels", "criteres_remplis", "latitude", "longitude", "statut", "url",
    ]  # fmt: skip
    assert [row["id"] for row in rows] == ids  # same places, same order
    assert "(CSV, 6 lignes)" in page
    by_name = {row["nom"]: row for row in rows}
    coutras = by_name["'" + FORMULA]
    assert coutras["commune"] == "Coutras" and coutras["code_insee"] == "33138"
    assert coutras["departement"] == "Gironde" and coutras["region"] == "Nouvelle-Aquitaine"
    assert coutras["typologies"] == "Espace de coworking"
    assert coutras["url"] == f"{BASE}lieu/{coutras['id']}"
    assert float(coutras["longitude"]) == pytest.approx(-0.105)  # a number, not neutralised


def test_csv_neutralises_formulas_and_keeps_numbers(client: FlaskClient) -> None:
    _, rows = get_csv(client, "departement", "33")
    names = {row["nom"] for row in rows}
    assert {"'" + FORMULA, "'@Tiers-lieu de Vayres", "'-Atelier du Moulin", SCRIPT} <= names
    for row in rows:
        for column, value in row.items():
            if column in ("latitude", "longitude"):
                float(value)  # numbers written by the registry
            else:
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)


def test_hostile_names_are_escaped_in_html(client: FlaskClient) -> None:
    for url in ("/territoires/departement/33", f"/territoires/epci/{LIBOURNAIS}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#34;lieu&#34;)&lt;/script&gt; Fablab" in page
        assert "\\u003cscript\\u003e" in page  # in the map's JSON block


def test_typology_table_equals_chart_and_registry(
    client: FlaskClient, store: OxigraphStore
) -> None:
    page = client.get("/territoires/departement/33").get_data(as_text=True)
    table = [(name, int(figure(count))) for name, count in table_rows(page, "tableau-typologie")]
    assert dict(table) == registry_typologies(store, "departement", "33")
    assert dict(table) == {"Espace de coworking": 3, "Fablab": 2}
    svg = element(page, "figure", "graphique-typologie")
    bars = chart_bars(svg)
    assert [(label, int(value)) for label, value, _ in bars] == table
    largest = max(count for _, count in table)
    for (_, count), (_, _, width) in zip(table, bars, strict=True):
        assert width == pytest.approx(85 * count / largest, abs=0.01)
    assert 'role="img"' in svg
    alternative = html.unescape(re.search(r'aria-label="([^"]*)"', svg).group(1))
    for name, count in table:
        assert f"{name}, {count} lieu" in alternative


def test_no_label_says_so(client: FlaskClient) -> None:
    page = client.get("/territoires/departement/33").get_data(as_text=True)
    assert "Aucune source ne donne de label aux lieux de ce territoire." in page
    assert 'id="tableau-label"' not in page


def test_white_zones_equal_the_coverage_graph(client: FlaskClient, store: OxigraphStore) -> None:
    rows = select(
        store,
        f"""SELECT ?code ?population ?minutes WHERE {{
              <{territory_iri("departement", "24")}> tl:whiteZoneCommune ?c .
              ?c igeo:codeCommune ?code ; tl:population ?population .
              OPTIONAL {{ ?c tl:nearestPlaceMinutes ?minutes }} }}""",
    )
    expected = sorted(rows, key=lambda r: (-int(r["population"]), r["code"]))
    assert expected, "Dordogne's fixture has white zones"
    page = client.get("/territoires/departement/24").get_data(as_text=True)
    shown = table_rows(page, "tableau-zones-blanches")
    assert [re.search(r"\((\d[\dAB]\d+)\)", row[0]).group(1) for row in shown] == [
        r["code"] for r in expected
    ][:100]
    for row, fact in zip(shown, expected, strict=False):
        assert figure(row[1]) == int(fact["population"])
        assert row[3] == (f"{fact['minutes']} min" if "minutes" in fact else "—")


def test_white_zone_list_is_capped(
    client: FlaskClient, store: OxigraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no fixture département has 100 white zones: a lower cap shows the same behaviour
    monkeypatch.setattr(territories, "WHITE_ZONES_SHOWN", 20)
    count = int(coverage_figures(store, "departement", "33")["whiteZoneCount"])
    assert count > 20
    page = client.get("/territoires/departement/33").get_data(as_text=True)
    assert len(table_rows(page, "tableau-zones-blanches")) == 20
    assert f"{count} communes sans lieu ouvert" in text(page)
    assert "voici les 20 plus peuplées" in page
    monkeypatch.undo()
    page = client.get("/territoires/departement/33").get_data(as_text=True)
    assert len(table_rows(page, "tableau-zones-blanches")) == count <= territories.WHITE_ZONES_SHOWN
    assert "voici les" not in page


def test_region_lists_its_departements_with_their_figures(
    client: FlaskClient, store: OxigraphStore
) -> None:
    page = client.get("/territoires/region/75").get_data(as_text=True)
    rows = {row[0]: row for row in table_rows(page, "tableau-sous-territoires")}
    assert set(rows) == {"Gironde", "Dordogne"}  # the fixture's départements of the région
    for name, code in (("Gironde", "33"), ("Dordogne", "24")):
        published = coverage_figures(store, "departement", code)
        assert figure(rows[name][2]) == int(published["placeCount"])
        assert figure(rows[name][3]) == int(published["openPlaceCount"])
        assert figure(rows[name][4]) == round(float(published["placesPer100k"]), 1)
    bars = chart_bars(element(page, "figure", "graphique-sous-territoires"))
    assert {label: value for label, value, _ in bars} == {n: r[4] for n, r in rows.items()}


def test_departement_lists_its_epci_and_epci_its_departements(client: FlaskClient) -> None:
    page = client.get("/territoires/departement/24").get_data(as_text=True)
    epci = {row[0] for row in table_rows(page, "tableau-sous-territoires")}
    assert "CC Castillon/Pujols" in epci and "CC Sarlat-Périgord Noir" in epci
    page = client.get(f"/territoires/epci/{CASTILLON_PUJOLS}").get_data(as_text=True)
    intro = text(re.search(r'<p class="territory-kind">.*?</p>', page, re.DOTALL).group(0))
    assert "départements : Dordogne, Gironde" in intro
    assert (
        'href="/territoires/departement/24"' in page
        and 'href="/territoires/departement/33"' in page
    )
    assert len(listed_place_ids(page)) == 2


def test_epci_csv_has_its_places(client: FlaskClient, store: OxigraphStore) -> None:
    _, rows = get_csv(client, "epci", LIBOURNAIS)
    assert {row["id"] for row in rows} == set(registry_places(store, "epci", LIBOURNAIS))
    assert len(rows) == 5  # Libourne, Coutras, Izon and two at Vayres


def test_map_points_are_the_located_places(client: FlaskClient) -> None:
    page = client.get("/territoires/departement/33").get_data(as_text=True)
    block = re.search(
        r'<script type="application/json" id="points-territoire">(.*?)</script>', page
    )
    points = json.loads(block.group(1))
    assert {p["id"] for p in points} == set(listed_place_ids(page))
    assert all(p["url"] == f"/lieu/{p['id']}" for p in points)
    assert 'aria-label="Carte des lieux de Gironde"' in page


@pytest.mark.parametrize(
    "url",
    [
        "/territoires/departement/99",
        "/territoires/region/33",  # a département's code is not a région's
        "/territoires/epci/000000000",
        "/territoires/commune/33243",
        "/territoires/departement/99/lieux.csv",
    ],
)
def test_unknown_territory_is_404(client: FlaskClient, url: str) -> None:
    assert client.get(url, headers={"Accept": "text/html"}).status_code == 404


def test_index_lists_regions_with_their_figures(client: FlaskClient, store: OxigraphStore) -> None:
    page = client.get("/territoires").get_data(as_text=True)
    table = re.search(r'<table class="figures-table">.*?</table>', page, re.DOTALL).group(0)
    rows = re.findall(r'<tr>\s*<th scope="row"><a href="/territoires/region/(\w+)">', table)
    regions = select(store, "SELECT ?code WHERE { ?r a igeo:Region ; igeo:codeRegion ?code }")
    assert sorted(rows) == sorted(r["code"] for r in regions)
    cells = {
        code: [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        for code, row in re.findall(r'region/(\w+)">.*?</th>(.*?)</tr>', table, re.DOTALL)
    }
    for code in rows:
        published = coverage_figures(store, "region", code)
        assert figure(cells[code][1]) == int(published["openPlaceCount"])
        assert figure(cells[code][2]) == round(float(published["placesPer100k"]), 1)
    # départements are reached under their région, EPCI from their département's page
    assert 'href="/territoires/departement/33">Gironde (33)</a>' in page
    assert "/territoires/epci/" not in page


def test_index_search_finds_territories_and_communes(client: FlaskClient) -> None:
    page = client.get("/territoires", query_string={"q": "gironde"}).get_data(as_text=True)
    results = page.split('id="resultats"', 1)[1].split("</section>", 1)[0]
    assert 'href="/territoires/departement/33">Gironde</a>' in results
    page = client.get("/territoires", query_string={"q": "LIBOURNE"}).get_data(as_text=True)
    results = page.split('id="resultats"', 1)[1].split("</section>", 1)[0]
    assert f'href="/territoires/epci/{LIBOURNAIS}">CA du Libournais</a>' in results
    assert "Libourne" in results and "(33243)" in results
    page = client.get("/territoires", query_string={"q": "<b>x"}).get_data(as_text=True)
    assert "<b>x" not in page and "Aucun territoire ni aucune commune" in page


# --- Charts


def test_bar_chart_escapes_and_scales() -> None:
    chart = bar_chart(
        [Bar('<img src=x onerror="1">', 10, "10"), Bar("Fablab & co", 5, "5"), Bar("Zéro", 0, "0")],
        'Lieux "par" typologie',
        ("lieu", "lieux"),
    )
    assert isinstance(chart, Markup)
    assert "<img" not in chart and "&lt;img src=x onerror=&#34;1&#34;&gt;" in chart
    assert "Fablab &amp; co" in chart
    assert [(v, w) for _, v, w in chart_bars(chart)] == [("10", 85.0), ("5", 42.5), ("0", 0.0)]
    alternative = html.unescape(re.search(r'aria-label="([^"]*)"', chart).group(1))
    assert alternative == (
        'Lieux "par" typologie : <img src=x onerror="1">, 10 lieux ; Fablab & co, 5 lieux ; '
        "Zéro, 0 lieu."
    )
    assert 'height="120"' in chart


def test_bar_percent_edges() -> None:
    assert bar_percent(3, 3) == 85.0
    assert bar_percent(0, 0) == 0.0
    assert bar_percent(1, 3) == pytest.approx(28.33)


# --- Real data (skipped without the mirror)

REAL_SOURCES = ("geographie", "cget-2019", "fabriques-de-territoire", "lieux-documentes")


@pytest.fixture(scope="module")
def real_client(tmp_path_factory: pytest.TempPathFactory) -> tuple[FlaskClient, OxigraphStore]:
    mirror = real_mirror()
    if mirror is None:
        pytest.skip("real data mirror absent: set TL_MIRROR_DIR or provide ../shared/data")
    settings = Settings(
        data_dir=str(tmp_path_factory.mktemp("var")), mirror_dir=str(mirror), base_uri=BASE
    )
    store = OxigraphStore(None)
    for source in REAL_SOURCES:
        harvest(store, settings, source)
    publish(store, settings)
    return create_app(settings, store=store).test_client(), store


@pytest.mark.mirror
def test_real_gironde_page(real_client: tuple[FlaskClient, OxigraphStore]) -> None:
    client, store = real_client
    page = client.get("/territoires/departement/33").get_data(as_text=True)
    published = coverage_figures(store, "departement", "33")
    shown = headline(page)
    assert figure(shown["Lieux recensés"]) == int(published["placeCount"]) > 50
    places = registry_places(store, "departement", "33")
    assert set(listed_place_ids(page)) == set(places)
    _, rows = get_csv(client, "departement", "33")
    assert [row["id"] for row in rows] == listed_place_ids(page)
    labels = dict((n, int(figure(c))) for n, c in table_rows(page, "tableau-label"))
    assert labels.get("Fabrique de Territoire", 0) > 0
    assert [
        (n, int(v)) for n, v, _ in chart_bars(element(page, "figure", "graphique-label"))
    ] == list(labels.items())
    epci = table_rows(page, "tableau-sous-territoires")
    assert "Bordeaux Métropole" in {row[0] for row in epci}
