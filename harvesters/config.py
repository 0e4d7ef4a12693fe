"""Read `harvesters/sources.toml`: the configured sources."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from registry.errors import UnknownSource
from registry.paths import SOURCES_TOML


@dataclass(frozen=True)
class SourceConfig:
    """One source as `sources.toml` declares it."""

    id: str
    title: str
    publisher: str
    licence: str
    harvester: str
    url: str
    mirror: str
    landing_page: str = ""
    description: str = ""
    files: tuple[str, ...] = ()
    bundled: str = ""  # folder of the repository holding the files (a source the project ships)
    mapping: str = ""  # mapping file name for the "mapping" harvester (default: the source id)
    graph: str = ""  # another source's id: this one is an older vintage of it, same graph and keys
    # per-file overrides of `url + name` and `mirror + name` (a file from another publisher,
    # or stored gzip-compressed in the mirror)
    file_urls: dict[str, str] = field(default_factory=dict)
    file_mirrors: dict[str, str] = field(default_factory=dict)
    in_all: bool = (
        True  # harvested by `harvest --all` (false for vintages and network-only sources)
    )

    @property
    def dataset(self) -> str:
        """The source whose graph and record IRIs this one fills (itself, or `graph`)."""
        return self.graph or self.id

    def locations(self) -> list[tuple[str, str, str]]:
        """(file name, upstream URL, mirror path) of each file the source is made of."""
        if not self.files:
            return [(Path(self.mirror).name, self.url, self.mirror)]
        return [
            (
                name,
                self.file_urls.get(name) or (self.url + name if self.url else ""),
                self.file_mirrors.get(name) or self.mirror + name,
            )
            for name in self.files
        ]


def load_sources(path: Path = SOURCES_TOML) -> dict[str, SourceConfig]:
    """Every configured source, by id, in file order."""
    with path.open("rb") as stream:
        tables = tomllib.load(stream)
    return {
        key: SourceConfig(id=key, **{**value, "files": tuple(value.get("files", ()))})
        for key, value in tables.items()
    }


def get_source(source_id: str, path: Path = SOURCES_TOML) -> SourceConfig:
    """The source called `source_id`, or UnknownSource with the list of known ids."""
    sources = load_sources(path)
    if source_id not in sources:
        known = ", ".join(sources)
        raise UnknownSource(f"Source inconnue « {source_id} ». Sources configurées : {known}.")
    return sources[source_id]
