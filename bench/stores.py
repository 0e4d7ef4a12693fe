"""The example queries on three stores holding the same registry: Oxigraph, Virtuoso, rdflib.

Run `python -m bench.stores [--runs 5] [--rdflib-timeout 60] [--out FILE]`. Takes the newest
published demo registry of `TL_DATA_DIR` (harvested and published first when there is none):

- **Oxigraph**, embedded: the published snapshot, queried directly with pyoxigraph;
- **Virtuoso 7** (Debian's `virtuoso-opensource`, started here on loopback with
  `deploy/virtuoso/virtuoso.ini`), loaded with the same graphs from `registre.nq.gz`, queried
  through the registry's `RemoteStore` (what the site and /sparql do on Virtuoso);
- **rdflib**'s memory store, loaded with the same quads, one run per query, stopped after
  `--rdflib-timeout` seconds.

Every answer is written as SPARQL JSON; the medians of `--runs` runs, interleaved, and the
ratio of each store to Oxigraph. The answers of Virtuoso must equal Oxigraph's (as sets of
rows): the run exits 1 otherwise. Load times and the peak memory of this process are reported.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import json
import resource
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from types import FrameType

from rdflib import Dataset, URIRef

from bench import environment, write_report
from bench.pages import ensure_published
from registry.dumps import dumps_root, latest_stamp
from registry.paths import EXAMPLE_QUERIES
from registry.publication import SnapshotFollower
from registry.remote_store import RemoteStore
from registry.settings import Settings
from tests import virtuoso

JSON = "application/sparql-results+json"


class Timeout(Exception):
    """An rdflib query ran out of time."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Timeout


def rows(data: bytes) -> Counter[str]:
    document = json.loads(data)
    if "boolean" in document:
        return Counter([str(document["boolean"])])
    return Counter(json.dumps(row, sort_keys=True) for row in document["results"]["bindings"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rdflib-timeout", type=int, default=60)
    parser.add_argument("--out", default="var/bench/stores.md")
    options = parser.parse_args(argv)
    why = virtuoso.missing()
    if why:
        raise SystemExit(why)
    settings = Settings.from_env()
    ensure_published(settings)
    stamp = latest_stamp(settings)
    if stamp is None:
        raise SystemExit("no dumps published: run tierslieux publish")
    nquads = dumps_root(settings) / stamp / "registre.nq.gz"
    embedded = SnapshotFollower(settings).store()
    queries = {p.stem: p.read_text(encoding="utf-8") for p in sorted(EXAMPLE_QUERIES.glob("*.rq"))}
    loads: dict[str, float] = {}
    timings: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    wrong: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-stores-") as folder:
        print("starting Virtuoso…", file=sys.stderr, flush=True)
        server = virtuoso.start(Path(folder) / "virtuoso")
        try:
            remote = RemoteStore(server.sparql, settings, graph_store_url=server.graph_store,
                                 timeout=600)  # fmt: skip
            start = time.perf_counter()
            by_graph: dict[str, list[str]] = defaultdict(list)
            with gzip.open(nquads, "rt", encoding="utf-8") as source:
                for line in source:
                    head, graph, _ = line.rsplit(" ", 2)
                    by_graph[graph[1:-1]].append(head + " .\n")
            for graph, lines in by_graph.items():
                print(f"  Virtuoso: {graph} ({len(lines):,} triples)", file=sys.stderr,
                      flush=True)  # fmt: skip
                remote.rebuild_graphs({URIRef(graph): "".join(lines).encode()})
            loads["Virtuoso (GSP, graph by graph)"] = time.perf_counter() - start
            del by_graph
            for name, text in queries.items():
                print(f"  {name}", file=sys.stderr, flush=True)
                reference = None
                for _ in range(options.runs):
                    start = time.perf_counter()
                    ours = embedded.query(text).serialize(JSON)
                    timings[name]["oxigraph"].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    theirs = remote.query(text).serialize(JSON)
                    timings[name]["virtuoso"].append(time.perf_counter() - start)
                    reference = reference or (rows(ours), rows(theirs))
                if reference and reference[0] != reference[1]:
                    wrong.append(name)
        finally:
            server.stop()
    print("rdflib: loading the same quads…", file=sys.stderr, flush=True)
    dataset = Dataset(default_union=True)
    start = time.perf_counter()
    with gzip.open(nquads, "rb") as source:
        dataset.parse(source, format="nquads")
    loads["rdflib memory store (N-Quads)"] = time.perf_counter() - start
    signal.signal(signal.SIGALRM, _alarm)
    for name, text in queries.items():
        print(f"  rdflib {name}", file=sys.stderr, flush=True)
        signal.alarm(options.rdflib_timeout)
        start = time.perf_counter()
        try:
            result = dataset.query(text)
            result.serialize(format="json")
            timings[name]["rdflib"].append(time.perf_counter() - start)
        except Timeout:
            timings[name]["rdflib"].append(float("inf"))
        finally:
            signal.alarm(0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    median = {n: {k: statistics.median(v) * 1000 for k, v in t.items()} for n, t in timings.items()}

    def shown(ms: float) -> str:
        return f"> {options.rdflib_timeout} s" if ms == float("inf") else f"{ms:,.1f}"

    lines = [
        "# Example queries on Oxigraph, Virtuoso and rdflib",
        "",
        *environment("registry/remote_store.py", {
            "pyoxigraph": importlib.metadata.version("pyoxigraph"),
            "rdflib": importlib.metadata.version("rdflib"), "Virtuoso": "7 (Debian)"}),
        f"- data: `{nquads.name}` of publication {stamp}; {options.runs} runs (rdflib: 1), "
        "medians, answers written as SPARQL JSON",
        *(f"- load into {store}: {seconds:.1f} s" for store, seconds in loads.items()),
        f"- peak memory of this process: {peak:,.0f} MB",
        "",
        "| query | Oxigraph ms | Virtuoso ms | ÷ Oxigraph | rdflib ms | ÷ Oxigraph | same |",
        "|---|---:|---:|---:|---:|---:|---|",
        *(
            f"| {n} | {m['oxigraph']:,.1f} | {m['virtuoso']:,.1f} | "
            f"{m['virtuoso'] / m['oxigraph']:.1f} | {shown(m['rdflib'])} | "
            f"{shown(m['rdflib'] / m['oxigraph']) if m['rdflib'] != float('inf') else '–'} | "
            f"{'NO' if n in wrong else 'yes'} |"
            for n, m in median.items()
        ),
        "",
    ]  # fmt: skip
    write_report("\n".join(lines), options.out)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
