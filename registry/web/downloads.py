"""`/donnees/…`: the dumps `tierslieux publish` writes, served as static files.

`/donnees/{stamp}/{file}` serves one file of a published version (they never change), and
`/donnees/latest/{file}` the same file of the newest version; `/donnees/versions.json` lists the
versions and `/donnees/contexte.jsonld` is the JSON-LD context of the newest one. Gzip files are
downloads of gzip files (`application/gzip`), not compressed responses: their sha256 is the one
`dumps.json` gives.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, send_from_directory

from ..dumps import FOLDER, dumps_root, latest_stamp, published_at, published_stamps, read_metadata
from . import context

bp = Blueprint("downloads", __name__)

METADATA = "dumps.json"
CONTEXT = "contexte.jsonld"
DATED_MAX_AGE = 365 * 24 * 3600  # a dated version never changes
LATEST_MAX_AGE = 300  # `latest` moves with each publication
TEXT_TYPES = ("text/", "application/json", "application/ld+json", "application/geo+json")


@bp.after_request
def allow_any_origin(response: Response) -> Response:
    """Open data: any web page may fetch the dumps."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get(f"/{FOLDER}/versions.json")
def versions() -> Response:
    """The published versions, newest first, with where their files are described."""
    settings = context.settings()
    base = settings.base_uri
    listed = [
        {"version": stamp, "publie_le": published_at(stamp),
         "dumps": f"{base}{FOLDER}/{stamp}/{METADATA}"}
        for stamp in published_stamps(settings)
    ]  # fmt: skip
    response = jsonify({"derniere": latest_stamp(settings), "versions": listed})
    response.cache_control.max_age = LATEST_MAX_AGE
    return response


@bp.get(f"/{FOLDER}/{CONTEXT}")
def jsonld_context() -> Response:
    """The JSON-LD context of the newest version (`lieux.jsonld.gz` embeds the same)."""
    return _send("latest", CONTEXT)


@bp.get(f"/{FOLDER}/<stamp>/<name>")
def dump(stamp: str, name: str) -> Response:
    """One file of a published version, or of the newest one (`latest`)."""
    return _send(stamp, name)


def _send(stamp: str, name: str) -> Response:
    settings = context.settings()
    dated = stamp != "latest"
    found = stamp if dated else latest_stamp(settings)
    entries = read_metadata(settings, found) if found else None
    if found is None or entries is None:
        abort(404)
    media_types = {
        str(e.get("fichier")): str(e.get("media_type") or "")
        for e in entries
        if isinstance(e, dict)
    }
    media_types[METADATA] = "application/json"
    if name not in media_types:
        abort(404)
    folder = (dumps_root(settings) / found).resolve()
    response = send_from_directory(
        folder, name, conditional=True, max_age=DATED_MAX_AGE if dated else LATEST_MAX_AGE
    )
    media_type = media_types[name] or "application/octet-stream"
    response.headers.pop("Content-Encoding", None)  # send_file guesses "gzip" from the name
    if name.endswith(".gz"):
        response.content_type = "application/gzip"
    elif media_type.startswith(TEXT_TYPES):
        response.content_type = f"{media_type}; charset=utf-8"
    else:
        response.content_type = media_type
    if name.endswith((".gz", ".csv")):  # files to save, not to show
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if not dated:
        response.headers["Content-Location"] = f"/{FOLDER}/{found}/{name}"
    return response
