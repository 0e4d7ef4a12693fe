"""Permanent place identifiers: which id each group of records keeps, and the ledger of all ids.

Every id ever minted stays in the `identifiers` graph with its status: `actif` (a place of the
registry), `fusionne` (merged into another place: `dct:isReplacedBy`, HTTP 301), `disparu` (no
source lists it any more: its URI stays and says so), `retire` (withdrawn on purpose by a
curator: HTTP 410). Ids are never reused: a new place never gets an id the ledger holds.

A group of records keeps the id its records already had; when they had several (two places
found to be one), the oldest id survives and the others are merged into it. When a place's
records are split, the group holding most of them keeps the id.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import queries
from .iris import Minter, place_id_for
from .namespaces import DCTERMS, RDF, RDFS, TL, XSD
from .store import Store

ACTIVE, MERGED, GONE, WITHDRAWN = "actif", "fusionne", "disparu", "retire"


@dataclass
class Entry:
    """What the ledger knows of one id."""

    id: str
    minted: str  # ISO date and time of the first publication that used it
    status: str = ACTIVE
    since: str = ""  # when the status last changed
    replaced_by: str = ""
    label: str = ""  # the last name it was published with
    reason: str = ""  # why a curator withdrew it
    records: set[str] = field(default_factory=set)  # every record it was ever made of


@dataclass
class Ledger:
    """All ids ever minted, by id."""

    entries: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store, minter: Minter) -> Ledger:
        """The ledger of `store` (empty before the first publication)."""
        ledger = cls()
        for row in store.select(
            queries.load("identifiers"), default_graphs=[minter.graph("identifiers")]
        ):
            place_id = minter.local_id(str(row["place"]), "lieu")
            if place_id is None:
                continue
            replaced = (
                minter.local_id(str(row["replacedBy"]), "lieu") if "replacedBy" in row else ""
            )
            ledger.entries[place_id] = Entry(
                id=place_id,
                minted=str(row["minted"]),
                status=str(row["status"]),
                since=str(row.get("since", "")),
                replaced_by=replaced or "",
                label=str(row.get("label", "")),
                reason=str(row.get("reason", "")),
            )
        for row in store.select(
            queries.load("identifier-records"), default_graphs=[minter.graph("identifiers")]
        ):
            place_id = minter.local_id(str(row["place"]), "lieu")
            if place_id in ledger.entries:
                ledger.entries[place_id].records.add(str(row["record"]))
        return ledger

    def remembered(self) -> dict[str, str]:
        """Each record's id as the ledger remembers it (the latest status change wins)."""
        found: dict[str, str] = {}
        for entry in sorted(self.entries.values(), key=lambda e: (e.since, e.id)):
            for record in entry.records:
                found[record] = entry.id
        return found

    def final(self, place_id: str) -> str:
        """The id a merged id leads to, following merges."""
        seen = set()
        while (entry := self.entries.get(place_id)) and entry.replaced_by and place_id not in seen:
            seen.add(place_id)
            place_id = entry.replaced_by
        return place_id


def assign_ids(
    groups: list[list[str]],
    previous: dict[str, str],
    ledger: Ledger,
    withdrawn: dict[str, str] | None = None,
    now: datetime | None = None,
) -> dict[int, str]:
    """The id of each group of record IRIs (by position in `groups`); updates `ledger`.

    `previous` maps a record to the id its place had; `withdrawn` maps ids a curator withdrew
    to the reason. Groups are served biggest first, so a split place's id stays with most of
    its records.
    """
    stamp = (now or datetime.now(UTC)).replace(microsecond=0).isoformat()
    withdrawn = withdrawn or {}
    for place_id in set(previous.values()) - set(ledger.entries):  # a store older than the ledger
        ledger.entries[place_id] = Entry(place_id, minted=stamp, since=stamp)
    claimed: dict[str, int] = {}
    taken = set(ledger.entries)  # every id ever minted, and those claimed below
    ids: dict[int, str] = {}
    order = sorted(range(len(groups)), key=lambda g: (-len(groups[g]), groups[g]))
    for index in order:
        had = Counter(ledger.final(previous[r]) for r in groups[index] if r in previous)

        def seniority(item: tuple[str, int]) -> tuple[str, int, str]:
            entry = ledger.entries.get(item[0])
            return (entry.minted if entry else stamp, -item[1], item[0])

        candidates = [
            place_id
            for place_id, _ in sorted(had.items(), key=seniority)
            if place_id not in claimed and place_id not in withdrawn
        ]
        if candidates:
            ids[index] = candidates[0]
        else:
            ids[index] = place_id_for(sorted(groups[index])[0], taken)
        claimed[ids[index]] = index
        taken.add(ids[index])
    for index, place_id in ids.items():
        entry = ledger.entries.get(place_id)
        if entry is None:
            ledger.entries[place_id] = Entry(place_id, minted=stamp, since=stamp)
        elif entry.status != ACTIVE:
            entry.status, entry.since, entry.replaced_by = ACTIVE, stamp, ""
        ledger.entries[place_id].records.update(groups[index])
        for record in groups[index]:
            old = previous.get(record)
            if (
                old
                and old != place_id
                and old in ledger.entries
                and old not in claimed
                and old not in withdrawn
            ):
                merged = ledger.entries[old]
                if merged.status != MERGED or merged.replaced_by != place_id:
                    merged.status, merged.since, merged.replaced_by = MERGED, stamp, place_id
    for place_id, entry in ledger.entries.items():
        if place_id in claimed:
            continue
        if place_id in withdrawn:
            if entry.status != WITHDRAWN:
                entry.status, entry.since = WITHDRAWN, stamp
            entry.reason = withdrawn[place_id]
            entry.replaced_by = ""
        elif entry.status == ACTIVE:
            entry.status, entry.since = GONE, stamp
    for entry in ledger.entries.values():  # a merged id leads straight to where it ends
        if entry.status == MERGED:
            entry.replaced_by = ledger.final(entry.id)
    return ids


def ledger_ntriples(ledger: Ledger, minter: Minter) -> bytes:
    """The ledger as N-Triples for the `identifiers` graph."""
    lines = []
    for place_id, entry in sorted(ledger.entries.items()):
        subject = f"<{minter.place(place_id)}>"
        lines.append(f"{subject} <{RDF.type}> <{TL.PlaceIdentifier}> .")
        lines.append(f'{subject} <{TL.mintedAt}> "{entry.minted}"^^<{XSD.dateTime}> .')
        lines.append(f'{subject} <{TL.idStatus}> "{entry.status}" .')
        if entry.since:
            lines.append(f'{subject} <{TL.idStatusDate}> "{entry.since}"^^<{XSD.dateTime}> .')
        if entry.replaced_by:
            lines.append(
                f"{subject} <{DCTERMS.isReplacedBy}> <{minter.place(entry.replaced_by)}> ."
            )
        if entry.label:
            lines.append(f"{subject} <{RDFS.label}> {_literal(entry.label)} .")
        if entry.reason:
            lines.append(f"{subject} <{TL.withdrawalReason}> {_literal(entry.reason, 'fr')} .")
        for record in sorted(entry.records):
            lines.append(f"{subject} <{TL.identifiedRecord}> <{record}> .")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _literal(text: str, lang: str = "") -> str:
    import pyoxigraph as ox

    return str(ox.Literal(text, language=lang)) if lang else str(ox.Literal(text))
