"""Synthetic registries of tiers-lieux, for benchmarks: deterministic for a given seed.

The places cluster around real city centres (gaussian spread growing with the city's size), with
a uniform scatter over mainland France and Corsica (rural places) and a few in the overseas
départements. Some positions are shared on purpose, as in the real registry: places located
at their commune's centre (precision "commune") and several places at one address, so exact
distance ties are common. Tags follow skewed frequencies (many coworkings, few living labs), with
labels, services and 0 to 6 criteria met; about 5 % of the places are projects or closed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from registry.geography import unit_vectors
from registry.search import PlaceEntry
from registry.vocabulary import fold

KM_PER_DEGREE = 111.195


@dataclass(frozen=True)
class City:
    """A city centre places cluster around."""

    name: str
    commune: str  # INSEE code
    departement: str
    region: str  # INSEE code of the région
    latitude: float
    longitude: float
    population: int  # thousands, rough: only weighs the clusters


CITIES = (
    City("Paris", "75056", "75", "11", 48.8566, 2.3522, 2100),
    City("Boulogne-Billancourt", "92012", "92", "11", 48.8397, 2.2399, 120),
    City("Saint-Denis", "93066", "93", "11", 48.9362, 2.3574, 113),
    City("Versailles", "78646", "78", "11", 48.8049, 2.1204, 85),
    City("Créteil", "94028", "94", "11", 48.7904, 2.4556, 92),
    City("Marseille", "13055", "13", "93", 43.2965, 5.3698, 870),
    City("Aix-en-Provence", "13001", "13", "93", 43.5297, 5.4474, 145),
    City("Toulon", "83137", "83", "93", 43.1242, 5.9280, 180),
    City("Nice", "06088", "06", "93", 43.7102, 7.2620, 340),
    City("Avignon", "84007", "84", "93", 43.9493, 4.8055, 91),
    City("Lyon", "69123", "69", "84", 45.7640, 4.8357, 520),
    City("Villeurbanne", "69266", "69", "84", 45.7719, 4.8902, 150),
    City("Grenoble", "38185", "38", "84", 45.1885, 5.7245, 158),
    City("Saint-Étienne", "42218", "42", "84", 45.4397, 4.3872, 173),
    City("Clermont-Ferrand", "63113", "63", "84", 45.7772, 3.0870, 147),
    City("Annecy", "74010", "74", "84", 45.8992, 6.1294, 130),
    City("Chambéry", "73065", "73", "84", 45.5646, 5.9178, 60),
    City("Toulouse", "31555", "31", "76", 43.6047, 1.4442, 500),
    City("Montpellier", "34172", "34", "76", 43.6108, 3.8767, 300),
    City("Nîmes", "30189", "30", "76", 43.8367, 4.3601, 150),
    City("Perpignan", "66136", "66", "76", 42.6887, 2.8948, 120),
    City("Albi", "81004", "81", "76", 43.9289, 2.1464, 50),
    City("Rodez", "12202", "12", "76", 44.3506, 2.5750, 25),
    City("Bordeaux", "33063", "33", "75", 44.8378, -0.5792, 260),
    City("Limoges", "87085", "87", "75", 45.8336, 1.2611, 130),
    City("Poitiers", "86194", "86", "75", 46.5802, 0.3404, 90),
    City("La Rochelle", "17300", "17", "75", 46.1603, -1.1511, 78),
    City("Pau", "64445", "64", "75", 43.2951, -0.3708, 77),
    City("Bayonne", "64102", "64", "75", 43.4929, -1.4748, 52),
    City("Angoulême", "16015", "16", "75", 45.6484, 0.1562, 42),
    City("Nantes", "44109", "44", "52", 47.2184, -1.5536, 320),
    City("Angers", "49007", "49", "52", 47.4784, -0.5632, 155),
    City("Le Mans", "72181", "72", "52", 48.0061, 0.1996, 145),
    City("Rennes", "35238", "35", "53", 48.1173, -1.6778, 220),
    City("Brest", "29019", "29", "53", 48.3904, -4.4861, 140),
    City("Quimper", "29232", "29", "53", 47.9960, -4.1024, 63),
    City("Lorient", "56121", "56", "53", 47.7483, -3.3700, 57),
    City("Saint-Brieuc", "22278", "22", "53", 48.5141, -2.7603, 45),
    City("Lille", "59350", "59", "32", 50.6292, 3.0573, 235),
    City("Roubaix", "59512", "59", "32", 50.6942, 3.1746, 98),
    City("Amiens", "80021", "80", "32", 49.8941, 2.2958, 135),
    City("Dunkerque", "59183", "59", "32", 51.0343, 2.3768, 87),
    City("Arras", "62041", "62", "32", 50.2910, 2.7775, 41),
    City("Strasbourg", "67482", "67", "44", 48.5734, 7.7521, 290),
    City("Reims", "51454", "51", "44", 49.2583, 4.0317, 180),
    City("Metz", "57463", "57", "44", 49.1193, 6.1757, 120),
    City("Nancy", "54395", "54", "44", 48.6921, 6.1844, 105),
    City("Mulhouse", "68224", "68", "44", 47.7508, 7.3359, 108),
    City("Troyes", "10387", "10", "44", 48.2973, 4.0744, 62),
    City("Dijon", "21231", "21", "27", 47.3220, 5.0415, 160),
    City("Besançon", "25056", "25", "27", 47.2378, 6.0241, 117),
    City("Auxerre", "89024", "89", "27", 47.7982, 3.5673, 35),
    City("Orléans", "45234", "45", "24", 47.9029, 1.9093, 117),
    City("Tours", "37261", "37", "24", 47.3941, 0.6848, 137),
    City("Bourges", "18033", "18", "24", 47.0810, 2.3988, 64),
    City("Rouen", "76540", "76", "28", 49.4432, 1.0999, 112),
    City("Le Havre", "76351", "76", "28", 49.4944, 0.1079, 168),
    City("Caen", "14118", "14", "28", 49.1829, -0.3707, 106),
    City("Cherbourg-en-Cotentin", "50129", "50", "28", 49.6337, -1.6222, 78),
    City("Ajaccio", "2A004", "2A", "94", 41.9192, 8.7386, 72),
    City("Bastia", "2B033", "2B", "94", 42.6973, 9.4509, 48),
)

OVERSEAS = (
    City("Saint-Denis", "97411", "974", "04", -20.8823, 55.4504, 150),
    City("Saint-Pierre", "97416", "974", "04", -21.3393, 55.4781, 85),
    City("Pointe-à-Pitre", "97120", "971", "01", 16.2411, -61.5331, 60),
    City("Fort-de-France", "97209", "972", "02", 14.6161, -61.0588, 80),
    City("Cayenne", "97302", "973", "03", 4.9224, -52.3135, 63),
    City("Mamoudzou", "97611", "976", "06", -12.7806, 45.2279, 71),
)

REGIONS = {
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
}

# Rough outlines (longitude, latitude) of mainland France and Corsica, clockwise.
MAINLAND = (
    (2.55, 51.08), (3.15, 50.78), (3.65, 50.45), (4.25, 49.95), (4.85, 50.15), (4.95, 49.80),
    (5.45, 49.50), (5.90, 49.50), (6.40, 49.45), (7.00, 49.15), (7.60, 49.08), (8.20, 48.97),
    (7.80, 48.50), (7.55, 47.95), (7.58, 47.58), (7.00, 47.45), (6.45, 46.95), (6.10, 46.55),
    (5.97, 46.20), (6.30, 46.40), (6.80, 46.40), (6.95, 46.05), (7.00, 45.85), (6.80, 45.60),
    (7.15, 45.30), (6.63, 45.05), (6.90, 44.60), (6.85, 44.30), (7.60, 44.10), (7.55, 43.79),
    (7.25, 43.68), (6.95, 43.50), (6.65, 43.17), (6.20, 43.10), (5.90, 43.08), (5.35, 43.20),
    (4.85, 43.35), (4.40, 43.45), (3.95, 43.50), (3.50, 43.28), (3.05, 43.00), (3.05, 42.60),
    (3.17, 42.43), (2.60, 42.35), (1.95, 42.40), (1.45, 42.60), (0.70, 42.70), (0.00, 42.75),
    (-0.70, 42.85), (-1.40, 43.05), (-1.78, 43.37), (-1.52, 43.50), (-1.25, 44.20),
    (-1.25, 44.65), (-1.10, 45.55), (-1.25, 46.00), (-1.60, 46.40), (-2.15, 46.85),
    (-2.20, 47.25), (-3.10, 47.50), (-4.35, 47.80), (-4.70, 48.05), (-4.78, 48.35),
    (-4.60, 48.62), (-3.60, 48.75), (-3.00, 48.80), (-2.30, 48.65), (-1.60, 48.65),
    (-1.55, 49.20), (-1.90, 49.70), (-1.25, 49.70), (-1.10, 49.35), (-0.20, 49.30),
    (0.10, 49.45), (0.60, 49.85), (1.40, 50.10), (1.60, 50.40), (1.60, 50.90),
)  # fmt: skip
CORSICA = (
    (9.35, 43.00), (9.45, 42.70), (9.55, 42.15), (9.40, 41.70), (9.20, 41.37), (8.80, 41.60),
    (8.60, 41.90), (8.60, 42.20), (8.75, 42.55), (9.10, 42.75),
)  # fmt: skip

# Relative frequencies of the typologies (codes of the typologies vocabulary).
TYPOLOGIES = {
    "coworking": 30.0,
    "tiers-lieu": 18.0,
    "lieu-mediation-numerique": 12.0,
    "espace-hybride": 8.0,
    "fablab": 6.0,
    "atelier-partage": 5.0,
    "bureau-partage": 4.0,
    "epn": 4.0,
    "maison-services": 3.0,
    "tiers-lieu-culturel": 3.0,
    "telecentre": 2.0,
    "pepiniere": 1.5,
    "incubateur": 1.5,
    "makerspace": 1.0,
    "tiers-lieu-nourricier": 1.0,
    "centre-affaires": 0.8,
    "hotel-entreprises": 0.6,
    "cuisine-partagee": 0.5,
    "point-visio": 0.4,
    "hackerspace": 0.3,
    "living-lab": 0.3,
    "campus-connecte": 0.2,
}
# Share of the places holding each label, drawn independently.
LABELS = {
    "conseiller-numerique": 0.12,
    "france-services": 0.08,
    "fabrique-de-territoire": 0.07,
    "aptic": 0.05,
    "fabrique-numerique-de-territoire": 0.02,
    "manufacture-de-proximite": 0.01,
    "nomades100": 0.01,
    "campus-connecte": 0.002,
}
# Share of the places offering each service, drawn independently.
SERVICES = {
    "wifi": 0.78,
    "salle-reunion": 0.55,
    "impression": 0.45,
    "poste-nomade": 0.40,
    "cafe": 0.35,
    "tres-haut-debit": 0.30,
    "visioconference": 0.25,
    "mediation-numerique": 0.20,
    "domiciliation": 0.12,
    "imprimante-3d": 0.10,
    "cuisine": 0.08,
    "decoupe-laser": 0.05,
    "garde-enfants": 0.01,
}
# The six criteria, with how often each is met relative to the others.
CRITERIA = {
    "accueil": 3.0,
    "ouverture": 2.5,
    "numerique": 2.0,
    "flexibilite": 1.5,
    "accessibilite": 1.0,
    "gouvernance": 0.7,
}
CRITERIA_MET = (0.15, 0.10, 0.15, 0.20, 0.20, 0.12, 0.08)  # P(0 met) … P(6 met)
# Statuses (local names) and their shares: "" is a place whose sources do not say.
STATUSES = {"ouvert": 0.60, "": 0.35, "projet": 0.03, "ferme": 0.015, "en-creation": 0.005}
HOURS = ("", "", "", "Mo-Fr 09:00-18:00", "Mo-Sa 08:30-19:00", "Tu-Sa 10:00-18:00; Mo off")
NAMES = ("La Fabrique", "Le Hub", "L'Atelier", "La Ruche", "Le Quai", "La Coopérative", "Le Lab")

CLUSTERED, RURAL, OVERSEAS_SHARE = 0.65, 0.32, 0.03  # how the places spread
AT_COMMUNE_CENTRE = 0.10  # positions known only to the commune: its centre, shared
SHARED_ADDRESS = 0.02  # at the exact position of another place
UNLOCATED = 0.005  # no position at all
RURAL_COMMUNES = 3000  # pseudo-communes of the uniform scatter


def _inside(points: np.ndarray, outline: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Which (longitude, latitude) points lie inside the polygon `outline` (ray casting)."""
    x, y = points[:, 0], points[:, 1]
    inside = np.zeros(len(points), dtype=bool)
    for (x1, y1), (x2, y2) in zip(outline, outline[1:] + outline[:1], strict=True):
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < at)
    return inside


def uniform_in_france(rng: np.random.Generator, count: int) -> np.ndarray:
    """`count` (latitude, longitude) points uniform over mainland France and Corsica."""
    found: list[np.ndarray] = []
    total = 0
    while total < count:
        batch = np.column_stack(
            (rng.uniform(-4.8, 9.6, 2 * count), rng.uniform(41.3, 51.1, 2 * count))
        )
        batch = batch[_inside(batch, MAINLAND) | _inside(batch, CORSICA)]
        found.append(batch)
        total += len(batch)
    lon_lat = np.concatenate(found)[:count]
    return lon_lat[:, ::-1].copy()


def _around(rng: np.random.Generator, centres: np.ndarray, sigma_km: np.ndarray) -> np.ndarray:
    """Gaussian scatter (latitude, longitude) around `centres`, `sigma_km` apart on average."""
    north = rng.normal(0.0, sigma_km) / KM_PER_DEGREE
    east = rng.normal(0.0, sigma_km) / (KM_PER_DEGREE * np.cos(np.radians(centres[:, 0])))
    return np.column_stack((centres[:, 0] + north, centres[:, 1] + east))


def _city_arrays(cities: tuple[City, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centres, cluster weights and spreads (km) of `cities`."""
    centres = np.array([(c.latitude, c.longitude) for c in cities])
    population = np.array([c.population for c in cities], dtype=float)
    weights = population**0.7
    return centres, weights / weights.sum(), 3.0 + 2.0 * np.sqrt(population / 100)


def positions(
    rng: np.random.Generator,
    count: int,
    shares: tuple[float, float, float] = (CLUSTERED, RURAL, OVERSEAS_SHARE),
) -> np.ndarray:
    """`count` (latitude, longitude) points: around cities, rural scatter, overseas (`shares`)."""
    kind = rng.choice(3, size=count, p=list(shares))
    points = np.empty((count, 2))
    for which, cities in ((0, CITIES), (2, OVERSEAS)):
        chosen = np.flatnonzero(kind == which)
        centres, weights, spread = _city_arrays(cities)
        city = rng.choice(len(cities), size=len(chosen), p=weights)
        points[chosen] = _around(rng, centres[city], spread[city])
    rural = np.flatnonzero(kind == 1)
    points[rural] = uniform_in_france(rng, len(rural))
    return points


def query_points(count: int, seed: int) -> np.ndarray:
    """Where searches start: half near city centres (where people live), half anywhere.

    A few (2 %) are overseas, where a rare filter sends the search across the world.
    """
    return positions(np.random.default_rng(seed), count, (0.49, 0.49, 0.02))


def _draw_tags(rng: np.random.Generator, count: int) -> list[set[str]]:
    """The tags of `count` places: typologies, labels, services, criteria met."""
    codes = list(TYPOLOGIES)
    weights = np.array(list(TYPOLOGIES.values()))
    drawn = rng.choice(len(codes), size=(count, 3), p=weights / weights.sum())
    how_many = rng.choice([1, 2, 3], size=count, p=[0.6, 0.3, 0.1])
    labels = rng.random((count, len(LABELS))) < np.array(list(LABELS.values()))
    services = rng.random((count, len(SERVICES))) < np.array(list(SERVICES.values()))
    met = rng.choice(7, size=count, p=CRITERIA_MET)
    # Weighted sampling without replacement (Efraimidis-Spirakis): the largest keys win.
    keys = rng.random((count, len(CRITERIA))) ** (1 / np.array(list(CRITERIA.values())))
    ranked = np.argsort(-keys, axis=1)
    makers = rng.random(count) < 0.6
    label_codes, service_codes, criteria_codes = list(LABELS), list(SERVICES), list(CRITERIA)
    result = []
    for i in range(count):
        tags = {f"typologie:{codes[t]}" for t in drawn[i, : how_many[i]]}
        tags.update(f"label:{label_codes[j]}" for j in np.flatnonzero(labels[i]))
        tags.update(f"service:{service_codes[j]}" for j in np.flatnonzero(services[i]))
        tags.update(f"critere:{criteria_codes[j]}" for j in ranked[i, : met[i]])
        if makers[i] and tags & {"typologie:fablab", "typologie:makerspace"}:
            tags.add("service:imprimante-3d")  # services follow the typology
        result.append(tags)
    return result


def generate(count: int, seed: int = 0) -> list[PlaceEntry]:
    """`count` synthetic places, sorted as `PlaceIndex.build` sorts them (by folded name, id)."""
    rng = np.random.default_rng(seed)
    points = positions(rng, count)

    # Communes: the cities, and pseudo-communes over the rural scatter.
    towns = CITIES + OVERSEAS
    centres = np.concatenate(
        [
            np.array([(c.latitude, c.longitude) for c in towns]),
            uniform_in_france(rng, RURAL_COMMUNES),
        ]
    )
    tree = cKDTree(unit_vectors(centres[:, 0], centres[:, 1]))
    _, commune = tree.query(unit_vectors(points[:, 0], points[:, 1]))
    city_tree = cKDTree(unit_vectors(centres[: len(towns), 0], centres[: len(towns), 1]))
    _, nearest_city = city_tree.query(unit_vectors(centres[:, 0], centres[:, 1]))

    precision = np.full(count, "adresse", dtype=object)
    precision[rng.random(count) < 0.03] = "manuelle"
    at_centre = rng.random(count) < AT_COMMUNE_CENTRE
    precision[at_centre] = "commune"
    points[at_centre] = centres[commune[at_centre]]
    shared = np.flatnonzero((rng.random(count) < SHARED_ADDRESS) & ~at_centre)
    points[shared] = points[rng.integers(0, count, size=len(shared))]
    points = np.round(points, 6)  # as published: six decimals (about 10 cm)
    unlocated = rng.random(count) < UNLOCATED

    status_codes = list(STATUSES)
    status = rng.choice(len(status_codes), size=count, p=list(STATUSES.values()))
    hours = rng.choice(len(HOURS), size=count)
    names = rng.choice(len(NAMES), size=count)
    tags = _draw_tags(rng, count)

    entries = []
    for i in range(count):
        town = towns[nearest_city[commune[i]]]
        c = int(commune[i])
        locality = towns[c].name if c < len(towns) else f"{town.name}-Campagne {c}"
        code = towns[c].commune if c < len(towns) else f"{town.departement}{c:03d}"[:5]
        postcode = f"{town.departement}{c % 1000:03d}"[:5]
        name = f"{NAMES[names[i]]} {locality} {i}"
        typologies = sorted(t.split(":", 1)[1] for t in tags[i] if t.startswith("typologie:"))
        located = not unlocated[i]
        entries.append(
            PlaceEntry(
                id=f"synth-{i:07d}",
                name=name,
                locality=locality,
                postcode=postcode,
                region=REGIONS[town.region],
                typologies=tuple(t.replace("-", " ").capitalize() for t in typologies),
                latitude=float(points[i, 0]) if located else None,
                longitude=float(points[i, 1]) if located else None,
                keys=f"{fold(name)} | {fold(locality)} | {postcode}",
                commune=code,
                departement=town.departement,
                region_code=town.region,
                precision=str(precision[i]) if located else "",
                status=status_codes[status[i]],
                opening_hours=HOURS[hours[i]],
                tags=frozenset(tags[i]),
            )
        )
    entries.sort(key=lambda e: (fold(e.name), e.id))
    return entries
