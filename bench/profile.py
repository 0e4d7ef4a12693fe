"""Where the time goes: cProfile of the pipeline or of the pages, the functions that cost most.

Run `python -m bench.profile pipeline [--places 2000]` (synthetic files → harvest → publish,
as bench.pipeline does, at a small size) or `python -m bench.profile pages [--requests 300]`
(`/lieu/{id}` and `/api/lieux` near home through the production app over the snapshot
`TL_DATA_DIR` holds; published first when there is none). Prints, and writes to
`var/bench/profile-{what}.txt`, the top functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import tempfile
from pathlib import Path

from bench.pages import ensure_published
from bench.pipeline import geography_mirror, write_files
from bench.synthetic import query_points
from harvesters import harvest_source
from harvesters.config import SourceConfig, load_sources
from registry.publication import publish
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import context, create_app

OUT = Path("var/bench")


def profile_pipeline(places: int, profiler: cProfile.Profile) -> str:
    """Harvest synthetic files of `places` places and publish them, under `profiler`."""
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as folder:
        root = Path(folder)
        mirror = geography_mirror(root)
        files = write_files(places, 7, mirror)
        settings = Settings(data_dir=str(root / "var"), mirror_dir=str(mirror),
                            base_uri="http://registre.test/")  # fmt: skip
        store = OxigraphStore(settings.store_path)
        harvest_source(load_sources()["geographie"], store, settings)
        profiler.enable()
        for dataset, (path, _) in files.items():
            source = SourceConfig(
                id=f"synthetique-{dataset}", title=dataset, publisher="bench",
                licence="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
                harvester="mapping", mapping="mednum", url="",
                mirror=str(path.relative_to(mirror)),
            )  # fmt: skip
            harvest_source(source, store, settings)
        report = publish(store, settings)
        profiler.disable()
    return f"{sum(n for _, n in files.values()):,} records, {report.places:,} places"


def profile_pages(requests: int, profiler: cProfile.Profile) -> str:
    """`requests` place pages and as many near-home API answers, under `profiler`."""
    settings = Settings.from_env()
    ensure_published(settings)
    app = create_app(settings)
    client = app.test_client()
    with app.app_context():
        ids = [e.id for e in context.place_index().entries if e.latitude is not None]
    chooser = random.Random(5)  # noqa: S311 - a sample of pages, not a secret
    pages = [f"/lieu/{chooser.choice(ids)}" for _ in range(requests)]
    points = query_points(requests, 5)
    api = [f"/api/lieux?pres={lat:.4f},{lon:.4f}&rayon=30" for lat, lon in points]
    for url in pages[:20] + api[:20]:  # warm: snapshot opened, index loaded, templates compiled
        client.get(url)
    profiler.enable()
    for url in pages + api:
        if (status := client.get(url).status_code) != 200:
            raise SystemExit(f"{url}: HTTP {status}")
    profiler.disable()
    return f"{requests} place pages and {requests} API answers, {len(ids):,} places"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("what", choices=["pipeline", "pages"])
    parser.add_argument("--places", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    options = parser.parse_args(argv)
    profiler = cProfile.Profile()
    if options.what == "pipeline":
        what = profile_pipeline(options.places, profiler)
    else:
        what = profile_pages(options.requests, profiler)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    text.write(f"# Profile of the {options.what}: {what}\n\n## By cumulative time\n")
    stats.sort_stats("cumulative").print_stats(options.top)
    text.write("\n## By own time\n")
    stats.sort_stats("tottime").print_stats(options.top)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"profile-{options.what}.txt"
    path.write_text(text.getvalue(), encoding="utf-8")
    print(text.getvalue())
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
