"""« Signaler une erreur »: the form, the private moderation queue and `tierslieux corrections`."""

from __future__ import annotations

import json
import multiprocessing
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from registry.cli import cli
from registry.corrections import (
    MAX_LENGTH,
    CorrectionQueue,
    TooManyReports,
    UnknownCorrection,
    client_key,
)
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import context, create_app

PLACE_NAME = "Fablab de l'Ain"
MESSAGE = "Le lieu est fermé le lundi depuis janvier (source : son site web)."


@pytest.fixture
def app(settings: Settings, loaded_store: OxigraphStore) -> Flask:
    return create_app(settings, store=loaded_store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def place_id(app: Flask) -> str:
    with app.app_context():
        (found,) = [e.id for e in context.place_index().entries if e.name == PLACE_NAME]
    return found


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TL_DATA_DIR", settings.data_dir)
    monkeypatch.setenv("TL_BASE_URI", settings.base_uri)
    return CliRunner()


def csrf_token(client: FlaskClient, place_id: str) -> str:
    page = client.get(f"/lieu/{place_id}/signaler").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def report(
    client: FlaskClient,
    place_id: str,
    champ: str = "horaires",
    message: str = MESSAGE,
    address: str = "198.51.100.7",
    token: str | None = "",
):
    data = {"champ": champ, "message": message}
    if token is not None:
        data["csrf_token"] = token or csrf_token(client, place_id)
    return client.post(
        f"/lieu/{place_id}/signaler", data=data, environ_base={"REMOTE_ADDR": address}
    )


def queued(settings: Settings) -> list:
    return CorrectionQueue(settings.corrections_path).read().requests


# --- The form --------------------------------------------------------------------------------


def test_form_names_the_place_and_asks_no_personal_data(client: FlaskClient, place_id: str) -> None:
    response = client.get(f"/lieu/{place_id}/signaler")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Signaler une erreur sur « Fablab de l&#39;Ain »</h1>" in page
    assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+">', page)
    assert '<label for="champ">' in page and '<select id="champ" name="champ"' in page
    assert '<label for="message">Quelle est la bonne information ?' in page
    assert 'maxlength="2000"' in page
    assert '<option value="statut">Statut : le lieu a fermé ou a déménagé</option>' in page
    for personal in ('type="email"', 'name="nom"', 'name="email"', 'name="courriel"'):
        assert personal not in page


def test_a_report_is_queued_thanked_and_never_published(
    client: FlaskClient, place_id: str, settings: Settings, loaded_store: OxigraphStore
) -> None:
    triples = loaded_store.count()
    response = report(client, place_id)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/lieu/{place_id}/signaler/merci"
    (request,) = queued(settings)
    assert (request.place_id, request.field, request.message) == (place_id, "horaires", MESSAGE)
    assert (request.status, request.place_name) == ("nouvelle", PLACE_NAME)
    assert datetime.fromisoformat(request.received).tzinfo is not None
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<span class="number">{request.id}</span>' in thanks
    assert "pas publié automatiquement" in thanks and "curateurs" in thanks
    assert loaded_store.count() == triples
    assert MESSAGE not in client.get(f"/lieu/{place_id}").get_data(as_text=True)


def test_thanks_page_of_another_browser_shows_no_number(
    app: Flask, client: FlaskClient, place_id: str
) -> None:
    report(client, place_id)
    page = app.test_client().get(f"/lieu/{place_id}/signaler/merci").get_data(as_text=True)
    assert "est enregistré." in page and 'class="number"' not in page


@pytest.mark.parametrize("token", [None, "pas-un-jeton"])
def test_a_post_without_a_valid_csrf_token_is_refused(
    client: FlaskClient, place_id: str, settings: Settings, token: str | None
) -> None:
    csrf_token(client, place_id)  # the session exists: only the token is missing or wrong
    response = report(client, place_id, token=token, address="198.51.100.8")
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    assert queued(settings) == []


def test_unknown_place_is_404(client: FlaskClient, place_id: str, settings: Settings) -> None:
    assert client.get("/lieu/inconnu0/signaler").status_code == 404
    assert client.get("/lieu/inconnu0/signaler/merci").status_code == 404
    token = csrf_token(client, place_id)
    assert report(client, "inconnu0", token=token).status_code == 404
    assert queued(settings) == []


@pytest.mark.parametrize(
    ("champ", "message", "wrong", "says"),
    [
        ("horaires", "   court   ", "message", "10 caractères au moins"),
        ("horaires", "x" * (MAX_LENGTH + 1), "message", "2001 caractères pour 2000 au plus"),
        ("prix", MESSAGE, "champ", "Choisissez dans la liste"),
        ("", MESSAGE, "champ", "Choisissez dans la liste"),
    ],
)
def test_an_invalid_report_is_shown_again_with_the_error_by_its_field(
    client: FlaskClient,
    place_id: str,
    settings: Settings,
    champ: str,
    message: str,
    wrong: str,
    says: str,
) -> None:
    response = report(client, place_id, champ=champ, message=message)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{wrong}-erreur">' in page and says in page
    field = re.search(rf'<(?:select|textarea) id="{wrong}"[^>]*>', page)
    assert field and 'aria-invalid="true"' in field.group(0)
    assert f"{wrong}-erreur" in field.group(0)  # aria-describedby
    assert queued(settings) == []


def test_a_2000_character_message_with_crlf_newlines_is_accepted(
    client: FlaskClient, place_id: str, settings: Settings
) -> None:
    message = ("a" * 99 + "\r\n") * 20  # 2000 characters once CRLF counts as one, as browsers do
    assert report(client, place_id, message=message).status_code == 303
    (request,) = queued(settings)
    assert len(request.message) == MAX_LENGTH - 1  # stripped of its final newline


def test_markup_is_stored_as_text_and_shown_escaped(
    client: FlaskClient, place_id: str, settings: Settings, run: CliRunner
) -> None:
    script = "<script>alert('x')</script> horaires\x1b[31m faux"
    shown = report(client, place_id, champ="prix", message=script).get_data(as_text=True)
    assert "<script>alert" not in shown and "&lt;script&gt;alert" in shown
    assert report(client, place_id, message=script).status_code == 303
    (request,) = queued(settings)
    assert request.message == "<script>alert('x')</script> horaires[31m faux"  # no ESC
    listing = run.invoke(cli, ["corrections"])
    assert "<script>alert('x')</script> horaires[31m faux" in listing.output
    assert "\x1b" not in listing.output


# --- Rate limit and privacy ------------------------------------------------------------------


def test_rate_limit_per_client_and_per_hour(
    settings: Settings, loaded_store: OxigraphStore
) -> None:
    app = create_app(replace(settings, corrections_per_hour=2), store=loaded_store)
    client = app.test_client()
    with app.app_context():
        place_id = context.place_index().entries[0].id
    assert report(client, place_id).status_code == 303
    assert report(client, place_id).status_code == 303
    limited = report(client, place_id)
    assert limited.status_code == 429
    assert "réessayez dans une heure" in limited.get_data(as_text=True)
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    assert MESSAGE in limited.get_data(as_text=True)  # the text typed is not lost
    assert report(client, place_id, address="192.0.2.44").status_code == 303
    assert len(queued(settings)) == 3


def test_the_limit_is_a_rolling_hour(tmp_path: Path) -> None:
    queue = CorrectionQueue(tmp_path / "q.jsonl", per_hour=2)
    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    queue.submit("p1", "nom", MESSAGE, "client", now=start)
    queue.submit("p1", "nom", MESSAGE, "client", now=start + timedelta(minutes=30))
    with pytest.raises(TooManyReports) as raised:
        queue.submit("p1", "nom", MESSAGE, "client", now=start + timedelta(minutes=59))
    assert raised.value.retry_after_s == 60  # when the first one leaves the hour
    queue.submit("p1", "nom", MESSAGE, "client", now=start + timedelta(minutes=61))
    assert len(queue.read().requests) == 3


def test_the_client_address_is_never_stored(
    app: Flask, client: FlaskClient, place_id: str, settings: Settings
) -> None:
    assert report(client, place_id, address="203.0.113.77").status_code == 303
    text = settings.corrections_path.read_text(encoding="utf-8")
    assert "203.0.113.77" not in text and "203.0.113" not in text
    (request,) = queued(settings)
    assert request.client == client_key("203.0.113.77", app.config["SECRET_KEY"])
    assert len(request.client) == 16 and request.client != client_key("203.0.113.77", "other")
    assert settings.corrections_path.stat().st_mode & 0o077 == 0  # private to its owner


def test_an_ipv6_client_is_keyed_by_its_64_network() -> None:
    same = client_key("2001:db8:1:2::1", "k"), client_key("2001:db8:1:2:ffff::9", "k")
    assert same[0] == same[1] != client_key("2001:db8:1:3::1", "k")


def _append_many(path: str, tag: str, start: Barrier) -> None:
    queue = CorrectionQueue(Path(path), per_hour=1000)
    start.wait(30)  # both processes append at the same time
    for number in range(50):
        queue.submit(f"lieu-{tag}", "autre", f"{tag} message numéro {number}", f"client-{tag}")


def test_two_processes_appending_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "private" / "corrections.jsonl"
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(2)
    workers = [spawn.Process(target=_append_many, args=(str(path), t, start)) for t in "ab"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 100
    assert all(json.loads(line)["kind"] == "request" for line in lines)
    contents = CorrectionQueue(path).read()
    assert contents.unreadable == [] and len({r.id for r in contents.requests}) == 100


def test_unreadable_lines_are_skipped_and_reported(
    settings: Settings, run: CliRunner, tmp_path: Path
) -> None:
    path = settings.corrections_path
    queue = CorrectionQueue(path)
    first = queue.submit("p1", "nom", MESSAGE, "c1")
    with path.open("a", encoding="utf-8") as handle:
        handle.write('pas du json\n{"kind": "status", "id": "absent"}\n{"kind": "request", "id')
    second = queue.submit("p2", "adresse", MESSAGE, "c1")  # starts on a line of its own
    contents = queue.read()
    assert [r.id for r in contents.requests] == [first.id, second.id]
    assert contents.unreadable == [2, 3, 4]
    listing = run.invoke(cli, ["corrections"])
    assert listing.exit_code == 0
    assert "lignes illisibles ignorées (2, 3, 4)" in listing.stderr


# --- Curators: `tierslieux corrections` ------------------------------------------------------


def test_curators_list_and_close_requests(
    client: FlaskClient, place_id: str, run: CliRunner
) -> None:
    assert run.invoke(cli, ["corrections"]).output.endswith("(0 demande ouverte)\n")
    report(client, place_id)
    report(client, place_id, champ="statut", message="Le lieu a déménagé rue Bichat.")
    table = run.invoke(cli, ["corrections"])
    assert table.exit_code == 0, table.output
    assert table.output.splitlines()[0].split() == [
        *("n°", "reçue", "(UTC)", "statut", "lieu", "champ", "message"),
    ]
    assert f"{place_id} Fablab de l'Ain" in table.output and "horaires" in table.output
    assert "(2 demandes ouvertes)" in table.output
    listed = json.loads(run.invoke(cli, ["corrections", "--format", "json"]).output)
    assert [(r["field"], r["status"]) for r in listed] == [
        ("horaires", "nouvelle"),
        ("statut", "nouvelle"),
    ]
    first, second = (r["id"] for r in listed)
    assert first in table.output

    accepted = run.invoke(cli, ["corrections", "--accepter", first])
    assert accepted.exit_code == 0
    assert accepted.output == f"Demande {first} acceptée (lieu {place_id}).\n"
    assert run.invoke(cli, ["corrections", "--rejeter", second]).exit_code == 0
    still_open = run.invoke(cli, ["corrections"]).output
    assert first not in still_open and second not in still_open
    everything = json.loads(run.invoke(cli, ["corrections", "--tous", "--format", "json"]).output)
    assert [r["status"] for r in everything] == ["acceptee", "rejetee"]
    assert all(r["closed"] for r in everything)

    again = run.invoke(cli, ["corrections", "--rejeter", first])
    assert again.exit_code == 2
    assert again.stderr == f"Erreur : La demande n° {first} est déjà close (acceptee).\n"
    unknown = run.invoke(cli, ["corrections", "--accepter", "00000000"])
    assert unknown.exit_code == 2 and "Aucune demande de correction n° 00000000" in unknown.stderr
    both = run.invoke(cli, ["corrections", "--accepter", first, "--rejeter", second])
    assert both.exit_code == 2


def test_closing_needs_an_open_request(tmp_path: Path) -> None:
    queue = CorrectionQueue(tmp_path / "q.jsonl")
    with pytest.raises(UnknownCorrection):
        queue.close("abcdef01", "acceptee")
    request = queue.submit("p1", "nom", MESSAGE, "c1")
    assert queue.close(request.id, "rejetee").status == "rejetee"
    (closed,) = queue.read().requests
    assert (closed.status, closed.is_open) == ("rejetee", False)
