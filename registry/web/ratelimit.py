"""Per-client rate limits on the machine-facing endpoints: /sparql and /api.

A moving window of one minute per client (its IP address, or the one a trusted reverse proxy
gives: `TL_PROXIES`) and per endpoint family, counted by the `limits` library in this process's
memory. Each web worker counts on its own, so with `--workers N` a client may get up to N times
the limit: the limit is there to keep one client from taking every query worker, not to bill.
Pages, dumps and the catalogue are not limited (they are cheap, and cached by any proxy).
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, request
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix

from ..settings import Settings
from .errors import answer

# Endpoint family → (path prefix, settings field holding its requests per minute).
FAMILIES = {"sparql": ("/sparql", "sparql_per_minute"), "api": ("/api/", "api_per_minute")}


def install(app: Flask, settings: Settings) -> None:
    """Count each client's requests to /sparql and /api; answer 429 beyond the limit."""
    if settings.proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxies)  # type: ignore[method-assign]
    items = {
        family: (prefix, RateLimitItemPerMinute(getattr(settings, field)))
        for family, (prefix, field) in FAMILIES.items()
        if getattr(settings, field) > 0
    }
    if not items:
        return
    limiter = MovingWindowRateLimiter(MemoryStorage())

    @app.before_request
    def limit() -> Response | None:
        for family, (prefix, item) in items.items():
            if request.path.startswith(prefix):
                client = request.remote_addr or "?"
                if limiter.hit(item, family, client):
                    return None
                reset = limiter.get_window_stats(item, family, client).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                response = answer(
                    429,
                    f"Trop de requêtes : {item.amount} par minute au plus sur ce point d'accès. "
                    f"Réessayez dans {wait} s.",
                )
                response.headers["Retry-After"] = str(wait)
                return response
        return None
