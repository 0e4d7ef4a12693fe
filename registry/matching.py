"""Which source records describe the same real place: blocking, evidence, vetoes, clusters.

A pair of records is compared only when blocking brings them together: records less than
`NEAR_KM` apart (a k-d tree), or records of the same commune whose names are alike (rapidfuzz's
`cdist` over each commune's names), so the work grows with the records, not their square.

The score of a pair adds evidence (docs/decisions.md, "Reconciliation"): name similarity once
the words every such place carries are removed ("espace", "tiers-lieu", "France services"…),
address, distance, same commune, same SIRET, same website domain. Vetoes stop a pair whatever
its score: communes that differ and positions far apart, incompatible typologies. Pairs at or
above `MATCH` are the same place; pairs in [`UNSURE`, `MATCH`) go to the curators' report.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

import numpy as np
from rapidfuzz import fuzz, process
from scipy.spatial import cKDTree

from . import queries
from .geography import distance_km, km_to_chord, unit_vectors
from .iris import Minter
from .locate import Located
from .store import Store
from .vocabulary import fold as _fold

MATCH = 0.6
SAME_SOURCE_MATCH = 0.85  # two records of one source: the source says they are two places
UNSURE = 0.45
NEAR_KM = 2.0
FAR_KM = 25.0  # two communes this far apart are two places, whatever the names say
NEIGHBOUR_KM = 5.0
NEUTRAL_NAME = 0.5
SMALL_COMMUNE = 50_000  # inhabitants: below, a name that only names the commune still counts
NAME_BLOCK = 70  # same-commune pairs whose names score below this are not compared

# Words every place of a kind carries: they say nothing about which place it is.
GENERIC_WORDS = {
    "espace", "espaces", "tiers", "lieu", "lieux", "tierslieu", "tierslieux", "france",
    "services", "service", "maison", "maisons", "msap", "mfs", "rsp", "public", "publics",
    "publique", "numerique", "epn", "cyber", "base", "cyberbase", "point", "relais",
    "coworking", "co", "working", "fablab", "fab", "lab", "de", "du", "des", "d", "la", "le",
    "les", "l", "et", "a", "au", "aux", "en", "sur", "the", "bus", "itinerant", "itinerante",
    "antenne", "agence", "communaute", "communes", "commune", "cc", "pays",
}  # fmt: skip
# Website hosts that many places share: the same one says nothing.
SHARED_HOSTS = {
    "facebook.com", "fr-fr.facebook.com", "www.facebook.com", "m.facebook.com", "linkedin.com",
    "twitter.com", "instagram.com", "google.com", "sites.google.com", "wix.com", "wixsite.com",
    "free.fr", "wordpress.com", "blogspot.com", "franceservices.gouv.fr", "france-services.gouv.fr",
    "lesconseillersnumeriques.fr", "helloasso.com", "agence-cohesion-territoires.gouv.fr",
}  # fmt: skip
# Typologies that cannot describe the same place (codes of the typologie scheme): a private
# business centre is not a public service desk. Only applies when the two records share none.
INCOMPATIBLE_TYPOLOGIES = {
    frozenset(pair)
    for pair in (
        ("centre-affaires", "maison-services"),
        ("centre-affaires", "epn"),
        ("hotel-entreprises", "maison-services"),
        ("hotel-entreprises", "epn"),
        ("cuisine-partagee", "maison-services"),
    )
}


@dataclass(frozen=True)
class MatchRecord:
    """What the matcher knows of one source record."""

    iri: str
    dataset: str  # the source (its dataset: vintages of one source share it)
    name: str
    street: str = ""
    postcode: str = ""
    commune: str = ""  # resolved INSEE code, commune level
    latitude: float | None = None
    longitude: float | None = None
    precise: bool = True  # False when the position is only the commune's centroid
    siret: str = ""
    website: str = ""
    itinerant: bool = False
    typologies: frozenset[str] = frozenset()
    commune_name: str = ""
    commune_population: int = 0
    key: str = field(default="", compare=False)  # the source's id: never used to match

    @property
    def name_key(self) -> str:
        """The distinctive words of the name, folded, without the commune's name.

        "Fablab Marseille" and "Commune de Marseille" say only where they are: their key is
        empty, and their names are no evidence either way.
        """
        commune = set(distinctive(self.commune_name).split())
        return " ".join(w for w in distinctive(self.name).split() if w not in commune)

    @property
    def domain(self) -> str:
        """The website's registrable host, unless many places share it."""
        return _domain(self.website)


@cache
def _domain(website: str) -> str:
    """See MatchRecord.domain (cached: every pair of a record asks again)."""
    host = urlsplit(website if "//" in website else "//" + website).hostname
    host = (host or "").removeprefix("www.")
    return "" if not host or host in SHARED_HOSTS or host.endswith(".gouv.fr") else host


@cache
def fold(text: str) -> str:
    """registry.vocabulary.fold, cached: the matcher folds each name for every pair."""
    return _fold(text)


@cache
def distinctive(name: str) -> str:
    """The words of a name that tell one place from another.

    "Espace France Services de Pont-d'Ouilly" → "pont ouilly".
    """
    words = re.sub(r"[^a-z0-9 ]", " ", fold(name)).split()
    return " ".join(w for w in words if w not in GENERIC_WORDS)


STREET_ABBREVIATIONS = (
    ("pl", "place"), ("av", "avenue"), ("bd", "boulevard"), ("r", "rue"), ("che", "chemin"),
    ("rte", "route"), ("imp", "impasse"), ("st", "saint"), ("ste", "sainte"),
)  # fmt: skip


@cache
def _compact(name: str) -> str:
    """A name's distinctive words without spaces, abbreviations expanded ("St" → "saint")."""
    return "".join(_ABBREVIATIONS.get(w, w) for w in distinctive(name).split())


_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


@cache
def street_key(street: str) -> str:
    """An address folded for comparison ("1 Pl. de la Mairie" ≈ "1 place de la mairie")."""
    text = re.sub(r"[^a-z0-9 ]", " ", fold(street))
    for short, long in STREET_ABBREVIATIONS:
        text = re.sub(rf"\b{short}\b", long, text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Evidence:
    """The score of one pair and what made it, for the report."""

    score: float
    reasons: tuple[str, ...]
    veto: str = ""


def compare(a: MatchRecord, b: MatchRecord) -> Evidence:
    """The evidence that `a` and `b` describe the same place."""
    reasons: list[str] = []
    if not a.typologies & b.typologies and any(
        frozenset((x, y)) in INCOMPATIBLE_TYPOLOGIES for x in a.typologies for y in b.typologies
    ):
        return Evidence(0.0, (), "typologies incompatibles")
    km = _distance(a, b)
    same_commune = bool(a.commune) and a.commune == b.commune
    roaming = a.itinerant and b.itinerant  # a bus's commune is only its base
    far_apart = km is not None and km > FAR_KM and not roaming
    if not same_commune and a.commune and b.commune and far_apart:
        return Evidence(0.0, (), "communes différentes et éloignées")
    # the names without the words of either commune: a place named after its commune says
    # only where it is, even when the two records disagree on the commune
    places = set(distinctive(a.commune_name).split()) | set(distinctive(b.commune_name).split())
    key_a = " ".join(w for w in distinctive(a.name).split() if w not in places)
    key_b = " ".join(w for w in distinctive(b.name).split() if w not in places)
    if key_a and key_b:
        name = fuzz.token_set_ratio(key_a, key_b) / 100
    elif (
        (same_commune or (km is not None and km < 0.1))
        and not key_a
        and not key_b
        and a.commune_population < SMALL_COMMUNE
        and (
            not a.typologies
            or not b.typologies
            or a.typologies & b.typologies
            or fold(a.name) == fold(b.name)
        )
        and fuzz.partial_ratio(_compact(a.name), _compact(b.name)) >= 90
    ):
        name = 1.0  # "France services Condat" twice: a small commune has one such place
    else:
        name = NEUTRAL_NAME  # a name that only says where the place is
    score = 0.45 * name
    if name >= 0.95 and len(key_a) >= 4:
        score += 0.05  # the same distinctive name, not just alike
    # the names as written break ties between records that differ only there
    score += 0.02 * fuzz.token_set_ratio(fold(a.name), fold(b.name)) / 100
    reasons.append(f"noms {name:.2f}")
    if a.street and b.street:
        street = fuzz.token_sort_ratio(street_key(a.street), street_key(b.street)) / 100
        score += 0.5 * max(0.0, street - 0.5)  # places move: a new address is no evidence
        reasons.append(f"adresses {street:.2f}")
    if same_commune:
        score += 0.15
        reasons.append("même commune")
    elif km is not None and km < NEIGHBOUR_KM:
        score += 0.08  # a commune code off by one commune is a common slip
        reasons.append("communes voisines")
    if roaming and name >= 0.95:
        score += 0.1  # two buses of one name: their base communes and stops say little
        reasons.append("deux lieux itinérants")
    if km is not None and a.precise and b.precise:
        # within one commune a far position is more likely a geocoding error than a second place
        far = 0.0 if same_commune or roaming else -0.1
        score += (
            0.2 if km < 0.02 else 0.15 if km < 0.1 else 0.1 if km < 0.5 else 0.03 if km < 2 else far
        )
        reasons.append(f"{km:.2f} km")
    if a.itinerant != b.itinerant:  # buses change status between vintages: weak evidence only
        score -= 0.05
        reasons.append("itinérance différente")
    if a.typologies & b.typologies:
        score += 0.05
        reasons.append("même typologie")
    if a.siret and b.siret:
        if len(a.siret) == len(b.siret) == 14 and a.siret == b.siret:
            score += 0.4  # one establishment
            reasons.append("même SIRET")
        elif a.siret[:9] == b.siret[:9]:
            score += 0.15  # one operator, which may run several places
            reasons.append("même SIREN")
        else:
            score -= 0.2  # operators change, rarely
            reasons.append("SIREN différents")
    if a.domain and a.domain == b.domain:
        score += 0.4
        reasons.append("même site web")
    return Evidence(round(score, 4), tuple(reasons))  # not capped: ties stay broken


def _departement(record: MatchRecord) -> str:
    code = record.commune
    return code[:3] if code.startswith("97") else code[:2]


def _distance(a: MatchRecord, b: MatchRecord) -> float | None:
    if a.latitude is None or b.latitude is None:
        return None
    return distance_km(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]


def candidate_pairs(records: Sequence[MatchRecord]) -> set[tuple[int, int]]:
    """Pairs (i < j) worth comparing.

    Those near each other, alike names in one commune, or the same distinctive name in one
    département or less than `FAR_KM` apart.
    """
    pairs: set[tuple[int, int]] = set()
    located = [i for i, r in enumerate(records) if r.latitude is not None]
    if located:
        points = unit_vectors(
            np.array([records[i].latitude for i in located]),
            np.array([records[i].longitude for i in located]),
        )
        for i, j in cKDTree(points).query_pairs(km_to_chord(NEAR_KM)):
            a, b = located[i], located[j]
            pairs.add((min(a, b), max(a, b)))
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        whole = _compact(record.name)
        if len(whole) >= 4:
            by_name[whole].append(i)
    for members in by_name.values():  # same distinctive name, in neighbouring communes
        for x, a in enumerate(members):
            for b in members[x + 1 :]:
                km = _distance(records[a], records[b])
                near = km is not None and km <= FAR_KM
                if near or _departement(records[a]) == _departement(records[b]) != "":
                    pairs.add((min(a, b), max(a, b)))
    by_commune: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        if record.commune:
            by_commune[record.commune].append(i)
    for members in by_commune.values():
        if len(members) < 2:
            continue
        names = [records[i].name_key or _compact(records[i].name) for i in members]
        scores = process.cdist(names, names, scorer=fuzz.token_set_ratio, score_cutoff=NAME_BLOCK)
        for x, y in zip(*np.nonzero(np.triu(scores, 1)), strict=True):
            a, b = members[int(x)], members[int(y)]
            pairs.add((min(a, b), max(a, b)))
    return pairs


@dataclass
class Decision:
    """A pair the matcher scored, with its evidence."""

    a: int
    b: int
    evidence: Evidence


def score_pairs(records: Sequence[MatchRecord]) -> list[Decision]:
    """Every candidate pair with its evidence, best first."""
    decisions = [
        Decision(a, b, compare(records[a], records[b])) for a, b in candidate_pairs(records)
    ]
    decisions.sort(key=lambda d: (-d.evidence.score, d.a, d.b))
    return decisions


def match_across(
    left: Sequence[MatchRecord], right: Sequence[MatchRecord], threshold: float = MATCH
) -> dict[int, int]:
    """One-to-one matches between two listings (left index → right index), best pairs first."""
    records = [*left, *right]
    taken_left: dict[int, int] = {}
    taken_right: set[int] = set()
    for decision in score_pairs(records):
        a, b = decision.a, decision.b
        if (a < len(left)) == (b < len(left)) or decision.evidence.score < threshold:
            continue
        if decision.evidence.veto:
            continue
        i, j = (a, b - len(left)) if a < len(left) else (b, a - len(left))
        if i in taken_left or j in taken_right:
            continue
        taken_left[i] = j
        taken_right.add(j)
    return taken_left


def _twice(a: MatchRecord, b: MatchRecord, evidence: Evidence) -> bool:
    """Whether one source lists the same place twice: same name, same spot, a sure match."""
    if evidence.score < SAME_SOURCE_MATCH or a.latitude is None or b.latitude is None:
        return False
    km = _distance(a, b)
    same_name = fuzz.token_set_ratio(fold(a.name), fold(b.name)) >= 95
    return same_name and km is not None and km < 0.1


def cluster(
    records: Sequence[MatchRecord],
    decisions: Iterable[Decision],
    same: Iterable[tuple[int, int]] = (),
    different: Iterable[tuple[int, int]] = (),
    threshold: float = MATCH,
) -> list[list[int]]:
    """Group records into places: curators' "same" pairs, then matches best first.

    Two groups are never joined when a curator said two of their records differ, nor when both
    hold records of one source unless the pair is a sure match (score ≥ `SAME_SOURCE_MATCH`): a
    chain of near matches through two records of one source is not evidence.
    """
    parent = list(range(len(records)))
    members: dict[int, set[int]] = {i: {i} for i in range(len(records))}
    apart: dict[int, set[int]] = defaultdict(set)
    for a, b in different:
        apart[a].add(b)
        apart[b].add(a)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int, forced: bool) -> None:
        """Join the groups of `a` and `b`; `forced` skips the one-source rule, never curators'."""
        ra, rb = root(a), root(b)
        if ra == rb:
            return
        if any(apart[x] & members[rb] for x in members[ra]):
            return
        if not forced:
            sources_a = {records[x].dataset for x in members[ra]}
            sources_b = {records[x].dataset for x in members[rb]}
            if sources_a & sources_b:
                return
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        members[ra] |= members.pop(rb)

    for a, b in same:
        join(a, b, forced=True)
    for decision in decisions:
        if decision.evidence.score < threshold or decision.evidence.veto:
            continue
        first, second = records[decision.a], records[decision.b]
        if first.dataset == second.dataset:
            if not _twice(first, second, decision.evidence):
                continue  # a source's own two records are two places unless plainly repeated
            join(decision.a, decision.b, forced=True)  # a repeated listing joins its group
        else:  # a sure match may join groups holding one source twice: it listed the place twice
            join(decision.a, decision.b, forced=decision.evidence.score >= SAME_SOURCE_MATCH)
    groups = [sorted(group) for group in members.values()]
    return sorted(groups)


def load_match_records(store: Store, minter: Minter, located: Located) -> list[MatchRecord]:
    """The records of every source graph of `store`, as the matcher sees them."""
    rows: dict[str, dict[str, object]] = {}
    typologies: dict[str, set[str]] = defaultdict(set)
    for row in store.select(queries.load("match-records")):
        record = str(row["record"])
        if "typology" in row:
            typologies[record].add(str(row["typology"]).rsplit("/", 1)[-1])
        rows.setdefault(record, dict(row))
    records = []
    for record, values in rows.items():
        resolution = located.resolutions.get(record)
        prefix = f"{minter.base}id/record/"
        dataset = record[len(prefix) :].split("/", 1)[0] if record.startswith(prefix) else ""

        def text(key: str, values: Mapping[str, object] = values) -> str:
            return str(values[key]) if key in values else ""

        latitude = float(text("latitude")) if "latitude" in values else None
        longitude = float(text("longitude")) if "longitude" in values else None
        if latitude is None and resolution is not None:
            finest = resolution.arrondissement or resolution.commune
            latitude, longitude = finest.latitude, finest.longitude
        records.append(
            MatchRecord(
                iri=record,
                dataset=dataset,
                name=text("name"),
                street=text("street"),
                postcode=text("postcode"),
                commune=resolution.commune.code if resolution else "",
                commune_name=resolution.commune.name if resolution else "",
                commune_population=resolution.commune.population if resolution else 0,
                latitude=latitude,
                longitude=longitude,
                precise="latitude" in values and not text("precision").endswith("/commune"),
                siret=text("siret"),
                website=text("website"),
                itinerant=text("itinerant") == "true",
                typologies=frozenset(typologies[record]),
                key=text("key"),
            )
        )
    records.sort(key=lambda r: r.iri)
    return records
