"""Near-home search benchmark: `PlaceIndex.near` against a numpy brute-force haversine.

Run `python -m bench.near_home [--sizes 10000 100000] [--queries 500] [--out FILE]`. For each
size, a synthetic registry (bench.synthetic) is indexed, then every query point is searched
with each filter set both ways, interleaved. Both answers are then checked, untimed, against
the exact one (every place's haversine distance, equal distances ordered by index): same places
in the same order at the same distances (within 1e-6 km). An answer differing only among places
at equal distances is valid, and counted apart (ties, off index order). Prints a Markdown
report, writes it to `--out`, exits 1 when any answer is wrong (a mismatch).
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy

from bench import environment
from registry.search import Filters, Hit, PlaceEntry, PlaceIndex, brute_force_nearest

from .synthetic import generate, query_points

TOLERANCE_KM = 1e-6
EARTH_RADIUS_KM = 6371.0088  # as brute_force_nearest
GOAL_MEDIAN_MS = 1.0
GOAL_RATIO = 2.0


@dataclass(frozen=True)
class Case:
    """One filter set of the mix, as the web would ask it."""

    name: str
    filters: Filters | None
    radius_km: float | None = None


CASES = (
    Case("no filter", None),
    Case("typology coworking", Filters(typologies=("coworking",))),
    Case(
        "label fabrique + ≥ 3 criteria", Filters(labels=("fabrique-de-territoire",), min_criteria=3)
    ),
    Case("service wifi, ≤ 30 km", Filters(services=("wifi",)), radius_km=30.0),
    Case("rare: label campus-connecte", Filters(labels=("campus-connecte",))),
)


@dataclass
class Outcome:
    """Timings (ns) and comparison counts of one filter set at one size."""

    case: Case
    accepted: float  # share of the located places passing the filters
    mask_ms: float  # one-off cost of the brute-force mask (outside the timed loop)
    ours: list[int] = field(default_factory=list)
    brute: list[int] = field(default_factory=list)
    ties: int = 0  # ours differs from the brute force's only among equal distances
    ours_off_order: int = 0  # ours valid, but equal distances not ordered by index
    brute_off_order: int = 0  # same, for the brute force
    mismatches: int = 0  # ours (or the brute force's) answer is wrong
    examples: list[str] = field(default_factory=list)


@dataclass
class SizeReport:
    """Everything measured at one registry size."""

    size: int
    located: int
    generate_s: float
    build_ms: list[float]
    max_rss_mb: float
    outcomes: list[Outcome]


def haversine_km(
    latitudes: np.ndarray, longitudes: np.ndarray, latitude: float, longitude: float
) -> np.ndarray:
    """Great-circle kilometres from one point, with brute_force_nearest's formula."""
    lat1, lon1 = np.radians(latitude), np.radians(longitude)
    lat2, lon2 = np.radians(latitudes), np.radians(longitudes)
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))))


def compare(
    ours: list[tuple[int, float]],
    reference: list[tuple[int, float]],
    check: Callable[[int], float | None],
) -> str:
    """Classify our (index, km) answer against the brute force's: "same", "tie" or "mismatch".

    A tie is an answer whose ids differ from the reference only among places at equal
    distances: same distances position by position, and each place of ours passes the filters
    (`check` gives its true distance, None when it does not pass) at the distance we report.
    """
    if len(ours) != len(reference) or any(
        abs(a - b) > TOLERANCE_KM for (_, a), (_, b) in zip(ours, reference, strict=True)
    ):
        return "mismatch"
    if [i for i, _ in ours] == [i for i, _ in reference]:
        return "same"
    if len({i for i, _ in ours}) != len(ours):
        return "mismatch"
    for i, km in ours:
        true_km = check(i)
        if true_km is None or abs(true_km - km) > TOLERANCE_KM:
            return "mismatch"
    return "tie"


def canonical_nearest(
    latitudes: np.ndarray,
    longitudes: np.ndarray,
    latitude: float,
    longitude: float,
    k: int,
    radius_km: float | None,
    mask: np.ndarray,
) -> list[tuple[int, float]]:
    """The exact answer, equal distances ordered by index (untimed: checks both searches).

    Unlike an argpartition cut at the k-th distance, keeps every place tied with the k-th
    before ordering by (distance, index), so which tied places make the cut is well defined.
    """
    km = haversine_km(latitudes, longitudes, latitude, longitude)
    keep = mask if radius_km is None else mask & (km <= radius_km)
    candidates = np.flatnonzero(keep)
    if len(candidates) > k:
        kth = np.partition(km[candidates], k - 1)[k - 1]
        candidates = candidates[km[candidates] <= kth]
    chosen = candidates[np.lexsort((candidates, km[candidates]))][:k]
    return [(int(i), float(km[i])) for i in chosen]


def percentile_ms(samples: list[int], q: float) -> float:
    """The `q` percentile of nanosecond samples, in milliseconds."""
    return float(np.percentile(np.array(samples), q)) / 1e6


def max_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def run_size(size: int, queries: int, warmup: int, seed: int, k: int) -> SizeReport:
    """Generate, index and search a registry of `size` places."""
    log(f"{size:,} places: generating")
    started = time.perf_counter_ns()
    entries = generate(size, seed)
    generate_s = (time.perf_counter_ns() - started) / 1e9

    build_ms = []
    for _ in range(3):
        gc.collect()
        started = time.perf_counter_ns()
        index = PlaceIndex(None, entries)
        build_ms.append((time.perf_counter_ns() - started) / 1e6)
    located: list[PlaceEntry] = index.located
    position = {e.id: i for i, e in enumerate(located)}
    latitudes = np.array([e.latitude for e in located], dtype=float)
    longitudes = np.array([e.longitude for e in located], dtype=float)

    points = query_points(queries, seed + 1)
    warm = query_points(warmup, seed + 2)
    outcomes = []
    for case in CASES:
        log(f"{size:,} places: {case.name}")
        chosen = case.filters or Filters()  # what PlaceIndex.near applies when given None
        started = time.perf_counter_ns()
        mask = np.fromiter((chosen.accepts(e) for e in located), dtype=bool, count=len(located))
        mask_ms = (time.perf_counter_ns() - started) / 1e6
        outcome = Outcome(case, float(mask.mean()), mask_ms)

        def ours(lat: float, lon: float, case: Case = case) -> list[Hit]:
            return index.near(lat, lon, k, case.radius_km, case.filters)

        def brute(
            lat: float, lon: float, case: Case = case, mask: np.ndarray = mask
        ) -> list[tuple[int, float]]:
            return brute_force_nearest(latitudes, longitudes, lat, lon, k, case.radius_km, mask)

        for lat, lon in warm:
            ours(lat, lon), brute(lat, lon)

        answers = []
        gc.collect()
        gc.disable()
        try:
            for n, (lat, lon) in enumerate(points):
                # Alternate which goes first, so that neither always finds the caches warm.
                order = (ours, brute) if n % 2 == 0 else (brute, ours)
                times = []
                results: list[Any] = []
                for search in order:
                    started = time.perf_counter_ns()
                    results.append(search(lat, lon))
                    times.append(time.perf_counter_ns() - started)
                if n % 2:
                    times.reverse()
                    results.reverse()
                outcome.ours.append(times[0])
                outcome.brute.append(times[1])
                answers.append((lat, lon, results[0], results[1]))
        finally:
            gc.enable()

        for lat, lon, hits, reference in answers:
            mine = [(position[h.entry.id], h.km) for h in hits]  # untimed
            canonical = canonical_nearest(latitudes, longitudes, lat, lon, k, case.radius_km, mask)

            def check(
                i: int,
                lat: float = lat,
                lon: float = lon,
                case: Case = case,
                mask: np.ndarray = mask,
            ) -> float | None:
                km = float(haversine_km(latitudes[i], longitudes[i], lat, lon))
                within = case.radius_km is None or km <= case.radius_km
                return km if mask[i] and within else None

            verdicts = [compare(answer, canonical, check) for answer in (mine, reference)]
            outcome.ours_off_order += verdicts[0] == "tie"
            outcome.brute_off_order += verdicts[1] == "tie"
            outcome.ties += "mismatch" not in verdicts and compare(mine, reference, check) == "tie"
            if "mismatch" in verdicts:
                outcome.mismatches += 1
                if len(outcome.examples) < 3:
                    outcome.examples.append(
                        f"({lat:.6f}, {lon:.6f}): ours {describe(mine, located)},"
                        f" brute force {describe(reference, located)},"
                        f" expected {describe(canonical, located)}"
                    )
        outcomes.append(outcome)
    return SizeReport(size, len(located), generate_s, build_ms, max_rss_mb(), outcomes)


def describe(answer: list[tuple[int, float]], located: list[PlaceEntry]) -> str:
    """A short form of an answer, for the report of a mismatch."""
    return "[" + ", ".join(f"{located[i].id}@{km:.6f}" for i, km in answer) + "]"


def log(message: str) -> None:
    """Progress, on standard error (the report goes to standard output)."""
    print(message, file=sys.stderr, flush=True)


def render(reports: list[SizeReport], queries: int, warmup: int, k: int, seed: int) -> str:
    """The Markdown report."""
    lines = [
        "# Near-home search benchmark",
        "",
        *environment("registry/search.py", {"numpy": np.__version__, "scipy": scipy.__version__}),
        f"- {queries} query points per filter set ({warmup} more to warm up), k = {k},"
        f" seed {seed}; times in ms per search, in-process",
        "- ours: `PlaceIndex.near`; brute force: `brute_force_nearest` (numpy haversine over"
        " every place) with its filter mask built once per filter set, outside the timed loop",
        "- checked against the exact answer (untimed): mismatches are wrong answers; ties are"
        " answers of ours differing from the brute force's only among places at equal"
        " distances; off index order: valid answers whose equal distances are not ordered"
        " by index",
        "- ratio: brute force / ours (above 1: ours is faster); compare ratios, not absolute"
        " times, across runs (shared, noisy machine)",
        "",
    ]
    for report in reports:
        builds = sorted(report.build_ms)
        lines += [
            f"## {report.size:,} places ({report.located:,} located)",
            "",
            f"Generated in {report.generate_s:.1f} s; `PlaceIndex` built in {builds[1]:.1f} ms"
            f" (median of 3: {', '.join(f'{b:.1f}' for b in report.build_ms)});"
            f" peak memory so far {report.max_rss_mb:.0f} MB (ru_maxrss).",
            "",
            "| filters | pass | mask ms | ours min | ours median | ours p95"
            " | brute min | brute median | brute p95 | ratio median | ratio p95 | ties"
            " | off index order ours / brute | mismatches |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for o in report.outcomes:
            ours = [min(o.ours) / 1e6, percentile_ms(o.ours, 50), percentile_ms(o.ours, 95)]
            brute = [min(o.brute) / 1e6, percentile_ms(o.brute, 50), percentile_ms(o.brute, 95)]
            cells = [
                o.case.name,
                f"{o.accepted:.1%}",
                f"{o.mask_ms:.0f}",
                *(f"{t:.3f}" for t in ours),
                *(f"{t:.3f}" for t in brute),
                f"{brute[1] / ours[1]:.2f}×",
                f"{brute[2] / ours[2]:.2f}×",
                str(o.ties),
                f"{o.ours_off_order} / {o.brute_off_order}",
                str(o.mismatches),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        for o in report.outcomes:
            lines += [f"- mismatch ({o.case.name}) at {example}" for example in o.examples]
        lines.append("")

    largest = max(reports, key=lambda r: r.size)
    lines += [
        f"## Goal at {largest.size:,} places: median ≤ {GOAL_MEDIAN_MS:g} ms"
        f" and ≥ {GOAL_RATIO:g}× faster than brute force, identical results",
        "",
    ]
    for o in largest.outcomes:
        median = percentile_ms(o.ours, 50)
        ratio = percentile_ms(o.brute, 50) / median
        met = median <= GOAL_MEDIAN_MS and ratio >= GOAL_RATIO and not o.mismatches
        lines.append(
            f"- {o.case.name}: median {median:.3f} ms, {ratio:.2f}×, {o.mismatches} mismatches"
            f" ({o.ties} ties) — {'met' if met else 'NOT met'}"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 1 when any answer differs from the brute force's."""
    parser = argparse.ArgumentParser(prog="python -m bench.near_home", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=Path("var/bench/near-home.md"))
    args = parser.parse_args(argv)

    reports = [run_size(n, args.queries, args.warmup, args.seed, args.k) for n in args.sizes]
    text = render(reports, args.queries, args.warmup, args.k, args.seed)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    log(f"written to {args.out}")
    return 1 if any(o.mismatches for r in reports for o in r.outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
