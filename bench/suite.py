"""Every benchmark, one after the other, and one Markdown report: `make bench`.

Run `python -m bench.suite [--places 100000] [--quick] [--only NAME …] [--out FILE]`. Each stage
is a module of bench/ run in its own process (so its peak memory is its own: `wait4`'s
`ru_maxrss`), writing its own report in var/bench/; this one times them and assembles
`var/bench/report.md`: a table of the stages (wall time, peak memory, exit status), then each
stage's report, whose tables give min / median / p95 and the ratio to the baseline that stage
measured in the same run. `--quick` runs small sizes (a check that everything runs, not figures
to quote). A stage that fails is reported and the others still run; the exit status is 1 then.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import environment

OUT = Path("var/bench")


def stages(places: int, quick: bool) -> list[tuple[str, str, list[str]]]:
    """(name, what it measures, command arguments) of each stage, in order."""
    small = quick
    return [
        ("pipeline", "files → harvest → validation → publication → dumps",
         ["--places", str(2000 if small else places)]),
        ("shacl", "SHACL validation: ours vs pyshacl once over the whole graph",
         ["--sizes", *(["500"] if small else ["2000", "8000"])]),
        ("reconcile", "reconciliation of synthetic records",
         ["--size", str(2000 if small else places), "--baseline", "0" if small else "10000"]),
        ("near_home", "near-home search vs brute force",
         ["--sizes", *(["2000"] if small else ["10000", str(places)]),
          "--queries", "50" if small else "500"]),
        ("publication", "publish time, dumps, example queries: /sparql vs pyoxigraph",
         ["--places", str(2000 if small else places), "--runs", "3" if small else "5"]),
        ("stores", "example queries: Oxigraph vs Virtuoso vs rdflib",
         ["--runs", "2" if small else "5", "--rdflib-timeout", "20" if small else "60"]),
        ("pages", "server render time of each page type vs hello world",
         ["--requests", "5" if small else "50"]),
        ("http_load", "HTTP throughput under wrk vs hello world and rdflib-endpoint",
         ["--seconds", "3" if small else "10"]),
    ]  # fmt: skip


def run(name: str, arguments: list[str]) -> tuple[int, float, float]:
    """Run `python -m bench.{name}`; (exit status, seconds, peak MB)."""
    report = OUT / f"{name.replace('_', '-')}.md"
    command = [sys.executable, "-m", f"bench.{name}", *arguments, "--out", str(report)]
    print(f"== bench.{name} {' '.join(arguments)}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    return os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--out", default=str(OUT / "report.md"))
    options = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    chosen = [s for s in stages(options.places, options.quick)
              if not options.only or s[0] in options.only]  # fmt: skip
    results = []
    for name, what, arguments in chosen:
        status, seconds, peak = run(name, arguments)
        results.append((name, what, arguments, status, seconds, peak))
    lines = [
        "# Benchmarks of the registry",
        "",
        *environment("registry", {"pyoxigraph": importlib.metadata.version("pyoxigraph")}),
        f"- sizes: {'quick (small: not figures to quote)' if options.quick else options.places}",
        f"- assembled {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.suite`",
        "",
        "| stage | measures | arguments | wall s | peak MB | status |",
        "|---|---|---|---:|---:|---|",
        *(
            f"| {name} | {what} | `{' '.join(arguments)}` | {seconds:,.0f} | {peak:,.0f} | "
            f"{'ok' if status == 0 else f'FAILED ({status})'} |"
            for name, what, arguments, status, seconds, peak in results
        ),
        "",
    ]
    for name, *_ in results:
        report = OUT / f"{name.replace('_', '-')}.md"
        if report.is_file():
            body = report.read_text(encoding="utf-8").replace("\n# ", "\n## ")
            lines += ["", "#" + body if body.startswith("# ") else body]
    text = "\n".join(lines) + "\n"
    Path(options.out).write_text(text, encoding="utf-8")
    print(text)
    return 0 if all(status == 0 for *_, status, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
