"""The `tierslieux` command: outputs, summary lines and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harvesters.config import load_sources
from registry.cli import cli
from registry.settings import Settings


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TL_DATA_DIR", settings.data_dir)
    monkeypatch.setenv("TL_MIRROR_DIR", settings.mirror_dir)
    monkeypatch.setenv("TL_BASE_URI", settings.base_uri)
    return CliRunner()


def test_sources_lists_configured_sources(run: CliRunner) -> None:
    result = run.invoke(cli, ["sources"])
    assert result.exit_code == 0
    assert "cget-2019" in result.output and "geographie" in result.output


def test_harvest_all_reports_each_source_and_goes_on_after_a_failure(run: CliRunner) -> None:
    harvest = run.invoke(cli, ["harvest", "--all"])
    assert harvest.exit_code == 2  # the fixture mirror lacks most sources: each is a failure
    summaries = [line.split(":")[0] for line in harvest.stdout.splitlines() if " records, " in line]
    bundled = ["lieux-documentes", "annuaires-paca-2012"]  # shipped: no mirror needed
    assert sorted(summaries) == sorted(["cget-2019", "geographie", *bundled])
    failures = [line.split(":")[0] for line in harvest.stderr.splitlines() if "échec" in line]
    expected = {s.id for s in load_sources().values() if s.in_all and s.mirror} - set(summaries)
    assert set(failures) == expected
    assert "osm-tiers-lieux: ignorée (pas de copie dans le miroir" in harvest.stdout


def test_harvest_publish_query_validate(run: CliRunner) -> None:
    harvest = run.invoke(cli, ["harvest", "geographie", "cget-2019"])
    assert harvest.exit_code == 0, harvest.output
    lines = harvest.stdout.splitlines()
    assert any(line.startswith("cget-2019: 5 records, 3 rejected, 6 warnings, ") for line in lines)
    assert "  rejet 3 (ligne 4) : La fiche n'a pas de nom." in lines
    published = run.invoke(cli, ["publish"])
    assert published.exit_code == 0
    assert published.output.splitlines()[1].startswith("publication : 5 lieux (5 fiches) → ")
    query = Path(__file__).parent.parent / "docs/queries/places-by-region.rq"
    table = run.invoke(cli, ["query", str(query)])
    assert table.exit_code == 0
    assert "Nouvelle-Aquitaine" in table.output and "(4 lignes)" in table.output
    as_csv = run.invoke(cli, ["query", "--format", "csv", str(query)])
    assert as_csv.output.splitlines()[0] == "region,nom,lieux"
    assert run.invoke(cli, ["validate"]).exit_code == 0


def test_unknown_source_is_a_one_line_error(run: CliRunner) -> None:
    result = run.invoke(cli, ["harvest", "inconnue"])
    assert result.exit_code == 2
    known = ", ".join(load_sources())
    assert result.stderr.strip().splitlines() == [
        f"Erreur : Source inconnue « inconnue ». Sources configurées : {known}."
    ]


def test_missing_mirror_file_is_exit_2_without_traceback(
    run: CliRunner, settings: Settings
) -> None:
    (Path(settings.mirror_dir) / "cget-tiers-lieux-2019/CGET_TiersLieux_2019.csv").unlink()
    result = run.invoke(cli, ["harvest", "cget-2019"])
    assert result.exit_code == 2
    assert "fichier miroir introuvable" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_bad_sparql_is_exit_2_with_the_parser_message(run: CliRunner) -> None:
    result = run.invoke(cli, ["query", "SELEC ?x WHERE { ?x ?y ?z }"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Erreur : Requête SPARQL invalide : error at 1:")
    update = run.invoke(cli, ["query", "DROP ALL"])
    assert update.exit_code == 2
    assert "lecture seule" in update.stderr


def test_missing_query_file_is_exit_2(run: CliRunner) -> None:
    result = run.invoke(cli, ["query", "absente.rq"])
    assert result.exit_code == 2
    assert "absente.rq" in result.stderr


def test_validate_exits_1_on_nonconforming_data(run: CliRunner, settings: Settings) -> None:
    from registry.store import open_store

    store = open_store(settings)
    store._store.update(
        "INSERT DATA { GRAPH <http://registre.test/graph/source/x> { "
        "<http://registre.test/id/record/x/1> a "
        "<https://w3id.org/tiers-lieux/def/tl#SourceRecord> } }"
    )
    del store
    result = run.invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert "La fiche n'a pas de nom." in result.output


def test_harvest_needs_sources_or_all(run: CliRunner) -> None:
    assert run.invoke(cli, ["harvest"]).exit_code == 2
