"""Read a near-home search from query parameters: one reader for the JSON API and the site.

The API (`/api/lieux`) and the search page (`/recherche`) take the same parameters, so a page's
URL and the API call behind it differ by their path only. A parameter that cannot be used raises
`BadParameter` with a French message saying which one and why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from werkzeug.datastructures import MultiDict

from ..geography import Centre, Gazetteer, centre_of, find_centre
from ..search import PARIS, Filters

DEFAULT_RADIUS_KM, MAX_RADIUS_KM = 20.0, 200.0
MAX_TEXT = 200
MAX_VALUES = 20  # values of one repeatable filter
INSEE_CODE = re.compile(r"\d[\dAB]\d{3}")
WHERE = ("pres", "commune", "cp", "adresse", "q")  # where to search, first given wins
YES = ("oui", "1", "true", "on")


class BadParameter(ValueError):
    """A query parameter that cannot be used; the message says which and why, in French."""


Args = MultiDict[str, str] | Mapping[str, str]


def one(args: Args, name: str) -> str:
    """The value of a parameter that takes one value ("" when absent); given twice, refused.

    `?commune=Lyon&commune=Brest` is ambiguous: a proxy or a cache may read the other value.
    """
    if isinstance(args, MultiDict) and len(args.getlist(name)) > 1:
        raise BadParameter(f"« {name} » est donné plusieurs fois : une seule valeur est attendue.")
    return args.get(name) or ""


def text(args: Args, name: str) -> str:
    """A one-line parameter, stripped, at most MAX_TEXT characters."""
    value = one(args, name).strip()
    if len(value) > MAX_TEXT:
        raise BadParameter(f"« {name} » est trop long ({MAX_TEXT} caractères au plus).")
    return value


def values(args: Args, name: str) -> tuple[str, ...]:
    """A repeatable parameter: `?service=wifi&service=imprimante` or `?service=wifi,imprimante`."""
    raws = args.getlist(name) if isinstance(args, MultiDict) else [args.get(name) or ""]
    found = [v.strip() for raw in raws for v in raw.split(",")]
    if len(found) > MAX_VALUES:
        raise BadParameter(f"« {name} » : {MAX_VALUES} valeurs au plus.")
    for value in found:
        if len(value) > MAX_TEXT:
            raise BadParameter(f"« {name} » est trop long ({MAX_TEXT} caractères au plus).")
    return tuple(v for v in found if v)


def number(args: Args, name: str, default: float, low: float, high: float) -> float:
    """A number between `low` and `high` (a decimal comma is accepted)."""
    raw = one(args, name).strip()
    if not raw:
        return default
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise BadParameter(f"« {name} » doit être un nombre (reçu « {raw[:40]} »).") from None
    if not low <= value <= high:
        raise BadParameter(f"« {name} » doit être compris entre {low:g} et {high:g}.")
    return value


def flag(args: Args, name: str) -> bool:
    """A yes/no parameter (`oui`; absent or empty: no)."""
    raw = one(args, name).strip().lower()
    if raw and raw not in (*YES, "non", "0", "false"):
        raise BadParameter(f"« {name} » vaut oui ou non.")
    return raw in YES


def where_given(args: Args) -> tuple[str, str] | None:
    """The first of WHERE that has a value: (parameter, text)."""
    for name in WHERE:
        if value := text(args, name):
            return name, value
    return None


def centre(args: Args, gazetteer: Gazetteer) -> Centre:
    """The point of the search, from `pres`, `commune`, `cp`, `adresse` or `q` (first given)."""
    given = where_given(args)
    if given is None:
        raise BadParameter(
            "Indiquez où chercher : « pres=latitude,longitude », « commune », « cp », "
            "« adresse » ou « q »."
        )
    name, value = given
    if name == "pres" and "," not in value:
        raise BadParameter("« pres » s'écrit latitude,longitude (par exemple 45.76,4.83).")
    found: Centre | None
    if name == "commune" and INSEE_CODE.fullmatch(value.upper()):
        commune, _ = gazetteer.current(value.upper())
        found = centre_of(commune) if commune else None
    else:
        found = find_centre(gazetteer, value)
    if found is None:
        raise BadParameter(f"Lieu introuvable : « {value[:80]} » ({name}).")
    if name == "pres" and found.commune is not None:
        raise BadParameter("« pres » s'écrit latitude,longitude (par exemple 45.76,4.83).")
    return found


def moment(args: Args) -> datetime | None:
    """The moment of `ouvert=maintenant` (now, or `a=<date and time>` in French time)."""
    wanted = one(args, "ouvert").strip()
    if not wanted:
        return None
    if wanted != "maintenant":
        raise BadParameter("« ouvert » ne prend qu'une valeur : « maintenant ».")
    at = one(args, "a").strip()
    if not at:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(at[:40])
    except ValueError:
        raise BadParameter(
            "« a » doit être une date et heure ISO 8601 (2026-11-23T10:00)."
        ) from None
    if not 1900 <= when.year <= 2200:
        raise BadParameter("« a » doit être une date entre 1900 et 2200.")
    return when if when.tzinfo else when.replace(tzinfo=PARIS)


def filters(args: Args) -> Filters:
    """Every filter of a search: typology, labels, services, criteria, hours, access, cost."""
    return Filters(
        typologies=values(args, "typologie"),
        labels=values(args, "label"),
        services=values(args, "service"),
        criteria=values(args, "critere"),
        min_criteria=int(number(args, "criteres_min", 0, 0, 6)),
        open_now=moment(args),
        only_open=not closed_too(args),
        free=flag(args, "gratuit"),
        step_free=flag(args, "pmr"),
    )


def closed_too(args: Args) -> bool:
    """`fermes=inclus`: keep the places in project, being created or closed."""
    raw = one(args, "fermes").strip()
    if raw not in ("", "inclus"):
        raise BadParameter("« fermes » ne prend qu'une valeur : « inclus ».")
    return raw == "inclus"


def radius(args: Args) -> float:
    """`rayon` in km (default 20, at most 200)."""
    return number(args, "rayon", DEFAULT_RADIUS_KM, 0.1, MAX_RADIUS_KM)
