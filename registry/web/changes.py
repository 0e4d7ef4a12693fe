"""The change feed: an HTML changelog and an ActivityStreams 2.0 feed that aggregators poll.

`GET /changements/flux` is an `OrderedCollection` of every change since the first publication,
oldest first, in pages of PAGE_SIZE events: page n holds the events numbered (n-1)·PAGE_SIZE+1
to n·PAGE_SIZE, so a full page never changes and can be cached. `?depuis=N` answers the events
after number N (at most PAGE_SIZE), with a `next` link while there are more: an aggregator keeps
the last number it applied and polls from there (docs/aggregators.md).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for

from ..changes import (
    ADDED,
    CHANGED,
    REMOVED,
    Change,
    Publication,
    read_changes,
    read_publications,
)
from ..errors import QueryRejected
from ..vocabulary import label
from . import context

bp = Blueprint("changes", __name__)

PAGE_SIZE = 100
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
ACTIVITY = {ADDED: "Create", CHANGED: "Update", REMOVED: "Delete"}
FEED_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def field_label(key: str) -> str:
    """A field of the fingerprints (`predicate` or `node/predicate`) in French."""
    node, _, predicate = key.rpartition("/http")
    name = label("http" + predicate) if predicate else label(key)
    return f"{name} ({node})" if node else name


def _activity(change: Change) -> dict[str, Any]:
    base = context.settings().base_uri
    item: dict[str, Any] = {
        "id": f"{base}changements/flux?evenement={change.seq}",
        "type": ACTIVITY[change.kind],
        "published": change.published,
        "object": {"id": str(context.minter().place(change.place_id)), "type": "Place"},
        "tl:numero": change.seq,
        "tl:publication": change.publication,
    }
    if change.name:
        item["object"]["name"] = change.name
    if change.fields:
        item["tl:champs"] = change.fields
        item["summary"] = "Modifié : " + ", ".join(field_label(f) for f in change.fields)
    return item


def _feed(body: dict[str, Any]) -> Response:
    document = {"@context": [AS_CONTEXT, {"tl": "https://w3id.org/tiers-lieux/def/tl#"}], **body}
    response = Response(json.dumps(document, ensure_ascii=False), content_type=FEED_TYPE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/changements/flux")
def feed() -> Response:
    """The change feed (ActivityStreams 2.0), by page or after a sequence number."""
    data_path = context.settings().data_path
    publications = read_publications(data_path)
    total = max((p.last_seq for p in publications), default=0)
    pages = max(1, -(-total // PAGE_SIZE))
    here = url_for("changes.feed", _external=True)
    if "depuis" in request.args:
        after = _integer("depuis", 0, total)
        items = read_changes(data_path, after=after, limit=PAGE_SIZE)
        body: dict[str, Any] = {
            "id": f"{here}?depuis={after}",
            "type": "OrderedCollectionPage",
            "partOf": here,
            "orderedItems": [_activity(c) for c in items],
        }
        if items and items[-1].seq < total:
            body["next"] = f"{here}?depuis={items[-1].seq}"
        return _feed(body)
    if "page" in request.args:
        page = _integer("page", 1, pages)
        first = (page - 1) * PAGE_SIZE
        items = read_changes(data_path, after=first, limit=PAGE_SIZE)
        body = {
            "id": f"{here}?page={page}",
            "type": "OrderedCollectionPage",
            "partOf": here,
            "startIndex": first,
            "orderedItems": [_activity(c) for c in items],
        }
        if page > 1:
            body["prev"] = f"{here}?page={page - 1}"
        if page < pages:
            body["next"] = f"{here}?page={page + 1}"
        return _feed(body)
    return _feed(
        {
            "id": here,
            "type": "OrderedCollection",
            "summary": "Lieux ajoutés, modifiés et supprimés à chaque publication du registre",
            "totalItems": total,
            "first": f"{here}?page=1",
            "last": f"{here}?page={pages}",
            "updated": publications[-1].published if publications else None,
        }
    )


def _integer(name: str, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise QueryRejected(f"« {name} » doit être un entier entre {low} et {high}.")
    return int(raw)


@bp.get("/changements")
def changelog() -> str:
    """The changelog: each publication with its counts, and the latest changes."""
    data_path = context.settings().data_path
    publications = list(reversed(read_publications(data_path)))
    chosen = request.args.get("publication", "")
    shown: Publication | None
    if chosen:
        matching = [p for p in publications if p.stamp == chosen]
        if not matching:
            abort(404)
        shown = matching[0]
    else:
        shown = publications[0] if publications else None
    changes = []
    if shown is not None and shown.first_seq:
        changes = read_changes(data_path, after=shown.first_seq - 1, limit=500)
        changes = [c for c in changes if c.publication == shown.stamp]
    return render_template(
        "pages/changes.html",
        publications=publications,
        shown=shown,
        changes=changes,
        labels={ADDED: "ajouté", CHANGED: "modifié", REMOVED: "supprimé"},
        field_label=field_label,
    )
