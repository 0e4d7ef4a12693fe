"""`/sante`: the liveness probe of a web worker, for load balancers and monitoring.

It answers without touching the store (whether the registry is published is `/`'s business), so
it is also the hello-world baseline of the HTTP benchmarks (bench/http_load.py).
"""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint("health", __name__)


@bp.get("/sante")
def alive() -> Response:
    """This worker answers."""
    response = Response("ok\n", content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response
