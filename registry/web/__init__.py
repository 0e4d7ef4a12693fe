"""The Flask app: a French site, dereferenceable URIs and /sparql over the published snapshot."""

from __future__ import annotations

from flask import Flask

from ..paths import SITE
from ..publication import SnapshotFollower
from ..remote_store import RemoteFollower
from ..settings import Settings
from ..store import Store


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    """Build the web app. Tests pass `settings` and an in-memory `store`; production reads TL_*.

    Without `store`, every request reads the snapshot `tierslieux publish` last made current,
    or the remote store `TL_STORE_URL` names (registry.remote_store.RemoteFollower).
    """
    settings = settings or Settings.from_env()
    app = Flask(
        __name__,
        template_folder=str(SITE / "templates"),
        static_folder=str(SITE / "static"),
        static_url_path="/static",
    )
    app.config.from_prefixed_env()  # Flask's own keys only (FLASK_SECRET_KEY…)
    app.extensions["tl.settings"] = settings
    follower = RemoteFollower(settings) if settings.remote_store else SnapshotFollower(settings)
    app.extensions["tl.store"] = store if store is not None else follower
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from . import (
        api,
        catalog,
        changes,
        corrections,
        downloads,
        errors,
        health,
        pages,
        ratelimit,
        resources,
        security,
        sparql,
        territories,
        vocab,
    )

    security.install(app, settings)
    ratelimit.install(app, settings)
    for module in (
        pages,
        territories,
        corrections,
        resources,
        sparql,
        vocab,
        api,
        downloads,
        catalog,
        changes,
        health,
    ):
        app.register_blueprint(module.bp)
    security.csrf.exempt(sparql.bp)  # the SPARQL protocol's POST is not a form of this site
    security.csrf.exempt(api.bp)
    errors.register(app)

    # Globals, so that imported template macros (partials/map.html) see them too.
    app.jinja_env.globals.update(
        tile_url=settings.tile_url, tile_attribution=settings.tile_attribution
    )
    return app
