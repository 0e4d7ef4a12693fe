"""`/sparql`: the SPARQL 1.1 Protocol, read-only, over the published snapshot."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from ..errors import QueryRejected
from ..paths import EXAMPLE_QUERIES
from ..sparql import format_parameter, media_types_for, run_query
from . import context

bp = Blueprint("sparql", __name__)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"


def _query_text() -> str | None:
    """The query of a GET, a form POST or a direct POST (SPARQL 1.1 Protocol §2.1)."""
    if request.method == "GET":
        return request.args.get("query")
    mimetype = request.mimetype
    if mimetype == QUERY_TYPE:
        return request.get_data(as_text=True)
    if mimetype in (FORM_TYPE, "multipart/form-data"):
        if "update" in request.form:
            raise QueryRejected(
                "Les mises à jour SPARQL sont refusées : ce point d'accès est en lecture seule.",
                status=403,
            )
        return request.form.get("query")
    if mimetype == UPDATE_TYPE:
        raise QueryRejected(
            "Les mises à jour SPARQL sont refusées : ce point d'accès est en lecture seule.",
            status=403,
        )
    raise QueryRejected(
        f"Type de contenu non pris en charge : {mimetype or '(aucun)'}. Utilisez {QUERY_TYPE} "
        f"ou {FORM_TYPE}.",
        status=415,
    )


def _graph_list(name: str) -> list[str]:
    source = request.args if request.method == "GET" else request.values
    return source.getlist(name)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str:
    """Answer a SPARQL query, or show the query page when there is none."""
    text = _query_text()
    if not text:
        return render_template(
            "pages/sparql.html",
            example=(EXAMPLE_QUERIES / "places-by-region.rq").read_text(encoding="utf-8"),
        )
    result = run_query(
        context.store(),
        text,
        default_graphs=_graph_list("default-graph-uri"),
        named_graphs=_graph_list("named-graph-uri"),
    )
    offered = media_types_for(result.kind)
    wanted = request.values.get("format", "")
    media_type = format_parameter(wanted) if wanted else None
    if media_type not in offered:
        media_type = request.accept_mimetypes.best_match(offered, default=offered[0])
    response = Response(result.serialize(media_type), content_type=_with_charset(media_type))
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _with_charset(media_type: str) -> str:
    return media_type if media_type.endswith("+xml") else f"{media_type}; charset=utf-8"
