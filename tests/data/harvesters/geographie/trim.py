"""Rebuild the trimmed geography fixture from the real mirror (run by hand; see ../../README.md).

Keeps the communes of the fixture's départements within 25 km of the CGET fixture's places,
their EPCI (members trimmed to the kept communes) and their La Poste rows.
Usage: python trim.py ../../../../../shared/data
"""

import csv
import gzip
import json
import math
import sys
from pathlib import Path

here = Path(__file__).parent
mirror = Path(sys.argv[1])
departements = {d["code"] for d in json.loads((here / "departements.json").read_text())}
centres = [
    (47.2184, -1.5536),
    (46.2052, 5.2255),
    (48.0297, -4.5403),
    (-21.2779, 55.5177),
    (44.9153, -0.2434),
    (44.6333, 1.0785),
]  # Nantes, Bourg, Audierne, Le Tampon, Libourne, Villefranche


def km(a, b):
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 12742 * math.asin(math.sqrt(h))


with (mirror / "geo-laposte-hexasmal-2022/laposte_hexasmal.csv").open(encoding="utf-8") as f:
    header, *rows = list(csv.reader(f, delimiter=";"))
point = {r[0]: (float(r[5]), float(r[6])) for r in rows if r[5]}
with gzip.open(mirror / "geo-decoupage-administratif/communes.json.gz", "rt") as f:
    communes = json.load(f)
near = {
    c["code"]
    for c in communes
    if c.get("departement") in departements
    and c["code"] in point
    and any(km(point[c["code"]], x) < 25 for x in centres)
}
kept = [c for c in communes if c["code"] in near or c.get("chefLieu") in near]
(here / "communes.json").write_text(
    json.dumps(kept, ensure_ascii=False, indent=0), encoding="utf-8"
)
with gzip.open(mirror / "geo-decoupage-administratif/epci.json.gz", "rt") as f:
    epcis = json.load(f)
trimmed = []
for e in epcis:
    members = [m for m in e["membres"] if m["code"] in near]
    if members:
        trimmed.append({**e, "membres": members})
(here / "epci.json").write_text(json.dumps(trimmed, ensure_ascii=False, indent=0), encoding="utf-8")
codes = near | {old for c in kept for old in c.get("anciensCodes", [])} | {c["code"] for c in kept}
with (here / "laposte_hexasmal.csv").open("w", encoding="utf-8", newline="") as f:
    out = csv.writer(f, delimiter=";", lineterminator="\n")
    out.writerow(header)
    out.writerows(r for r in rows if r[0] in codes)
print(len(kept), "communes,", len(trimmed), "EPCI")
