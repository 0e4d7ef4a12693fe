"""Server render time of each page type of the site, on the published demo registry.

Run `python -m bench.pages [--requests 50] [--out FILE]`. Opens the snapshot `tierslieux publish`
made current in `TL_DATA_DIR` (default `var`; when there is none, it first runs `tierslieux
harvest --all` and `tierslieux publish`, as `make demo` does), builds the production app on it and
times each page type through Flask's test client (rendering only: no network, no browser).
Requests of one page type rotate over several places or territories, so the figures are not one
page's cache. A hello-world route added to the same app is the baseline measured in the same run.
The goal is a median of 50 ms or less per page type (issue 7). Prints a Markdown report and
writes it to `--out`; exits 1 when a page does not answer 200.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from bench import environment, write_report
from registry.publication import SnapshotFollower
from registry.settings import Settings
from registry.web import context, create_app

GOAL_MEDIAN_MS = 50.0


def ensure_published(settings: Settings) -> None:
    """Harvest and publish the demo registry when the data folder has no current snapshot."""
    if (settings.data_path / "current").exists():
        return
    print("no published registry: harvesting every source, then publishing…", file=sys.stderr)
    tierslieux = Path(sys.executable).with_name("tierslieux")
    subprocess.run([str(tierslieux), "harvest", "--all"], check=False)
    subprocess.run([str(tierslieux), "publish"], check=True)


def page_types(app: Flask, seed: int) -> dict[str, list[str]]:
    """For each page type, the URLs the benchmark cycles through."""
    chooser = random.Random(seed)  # noqa: S311 - a sample of pages, not a secret
    with app.app_context():
        index, gazetteer = context.place_index(), context.gazetteer()
        places = [e.id for e in index.entries if e.latitude is not None]
        with_hours = [e.id for e in index.entries if e.opening_hours]
        territories = gazetteer.territories
    regions = sorted(code for kind, code in territories if kind == "region")
    departements = sorted(code for kind, code in territories if kind == "departement")
    epcis = sorted(code for kind, code in territories if kind == "epci")
    cities = ["Bordeaux", "Lyon", "Rennes", "Lille", "Guéret", "Gap", "69003", "33500", "Ajaccio"]
    fiches = chooser.sample(places, 20) + chooser.sample(with_hours, min(10, len(with_hours)))
    return {
        "accueil": ["/"],
        "recherche (commune)": [f"/recherche?q={city}" for city in cities],
        "recherche (filtres)": [
            f"/recherche?q={city}&rayon=50&typologie=coworking&ouvert=maintenant" for city in cities
        ],
        "recherche (nom)": [f"/recherche?nom={name}" for name in ("fablab", "cowork", "maison")],
        "fiche lieu": [f"/lieu/{place}" for place in fiches],
        "territoires": ["/territoires"],
        "territoire : région": [f"/territoires/region/{code}" for code in regions],
        "territoire : département": [
            f"/territoires/departement/{code}" for code in chooser.sample(departements, 20)
        ],
        "territoire : EPCI": [f"/territoires/epci/{code}" for code in chooser.sample(epcis, 20)],
        "territoire : CSV": [
            f"/territoires/departement/{code}/lieux.csv"
            for code in chooser.sample(departements, 10)
        ],
        "sources": ["/sources"],
        "source": ["/sources/cget-2019", "/sources/mednum-hinaura", "/sources/france-services"],
        "données": ["/donnees"],
        "intégrer": ["/integrer?territoire=departement:33"],
        "widget": [f"/widget?territoire=departement:{code}" for code in departements[:10]],
        "signaler une erreur": [f"/lieu/{place}/signaler" for place in fiches[:10]],
    }


def timed(get: Callable[[str], int], urls: list[str], requests: int) -> tuple[float, list[float]]:
    """The first request (cold caches) and `requests` more, cycling over `urls`, in ms."""
    start = time.perf_counter()
    status = get(urls[0])
    first = (time.perf_counter() - start) * 1000
    if status != 200:
        raise SystemExit(f"{urls[0]} answered {status}")
    for url in urls[1:]:  # each URL once before timing: the report is about steady state
        get(url)
    times = []
    for number in range(requests):
        url = urls[number % len(urls)]
        start = time.perf_counter()
        status = get(url)
        times.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
    return first, times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page type")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="var/bench/pages.md")
    options = parser.parse_args(argv)
    settings = Settings.from_env()
    ensure_published(settings)
    app = create_app(settings)
    if not isinstance(app.extensions["tl.store"], SnapshotFollower):
        raise SystemExit("the app does not read the published snapshot")

    @app.get("/__bench/bonjour")
    def hello() -> str:  # the baseline: the same app and stack, no work
        return "Bonjour"

    client = app.test_client()
    start = time.perf_counter()
    with app.app_context():  # what the first request of a worker pays, reported apart
        context.store()
        context.place_index()
    opening_s = time.perf_counter() - start

    def get(url: str) -> int:
        return client.get(url).status_code

    _, baseline = timed(get, ["/__bench/bonjour"], options.requests * 4)
    base_median = statistics.median(baseline)
    with app.app_context():
        places = len(context.place_index())
    rows = []
    for name, urls in page_types(app, options.seed).items():
        print(f"{name}…", file=sys.stderr)
        first, times = timed(get, urls, options.requests)
        median = statistics.median(times)
        rows.append(
            f"| {name} | {len(urls)} | {first:.0f} | {min(times):.1f} | {median:.1f} "
            f"| {percentile(times, 0.95):.1f} | {median / base_median:.0f}× "
            f"| {'met' if median <= GOAL_MEDIAN_MS else 'MISSED'} |"
        )
    report = [
        "# Server render time per page type",
        "",
        *environment("registry/web", {"Flask": importlib.metadata.version("flask")}),
        f"- registry: {places:,} places, snapshot {settings.data_path / 'current'}; opening it "
        f"and loading its search index took {opening_s:.1f} s (once per worker and snapshot, "
        "before the first request below)",
        f"- {options.requests} timed requests per page type through Flask's test client, after "
        "one untimed request per URL; baseline: a hello-world route of the same app, median "
        f"{base_median * 1000:.0f} µs",
        "",
        "| page type | URLs | first (ms, cold) | min (ms) | median (ms) | p95 (ms) "
        "| median / baseline | ≤ 50 ms median |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        *rows,
        "",
    ]
    write_report("\n".join(report), options.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
