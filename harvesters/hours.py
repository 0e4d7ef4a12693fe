"""Opening hours: keep the source text, produce OpenStreetMap `opening_hours` when it is sure.

Per-day columns ("09:00 - 12:00 / 13:30 - 17:00", "9h-12h", "-" for closed) become
"Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00". A single value already in OSM syntax is checked
with the opening_hours parser. Anything else stays text and is flagged, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from opening_hours import OpeningHours

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_RANGE = re.compile(r"(\d{1,2})\s*[:hH.]\s*(\d{2})?\s*(?:-|à|a|–)\s*(\d{1,2})\s*[:hH.]\s*(\d{2})?")
_CLOSED = {"", "-", "fermé", "ferme", "closed", "non", "f"}
UNKNOWN = {"horaires non communiqués", "non communiqué", "non communiqués", "nc", "n.c.", "?"}


def is_osm(value: str) -> bool:
    """Whether `value` parses as OpenStreetMap opening_hours."""
    try:
        OpeningHours(value)
    except Exception:
        return False
    return True


def day_ranges(text: str) -> list[str] | None:
    """["09:00-12:00", …] for one day's text; [] when closed; None when unreadable."""
    value = text.strip().lower()
    if value in _CLOSED:
        return []
    ranges = []
    rest = value
    for match in _RANGE.finditer(value):
        start_h, start_m, end_h, end_m = match.groups()
        start, end = (int(start_h), int(start_m or 0)), (int(end_h), int(end_m or 0))
        if not (0 <= start[0] <= 24 and 0 <= end[0] <= 24 and start < end):
            return None
        ranges.append(f"{start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}")
        rest = rest.replace(match.group(0), "", 1)
    if not ranges or re.sub(r"[\s/,;et]+", "", rest):
        return None
    return ranges


def from_days(days: Mapping[str, str]) -> str | None:
    """OSM opening_hours from per-day texts keyed by "Mo".."Su"; None when a day is unreadable."""
    per_day: list[tuple[str, str]] = []
    for day in DAYS:
        ranges = day_ranges(days.get(day) or "")
        if ranges is None:
            return None
        if ranges:
            per_day.append((day, ",".join(ranges)))
    if not per_day:
        return None
    groups: list[tuple[str, str, str]] = []  # (first day, last day, ranges)
    for day, spans in per_day:
        if groups and groups[-1][2] == spans and DAYS.index(groups[-1][1]) + 1 == DAYS.index(day):
            groups[-1] = (groups[-1][0], day, spans)
        else:
            groups.append((day, day, spans))
    text = "; ".join(f"{_span(first, last)} {spans}" for first, last, spans in groups)
    return text if is_osm(text) else None


def _span(first: str, last: str) -> str:
    """The days of a group: "Mo", "Mo,Tu" or "Mo-Fr"."""
    if first == last:
        return first
    return f"{first}{'-' if DAYS.index(last) - DAYS.index(first) > 1 else ','}{last}"
