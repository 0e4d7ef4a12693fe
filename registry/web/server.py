"""Run the app under gunicorn, the production WSGI server (never Flask's development server)."""

from __future__ import annotations

from typing import Any

from gunicorn import util
from gunicorn.app.base import BaseApplication

from ..settings import Settings
from .errors import MESSAGES


def french_error(sock: Any, status: int, reason: str, message: str) -> None:
    """What gunicorn answers itself (a request line or headers it cannot read), in French.

    Replaces gunicorn's `util.write_error`, an English HTML page quoting the request.
    """
    body = (MESSAGES.get(status, MESSAGES[400]) + "\n").encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"
        "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
        "X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class RegistryServer(BaseApplication):
    """A gunicorn application whose workers each build the app from `settings`."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Pass our options to gunicorn's config."""
        for key, value in self.options.items():
            self.cfg.set(key, value)
        util.write_error = french_error  # the workers, forked from here, answer in French

    def load(self) -> Any:
        """Build the WSGI app in the worker (each worker opens the snapshot read-only)."""
        from . import create_app

        return create_app(self.settings)


def run(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve on host:port with `workers` processes of 4 threads each, until interrupted."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 120,
        "accesslog": "-",
        "errorlog": "-",
    }
    RegistryServer(settings, options).run()
