"""The six criteria: outcomes that match the documents, "inconnu" without evidence, profiles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from registry.criteria import CRITERIA, assess
from registry.iris import Minter
from registry.paths import ROOT
from registry.publication import publish
from registry.settings import Settings
from registry.store import OxigraphStore

from .conftest import harvest
from .test_curated import fixture_files

OUTCOMES = """
PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?record ?criterion ?outcome ?place WHERE {
  ?place prov:wasDerivedFrom ?record ; tl:assessment ?a .
  ?a tl:criterion ?criterion ; tl:outcome ?outcome .
}"""


def outcomes(store: OxigraphStore) -> dict[tuple[str, str], str]:
    return {
        (str(r["record"]).rsplit("/", 1)[-1], str(r["criterion"]).rsplit("/", 1)[-1]): str(
            r["outcome"]
        ).rsplit("/", 1)[-1]
        for r in store.select(OUTCOMES)
    }


@pytest.fixture
def fixture_registry(settings: Settings) -> OxigraphStore:
    from harvesters import HARVESTERS, run_harvest
    from harvesters.config import load_sources

    store = OxigraphStore(None)
    source = load_sources()["lieux-documentes"]
    harvester = HARVESTERS["curated"](source, Minter(settings.base_uri))
    run_harvest(harvester, store, settings, files=fixture_files())
    publish(store, settings)
    return store


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    settings = Settings(
        data_dir=str(tmp_path_factory.mktemp("var")), base_uri="http://registre.test/"
    )
    store = OxigraphStore(None)
    harvest(store, settings, "lieux-documentes")
    publish(store, settings)
    return store


EXPECTED_FIXTURE = {
    "murat": dict(ouverture="rempli", flexibilite="rempli", accessibilite="rempli",
                  accueil="rempli", numerique="rempli", gouvernance="non-rempli"),
    "boitron": dict(ouverture="non-rempli", flexibilite="non-rempli", accessibilite="rempli",
                    accueil="inconnu", numerique="rempli", gouvernance="rempli"),
    "locomotive": dict(ouverture="inconnu", flexibilite="non-rempli",
                       accessibilite="non-rempli", accueil="inconnu", numerique="inconnu",
                       gouvernance="inconnu"),
    "lent": dict(ouverture="inconnu", flexibilite="inconnu", accessibilite="inconnu",
                 accueil="inconnu", numerique="non-rempli", gouvernance="inconnu"),
    "inconnu": {criterion: "inconnu" for criterion in CRITERIA},
}  # fmt: skip


@pytest.mark.parametrize("place", sorted(EXPECTED_FIXTURE))
def test_fixture_outcomes(fixture_registry: OxigraphStore, place: str) -> None:
    found = outcomes(fixture_registry)
    assert {c: found[(place, c)] for c in CRITERIA} == EXPECTED_FIXTURE[place]


def test_no_evidence_is_inconnu_never_non_rempli(fixture_registry: OxigraphStore) -> None:
    rows = fixture_registry.select(
        """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
        SELECT ?a ?outcome WHERE { ?a a tl:CriterionAssessment ; tl:outcome ?outcome .
                                   FILTER NOT EXISTS { ?a tl:evidence ?e } }"""
    )
    assert rows
    assert {str(r["outcome"]).rsplit("/", 1)[-1] for r in rows} == {"inconnu"}


def test_each_outcome_names_its_evidence_and_source(fixture_registry: OxigraphStore) -> None:
    rows = fixture_registry.select(
        """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?outcome ?comment ?record ?lines WHERE {
          ?a tl:outcome ?outcome ; tl:evidence ?e .
          ?e rdfs:comment ?comment ; prov:wasDerivedFrom ?record .
          OPTIONAL { ?e tl:citation/tl:lines ?lines } }"""
    )
    assert rows
    assert all("lines" in r for r in rows)  # every fixture fact is cited
    comments = {str(r["comment"]) for r in rows}
    assert "à la journée : 20 €, au plus 20 € selon le profil" in comments
    assert "Accès réservé aux adhérents" in comments


# What the documents say, checked on the curated source shipped with the project.
DOCUMENTED = [
    ("boitron-telecentre", "gouvernance", "rempli"),  # association run with its users
    ("boitron-telecentre", "ouverture", "non-rempli"),  # members only, each with a key
    ("soho-solo-auch", "ouverture", "non-rempli"),  # reserved to independent members
    ("murat-telecentre", "accessibilite", "rempli"),  # 20 €/journée, 10 €/demi-journée
    ("murat-telecentre", "flexibilite", "rempli"),
    ("murat-telecentre", "accueil", "non-rempli"),  # "pas de personne dédiée à l'accueil"
    ("la-locomotive-gap", "accessibilite", "non-rempli"),  # 300 €/mois
    ("pomerol-tiers-lieu", "accessibilite", "rempli"),  # 14 €/jour
    ("reichstett-bureau-mobile", "accessibilite", "rempli"),  # 12 € HT/jour
]


@pytest.mark.parametrize(("place", "criterion", "expected"), DOCUMENTED)
def test_curated_assessments_match_the_documents(
    curated: OxigraphStore, place: str, criterion: str, expected: str
) -> None:
    assert outcomes(curated)[(place, criterion)] == expected


def test_a_second_profile_changes_outcomes_without_code(
    fixture_registry: OxigraphStore, tmp_path: Path
) -> None:
    profile = (ROOT / "shapes/profiles/defaut.ttl").read_text(encoding="utf-8")
    generous = profile.replace("tl:maxMonthPrice 200", "tl:maxMonthPrice 400").replace(
        "profil/defaut", "profil/genereux"
    )
    path = tmp_path / "genereux.ttl"
    path.write_text(generous, encoding="utf-8")
    data, report = assess(fixture_registry, Minter("http://registre.test/"), path)
    quality = Graph().parse(data=data, format="nt")
    fixture_registry.replace_graphs({URIRef("http://registre.test/graph/quality"): quality})
    assert outcomes(fixture_registry)[("locomotive", "accessibilite")] == "rempli"
    used = {str(o) for o in quality.objects(None, URIRef(str(TL_PROFILE)))}
    assert used == {"https://w3id.org/tiers-lieux/def/profil/genereux"}
    assert report.counts[("accessibilite", "non-rempli")] == 0


TL_PROFILE = "https://w3id.org/tiers-lieux/def/tl#profile"


def test_example_query_all_six_criteria_by_departement(curated: OxigraphStore) -> None:
    query = (ROOT / "docs/queries/criteres-par-departement.rq").read_text(encoding="utf-8")
    rows = curated.select(query)
    assert rows
    total = sum(int(r["lieux"]) for r in rows)
    all_six = sum(int(r["tousLesCriteres"]) for r in rows)
    assert total == 39
    assert 0 <= all_six <= total


def test_quality_graph_is_valid_rdf_for_every_place(curated: OxigraphStore) -> None:
    count = curated.select(
        """PREFIX tl: <https://w3id.org/tiers-lieux/def/tl#>
        SELECT (COUNT(?a) AS ?n) WHERE { ?p a tl:TiersLieu ; tl:assessment ?a }"""
    )
    assert int(count[0]["n"]) == 39 * len(CRITERIA)
    assert isinstance(Graph(), Graph)


def test_place_page_shows_six_badges_with_evidence(
    settings: Settings, fixture_registry: OxigraphStore
) -> None:
    from registry.web import create_app

    client = create_app(settings, store=fixture_registry).test_client()
    search = client.get("/recherche", query_string={"nom": "Boitron"}).get_data(as_text=True)
    place_id = search.split('href="/lieu/', 1)[1].split('"', 1)[0]
    html = client.get(f"/lieu/{place_id}").get_data(as_text=True)
    badges = re.findall(r'<span class="badge (ok|ko|unknown)">([^<]+)</span>', html)
    assert len(badges) == 6
    assert sorted(badges) == sorted(
        [("ko", "Non rempli"), ("ko", "Non rempli"), ("ok", "Rempli"), ("unknown", "Inconnu"),
         ("ok", "Rempli"), ("ok", "Rempli")]
    )  # fmt: skip
    assert "Accès réservé aux adhérents — " in html
    assert "lignes 2351-2358" in html  # the passage that states it
