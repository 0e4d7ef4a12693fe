"""The whole pipeline from files to published dumps, on a synthetic registry of N places.

Run `python -m bench.pipeline [--places 100000] [--out FILE]`. Writes `--places / 0.8` synthetic
records (bench/synthetic_records.py: 20 % duplicates across sources, dirt, traps) as CSV files in
the national « lieux de médiation numérique » format, one file per source, in a temporary mirror
next to the real reference geography; then runs what `tierslieux harvest` and `tierslieux
publish` run, in one process on an on-disk store: harvest of the geography, harvest of each
file with the `mednum` mapping (parsing, mapping, SHACL validation of every record, graph
replacement), publication (reconciliation, criteria, coverage, snapshot, change feed, dumps).

Each stage is timed with its records per second; the baseline is the time to read the same
files with the csv module (what any harvester must at least do). Peak memory: the largest
resident size of this process and of the validation workers it forks (`ru_maxrss`).
Budget (issue 9): ≤ 3 minutes from the files to the dumps, ≤ 4 GB at 100,000 places.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench import environment, write_report
from bench.synthetic_records import generate
from harvesters import harvest_source
from harvesters.config import SourceConfig, load_sources
from registry.dumps import MEDNUM_COLUMNS
from registry.publication import publish
from registry.settings import Settings
from registry.store import OxigraphStore

TYPOLOGIES = {"coworking": "TIERS_LIEUX", "fablab": "FABLAB", "france-services": "FRANCE_SERVICES",
              "epn": "EPN", "tiers-lieu": "TIERS_LIEUX"}  # fmt: skip
BUDGET_S, BUDGET_MB = 180.0, 4096.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write_files(places: int, seed: int, folder: Path) -> dict[str, tuple[Path, int]]:
    """The synthetic records as one national-format CSV per source: {source: (file, rows)}."""
    data = generate(round(places / 0.8), seed)
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    for number, record in enumerate(data.records):
        codes = sorted({TYPOLOGIES.get(t, "TIERS_LIEUX") for t in record.typologies})
        rows[record.dataset].append({
            "id": f"lieu-{number}", "pivot": record.siret or "00000000000000",
            "nom": record.name, "commune": record.commune_name, "code_postal": record.postcode,
            "code_insee": record.commune, "adresse": record.street or "1 place de la Mairie",
            "latitude": "" if record.latitude is None else f"{record.latitude:.6f}",
            "longitude": "" if record.longitude is None else f"{record.longitude:.6f}",
            "typologie": "|".join(codes), "site_web": record.website,
            "source": record.dataset, "date_maj": "2026-11-01",
        })  # fmt: skip
    files = {}
    for dataset, found in sorted(rows.items()):
        path = folder / "synthetique" / f"{dataset}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, MEDNUM_COLUMNS)
            writer.writeheader()
            writer.writerows(found)
        files[dataset] = (path, len(found))
    return files


def geography_mirror(root: Path) -> Path:
    """`root`/mirror with the real reference geography linked in, for the synthetic files."""
    real = Settings.from_env().mirror_dir or str(Path("../shared/data").resolve())
    mirror = root / "mirror"
    mirror.mkdir()
    for name in ("geo-decoupage-administratif", "geo-laposte-hexasmal-2022"):
        (mirror / name).symlink_to(Path(real).resolve() / name, target_is_directory=True)
    return mirror


def met(ok: bool) -> str:
    return "yes" if ok else "NO"


def peak_mb() -> float:
    mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(mine, children) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="var/bench/pipeline.md")
    options = parser.parse_args(argv)
    stages: list[tuple[str, float, int]] = []  # (stage, seconds, records)
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as folder:
        root = Path(folder)
        mirror = geography_mirror(root)
        log(f"writing {options.places:,} places as CSV files…")
        files = write_files(options.places, options.seed, mirror)
        records = sum(n for _, n in files.values())
        start = time.perf_counter()
        for path, _ in files.values():
            with path.open(encoding="utf-8", newline="") as source:
                sum(1 for _ in csv.DictReader(source))
        baseline = time.perf_counter() - start
        settings = Settings(data_dir=str(root / "var"), mirror_dir=str(mirror),
                            base_uri="http://registre.test/")  # fmt: skip
        clock = time.perf_counter()
        store = OxigraphStore(settings.store_path)
        start = time.perf_counter()
        harvest_source(load_sources()["geographie"], store, settings)
        stages.append(("harvest: reference geography", time.perf_counter() - start, 0))
        for dataset, (path, rows) in files.items():
            source = SourceConfig(
                id=f"synthetique-{dataset}", title=f"Synthétique {dataset}",
                publisher="bench", licence="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
                harvester="mapping", mapping="mednum", url="",
                mirror=str(path.relative_to(mirror)),
            )  # fmt: skip
            log(f"harvest {source.id} ({rows:,} rows)…")
            start = time.perf_counter()
            report = harvest_source(source, store, settings)
            stages.append((f"harvest: {source.id} ({report.loaded:,} kept)",
                           time.perf_counter() - start, rows))  # fmt: skip
        log("publish…")
        start = time.perf_counter()
        published = publish(store, settings)
        stages.append(("publish (reconcile, criteria, coverage, snapshot, feed, dumps)",
                       time.perf_counter() - start, records))  # fmt: skip
        total = time.perf_counter() - clock
        dumps = published.dumps
    harvesting = sum(s for name, s, _ in stages if name.startswith("harvest: synth"))
    peak = peak_mb()
    lines = [
        f"# The pipeline from files to dumps: {published.places:,} places",
        "",
        *environment("registry", {"pyoxigraph": importlib.metadata.version("pyoxigraph"),
                                  "pyshacl": importlib.metadata.version("pyshacl")}),
        f"- {records:,} synthetic records in {len(files)} CSV files (national format); reading "
        f"them with the csv module (baseline) took {baseline:.1f} s",
        "",
        "| stage | seconds | records/s |",
        "|---|---:|---:|",
        *(f"| {name} | {s:.1f} | {(n / s if n else 0):,.0f} |" for name, s, n in stages),
        f"| **total, files to dumps** | **{total:.1f}** | {records / total:,.0f} |",
        "",
        f"- harvest of the synthetic files: {harvesting:.1f} s, {records / harvesting:,.0f} "
        f"records/s, {harvesting / baseline:.0f}× the time to read them with csv",
        f"- publication: {published.summary()}",
        f"- dumps: {sum(d.size for d in dumps.dumps) / 1e6:.1f} MB in {dumps.seconds:.1f} s"
        if dumps else "- dumps: none",
        f"- peak memory: {peak:,.0f} MB (this process or a validation worker)",
        "",
        "| budget | measured | met |",
        "|---|---:|---|",
        f"| files to dumps ≤ {BUDGET_S:.0f} s | {total:.0f} s | {met(total <= BUDGET_S)} |",
        f"| peak memory ≤ {BUDGET_MB:,.0f} MB | {peak:,.0f} MB | {met(peak <= BUDGET_MB)} |",
        "",
    ]  # fmt: skip
    write_report("\n".join(lines), options.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
