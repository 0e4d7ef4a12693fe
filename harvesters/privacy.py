"""Persons are never published: the values of personal columns, remembered across sources.

A mapping declares the columns that name persons; their values are dropped, and also removed from
every other cell that repeats them (a name typed into an address). The values are remembered in
`{data_dir}/private/personal-values.json` (never published, never served) so that another source
carrying the same names (a transformed copy of the same form) is cleaned too; `harvest --all`
harvests the sources that declare personal columns first.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from registry.settings import Settings

from . import fields

log = logging.getLogger(__name__)


def _path(settings: Settings) -> Path:
    return settings.data_path / "private" / "personal-values.json"


def load_personal_values(settings: Settings) -> set[str]:
    """The personal values remembered so far (casefolded)."""
    path = _path(settings)
    if not path.is_file():
        return set()
    return set(json.loads(path.read_text(encoding="utf-8")))


def save_personal_values(settings: Settings, values: set[str]) -> None:
    """Remember personal values for the next harvests (a private file, mode 600)."""
    if not values:
        return
    path = _path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sorted(values), ensure_ascii=False), encoding="utf-8")
    path.chmod(0o600)


def collect(row: dict[str, Any], columns: Iterable[str]) -> set[str]:
    """Remove the personal columns from `row`; return their usable values, casefolded."""
    values = set()
    for column in columns:
        value = row.pop(column, None)
        text = fields.clean_text(str(value)) if value is not None else ""
        # a name ("Prénom Nom"), an e-mail or a phone number: a lone word may be the structure's
        # own name typed into the referent field ("LAB01"), and must not blank the record
        looks_like_person = " " in text or "@" in text or sum(c.isdigit() for c in text) >= 9
        if len(text) > 3 and looks_like_person and not fields.is_blank(text):
            values.add(text.casefold())
    return values


def scrub(row: dict[str, Any], values: set[str]) -> int:
    """Remove every personal value from the row's text cells; return how many cells changed."""
    if not values:
        return 0
    cleaned = 0
    for key, cell in row.items():
        if not isinstance(cell, str) or not cell:
            continue
        folded = cell.casefold()
        found = [v for v in values if v in folded]
        if not found:
            continue
        text = cell
        for value in found:
            text = re.sub(re.escape(value), " ", text, flags=re.IGNORECASE)
        row[key] = fields.clean_text(text)
        cleaned += 1
    return cleaned
