"""What changed between two publications, place by place: the change feed for aggregators.

At every `tierslieux publish`, each place of the registry graph is summed up as one fingerprint
per field (predicate, or `node/predicate` for its address, offers and other `#` nodes). Compared
with the previous publication's fingerprints, this gives the places added, removed and changed
(with the fields that changed). Each change is an event appended to a journal with a sequence
number that only grows, so an aggregator polls "everything after the last number I saw":

    {data_dir}/changements/etat.json.gz   fingerprints of the last publication
    {data_dir}/changements/journal.jsonl  one event per line, oldest first, never rewritten
    {data_dir}/changements/publications.jsonl  one line per publication: stamp, time, counts

The web layer serves it as an ActivityStreams 2.0 OrderedCollection with pages, and as an HTML
changelog (registry/web/changes.py). The first publication lists every place as added.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .iris import Minter
from .namespaces import SCHEMA

ADDED, CHANGED, REMOVED = "ajout", "modification", "suppression"
_TRIPLE = re.compile(r"^<([^>]*)> <([^>]*)> (.*) \.\s*$")


@dataclass(frozen=True)
class Change:
    """One place added, changed or removed by one publication."""

    seq: int  # position in the journal, from 1, never reused
    publication: str  # the publication's stamp
    published: str  # ISO 8601 UTC
    kind: str  # ADDED, CHANGED or REMOVED
    place_id: str
    name: str
    fields: list[str] = field(default_factory=list)  # the fields that changed (CHANGED)


@dataclass(frozen=True)
class Publication:
    """One publication's line of the changelog."""

    stamp: str
    published: str
    added: int
    changed: int
    removed: int
    first_seq: int  # the first event of this publication (0 when it changed nothing)
    last_seq: int


def folder(data_path: Path) -> Path:
    """Where the change feed lives."""
    return data_path / "changements"


def fingerprints(
    ntriples: bytes, minter: Minter
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Each place's fingerprint per field, and its name, from the registry graph's N-Triples."""
    prefix = str(minter.place(""))
    values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, str] = {}
    for line in ntriples.decode("utf-8").splitlines():
        match = _TRIPLE.match(line)
        if match is None or not match[1].startswith(prefix):
            continue
        local = match[1][len(prefix) :]
        place_id, _, node = local.partition("#")
        node = re.sub(r"-\d+$", "", node)  # offre-1, offre-2: one field "offre"
        key = f"{node}/{match[2]}" if node else match[2]
        values[place_id][key].append(match[3])
        if not node and match[2] == str(SCHEMA.name):
            names[place_id] = _literal_text(match[3])
    digests = {
        place_id: {
            key: hashlib.sha1("\n".join(sorted(items)).encode(), usedforsecurity=False).hexdigest()
            for key, items in fields.items()
        }
        for place_id, fields in values.items()
    }
    return digests, names


def _literal_text(term: str) -> str:
    """The lexical form of an N-Triples literal (`"…"@fr`, `"…"^^<…>`)."""
    quoted = term[: term.rfind('"') + 1]
    try:
        text: str = json.loads(re.sub(r"\\U([0-9A-Fa-f]{8})", _surrogates, quoted))
    except ValueError:
        return quoted.strip('"')
    return text


def _surrogates(match: re.Match[str]) -> str:
    """An N-Triples 8-digit escape as the escaped surrogate pair JSON understands."""
    return json.dumps(chr(int(match[1], 16)))[1:-1]


def diff(
    before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]
) -> Iterator[tuple[str, str, list[str]]]:
    """(kind, place id, changed fields) for every place that differs, in place id order."""
    for place_id in sorted(before.keys() | after.keys()):
        old, new = before.get(place_id), after.get(place_id)
        if old is None:
            yield ADDED, place_id, []
        elif new is None:
            yield REMOVED, place_id, []
        elif old != new:
            keys = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
            yield CHANGED, place_id, keys


def record_changes(
    data_path: Path, stamp: str, ntriples: bytes, minter: Minter, now: datetime | None = None
) -> Publication:
    """Compare this publication with the previous one and append the changes to the journal."""
    where = folder(data_path)
    where.mkdir(parents=True, exist_ok=True)
    state = where / "etat.json.gz"
    previous = json.loads(gzip.decompress(state.read_bytes())) if state.exists() else {}
    before, old_names = previous.get("places", {}), previous.get("names", {})
    after, names = fingerprints(ntriples, minter)
    published = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    last = _last_seq(where)
    changes = [
        Change(
            last + n,
            stamp,
            published,
            kind,
            place_id,
            names.get(place_id) or old_names.get(place_id, ""),
            keys,
        )
        for n, (kind, place_id, keys) in enumerate(diff(before, after), start=1)
    ]
    path = where / "journal.jsonl"
    _end_with_newline(path)  # a line a crash cut short stays alone on its line
    with path.open("a", encoding="utf-8") as journal:
        for change in changes:
            journal.write(json.dumps(asdict(change), ensure_ascii=False) + "\n")
        journal.flush()
        os.fsync(journal.fileno())
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in (ADDED, CHANGED, REMOVED)}
    publication = Publication(
        stamp,
        published,
        counts[ADDED],
        counts[CHANGED],
        counts[REMOVED],
        changes[0].seq if changes else 0,
        changes[-1].seq if changes else 0,
    )
    with (where / "publications.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps(asdict(publication)) + "\n")
    partial = state.with_suffix(".partial")
    partial.write_bytes(
        gzip.compress(json.dumps({"stamp": stamp, "places": after, "names": names}).encode())
    )
    partial.replace(
        state
    )  # the next publication compares with this one, or with the last whole one
    return publication


def _end_with_newline(path: Path) -> None:
    if path.exists() and path.stat().st_size:
        with path.open("rb+") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                handle.write(b"\n")


def _last_seq(where: Path) -> int:
    """The highest sequence number given so far (from the publications' lines)."""
    return max((p.last_seq for p in read_publications(where.parent)), default=0)


def read_changes(data_path: Path, after: int = 0, limit: int | None = None) -> list[Change]:
    """The journal's events with a sequence number above `after`, oldest first."""
    path = folder(data_path) / "journal.jsonl"
    found: list[Change] = []
    if not path.exists():
        return found
    with path.open(encoding="utf-8") as journal:
        for line in journal:
            try:
                change = Change(**json.loads(line))
            except (ValueError, TypeError):
                continue  # a line a crash cut short: the events before and after still count
            if change.seq > after:
                found.append(change)
                if limit is not None and len(found) >= limit:
                    break
    return found


def read_publications(data_path: Path) -> list[Publication]:
    """The publications the journal covers, oldest first."""
    path = folder(data_path) / "publications.jsonl"
    if not path.exists():
        return []
    return [Publication(**json.loads(line)) for line in _lines(path)]


def _lines(path: Path) -> Iterable[str]:
    with path.open(encoding="utf-8") as handle:
        yield from (line for line in handle if line.strip())
