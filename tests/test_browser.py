"""The public site in a real browser: headless Chromium (Debian's package) driven by Playwright.

The registry is built from the real mirror (reference geography, the CGET census, Fabriques de
Territoire, the documented places and Hinaura's lieux de médiation numérique) plus one hostile
record, published, and served by a real HTTP server on loopback. Each test does what a visitor
does and checks what they see. Screenshots of every page type, at phone and desktop widths, are
saved in var/screenshots/ (TL_SCREENSHOTS_DIR to change).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from harvesters import harvest_source
from harvesters.config import load_sources
from registry.corrections import CorrectionQueue
from registry.iris import Minter
from registry.publication import publish
from registry.search import PlaceEntry, PlaceIndex
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import create_app

from .conftest import ROOT, live_server, real_mirror

pytestmark = [pytest.mark.mirror, pytest.mark.server]

CHROMIUM = os.environ.get("TL_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(os.environ.get("TL_SCREENSHOTS_DIR", ROOT / "var" / "screenshots"))
SOURCES = ("geographie", "cget-2019", "fabriques-de-territoire", "lieux-documentes")
HINAURA = "mednum-hinaura"
WIDTHS = {"telephone": (390, 844), "ordinateur": (1280, 900)}
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Tiles from a port Chromium refuses at once: the maps must work without their background.
NO_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"
HOSTILE_NAME = '<script>window.pwned = 1</script>Lieu "piégé" <img src=x onerror=alert(1)>'
BORDEAUX = {"latitude": 44.8378, "longitude": -0.5792}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The published registry served on loopback: base URL, settings, store, index."""
    mirror = real_mirror()
    if mirror is None:
        pytest.skip("real data mirror absent: set TL_MIRROR_DIR or provide ../shared/data")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (as .ci/run does)")
    pytest.importorskip("playwright", reason="playwright not installed: pip install -e '.[test]'")
    var = tmp_path_factory.mktemp("var")
    settings = Settings(
        data_dir=str(var), mirror_dir=str(mirror), base_uri="http://registre.test/",
        tile_url=NO_TILES, corrections_per_hour=50,
    )  # fmt: skip
    store = OxigraphStore(None)
    sources = load_sources()
    for source_id in (*SOURCES, HINAURA):
        report = harvest_source(sources[source_id], store, settings)
        assert report.loaded > 0, source_id
    hostile = _hostile_mirror(tmp_path_factory.mktemp("hostile"))
    harvest_source(
        replace(sources[HINAURA], id="essai-hostile", mirror="essai/hostile.json"),
        store,
        replace(settings, mirror_dir=str(hostile)),
    )
    publish(store, settings)
    app = create_app(settings, store=store)
    index = PlaceIndex.build(store, Minter(settings.base_uri))
    with live_server(app) as base:
        yield {"base": base, "settings": settings, "store": store, "index": index}


def _hostile_mirror(root: Path) -> Path:
    """A source file whose record carries markup and a `javascript:` website."""
    (root / "essai").mkdir()
    record = {
        "id": "piege-1",
        "nom": HOSTILE_NAME,
        "commune": "Libourne",
        "code_postal": "33500",
        "adresse": "1 rue <b>du Piège</b>",
        "latitude": 44.9151,
        "longitude": -0.2401,
        "site_web": "javascript:alert(document.cookie)",
        "presentation_resume": '<img src=x onerror="window.pwned=2">Présentation',
        "horaires": "Mo-Su 00:00-24:00",
    }
    (root / "essai" / "hostile.json").write_text(json.dumps([record]), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def browser(site: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


class Visitor:
    """One browser tab at one width that records what went wrong on the pages it saw."""

    def __init__(self, browser: Any, base: str, width: str = "ordinateur", **options: Any):
        viewport = WIDTHS[width]
        self.context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            locale="fr-FR",
            timezone_id="Europe/Paris",
            **options,
        )
        self.context.set_default_timeout(30_000)
        self.page = self.context.new_page()
        self.base, self.width = base, width
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"erreur JS : {error}"))
        self.page.on("console", self._console)
        self.page.on(
            "dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss())
        )

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        text = message.text
        # Tiles come from a refused port on purpose; anything else is a problem (CSP included).
        if message.type == "error" and "Failed to load resource" not in text:
            self.problems.append(text)

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        return response

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}-{self.width}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()
        assert not self.problems, self.problems
        assert not self.dialogs, self.dialogs


@pytest.fixture
def visitor(browser: Any, site: dict[str, Any]) -> Iterator[Visitor]:
    tab = Visitor(browser, site["base"])
    yield tab
    tab.close()


def result_names(page: Any) -> list[str]:
    return page.locator("#liste > li > a").all_inner_texts()


def distances(page: Any) -> list[float]:
    texts = page.locator("#liste .distance").all_inner_texts()
    return [float(t.split(" km")[0].replace(",", ".")) for t in texts]


def markers_on_map(page: Any, map_id: str) -> int:
    page.wait_for_selector(f"#carte-{map_id}.carte-prete")
    return int(page.get_attribute(f"#carte-{map_id}", "data-markers") or 0)


def test_search_by_commune_with_autocompletion(visitor: Visitor) -> None:
    page = visitor.page
    visitor.goto("/")
    page.get_by_label("Commune, code postal ou adresse").press_sequentially("Libour", delay=40)
    option = page.get_by_role("option", name="Libourne (33500)")
    option.wait_for()
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#q", "aria-activedescendant") == "q-suggestion-0"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/recherche\?"))
    assert parse_qs(urlsplit(page.url).query)["q"] == ["Libourne (33500)"]
    heading = page.locator("#resultats").inner_text()
    assert re.search(r"\d+ lieux? à moins de 20 km de Libourne \(33500\)", heading)
    found = distances(page)
    assert found and found == sorted(found) and found[-1] <= 20
    assert markers_on_map(page, "resultats") == len(found)
    # the background tiles cannot load here: the page says so and keeps the list
    assert page.locator(".carte-notice").first.is_visible()
    visitor.shot("recherche-commune")


def test_search_by_postcode_lists_the_same_places_as_the_api(
    visitor: Visitor, site: dict[str, Any]
) -> None:
    page = visitor.page
    visitor.goto("/")
    page.get_by_label("Commune, code postal ou adresse").fill("69003")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    page.wait_for_url(re.compile(r"/recherche\?"))
    assert "Lyon" in page.locator("#resultats").inner_text()
    shown = result_names(page)
    api = page.request.get(f"{site['base']}/api/lieux?q=69003&limite=20").json()
    assert shown == [place["nom"] for place in api["lieux"]]
    assert len(shown) == 20  # a big city: a full first page, and a link to see more
    page.get_by_role("link", name="Afficher plus de lieux").click()
    assert len(result_names(page)) == 40


def test_around_me_uses_the_browser_position(browser: Any, site: dict[str, Any]) -> None:
    tab = Visitor(
        browser, site["base"], "telephone", geolocation=BORDEAUX, permissions=["geolocation"]
    )
    page = tab.page
    tab.goto("/")
    page.get_by_role("button", name="Autour de moi").click()
    page.wait_for_url(re.compile(r"pres="))
    assert parse_qs(urlsplit(page.url).query)["pres"] == ["44.83780,-0.57920"]
    assert "de 44.83780, -0.57920" in page.locator("#resultats").inner_text()
    nearest = site["index"].near(BORDEAUX["latitude"], BORDEAUX["longitude"], 20, 20.0)
    assert result_names(page) == [hit.entry.name for hit in nearest]
    # on a phone the list comes before the map
    list_top = page.locator("#liste").bounding_box()["y"]
    assert list_top < page.locator("#carte-resultats").bounding_box()["y"]
    tab.shot("recherche-autour-de-moi")
    tab.close()


def test_filters_narrow_the_results_and_stay_in_the_url(
    visitor: Visitor, site: dict[str, Any]
) -> None:
    page = visitor.page
    visitor.goto("/recherche?q=Lyon&rayon=50")
    everyone = len(result_names(page))
    page.get_by_text("Filtres", exact=True).click()
    page.get_by_label("Gratuit", exact=True).check()
    page.get_by_role("checkbox", name=re.compile(r"^Lieu de médiation numérique")).check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"gratuit=oui"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["typologie"] == ["lieu-mediation-numerique"] and query["rayon"] == ["50"]
    shown = result_names(page)
    assert 0 < len(shown) <= everyone
    api = page.request.get(
        f"{site['base']}/api/lieux?q=Lyon&rayon=50&gratuit=oui&typologie=lieu-mediation-numerique"
    ).json()
    assert shown == [place["nom"] for place in api["lieux"]]
    assert all("gratuit" in place["conditions_acces"] for place in api["lieux"])
    # the filters are shown as chosen when the page comes back (shareable URL)
    assert page.get_by_label("Gratuit", exact=True).is_checked()
    assert "Filtres (2 actifs)" in page.locator("summary").inner_text()
    visitor.shot("recherche-filtres")


def test_open_now_keeps_places_open_at_that_moment(visitor: Visitor) -> None:
    page = visitor.page
    # A Tuesday at 10:00 in Paris: places of Hinaura with weekday hours are open.
    visitor.goto("/recherche?q=Lyon&rayon=50&ouvert=maintenant&a=2026-11-24T10:00")
    day = page.locator("#liste .badge").all_inner_texts()
    assert day and set(day) == {"Ouvert"}
    # Sunday at 3 in the morning: fewer places, all of them open then.
    visitor.goto("/recherche?q=Lyon&rayon=50&ouvert=maintenant&a=2026-11-22T03:00")
    night = page.locator("#liste .badge").all_inner_texts()
    assert len(night) < len(day) and set(night) <= {"Ouvert"}


def first_place_with_hours(index: PlaceIndex) -> PlaceEntry:
    return next(e for e in index.entries if e.opening_hours and e.latitude and "Lyon" in e.locality)


def test_place_page_from_the_results(visitor: Visitor, site: dict[str, Any]) -> None:
    page = visitor.page
    target = first_place_with_hours(site["index"])
    visitor.goto(f"/recherche?nom={target.name}")
    page.get_by_role("link", name=target.name, exact=True).first.click()
    page.wait_for_url(re.compile(r"/lieu/"))
    assert page.locator("h1").inner_text() == target.name
    hours = page.locator("table.hours tbody tr")
    assert hours.count() == 7
    assert page.locator("table.hours tr.today").count() == 1
    badges = page.locator("ul.criteria .badge").all_inner_texts()
    assert len(badges) == 6 and set(badges) <= {"Rempli", "Non rempli", "Inconnu"}
    assert page.get_by_text("Source :").first.is_visible()
    embedded = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
    assert embedded["@type"] == "Place" and embedded["name"] == target.name
    turtle = page.get_by_role("link", name="Turtle")
    assert page.request.get(site["base"] + turtle.get_attribute("href")).ok
    assert markers_on_map(page, "lieu") == 1
    visitor.shot("fiche-lieu")


def test_from_a_place_to_its_territory(visitor: Visitor, site: dict[str, Any]) -> None:
    page = visitor.page
    target = first_place_with_hours(site["index"])
    visitor.goto(f"/lieu/{target.id}")
    page.get_by_role("link", name="Rhône", exact=True).first.click()
    page.wait_for_url(re.compile(r"/territoires/departement/69"))
    assert "Rhône" in page.locator("h1").inner_text()
    assert page.locator("svg[role=img]").count() >= 1
    listed = page.locator("a[href^='/lieu/']").count()
    assert listed > 0
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("CSV")).first.click()
    rows = list(
        csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig")))
    )
    assert target.id in {row["id"] for row in rows}
    visitor.shot("territoire-departement")


def test_report_an_error_from_a_place_page(visitor: Visitor, site: dict[str, Any]) -> None:
    page = visitor.page
    target = first_place_with_hours(site["index"])
    queue = CorrectionQueue(site["settings"].corrections_path)
    before = len(queue.read().requests)
    visitor.goto(f"/lieu/{target.id}")
    page.get_by_role("link", name="Signaler une erreur sur cette fiche").click()
    assert target.name in page.locator("h1").inner_text()
    page.get_by_label("Information à corriger").select_option("horaires")
    page.locator("textarea").fill(
        "Le lieu est fermé le samedi depuis septembre (affiche sur place)."
    )
    visitor.shot("signaler-erreur")
    page.get_by_role("button", name=re.compile("Envoyer")).click()
    page.wait_for_url(re.compile(r"/signaler/merci"))
    assert "examin" in page.locator("main").inner_text()
    requests = queue.read().requests
    assert len(requests) == before + 1
    assert requests[-1].place_id == target.id and requests[-1].field == "horaires"


def test_harvested_markup_stays_text(visitor: Visitor, site: dict[str, Any]) -> None:
    page = visitor.page
    hostile = next(e for e in site["index"].entries if "piégé" in e.name)
    for path in (
        f"/lieu/{hostile.id}",
        "/recherche?q=Libourne",
        "/recherche?nom=pi%C3%A9g%C3%A9",
        "/widget?territoire=departement:33",
    ):
        visitor.goto(path)
        page.wait_for_timeout(300)
        assert page.evaluate("window.pwned") is None, path
        assert page.get_by_text(HOSTILE_NAME, exact=False).first.is_visible(), path
        assert page.locator("a[href^='javascript:']").count() == 0, path
    visitor.goto(f"/lieu/{hostile.id}")
    # the map's popup is built from text too
    assert markers_on_map(page, "lieu") == 1
    page.wait_for_timeout(500)  # the map's zoom animation
    page.locator(".leaflet-marker-icon").first.click()
    assert HOSTILE_NAME in page.locator(".leaflet-popup-content").inner_text()
    assert page.evaluate("window.pwned") is None


def test_the_search_works_without_javascript(browser: Any, site: dict[str, Any]) -> None:
    tab = Visitor(browser, site["base"], "telephone", java_script_enabled=False)
    page = tab.page
    tab.goto("/")
    assert page.get_by_role("button", name="Autour de moi").is_hidden()
    page.get_by_label("Commune, code postal ou adresse").fill("Libourne")
    page.get_by_label("Commune, code postal ou adresse").press("Enter")
    page.wait_for_url(re.compile(r"/recherche\?q=Libourne"))
    assert result_names(page)
    assert page.get_by_text("La carte a besoin de JavaScript").is_visible()
    tab.shot("recherche-sans-javascript")
    tab.close()


def test_the_widget_shows_a_territory_and_can_be_framed(
    visitor: Visitor, site: dict[str, Any]
) -> None:
    page = visitor.page
    response = visitor.goto("/widget?territoire=departement:33&typologie=coworking")
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    count = page.locator("#liste > li > a").count()
    assert count > 0 and markers_on_map(page, "widget") == count
    visitor.goto("/integrer?territoire=departement:33&typologie=coworking")
    snippet = page.locator("#code-iframe").inner_text()
    assert snippet.startswith('<iframe src="http://registre.test/widget?territoire=departement')
    frame = page.frame_locator("iframe.preview")
    assert frame.locator("#liste > li > a").count() == count
    other = visitor.goto("/")
    assert "frame-ancestors 'none'" in other.headers["content-security-policy"]


PAGES = {
    "accueil": "/",
    "recherche": "/recherche?q=Bordeaux",
    "fiche-lieu": "/lieu/{place}",
    "territoires": "/territoires",
    "territoire-region": "/territoires/region/75",
    "territoire-epci": "/territoires/epci/243300316",
    "sources": "/sources",
    "source": "/sources/cget-2019",
    "donnees": "/donnees",
    "integrer": "/integrer?territoire=departement:33",
    "widget": "/widget?territoire=departement:33",
    "signaler": "/lieu/{place}/signaler",
}


def page_path(name: str, site: dict[str, Any]) -> str:
    return PAGES[name].format(place=first_place_with_hours(site["index"]).id)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_type_is_accessible_and_light(
    browser: Any, site: dict[str, Any], name: str
) -> None:
    """axe-core finds no serious or critical violation; ≤ 300 kB of JavaScript; screenshots."""
    for width in WIDTHS:
        tab = Visitor(browser, site["base"], width, bypass_csp=True)  # to inject axe-core
        scripts: dict[str, int] = {}

        def measure(response: Any, sizes: dict[str, int] = scripts) -> None:
            if response.request.resource_type == "script" and response.ok:
                sizes[response.url] = len(response.body())

        tab.page.on("response", measure)
        response = tab.goto(page_path(name, site))
        assert response.status == 200, name
        assert tab.page.evaluate("document.documentElement.lang") == "fr"
        assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        if tab.page.locator(".carte").count():  # axe sees the map once its markers are in
            tab.page.wait_for_selector(".carte.carte-prete")
            tab.page.wait_for_timeout(800)  # Leaflet's fade-in
        tab.page.add_script_tag(path=str(AXE))
        result = tab.page.evaluate(
            "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
        )
        serious = [
            (
                v["id"],
                v["help"],
                [(n["target"], n["html"][:120], n["failureSummary"]) for n in v["nodes"]][:3],
            )
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, (name, width, serious)
        assert sum(scripts.values()) <= 300_000, (name, scripts)
        tab.shot(name)
        tab.close()


def test_keyboard_users_skip_to_the_content_and_see_the_focus(visitor: Visitor) -> None:
    page = visitor.page
    visitor.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.is_visible()
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline not in ("none", "")
    page.keyboard.press("Enter")
    assert page.url.endswith("#contenu")


def test_the_sparql_editor_opens_with_the_example_queries(visitor: Visitor) -> None:
    """YASGUI, served by the site: one tab per example query; the first one runs."""
    page = visitor.page
    visitor.goto("/sparql")
    examples = sorted(path.stem for path in (ROOT / "docs" / "queries").glob("*.rq"))
    page.wait_for_selector("#yasgui .CodeMirror")
    tabs = page.locator("#yasgui .tabsList .tab").all_inner_texts()
    assert [tab.split("\n")[0].strip() for tab in tabs] == examples
    assert page.locator("form.sparql-sans-js").is_hidden()
    page.locator(".yasqe_queryButton").first.click()
    page.wait_for_selector(".yasr table tbody tr", timeout=60_000)
    assert page.locator(".yasr table tbody tr").count() > 0
    visitor.shot("sparql-editeur")
