"""Clean one source value into one RDF term: the repairs every harvester shares.

Each function returns None for a value it cannot use; the caller records why in the report.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlsplit

from rdflib import Literal, URIRef

from registry.namespaces import XSD

_POSTCODE = re.compile(r"^\d{4,5}$")
_INSEE = re.compile(r"^(\d{4,5}|2[AB]\d{3})$", re.IGNORECASE)
_DOMAIN = re.compile(r"^[a-z0-9\u00c0-\u024f]([a-z0-9\u00c0-\u024f-]*\.)+[a-z]{2,}$", re.IGNORECASE)
_HANDLE = re.compile(r"^@?([A-Za-z0-9_]{1,30})$")


# Longest texts kept: a name (street, commune…) and any other text (a description). Longer
# values are cut, with a warning where a record is built (PlaceBuilder.text), so that one bad cell
# cannot make every page around it megabytes long.
NAME_LIMIT, TEXT_LIMIT = 300, 5000
# Control characters (C0, DEL, C1) and invisible formatting characters: bidirectional overrides
# and isolates (U+202A-U+202E, U+2066-U+2069) can make a page show a text backwards or hide part
# of it; zero-width characters and the BOM hide differences between names.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean_text(value: str | None, limit: int = TEXT_LIMIT) -> str:
    """Strip, drop control and invisible formatting characters, collapse spaces, cut at `limit`.

    Tabs and line breaks become spaces. A text cut at `limit` characters ends with "…".
    """
    text = " ".join(_INVISIBLE.sub(" ", (value or "").replace("\u00a0", " ")).split())
    return shorten(text, limit)


def shorten(text: str, limit: int) -> str:
    """`text`, or its first `limit` - 1 characters and "…" when it is longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def is_blank(value: str | None) -> bool:
    """Whether a cell is empty or holds a placeholder sources use for "unknown" ("0", "#N/D")."""
    return clean_text(value).strip("0") in ("", "#N/D", "N/A", "NULL", "-")


def postcode(value: str) -> tuple[str | None, bool]:
    """A 5-digit postcode and whether a lost leading zero was restored (1000 -> 01000)."""
    text = clean_text(value)
    if not _POSTCODE.match(text) or int(text) < 1000:
        return None, False
    return text.zfill(5), len(text) == 4


def insee_code(value: str) -> tuple[str | None, bool]:
    """A commune INSEE code (5 characters, Corsica 2A/2B) and whether a zero was restored."""
    text = clean_text(value).upper()
    if not _INSEE.match(text) or text.strip("0") == "":
        return None, False
    return text.zfill(5), len(text) == 4


def departement_matches(departement: str, code: str | None) -> bool:
    """Whether a département code agrees with a commune INSEE code or a postcode (None: yes)."""
    if not code:
        return True
    if code.startswith("97"):  # overseas: three-digit départements
        return code[:3] == departement
    if departement in ("2A", "2B"):  # Corsica: INSEE 2A/2B…, postcodes 20…
        return code[:2] in (departement, "20")
    return code[:2] == departement


def decimal(value: str, low: float, high: float) -> Literal | None:
    """An xsd:decimal literal for a number within [low, high] ("," accepted as decimal mark)."""
    text = clean_text(value).replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or not low <= number <= high:
        return None
    return Literal(format(number.normalize(), "f"), datatype=XSD.decimal)


def website(value: str) -> URIRef | None:
    """The first usable http(s) URL in a free-text website cell, or None.

    Rejects what is not a web address (e-mails, "en cours", person names): such text must
    never be republished, it may name a person.
    """
    for token in clean_text(value).replace("|", " ").split(" "):
        if "@" in token:
            continue
        candidate = token if re.match(r"^https?://", token, re.I) else f"http://{token}"
        try:  # "http://[x" or a port that is not a number are not addresses
            parts = urlsplit(candidate)
            port = f":{parts.port}" if parts.port is not None else ""
        except ValueError:
            continue
        if parts.scheme.lower() in ("http", "https") and _DOMAIN.match(parts.hostname or ""):
            path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~")
            query = f"?{quote(parts.query, safe='=&%+-._~')}" if parts.query else ""
            host = (parts.hostname or "").lower()
            return URIRef(f"{parts.scheme.lower()}://{host}{port}{path}{query}")
    return None


def social_profile(value: str, host: str) -> URIRef | None:
    """A profile URL on `host` ("twitter.com", "facebook.com") from a URL, a path or a @handle."""
    tokens = clean_text(value).split(" ")
    for token in tokens:
        url = website(token)
        if url is not None and (urlsplit(url).hostname or "").removeprefix("www.") == host:
            return URIRef(str(url).replace("http://", "https://", 1))
        if host == "twitter.com" and token.startswith("@") and (match := _HANDLE.match(token)):
            return URIRef(f"https://twitter.com/{match.group(1)}")
    # A bare name or path is a profile only when it is the whole cell: free text is not.
    if len(tokens) == 1 and tokens[0] and "." not in tokens[0].split("/")[0]:
        bare = tokens[0].lstrip("/")
        if host == "twitter.com" and (match := _HANDLE.match(bare)):
            return URIRef(f"https://twitter.com/{match.group(1)}")
        if host == "facebook.com" and re.match(r"^[\w.\-/]+$", bare):
            return URIRef(f"https://www.facebook.com/{quote(bare, safe='/')}")
    return None
