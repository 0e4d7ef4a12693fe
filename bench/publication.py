"""Publication time and SPARQL example-query latency, on the demo registry and a synthetic one.

Run `python -m bench.publication [--places 100000] [--runs 5] [--skip-demo] [--out FILE]`.

1. Demo registry: `publish()` on the working store of `TL_DATA_DIR` (default `var`, filled by
   `tierslieux harvest --all`; when it holds no records, the benchmark harvests first). This is
   what `tierslieux publish` does, timed in process.
2. Synthetic registry: the reference geography from the mirror, then `--places / 0.8` source
   records from bench.synthetic_records (20 % of them duplicates of others across sources, so
   about `--places` places), written straight into their source graphs (harvesting them one by
   one would measure the harvesters, not the publication), then `publish()` into a temporary
   data folder.
3. On each published registry, every example query of docs/queries/ is run `--runs` times
   through the SPARQL endpoint of the production app (Flask's test client: protocol parsing,
   checks, serialisation to SPARQL JSON) and `--runs` times directly on the same pyoxigraph
   store (results serialised to SPARQL JSON too), interleaved; the medians and their ratio.

Prints a Markdown report and writes it to `--out` (default var/bench/publication.md).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox

from bench import environment, write_report
from bench.synthetic_records import generate
from harvesters import harvest_source
from harvesters.config import load_sources
from registry.iris import Minter
from registry.paths import EXAMPLE_QUERIES
from registry.publication import PublishReport, SnapshotFollower, publish
from registry.settings import Settings
from registry.store import OxigraphStore
from registry.web import create_app

SCHEMA = "http://schema.org/"
TL = "https://w3id.org/tiers-lieux/def/tl#"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def synthetic_graphs(places: int, seed: int, minter: Minter) -> tuple[dict[str, bytes], int]:
    """N-Triples of each synthetic source's records, as a harvest would leave them."""
    data = generate(round(places / 0.8), seed)
    lines: dict[str, list[str]] = defaultdict(list)
    harvested = '"2026-11-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'
    for record in data.records:
        s = f"<{record.iri}>"
        source = minter.source(record.dataset)
        out = lines[record.dataset]
        out += [
            f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{TL}SourceRecord> .",
            f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SCHEMA}Place> .",
            f"{s} <http://purl.org/dc/terms/source> <{source}> .",
            f"{s} <{TL}recordKey> {literal(record.iri.rsplit('/', 1)[-1])} .",
            f"{s} <http://www.w3.org/ns/prov#generatedAtTime> {harvested} .",
            f"{s} <{SCHEMA}name> {literal(record.name)} .",
            f"{s} <{SCHEMA}address> <{record.iri}#adresse> .",
            f"<{record.iri}#adresse> <{SCHEMA}postalCode> {literal(record.postcode)} .",
            f"<{record.iri}#adresse> <{SCHEMA}addressLocality> {literal(record.commune_name)} .",
        ]
        if record.street:
            out.append(f"<{record.iri}#adresse> <{SCHEMA}streetAddress> {literal(record.street)} .")
        if record.latitude is not None and record.longitude is not None:
            decimal = "^^<http://www.w3.org/2001/XMLSchema#decimal>"
            out += [
                f'{s} <{SCHEMA}latitude> "{record.latitude:.6f}"{decimal} .',
                f'{s} <{SCHEMA}longitude> "{record.longitude:.6f}"{decimal} .',
            ]
        if record.commune:  # as harvesters write a source's INSEE code
            out.append(f"{s} <{TL}commune> <{minter.base}id/commune/{record.commune}> .")
        if record.website:
            out.append(f"{s} <{SCHEMA}url> <{record.website}> .")
        for typology in sorted(record.typologies):
            out.append(
                f"{s} <{TL}typology> <https://w3id.org/tiers-lieux/def/typologie/{typology}> ."
            )
    graphs = {dataset: ("\n".join(found) + "\n").encode() for dataset, found in lines.items()}
    return graphs, len(data.records)


def timed_publish(store: OxigraphStore, settings: Settings) -> tuple[float, PublishReport]:
    start = time.perf_counter()
    report = publish(store, settings)
    seconds = time.perf_counter() - start
    log(f"  published {report.places:,} places from {report.records:,} records in {seconds:.1f} s")
    return seconds, report


def query_latencies(settings: Settings, runs: int) -> list[tuple[str, float, float, int]]:
    """(query, median ms through /sparql, median ms on pyoxigraph directly, rows).

    The endpoint's deadline is lifted (`sparql_timeout_s`): this measures latency, and a busy
    machine must not turn a slow answer into a missing figure.
    """
    app = create_app(replace(settings, sparql_timeout_s=3600))
    client = app.test_client()
    store = SnapshotFollower(settings).store()
    raw: ox.Store = store._store  # the same store the endpoint reads
    found = []
    for path in sorted(EXAMPLE_QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        ours, direct, rows = [], [], 0
        for _ in range(runs):
            start = time.perf_counter()
            answer = client.post(
                "/sparql",
                data={"query": text},
                headers={"Accept": "application/sparql-results+json"},
            )
            ours.append(time.perf_counter() - start)
            if answer.status_code != 200:
                raise SystemExit(f"{path.name}: {answer.status_code} {answer.get_data()[:200]!r}")
            start = time.perf_counter()
            result = raw.query(text, use_default_graph_as_union=True)
            buffer = io.BytesIO()
            if isinstance(result, ox.QuerySolutions):
                result.serialize(buffer, ox.QueryResultsFormat.JSON)
            direct.append(time.perf_counter() - start)
            rows = answer.get_data().count(b'"type"')  # rough, for the report only
        found.append(
            (path.stem, statistics.median(ours) * 1000, statistics.median(direct) * 1000, rows)
        )
        log(f"  {path.stem}: {found[-1][1]:.0f} ms vs {found[-1][2]:.0f} ms")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--out", default="var/bench/publication.md")
    options = parser.parse_args(argv)
    sections: list[str] = []
    registries: list[tuple[str, Settings, float, PublishReport]] = []
    if not options.skip_demo:
        settings = Settings.from_env()
        store = OxigraphStore(settings.store_path)
        if not store.ask("ASK { ?r a <https://w3id.org/tiers-lieux/def/tl#SourceRecord> }"):
            del store  # the CLI opens the working store itself
            log("demo registry: empty working store, tierslieux harvest --all…")
            tierslieux = Path(sys.executable).with_name("tierslieux")
            subprocess.run([str(tierslieux), "harvest", "--all"], check=False)
            store = OxigraphStore(settings.store_path)
        log("demo registry: publish…")
        seconds, report = timed_publish(store, settings)
        del store
        registries.append(("demo (mirror, every source)", settings, seconds, report))
    with tempfile.TemporaryDirectory(prefix="bench-publication-") as folder:
        settings = Settings(
            data_dir=folder, mirror_dir=str(Settings.from_env().mirror_dir or "../shared/data"),
            base_uri="http://registre.test/",
        )  # fmt: skip
        store = OxigraphStore(settings.store_path)
        minter = Minter(settings.base_uri)
        log("synthetic registry: geography…")
        harvest_source(load_sources()["geographie"], store, settings)
        log(f"synthetic registry: {options.places:,} places…")
        start = time.perf_counter()
        graphs, records = synthetic_graphs(options.places, options.seed, minter)
        store.rebuild_graphs({minter.source_graph(d): body for d, body in graphs.items()})
        loading = time.perf_counter() - start
        log(f"  {records:,} records written in {loading:.0f} s; publish…")
        seconds, report = timed_publish(store, settings)
        del store
        registries.append((f"synthetic ({records:,} records)", settings, seconds, report))
        sections.append(
            f"- synthetic records generated and written in {loading:.0f} s (not part of the "
            "publication time)"
        )
        table = [
            "| registry | places | records | publish (s) | of which dumps (s) | dumps (MB) |",
            "|---|---:|---:|---:|---:|---:|",
            *(
                f"| {name} | {r.places:,} | {r.records:,} | {s:.1f} | "
                + (f"{r.dumps.seconds:.1f} | {sum(d.size for d in r.dumps.dumps) / 1e6:.1f} |"
                   if r.dumps else "– | – |")
                for name, _, s, r in registries
            ),
        ]  # fmt: skip
        query_tables = []
        for name, chosen, _, _ in registries:
            log(f"{name}: example queries…")
            latencies = query_latencies(chosen, options.runs)
            query_tables += [
                "",
                f"### Example queries — {name}",
                "",
                "| query | /sparql median (ms) | pyoxigraph median (ms) | ratio |",
                "|---|---:|---:|---:|",
                *(
                    f"| {q} | {ours:.1f} | {direct:.1f} | {ours / direct:.2f} |"
                    for q, ours, direct, _ in latencies
                ),
            ]
    report_lines = [
        "# Publication time and example-query latency",
        "",
        *environment("registry", {"pyoxigraph": importlib.metadata.version("pyoxigraph")}),
        *sections,
        f"- example queries: {options.runs} runs each, endpoint and direct interleaved",
        "",
        *table,
        *query_tables,
        "",
    ]
    write_report("\n".join(report_lines), options.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
