"""Runtime settings, declared once and read from ``TL_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Runtime settings; each field appears in the README configuration table (a test checks)."""

    data_dir: str = "var"  # working store, snapshots, archive of fetched files, reports
    base_uri: str = "http://127.0.0.1:8000/"  # every IRI the registry mints starts with it
    mirror_dir: str = ""  # when set, harvesters read this folder instead of the upstream URLs
    store_url: str = ""  # "" = Oxigraph in {data_dir}/store; "memory:"; or a SPARQL endpoint URL
    store_update_url: str = ""  # remote store: its SPARQL Update URL ("" = store_url)
    store_graph_store_url: str = ""  # remote store: its Graph Store Protocol URL ("" = none)
    store_user: str = ""  # remote store: user for updates (HTTP digest), never logged
    store_password: str = ""  # remote store: that user's password, never logged
    store_timeout_s: int = 300  # remote store: timeout of each request to it
    http_timeout_s: int = 60  # timeout of each HTTP request made by a harvester
    criteria_profile: str = ""  # thresholds of the six criteria: a Turtle file ("" = defaut.ttl)
    secret_key: str = ""  # signs the site's forms (CSRF); "" = a key kept in {data_dir}/private
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"  # map background tiles
    tile_attribution: str = "© les contributeurs d'OpenStreetMap"  # credit shown on the maps
    corrections_per_hour: int = 10  # error reports one client may send per hour
    sparql_timeout_s: int = 30  # a public SPARQL query is stopped after this many seconds
    sparql_workers: int = 2  # query processes per web worker (a runaway query holds one)
    sparql_max_result_mb: int = 100  # the largest answer /sparql sends, in megabytes
    sparql_per_minute: int = 60  # /sparql requests one client may send per minute (0 = no limit)
    api_per_minute: int = 600  # /api requests one client may send per minute (0 = no limit)
    proxies: int = 0  # reverse proxies in front of the site, trusted for X-Forwarded-For

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Read ``TL_<FIELD>`` variables over the defaults (str and int fields only)."""
        base = cls()
        found = {
            f.name: type(getattr(base, f.name))(env[key])
            for f in fields(cls)
            if (key := f"TL_{f.name.upper()}") in env
        }
        return replace(base, **found)

    def __repr__(self) -> str:  # never the store's password
        hidden = "***"
        shown = replace(self, store_password=hidden) if self.store_password else self
        return (
            "Settings("
            + ", ".join(f"{f.name}={getattr(shown, f.name)!r}" for f in fields(self))
            + ")"
        )

    def __post_init__(self) -> None:
        if not self.base_uri.endswith("/"):
            object.__setattr__(self, "base_uri", self.base_uri + "/")

    @property
    def data_path(self) -> Path:
        """The data directory as a path."""
        return Path(self.data_dir)

    @property
    def corrections_path(self) -> Path:
        """The moderation queue of error reports (never published)."""
        return self.data_path / "private" / "corrections.jsonl"

    @property
    def remote_store(self) -> bool:
        """Whether the store is a SPARQL server (TL_STORE_URL is an http(s) URL)."""
        return self.store_url.startswith(("http://", "https://"))

    @property
    def store_path(self) -> Path | None:
        """Directory of the working Oxigraph store, or None (in memory, or a remote store)."""
        if self.store_url == "memory:" or self.remote_store:
            return None
        return Path(self.store_url) if self.store_url else self.data_path / "store"
