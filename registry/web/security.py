"""What every response of a public site carries: security headers, CSRF on forms, a signing key.

The Content-Security-Policy allows scripts from this site only (no inline script: pages pass their
data to scripts in `<script type="application/json">` blocks), images from the configured tile
server, and framing only for the embeddable widget (`/widget`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

from ..errors import StorageUnavailable, disk_error
from ..settings import Settings

csrf = CSRFProtect()

# Paths any site may show in a frame (the embeddable widget).
FRAMEABLE = ("/widget",)
# The largest request body read (Flask's MAX_CONTENT_LENGTH; beyond it, 413 « Requête trop
# volumineuse. »). Above what /sparql must accept: a query of MAX_QUERY_CHARS = 100,000
# characters, 4 bytes each in UTF-8 and percent-encoded in a form (×3), is 1.2 MB; such a query
# is answered, and a longer one gets /sparql's own 413. Without a cap, a form POST of any size
# was read into memory (to look for its CSRF token). Override with FLASK_MAX_CONTENT_LENGTH.
MAX_BODY_BYTES = 2 * 1024 * 1024


def secret_key(settings: Settings) -> str:
    """`TL_SECRET_KEY`, else a random key created once in {data_dir}/private (mode 0600).

    Every web worker of one deployment reads the same file, so a form served by one worker is
    accepted by another.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_path / "private" / "secret-key"
    if not path.exists():
        # Written aside, then linked into place: a worker starting at the same time never reads
        # a key file still empty (it would sign nothing, and its forms would fail).
        written = path.with_name(f".secret-key.{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            os.link(written, path)
        except FileExistsError:  # another worker's key came first: every worker uses it
            pass
        except OSError as error:  # a read-only or full data folder: say what to do
            known = disk_error(error, path.parent)
            raise StorageUnavailable(
                f"{known or error} La clé qui signe les formulaires n'a pas pu être créée : "
                "définissez TL_SECRET_KEY."
            ) from error
        finally:
            written.unlink(missing_ok=True)
    return Path(path).read_text(encoding="ascii").strip()


def tile_origin(tile_url: str) -> str:
    """The CSP source of a tile URL template (`https://{s}.tile.x.org/…` → `https://*.tile.x.org`)."""
    parts = urlsplit(tile_url.replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: Settings, frameable: bool) -> str:
    """The CSP of a page: own scripts only; tiles from the configured server."""
    images = " ".join(filter(None, ["'self'", "data:", tile_origin(settings.tile_url)]))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # Leaflet positions markers and tiles with style attributes.
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors *" if frameable else "frame-ancestors 'none'",
        ]
    )


def install(app: Flask, settings: Settings) -> None:
    """Signing key, CSRF protection of every form, and the headers of every response."""
    if not app.config.get("SECRET_KEY"):  # FLASK_SECRET_KEY wins; Flask's default is None
        app.config["SECRET_KEY"] = secret_key(settings)
    # Flask's defaults hold these keys (SameSite None, no body cap): setdefault would keep them.
    for key, value in (("SESSION_COOKIE_SAMESITE", "Lax"), ("MAX_CONTENT_LENGTH", MAX_BODY_BYTES)):
        if app.config.get(key) is None:  # FLASK_SESSION_COOKIE_SAMESITE… still win
            app.config[key] = value
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 4 * 3600)
    csrf.init_app(app)
    policies = {
        frameable: content_security_policy(settings, frameable) for frameable in (True, False)
    }

    @app.after_request
    def headers(response: Response) -> Response:
        frameable = request.path.startswith(FRAMEABLE)
        response.headers.setdefault("Content-Security-Policy", policies[frameable])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if not frameable:
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response
