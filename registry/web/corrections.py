"""« Signaler une erreur »: a form that queues a correction request for the curators.

Nothing a visitor sends is published: requests go to the private queue
(`registry.corrections`), which curators read with `tierslieux corrections`.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from ..corrections import (
    FIELDS,
    MAX_LENGTH,
    MIN_LENGTH,
    CorrectionQueue,
    TooManyReports,
    check_report,
    client_key,
    normalise_message,
)
from ..identity import GONE, MERGED
from . import context

bp = Blueprint("corrections", __name__)

SESSION_KEY = "signalement"  # the last request this browser sent: {"id", "lieu"}


def _place_name(place_id: str) -> str:
    """The name of a place one may report on; 404 (or 301 to its successor) otherwise."""
    entry = context.place_index().by_id.get(place_id)
    if entry is not None:
        return entry.name
    status = context.place_status(place_id)
    if status.get("status") == MERGED and status.get("replacedBy"):
        abort(redirect(url_for("corrections.form", place_id=status["replacedBy"]), code=301))
    if status.get("status") == GONE:  # no source lists it any more: maybe it reopened
        return status.get("label") or place_id
    abort(404)


def _render(place_id: str, name: str, chosen: str = "", message: str = "", **page: object) -> str:
    return render_template(
        "pages/report.html",
        place_id=place_id,
        place_name=name,
        fields=FIELDS,
        chosen=chosen,
        message=message,
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
        errors=page.pop("errors", {}),
        **page,
    )


@bp.get("/lieu/<place_id>/signaler")
def form(place_id: str) -> str:
    """The « Signaler une erreur » form of one place (no account needed)."""
    return _render(place_id, _place_name(place_id))


@bp.post("/lieu/<place_id>/signaler")
def submit(place_id: str) -> WerkzeugResponse | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Queue a valid report and redirect (303) to the thank-you page; 400 or 429 otherwise."""
    name = _place_name(place_id)
    chosen = request.form.get("champ", "")
    message = normalise_message(request.form.get("message", ""))
    errors = check_report(chosen, message)
    if errors:
        return _render(place_id, name, chosen, message, errors=errors), 400
    settings = context.settings()
    queue = CorrectionQueue(settings.corrections_path, settings.corrections_per_hour)
    client = client_key(request.remote_addr or "", current_app.config["SECRET_KEY"])
    try:
        queued = queue.submit(place_id, chosen, message, client, place_name=name)
    except TooManyReports as error:
        page = _render(place_id, name, chosen, message, limited=str(error))
        return page, 429, {"Retry-After": str(error.retry_after_s)}
    session[SESSION_KEY] = {"id": queued.id, "lieu": place_id}
    return redirect(url_for("corrections.done", place_id=place_id), code=303)


@bp.get("/lieu/<place_id>/signaler/merci")
def done(place_id: str) -> str:
    """Thanks: the request number (to this browser only) and what happens next."""
    name = _place_name(place_id)
    sent = session.get(SESSION_KEY) or {}
    number = sent.get("id", "") if sent.get("lieu") == place_id else ""
    return render_template(
        "pages/report_done.html", place_id=place_id, place_name=name, number=number
    )
