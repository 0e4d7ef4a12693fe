"""Synthetic source records for the reconciliation benchmark: deterministic for a given seed.

`generate(n, seed)` returns `n` `registry.matching.MatchRecord` describing real-looking places
spread over France, about 80 % of them distinct places and 20 % duplicates: the same place as
another source lists it, with the dirt sources really have (case and accents, "St"/"Saint",
generic words added or removed, a typo, abbreviated addresses, positions a few hundred metres
off or at the commune's centroid, missing fields, a few renamed places). The ground truth, which
the matcher never reads, is in each record's `key` ("true-123/orig", "true-123/dup-1") and in the
returned `SyntheticRecords`.

Places sit in real communes (names, INSEE codes, postcodes, centroids and populations of
`geo-communes-flat/communes-2026-flat.csv.gz` in the data mirror: `TL_MIRROR_DIR`, else
`../shared/data` next to the checkout). Without the mirror, a grid of made-up communes over
mainland France stands in, and `SyntheticRecords.note` says so.
"""

from __future__ import annotations

import csv
import gzip
import math
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from registry.matching import MatchRecord

ROOT = Path(__file__).resolve().parent.parent
COMMUNES_CSV = Path("geo-communes-flat") / "communes-2026-flat.csv.gz"
KM_PER_DEGREE = 111.195
DUPLICATE_SHARE = 0.2
BASE_IRI = "http://registre.test/id/record/"

# The sources records come from (the `dataset` the matcher reads).
DATASETS = (
    "cget-2019", "lieux-documentes", "fabriques-de-territoire", "france-services",
    "mednum-cnfs-national", "conseillers-numeriques-2022", "osm-tiers-lieux",
    "annuaires-paca-2012",
)  # fmt: skip

WORDS = (
    "La Ruche", "La Fabrique", "L'Atelier", "Le Hub", "La Grange", "La Forge", "Le Bocal",
    "La Cordée", "Le Comptoir", "La Filature", "La Manufacture", "Le Quai", "La Station",
    "La Loco", "L'Usine", "Le Garage", "La Verrière", "La Coop", "Le Relais", "La Passerelle",
    "Le Préau", "La Halle", "Le Moulin", "L'Entrepôt", "Le Labo", "La Cantine", "L'Escale",
    "La Mine", "Le Phare", "La Serre", "Le Nid", "La Cabane", "Le Cube", "La Bulle", "L'Établi",
    "La Fonderie", "La Tannerie", "Le Hangar", "La Scierie", "L'Imprimerie", "La Briqueterie",
    "Le Chai", "La Bergerie", "Le Fournil", "La Laiterie", "Le Lavoir", "La Minoterie",
    "La Distillerie", "Le Cellier", "La Papeterie", "La Ferme", "Le Grenier", "La Source",
    "L'Îlot", "Le Square", "La Fabrik", "Le Spot", "Le Repaire", "La Turbine", "L'Alambic",
    "La Cour", "Le Carré", "La Canopée", "L'Arche", "Le Tremplin", "La Pépite", "La Marmite",
    "Le Bazar", "La Friche", "Le Chantier", "La Centrale", "Le Local", "La Boussole",
    "Le Sillon", "La Clairière", "L'Archipel", "Le Pôle", "La Maison Bleue", "Le Wagon",
    "La Gare", "Le Foyer", "La Pointe", "L'Agora", "Le Forum", "La Ressourcerie", "Le Bercail",
    "La Bobine", "Le Cocon", "La Volière", "Le Kiosque", "La Caserne", "Le Vivier", "La Luciole",
    "L'Étincelle", "Le Déclic", "La Tisserie", "L'Ouvroir", "Le Mas", "La Bastide",
)  # fmt: skip
QUALIFIERS = (
    "Numérique", "Solidaire", "Créative", "des Possibles", "Partagée", "Collaborative",
    "Citoyenne", "des Savoirs", "Digitale", "du Coin", "des Communs", "Rurale", "Paysanne",
    "des Arts", "des Makers", "Nomade", "Verte", "en Commun", "du Lien", "Active",
)  # fmt: skip
PERSONS = (
    "Jean Moulin", "Victor Hugo", "Louis Aragon", "Jules Verne", "Albert Camus",
    "François Mitterrand", "Marcel Pagnol", "Jean Jaurès", "Simone Veil", "George Sand",
    "Émile Zola", "Jacques Prévert", "Colette", "Marguerite Yourcenar", "Boris Vian",
    "Paul Éluard", "Antoine de Saint-Exupéry", "Jean de La Fontaine", "Pierre et Marie Curie",
    "Louise Michel", "Aimé Césaire", "Olympe de Gouges", "Romain Rolland", "André Malraux",
    "Elsa Triolet", "Alexandre Dumas", "Charles Perrault", "Lucie Aubrac", "Nelson Mandela",
    "Anne Frank",
)  # fmt: skip
QUARTIERS = (
    "Centre", "Centre-ville", "Gare", "Nord", "Sud", "Est", "Ouest", "Bellevue", "Les Minimes",
    "Saint-Michel", "La Bastide", "Le Port", "Les Halles", "Montplaisir", "Beaulieu",
    "Le Mirail", "Croix-Rousse", "Part-Dieu", "Confluence", "Belleville", "Bastille",
    "Montmartre", "Saint-Jean", "Les Chartrons", "Vieux Port", "Les Capucins", "Saint-Pierre",
    "Croix-Blanche", "Les Pins", "Le Lac", "Moulin-Neuf", "La Plaine", "Les Aubiers",
    "Bois-Joli", "Val Fleuri", "Grand Large", "Les Sablons", "Champ de Mars", "Saint-Roch",
    "La Madeleine",
)  # fmt: skip
SYLLABLES = (
    "ko", "li", "bo", "va", "ré", "na", "tu", "mi", "lo", "ka", "zé", "po", "ri", "sa", "nou",
    "ba", "té", "lu", "mo", "ki", "da", "fi", "go", "ya", "wo", "ra", "pi", "lé", "to", "ni",
)  # fmt: skip
NETWORKS = (
    "Familles Rurales", "Les Petits Débrouillards", "Emmaüs Connect", "PIMMS Médiation",
    "Secours Populaire", "Ligue de l'Enseignement", "Simplon", "WeTechCare", "Croix-Rouge",
    "Mission Locale", "Espace de Vie Sociale", "Point Information Jeunesse",
)  # fmt: skip
CHAINS = ("Regus", "Wojo", "Morning", "Kwerk", "Startway", "Spaces", "Welkin", "Multiburo")
STREET_TYPES = (
    ("rue", 0.5), ("avenue", 0.14), ("place", 0.1), ("boulevard", 0.07), ("chemin", 0.06),
    ("route", 0.06), ("allée", 0.03), ("impasse", 0.02), ("quai", 0.02),
)  # fmt: skip
STREET_NAMES = (
    "de la Mairie", "de l'Église", "de la République", "Victor Hugo", "Jean Jaurès",
    "du Général de Gaulle", "Pasteur", "de la Gare", "des Écoles", "Gambetta", "Jules Ferry",
    "de la Liberté", "du Château", "Saint-Martin", "Nationale", "du Stade", "des Lilas",
    "du Moulin", "de Verdun", "Carnot", "Voltaire", "de Paris", "du 8 Mai 1945",
    "du 11 Novembre", "Principale", "de la Poste", "des Tilleuls", "Émile Zola",
    "Anatole France", "de l'Hôtel de Ville", "du Marché", "du Commerce", "de la Fontaine",
    "Saint-Jacques", "des Acacias", "du Pont", "de la Paix", "Sainte-Anne", "Jean Moulin",
    "des Peupliers", "de Bretagne", "du Maréchal Foch", "de la Libération", "des Prés",
    "du Lavoir", "Pierre Curie", "de Lattre de Tassigny", "des Vignes", "du Port", "Denfert",
)  # fmt: skip
STREET_SHORT = {
    "avenue": "av.", "boulevard": "bd", "place": "pl.", "route": "rte", "chemin": "ch.",
    "impasse": "imp.", "allée": "all.",
}  # fmt: skip
COMPLEMENTS = ("Bâtiment B", "2e étage", "BP 12", "Rez-de-chaussée", "Porte 3", "CS 40012")
TLDS = (".fr", ".fr", ".fr", ".org", ".com", ".net", ".coop")
LA_POSTE_SIREN = "356000000"

# Compatible typologies a second source may give a place of each kind instead of its own.
BROADER = {
    "maison-services": ("maison-services", "lieu-mediation-numerique"),
    "epn": ("lieu-mediation-numerique", "epn", "cyberbase"),
    "lieu-mediation-numerique": ("lieu-mediation-numerique", "epn"),
    "coworking": ("tiers-lieu", "coworking", "bureau-partage", "telecentre"),
    "tiers-lieu": ("tiers-lieu", "espace-hybride", "coworking"),
    "fablab": ("fablab", "makerspace", "tiers-lieu", "atelier-partage"),
    "business": ("tiers-lieu", "pepiniere", "incubateur"),
}


@dataclass(frozen=True)
class Commune:
    """A commune places sit in."""

    code: str  # INSEE code
    name: str
    population: int
    postcodes: tuple[str, ...]
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Kind:
    """A kind of place: its share, typologies, where it lives, which source lists it."""

    name: str
    share: float
    typologies: tuple[tuple[str, ...], ...]
    urban: float  # exponent of the commune population in the choice of its commune
    datasets: tuple[str, ...]
    siret: float  # share of records with a SIRET
    website: float  # share of records with a website
    public: bool  # run by a commune: its website is often the commune's


KINDS = (
    Kind(
        "france-services", 0.14, (("maison-services",),), 0.5,
        ("france-services", "conseillers-numeriques-2022"), 0.6, 0.3, True,
    ),
    Kind(
        "bus", 0.005, (("maison-services",),), 0.3, ("france-services", "mednum-cnfs-national"),
        0.5, 0.2, True,
    ),
    Kind(
        "mediation", 0.25, (("epn",), ("lieu-mediation-numerique",), ("epn", "cyberbase")), 0.7,
        ("mednum-cnfs-national", "conseillers-numeriques-2022"), 0.5, 0.3, True,
    ),
    Kind(
        "coworking", 0.2, (("coworking",), ("coworking", "tiers-lieu"), ("bureau-partage",)), 0.9,
        ("osm-tiers-lieux", "lieux-documentes", "cget-2019"), 0.4, 0.6, False,
    ),
    Kind(
        "tiers-lieu", 0.22,
        (("tiers-lieu",), ("tiers-lieu", "espace-hybride"), ("tiers-lieu-culturel",),
         ("tiers-lieu-nourricier",), ("tiers-lieu", "atelier-partage")),
        0.7, ("fabriques-de-territoire", "cget-2019", "lieux-documentes"), 0.45, 0.5, False,
    ),
    Kind(
        "fablab", 0.08, (("fablab",), ("fablab", "tiers-lieu"), ("makerspace",)), 0.75,
        ("osm-tiers-lieux", "fabriques-de-territoire", "cget-2019"), 0.4, 0.55, False,
    ),
    Kind(
        "business", 0.065,
        (("centre-affaires",), ("pepiniere",), ("hotel-entreprises",), ("incubateur",)), 0.9,
        ("lieux-documentes", "annuaires-paca-2012", "osm-tiers-lieux"), 0.6, 0.6, False,
    ),
)  # fmt: skip


@dataclass
class SyntheticRecords:
    """Records with their ground truth: `place[i]` is the true place of `records[i]`."""

    records: list[MatchRecord]
    place: list[int]
    dirt: list[tuple[str, ...]]  # what was done to a duplicate ("typo", "jitter"…); () else
    traps: list[tuple[str, ...]]  # what makes a distinct place look like another ("colocated")
    note: str = ""
    communes: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def mirror_dir() -> Path | None:
    """The real data mirror: TL_MIRROR_DIR, else ../shared/data next to the checkout."""
    for candidate in (os.environ.get("TL_MIRROR_DIR", ""), str(ROOT.parent / "shared" / "data")):
        if candidate and (Path(candidate) / COMMUNES_CSV).is_file():
            return Path(candidate)
    return None


def load_communes() -> tuple[list[Commune], str]:
    """Mainland and overseas communes with a centroid, and where they come from."""
    mirror = mirror_dir()
    if mirror is None:
        return grid_communes(), (
            "communes: data mirror absent (TL_MIRROR_DIR or ../shared/data), a synthetic grid"
            " of made-up communes over mainland France stands in"
        )
    communes = []
    with gzip.open(mirror / COMMUNES_CSV, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["type"] != "commune-actuelle" or row["zone"] == "com" or not row["latitude"]:
                continue
            communes.append(
                Commune(
                    code=row["code_insee"],
                    name=row["nom"],
                    population=int(row["population"] or 0),
                    postcodes=tuple(p for p in row["codes_postaux"].split("|") if p),
                    latitude=float(row["latitude"]),
                    longitude=float(row["longitude"]),
                )
            )
    return communes, f"communes: {len(communes):,} real communes of {COMMUNES_CSV}"


def grid_communes() -> list[Commune]:
    """A stand-in for the real communes: a grid over mainland France, made-up names."""
    rng = np.random.default_rng(2026)
    syllables = ("ville", "mont", "bourg", "val", "neuf", "roche", "font", "bel", "champ", "beau")
    syllables += ("mar", "cour", "ber", "lan", "sau", "vic", "plou", "ker", "pey", "cha", "ris")
    communes = []
    for i, lat in enumerate(np.arange(43.0, 50.5, 0.06)):
        for j, lon in enumerate(np.arange(-1.0, 7.0, 0.08)):
            departement = 1 + (i // 10) * 10 + j // 10
            code = f"{departement % 95 + 1:02d}{(i % 10) * 10 + j % 10:03d}"
            parts = rng.choice(len(syllables), size=int(rng.integers(2, 4)))
            name = "".join(syllables[p] for p in parts).capitalize()
            population = int(rng.lognormal(6.5, 1.4))
            communes.append(Commune(code, name, population, (code,), float(lat), float(lon)))
    return communes


def strip_accents(text: str) -> str:
    """The text without diacritics ("Médiathèque" → "Mediatheque")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slug(text: str) -> str:
    """A website host part made from a name."""
    return re.sub(r"[^a-z0-9]+", "-", strip_accents(text).lower()).strip("-")[:30] or "lieu"


class Generator:
    """Draws places, then duplicates of some of them, from one random generator."""

    def __init__(self, seed: int, communes: Sequence[Commune]) -> None:
        self.rng = np.random.default_rng(seed)
        self.communes = list(communes)
        population = np.array([max(c.population, 10) for c in self.communes], dtype=float)
        self.cumulative = {
            kind.name: np.cumsum(population**kind.urban / (population**kind.urban).sum())
            for kind in KINDS
        }
        points = np.array([(c.latitude, c.longitude * 0.7) for c in self.communes])
        self.tree = cKDTree(points)
        weights = 1 / (np.arange(len(WORDS)) + 30.0)  # the first word 2.2 %, the last 0.5 %
        self.word_weights = np.cumsum(weights / weights.sum())
        self.word_weights[-1] = 1.0
        self.names_used: set[tuple[str, str]] = set()
        self.hosts: set[str] = set()
        self.streets: dict[tuple[str, int, int], list[tuple[str, str]]] = {}
        self.commune_streets: dict[str, set[str]] = {}
        self.sirens: dict[str, str] = {}  # commune code → SIREN of the commune (a public body)

    # -- small helpers over the generator ------------------------------------------------
    def chance(self, p: float) -> bool:
        """True with probability `p`."""
        return bool(self.rng.random() < p)

    def pick(self, items: Sequence[str]) -> str:
        """One of `items`, uniformly."""
        return items[int(self.rng.random() * len(items))]

    def zipf_word(self) -> str:
        """A word of `WORDS`, the first ones more often (real names repeat: "La Ruche" 2 %)."""
        return WORDS[int(np.searchsorted(self.word_weights, self.rng.random()))]

    def acronym(self) -> str:
        """A made-up association acronym ("ADNR")."""
        letters = self.rng.integers(0, 26, size=int(self.rng.integers(3, 6)))
        return "".join(chr(65 + int(x)) for x in letters)

    def brand(self) -> str:
        """A made-up brand name ("Kolibo", "Le Varéna"), as many places are called."""
        count = 2 + int(self.rng.random() < 0.4)
        word = "".join(self.pick(SYLLABLES) for _ in range(count)).capitalize()
        return self.pick(("", "", "Le ", "La ", "L'")) + word if word[0] not in "AEIOU" else word

    def digits(self, n: int) -> str:
        """`n` random digits."""
        return "".join(str(int(x)) for x in self.rng.integers(0, 10, size=n))

    def commune(self, kind: Kind) -> Commune:
        """A commune for a place of `kind`, larger ones more often for urban kinds."""
        index = int(np.searchsorted(self.cumulative[kind.name], self.rng.random()))
        return self.communes[min(index, len(self.communes) - 1)]

    def neighbour(self, commune: Commune) -> Commune:
        """The nearest other commune (a commune code off by one commune)."""
        _, found = self.tree.query((commune.latitude, commune.longitude * 0.7), k=2)
        return self.communes[int(found[1])]

    def spread_km(self, commune: Commune) -> float:
        """How far a commune's places lie from its centroid (standard deviation, km)."""
        return float(np.clip(0.25 * (max(commune.population, 1) / 1000) ** 0.45, 0.3, 3.5))

    def offset(self, latitude: float, longitude: float, km: float) -> tuple[float, float]:
        """A point `km` away from (latitude, longitude), in a random direction."""
        angle = self.rng.random() * 2 * math.pi
        dlat = km * math.cos(angle) / KM_PER_DEGREE
        dlon = km * math.sin(angle) / (KM_PER_DEGREE * math.cos(math.radians(latitude)))
        return latitude + dlat, longitude + dlon

    # -- places --------------------------------------------------------------------------
    def quartier(self, commune: Commune) -> str:
        """A part of a large commune ("Gare", "11e arrondissement")."""
        if commune.code in ("75056", "69123", "13055") and self.chance(0.4):
            number = int(self.rng.integers(2, 21 if commune.code == "75056" else 10))
            return f"{number}e"
        return self.pick(QUARTIERS)

    def name(self, kind: Kind, commune: Commune) -> tuple[str, str]:
        """A name a place of `kind` in `commune` could have, and its family.

        The family ("france-services", "library"…) is that of names which only say what and
        where the place is: a small commune has one place of each such family at most.
        """
        city = commune.population >= 50_000
        where = commune.name + (f" {self.quartier(commune)}" if city else "")
        r = self.rng.random()
        if kind.name == "france-services":
            pattern = (
                "France services {where}", "France services de {where}",
                "Espace France services {where}", "Maison France services de {where}",
            )[int(r * 4)]  # fmt: skip
            return pattern.format(where=where), "france-services"
        if kind.name == "bus":
            prefix = self.pick(("Bus France services ", "France services itinérante "))
            if r < 0.5:  # named after its area ("du Pays de Condat")
                return f"{prefix}du Pays de {self.pick(self.communes).name}", ""
            return f"{prefix}de {commune.name}", "bus"
        options: tuple[tuple[float, str, str], ...]
        if kind.name == "mediation":
            options = (
                (0.14, f"Espace numérique de {where}", "epn"),
                (0.06, f"EPN de {where}", "epn"),
                (0.06, f"Cyber-base {where}", "epn"),
                (0.06, f"Point numérique {where}", "epn"),
                (0.12, f"Médiathèque {self.pick(PERSONS)}", "library"),
                (0.08, f"Médiathèque de {where}", "library"),
                (0.06, f"Bibliothèque {self.pick(PERSONS)}", "library"),
                (0.08, f"Centre social {self.zipf_word()}", ""),
                (0.06, f"Centre social {self.pick(QUARTIERS)}", ""),
                (0.04, f"Association {self.acronym()}", ""),
                (0.08, f"{self.pick(NETWORKS)} {where}", "network"),
                (0.06, f"Mairie de {where}", "mairie"),
                (0.04, f"Maison de quartier {self.pick(QUARTIERS)}", ""),
                (0.06, f"{self.acronym()} {self.pick(QUALIFIERS)}", ""),
            )
        elif kind.name == "coworking":
            options = (
                (0.2, f"Coworking {self.zipf_word()}", ""),
                (0.12, f"{self.zipf_word()} Coworking", ""),
                (0.07, self.zipf_word(), ""),
                (0.08, self.brand(), ""),
                (0.12, f"{self.zipf_word()} {self.pick(QUALIFIERS)}", ""),
                (0.1, f"Coworking de {where}", "coworking"),
                (0.05, f"{self.pick(CHAINS)} {commune.name} {self.quartier(commune)}", ""),
                (0.1, f"{self.acronym()} Coworking", ""),
                (0.08, f"Cowork'in {where}", "coworking"),
                (0.08, f"{self.zipf_word()} de {self.pick(self.communes).name}", ""),
            )
        elif kind.name == "tiers-lieu":
            options = (
                (0.1, self.zipf_word(), ""),
                (0.1, self.brand(), ""),
                (0.2, f"{self.zipf_word()} {self.pick(QUALIFIERS)}", ""),
                (0.12, f"{self.zipf_word()} de {where}", ""),
                (0.1, f"Tiers-lieu {self.zipf_word()}", ""),
                (0.05, f"Tiers-lieu de {where}", "tiers-lieu"),
                (0.05, f"Association {self.acronym()}", ""),
                (0.07, f"Association {self.zipf_word()} {self.pick(QUALIFIERS)}", ""),
                (0.13, f"{self.zipf_word()} de {self.pick(self.communes).name}", ""),
                (0.03, f"Les Ateliers {self.acronym()}", ""),
                (0.05, f"{self.zipf_word()} {self.pick(PERSONS)}", ""),
            )
        elif kind.name == "fablab":
            options = (
                (0.25, f"Fablab {self.zipf_word()}", ""),
                (0.15, f"{self.zipf_word()} Fablab", ""),
                (0.15, f"Fab Lab de {where}", "fablab"),
                (0.15, f"{self.acronym()} Lab", ""),
                (0.1, f"Makerspace {self.zipf_word()}", ""),
                (0.1, f"{self.acronym()} Makers", ""),
                (0.1, f"Fablab {self.pick(PERSONS)}", ""),
            )
        else:  # business
            options = (
                (0.2, f"Pépinière d'entreprises de {where}", "pepiniere"),
                (0.15, f"Pépinière {self.zipf_word()}", ""),
                (0.15, f"Hôtel d'entreprises {self.zipf_word()}", ""),
                (0.15, f"Centre d'affaires {self.zipf_word()}", ""),
                (0.15, f"{self.pick(CHAINS)} {commune.name} {self.quartier(commune)}", ""),
                (0.1, f"Incubateur {self.acronym()}", ""),
                (0.1, f"Technopole {self.zipf_word()}", ""),
            )
        total = 0.0
        for weight, text, family in options:
            total += weight
            if r < total:
                return text, family
        return options[-1][1:]

    def street(self, commune: Commune, latitude: float, longitude: float, precise: bool) -> str:
        """An address line ("12 rue Victor Hugo", "place de la Mairie") fitting the position.

        A place is on one of the streets of its block (about 300 m square) already holding a
        place one time in three, else on a street of another name than the commune's others
        (a commune has one "rue de la Gare"), so same-named streets are near each other.
        """
        cell = (commune.code, round(latitude / 0.003), round(longitude / 0.004))
        block = self.streets.setdefault(cell, []) if precise else []
        if block and self.chance(1 / 3):
            kind, name = block[int(self.rng.random() * len(block))]
        else:
            used = self.commune_streets.setdefault(commune.code, set())
            for _ in range(10):
                r, total, kind = self.rng.random(), 0.0, "rue"
                for kind, weight in STREET_TYPES:  # noqa: B007 (the last one is the fallback)
                    total += weight
                    if r < total:
                        break
                name = self.pick(STREET_NAMES if self.chance(0.7) else PERSONS)
                if name not in used:
                    break
            used.add(name)
            block.append((kind, name))
        if kind == "place" and self.chance(0.6):
            return f"place {name}"
        number = int(self.rng.geometric(0.04))
        suffix = " bis" if self.chance(0.04) else ""
        return f"{number}{suffix} {kind} {name}"

    def siret(self, kind: Kind, commune: Commune) -> str:
        """A SIRET: the commune's for public places, La Poste's for some France services."""
        if kind.name in ("france-services", "bus") and self.chance(0.15):
            return LA_POSTE_SIREN + self.digits(5)
        if kind.public and self.chance(0.4):
            siren = self.sirens.setdefault(commune.code, "21" + self.digits(7))
            return siren + self.digits(5)
        return self.digits(14)

    def website(self, kind: Kind, name: str, commune: Commune) -> str:
        """A website: its own, the commune's, a chain's or a shared host's page."""
        r = self.rng.random()
        chain = next((c for c in CHAINS if name.startswith(c + " ")), "")
        if chain:
            return f"https://www.{chain.lower()}.com/{slug(commune.name)}"
        if kind.public and r < 0.2:
            return f"https://www.ville-{slug(commune.name)}.fr/{slug(name)}"
        if r < 0.4:
            return f"https://www.facebook.com/{slug(name)}{self.digits(3)}"
        host = f"{slug(name)}{self.pick(TLDS)}"
        if host in self.hosts:  # two places of one name have two websites
            host = f"{slug(name)}-{slug(commune.name)}{self.pick(TLDS)}"
        self.hosts.add(host)
        return f"https://{'www.' if self.chance(0.6) else ''}{host}"

    def place(
        self, key: str, kind: Kind, commune: Commune | None = None
    ) -> tuple[MatchRecord, Commune]:
        """An original record of a new place of `kind`, in `commune` or one drawn for it."""
        commune = commune or self.commune(kind)
        small = commune.population < 50_000
        for _ in range(8):  # one name per commune, one France services per small commune…
            name, family = self.name(kind, commune)
            used = (commune.code, family if family and small else name.casefold())
            if used not in self.names_used:
                break
        else:
            name = f"{self.pick(('Association', 'Collectif'))} {self.acronym()}"
            used = (commune.code, name.casefold())
        self.names_used.add(used)
        precise = not self.chance(0.1)  # 10 % only located at their commune's centroid
        if precise:
            km = abs(self.rng.normal(0, self.spread_km(commune)))
            latitude, longitude = self.offset(commune.latitude, commune.longitude, km)
        else:
            latitude, longitude = commune.latitude, commune.longitude
        typologies = kind.typologies[int(self.rng.random() * len(kind.typologies))]
        record = MatchRecord(
            iri="",
            dataset=self.pick(kind.datasets),
            name=name,
            street=self.street(commune, latitude, longitude, precise) if self.chance(0.9) else "",
            postcode=self.pick(commune.postcodes) if commune.postcodes else "",
            commune=commune.code,
            latitude=round(latitude, 6),
            longitude=round(longitude, 6),
            precise=precise,
            siret=self.siret(kind, commune) if self.chance(kind.siret) else "",
            website=self.website(kind, name, commune) if self.chance(kind.website) else "",
            itinerant=kind.name == "bus",
            typologies=frozenset(typologies),
            commune_name=commune.name,
            commune_population=commune.population,
            key=key,
        )
        return record, commune

    def colocate(
        self, key: str, kind: Kind, host: MatchRecord, commune: Commune
    ) -> tuple[MatchRecord, Commune]:
        """A new place of `kind` at `host`'s address: two places in one building (a trap)."""
        record, _ = self.place(key, kind, commune)
        latitude, longitude = host.latitude, host.longitude
        if latitude is not None and longitude is not None:
            latitude, longitude = self.offset(latitude, longitude, self.rng.random() * 0.02)
        moved = replace(
            record,
            street=host.street,
            postcode=host.postcode,
            latitude=None if latitude is None else round(latitude, 6),
            longitude=None if longitude is None else round(longitude, 6),
            precise=host.precise,
        )
        return moved, commune

    # -- duplicates ----------------------------------------------------------------------
    def dirty_name(self, name: str, kind: Kind, commune: Commune, dirt: list[str]) -> str:
        """`name` as another source writes it."""
        if self.chance(0.6) and re.search(r"\bSainte?\b", name):
            name = re.sub(r"\bSaint(e?)\b", lambda m: "St" + m.group(1), name)
            dirt.append("st-saint")
        elif self.chance(0.6) and re.search(r"\bSte?\b", name):
            name = re.sub(r"\bSt(e?)\b\.?", lambda m: "Saint" + m.group(1), name)
            dirt.append("st-saint")
        if self.chance(0.25):
            name = self.generic_words(name, kind, commune)
            dirt.append("generic-words")
        if self.chance(0.25):
            name = strip_accents(name)
            dirt.append("accents")
        r = self.rng.random()
        if r < 0.3:
            name = (name.upper, name.lower, name.title)[int(r / 0.1)]()
            dirt.append("case")
        if self.chance(0.15):
            name = self.typo(name)
            dirt.append("typo")
        return name

    def generic_words(self, name: str, kind: Kind, commune: Commune) -> str:
        """`name` with a generic word or the commune's name added or removed."""
        prefixes = (
            "Maison France services de ", "Espace France services ", "France services de ",
            "France services ", "Espace numérique de ", "Espace ", "Tiers-lieu ", "Coworking ",
            "Fablab ",
        )  # fmt: skip
        for prefix in prefixes:
            if name.startswith(prefix) and self.chance(0.7):
                rest = name[len(prefix) :]
                if kind.name == "france-services":
                    return self.pick(("France services ", "Espace France services ")) + rest
                return rest
        if name.endswith(" " + commune.name) and self.chance(0.5):
            return name[: -len(commune.name) - 1].removesuffix(" de")
        added = {
            "france-services": ("Espace ", "Maison "),
            "bus": ("",),
            "mediation": ("Espace ", "EPN - "),
            "coworking": ("Coworking ", "Espace "),
            "tiers-lieu": ("Tiers-lieu ", "Espace "),
            "fablab": ("Fablab ", "Espace "),
            "business": ("Espace ",),
        }[kind.name]
        prefix = self.pick(added)
        if (self.chance(0.6) or commune.name in name) and not name.startswith(prefix):
            return prefix + name
        return f"{name} - {commune.name}"

    def typo(self, text: str) -> str:
        """`text` with one character swapped, dropped, doubled or replaced."""
        letters = [i for i, c in enumerate(text) if c.isalpha()]
        if len(letters) < 4:
            return text
        i = letters[int(self.rng.random() * len(letters))]
        r = self.rng.random()
        if r < 0.3 and i + 1 < len(text):
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if r < 0.55:
            return text[:i] + text[i + 1 :]
        if r < 0.75:
            return text[:i] + text[i] + text[i:]
        replacement = "aeioursnt"[int(self.rng.random() * 9)]
        return text[:i] + replacement + text[i + 1 :]

    def dirty_street(self, street: str, dirt: list[str]) -> str:
        """`street` as another source writes it."""
        if not street or self.chance(0.15):
            dirt.append("no-street")
            return ""
        if self.chance(0.3):
            words = street.split(" ")
            words = [STREET_SHORT.get(w, w) for w in words]
            street = re.sub(r"\bSaint(e?)-", lambda m: f"St{m.group(1)}-", " ".join(words))
            dirt.append("abbreviations")
        if self.chance(0.15):
            street = street.upper() if self.chance(0.5) else strip_accents(street)
            dirt.append("address-case")
        if self.chance(0.05):
            street = re.sub(r"^\d+( bis)? ", "", street)
            dirt.append("no-number")
        if self.chance(0.05):
            street = f"{street}, {self.pick(COMPLEMENTS)}"
            dirt.append("complement")
        if self.chance(0.05):
            street = self.typo(street)
            dirt.append("address-typo")
        return street

    def duplicate(
        self,
        original: MatchRecord,
        kind: Kind,
        commune: Commune,
        dataset: str,
        key: str,
    ) -> tuple[MatchRecord, tuple[str, ...]]:
        """Another source's record of the place of `original`, and the dirt it carries."""
        dirt: list[str] = []
        if self.chance(0.03):
            name = self.name(kind, commune)[0]
            if kind.name == "france-services" and self.chance(0.5):
                name = f"MSAP de {commune.name}"  # the name France services had before 2020
            dirt.append("renamed")
        else:
            name = self.dirty_name(original.name, kind, commune, dirt)
        street = self.dirty_street(original.street, dirt)
        latitude, longitude, precise = original.latitude, original.longitude, original.precise
        code, commune_name, population = commune.code, commune.name, commune.population
        r = self.rng.random()
        if r < 0.07:
            latitude, longitude, precise = commune.latitude, commune.longitude, False
            dirt.append("centroid")
        elif r < 0.10 and latitude is not None and longitude is not None:
            km = 2 + self.rng.random() * max(1.0, 2 * self.spread_km(commune))
            latitude, longitude = self.offset(commune.latitude, commune.longitude, km)
            precise = True
            dirt.append("far-in-commune")
        elif r < 0.15:
            dirt.append("same-position")
        elif latitude is not None and longitude is not None:
            km = 0.01 + self.rng.random() * 0.29
            latitude, longitude = self.offset(latitude, longitude, km)
            precise = True
            dirt.append("jitter")
        if self.chance(0.02):
            other = self.neighbour(commune)
            code, commune_name, population = other.code, other.name, other.population
            dirt.append("neighbour-commune")
        siret = original.siret
        if siret:
            r = self.rng.random()
            if r < 0.4:
                siret = ""
                dirt.append("no-siret")
            elif r < 0.5:
                siret = siret[:9] + self.digits(5)
                dirt.append("other-establishment")
        website = original.website
        if website:
            r = self.rng.random()
            if r < 0.4:
                website = ""
                dirt.append("no-website")
            elif r < 0.7:
                website = website.replace("https://", "http://").replace("www.", "") + "/"
                dirt.append("website-variant")
        typologies = original.typologies
        r = self.rng.random()
        if r < 0.15:
            typologies = frozenset()
            dirt.append("no-typology")
        elif r < 0.35:
            main = sorted(typologies)[0]
            broader = BROADER.get(main, BROADER.get(kind.name, (main,)))
            typologies = frozenset((self.pick(broader),))
            dirt.append("other-typology")
        record = MatchRecord(
            iri="",
            dataset=dataset,
            name=name,
            street=street,
            postcode="" if self.chance(0.1) else original.postcode,
            commune=code,
            latitude=None if latitude is None else round(latitude, 6),
            longitude=None if longitude is None else round(longitude, 6),
            precise=precise,
            siret=siret,
            website=website,
            itinerant=original.itinerant,
            typologies=typologies,
            commune_name=commune_name,
            commune_population=population,
            key=key,
        )
        return record, tuple(dirt)


def generate(
    n: int, seed: int = 7, communes: Sequence[Commune] | None = None, note: str = ""
) -> SyntheticRecords:
    """`n` records, about 20 % of them duplicates of others, in a shuffled order.

    Places with duplicates have one (80 %), two (15 %) or three (5 %) of them, each from a
    source (dataset) the place's other records do not come from. About 0.5 % of the distinct
    places share the address of another place (two places in one building): the only way to
    tell them apart is their names and typologies.
    """
    if communes is None:
        communes, note = load_communes()
    generator = Generator(seed, communes)
    rng = generator.rng
    duplicates = round(n * DUPLICATE_SHARE)
    originals = n - duplicates
    shares = np.array([k.share for k in KINDS])
    kinds = rng.choice(len(KINDS), size=originals, p=shares / shares.sum())
    records: list[MatchRecord] = []
    place_communes: list[Commune] = []
    place: list[int] = []
    dirt: list[tuple[str, ...]] = []
    traps: list[tuple[str, ...]] = []
    for p in range(originals):
        record, commune = generator.place(f"true-{p}/orig", KINDS[int(kinds[p])])
        records.append(record)
        place_communes.append(commune)
        place.append(p)
        dirt.append(())
        traps.append(())
    # two places in one building: a place moved to the address of another one
    for p in rng.choice(originals, size=originals // 200, replace=False):
        host = int(rng.integers(0, originals))
        if host == int(p) or not records[host].street:
            continue
        kind = KINDS[int(kinds[int(p)])]
        records[int(p)], place_communes[int(p)] = generator.colocate(
            f"true-{int(p)}/orig", kind, records[host], place_communes[host]
        )
        traps[int(p)] = ("colocated",)
        traps[host] = ("colocated",)
    # how many duplicates each duplicated place gets: 1, 2 or 3, until `duplicates` records
    counts: list[int] = []
    while sum(counts) < duplicates:
        counts.append(min(int(rng.choice(3, p=(0.8, 0.15, 0.05))) + 1, duplicates - sum(counts)))
    chosen = rng.choice(originals, size=min(len(counts), originals), replace=False)
    for p, count in zip(chosen, counts, strict=False):
        original, kind = records[int(p)], KINDS[int(kinds[int(p)])]
        others = [d for d in DATASETS if d != original.dataset]
        order = rng.permutation(len(others))[:count]
        for k, o in enumerate(order, start=1):
            record, what = generator.duplicate(
                original, kind, place_communes[int(p)], others[int(o)], f"true-{p}/dup-{k}"
            )
            records.append(record)
            place.append(int(p))
            dirt.append(what)
            traps.append(())
    order = rng.permutation(len(records))
    shuffled = []
    for position, i in enumerate(order):
        record = records[int(i)]
        iri = f"{BASE_IRI}{record.dataset}/{position}"
        shuffled.append(replace(record, iri=iri))
    counted = np.bincount(kinds, minlength=len(KINDS))
    return SyntheticRecords(
        records=shuffled,
        place=[place[int(i)] for i in order],
        dirt=[dirt[int(i)] for i in order],
        traps=[traps[int(i)] for i in order],
        note=note,
        communes=len(communes),
        kinds={k.name: int(c) for k, c in zip(KINDS, counted, strict=True)},
    )
