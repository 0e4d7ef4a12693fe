"""Map the registry's errors to HTTP statuses and French pages, in one place."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wsgi import LimitedStream

from ..errors import NotPublished, QueryRejected, RegistryError, StoreUnavailable

log = logging.getLogger(__name__)

MESSAGES = {
    400: "Requête invalide.",
    403: "Accès refusé.",
    404: "Cette page n'existe pas.",
    405: "Méthode HTTP non autorisée ici.",
    406: "Aucun des formats demandés n'est disponible.",
    410: "Ce lieu a été retiré du registre par ses curateurs ; son adresse reste réservée.",
    413: "Requête trop volumineuse.",
    414: "Adresse (URL) trop longue.",
    415: "Type de contenu non pris en charge.",
    429: "Trop de requêtes : réessayez dans une minute.",
    431: "En-têtes de la requête trop volumineux.",
    500: "Erreur interne : l'équipe du registre a été prévenue.",
    503: "Service momentanément indisponible.",
}
# A body over MAX_CONTENT_LENGTH is refused before it is read. A client still sending it would
# get a connection reset instead of the 413 when the server closes (`Connection: close`), so a
# body up to this size is read and dropped first; a larger one is not worth reading.
DRAIN_BYTES = 16 * 1024 * 1024


def answer(status: int, message: str) -> Response:
    """A French error answer: an HTML page for browsers, plain text for /sparql and programs."""
    if request.path.startswith("/sparql") or not request.accept_mimetypes.accept_html:
        body = message + "\n"
        response = Response(body, status=status, content_type="text/plain; charset=utf-8")
    else:
        page = render_template("pages/error.html", status=status, message=message)
        response = Response(page, status=status, content_type="text/html; charset=utf-8")
    if request.path.startswith("/sparql"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def drain_refused_body() -> None:
    """Read and drop a body refused unread for its Content-Length, up to DRAIN_BYTES."""
    length, cap = request.content_length, current_app.config.get("MAX_CONTENT_LENGTH")
    if not length or not cap or not cap < length <= DRAIN_BYTES:
        return  # within the cap (maybe partly read already), or too large to read for nothing
    stream = LimitedStream(request.environ["wsgi.input"], length)
    try:
        while stream.read(64 * 1024):
            pass
    except (OSError, HTTPException):  # the client went away: nothing left to answer
        pass


def register(app: Flask) -> None:
    """Install the error handlers on `app`."""

    @app.errorhandler(QueryRejected)
    def query_rejected(error: QueryRejected) -> Response:
        return answer(error.status, str(error))

    @app.errorhandler(NotPublished)
    @app.errorhandler(StoreUnavailable)
    def unavailable(error: RegistryError) -> Response:
        log.warning("store unavailable: %s", error)
        return answer(503, str(error))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        return answer(
            400,
            "Le formulaire a expiré ou ne vient pas de ce site : rechargez la page et "
            "envoyez-le de nouveau.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if status == 413:
            drain_refused_body()
        response = answer(status, MESSAGES.get(status, error.description or ""))
        for name, value in error.get_headers():  # the Allow of a 405 (RFC 9110 §15.5.6)
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.error("unexpected error on %s", request.path, exc_info=error)
        return answer(500, MESSAGES[500])
