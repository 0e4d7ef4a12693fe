"""SHACL validation of harvested records: ours (chunks on every core) vs pyshacl once over all.

Run `python -m bench.shacl [--sizes 2000 8000] [--out FILE]`. Takes the source records of the
published demo registry (`TL_DATA_DIR`; harvested and published first when there is none), each
record with its `#fragment` nodes, as harvesters validate them. For each size, the same records
are validated twice with the harvest shapes (core + vocabularies + recommended) and the
vocabularies as ontology:

- baseline: `pyshacl.validate` called once over the union of the records (inference none);
- ours: `registry.validate.validate_records` (chunks of 400 records, one process per core).

Both must give the same results (focus node, shape, severity, message): the run exits 1
otherwise. Budget (issue 9): ours ≥ 5× faster than the baseline. Peak memory of the process at
the end of each size.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import resource
import sys
import time
from collections import defaultdict

from rdflib import Graph, URIRef

from bench import environment, write_report
from bench.pages import ensure_published
from registry.publication import SnapshotFollower
from registry.settings import Settings
from registry.validate import harvest_shapes, validate, validate_records
from registry.vocabulary import vocabulary_graph


def record_graphs(settings: Settings, limit: int) -> list[Graph]:
    """Up to `limit` source records, each with its fragments, spread over every source."""
    store = SnapshotFollower(settings).store()
    everything = Graph()
    base = settings.base_uri
    prefix = f"{base}graph/source/"
    for name in store.graph_names():
        if str(name).startswith(prefix):
            text = store.construct_nt(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
            )
            everything.parse(data=text, format="nt")
    by_record: dict[str, Graph] = defaultdict(Graph)
    for s, p, o in everything:
        by_record[str(s).split("#", 1)[0]].add((s, p, o))
    records = [
        graph
        for key, graph in sorted(by_record.items())
        if "/id/record/" in key and (URIRef(key), None, None) in graph
    ]
    step = max(1, len(records) // limit)
    return records[::step][:limit]


def key(finding: object) -> tuple[str, str, str, str]:
    return (finding.focus, finding.shape, finding.severity, finding.message)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000])
    parser.add_argument("--out", default="var/bench/shacl.md")
    options = parser.parse_args(argv)
    settings = Settings.from_env()
    ensure_published(settings)
    shapes, ontology = harvest_shapes(), vocabulary_graph()
    print("reading the source records…", file=sys.stderr, flush=True)
    pool = record_graphs(settings, max(options.sizes))
    rows, wrong = [], 0
    for size in options.sizes:
        records = pool[:size]
        whole = Graph()
        for record in records:
            whole += record
        print(f"{len(records):,} records ({len(whole):,} triples): pyshacl…", file=sys.stderr,
              flush=True)  # fmt: skip
        start = time.perf_counter()
        baseline = validate(whole, shapes, ontology)
        plain = time.perf_counter() - start
        print("  ours…", file=sys.stderr, flush=True)
        start = time.perf_counter()
        ours = validate_records(records, shapes, ontology)
        chunked = time.perf_counter() - start
        same = sorted(map(key, ours.findings)) == sorted(map(key, baseline.findings))
        wrong += not same
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append((len(records), len(whole), plain, chunked, len(baseline.findings), same, peak))
    lines = [
        "# SHACL validation of records: ours vs pyshacl over the whole graph",
        "",
        *environment("registry/validate.py", {"pyshacl": importlib.metadata.version("pyshacl")}),
        "- shapes: core + vocabularies + recommended; ontology: the vocabularies; inference none",
        "",
        "| records | triples | pyshacl once (s) | ms/record | ours (s) | ms/record | speed-up | "
        "findings | same results | peak MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
        *(
            f"| {n:,} | {t:,} | {p:.1f} | {p / n * 1000:.2f} | {c:.1f} | {c / n * 1000:.2f} | "
            f"{p / c:.2f}× | {f:,} | {'yes' if same else 'NO'} | {peak:,.0f} |"
            for n, t, p, c, f, same, peak in rows
        ),
        "",
        f"Budget: ours ≥ 5× faster than pyshacl once over the whole graph — at "
        f"{rows[-1][0]:,} records {rows[-1][2] / rows[-1][3]:.2f}×: "
        f"{'met' if rows[-1][2] / rows[-1][3] >= 5 else 'NOT met'}.",
        "",
    ]
    write_report("\n".join(lines), options.out)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
