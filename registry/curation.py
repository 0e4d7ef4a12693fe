"""The curators' decisions on reconciliation: `curation/decisions.toml` (reviewed in the repo).

Records are named `source/key`; a decision naming a record no source holds any more is kept
and ignored (it may come back), and reported by `tierslieux publish`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigurationError
from .iris import Minter
from .paths import ROOT

DECISIONS = ROOT / "curation" / "decisions.toml"


@dataclass
class Decisions:
    """Same-place and different-places groups of record IRIs, and withdrawn place ids."""

    same: list[tuple[list[str], str]] = field(default_factory=list)
    different: list[tuple[list[str], str]] = field(default_factory=list)
    withdrawn: dict[str, str] = field(default_factory=dict)  # place id → reason


def load_decisions(minter: Minter, path: Path = DECISIONS) -> Decisions:
    """Read the decisions file (none: no decisions)."""
    if not path.is_file():
        return Decisions()
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{path.name} : TOML invalide ({error}).") from error
    decisions = Decisions()
    for kind, target in (("meme-lieu", decisions.same), ("lieux-differents", decisions.different)):
        for number, entry in enumerate(tables.get(kind, []), start=1):
            names = entry.get("fiches", [])
            if len(names) < 2 or not all(isinstance(n, str) and "/" in n for n in names):
                raise ConfigurationError(
                    f"{path.name} : [[{kind}]] n° {number} doit nommer au moins deux fiches "
                    "« source/clé »."
                )
            records = [str(minter.record(*name.split("/", 1))) for name in names]
            target.append((records, str(entry.get("motif", ""))))
    for number, entry in enumerate(tables.get("retrait", []), start=1):
        if not isinstance(entry.get("lieu"), str) or not entry.get("motif"):
            raise ConfigurationError(
                f"{path.name} : [[retrait]] n° {number} doit donner « lieu » et « motif »."
            )
        decisions.withdrawn[entry["lieu"]] = str(entry["motif"])
    return decisions
